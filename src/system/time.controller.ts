import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { Caller } from '../common/auth/actor';
import { CurrentCaller, OptionalAgent } from '../common/auth/access.decorators';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { TimeService, type TimeView } from './time.service';

export class TimeQueryDto {
  @ApiPropertyOptional({
    example: 'America/Denver',
    description: "IANA time zone. Default: the calling agent's user timezone, else DEFAULT_TIMEZONE.",
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  tz?: string;
}

export class TimeDto implements TimeView {
  @ApiProperty({ example: '2026-11-21T23:19:53.123Z' }) utc: string;
  @ApiProperty({ example: '2026-11-21T16:19:53.123-07:00' }) local: string;
  @ApiProperty({ example: 'America/Denver' }) tz: string;
  @ApiProperty({ example: 'Saturday' }) day: string;
  @ApiProperty({ example: 1795303193 }) unix: number;
}

@ApiTags('system')
@Controller('time')
export class TimeController {
  constructor(
    private readonly time: TimeService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @OptionalAgent()
  @ApiOperation({
    summary: 'Current time, for temporal grounding',
    description: "In `?tz=`, else the calling agent's user timezone (when a valid key is sent), else DEFAULT_TIMEZONE.",
  })
  @ApiOkResponse({ type: TimeDto })
  now(@Query() query: TimeQueryDto, @CurrentCaller() caller?: Caller): TimeView {
    return this.time.now(query.tz ?? caller?.timeZone ?? this.config.defaultTimeZone);
  }
}
