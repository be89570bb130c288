import { ApiProperty } from '@nestjs/swagger';
import type { TimeView } from './time.service';

/** The current time in one zone (GET /time, and the `time` of an agent's context). */
export class TimeDto implements TimeView {
  @ApiProperty({ format: 'date-time', example: '2026-11-21T23:19:53.123Z', description: 'RFC 3339, UTC' }) utc: string;
  @ApiProperty({ example: '2026-11-21T16:19:53.123-07:00', description: 'RFC 3339 with the zone’s offset' }) local: string;
  @ApiProperty({ example: 'America/Denver', description: 'IANA time zone' }) tz: string;
  @ApiProperty({ example: 'Saturday', description: 'Day of the week in that zone (English)' }) day: string;
  @ApiProperty({ type: 'integer', example: 1795303193, description: 'Unix time, seconds' }) unix: number;
}
