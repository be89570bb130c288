import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsISO8601, IsOptional, Matches, ValidateIf } from 'class-validator';
import { PageDto } from '../common/http/paging';
import { PartialTitledDto, TitledDto } from '../common/http/titled.dto';

const DUE_RULE = 'due_date must be a date YYYY-MM-DD, or null for ASAP';

/** A calendar date (YYYY-MM-DD) that exists. */
const DueDate = () => applyDecorators(Matches(/^\d{4}-\d{2}-\d{2}$/, { message: DUE_RULE }), IsISO8601({ strict: true }, { message: DUE_RULE }));

export class CreateNudgeDto extends TitledDto {
  @ApiPropertyOptional({ example: '2026-12-01', nullable: true, type: String, description: 'Absent or null: ASAP' })
  @IsOptional()
  @DueDate()
  due_date?: string | null;
}

export class UpdateNudgeDto extends PartialTitledDto {
  @ApiPropertyOptional({ example: '2026-12-01', nullable: true, type: String, description: 'A new date; null makes it ASAP; absent keeps it' })
  @ValidateIf((o: UpdateNudgeDto) => o.due_date !== undefined && o.due_date !== null)
  @DueDate()
  due_date?: string | null;

  @ApiPropertyOptional({ description: "LucyAPI's way to make it ASAP (same as due_date: null)" })
  @IsOptional()
  @IsBoolean({ message: 'clear_due_date must be true or false' })
  clear_due_date?: boolean;
}

/* Responses. */

const NUDGE_ID = { type: 'integer', example: 2 } as const;
const DUE = { type: String, format: 'date', nullable: true, example: '2026-12-01', description: 'YYYY-MM-DD; null: ASAP' } as const;

export class NudgeDto {
  @ApiProperty(NUDGE_ID) nudge_id: number;
  @ApiProperty({ example: 'Renew the TLS certificate' }) title: string;
  @ApiProperty({ type: String, nullable: true, example: 'Before the old one expires on the 5th' }) description: string | null;
  @ApiProperty(DUE) due_date: string | null;
  @ApiProperty({ type: Date, format: 'date-time', nullable: true, description: 'When a context read last surfaced it (null: never)' })
  last_reminded: Date | null;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
  @ApiProperty({ format: 'date-time' }) updated_at: Date;
}

export class NudgeListDto extends PageDto {
  @ApiProperty({ type: [NudgeDto], description: 'ASAP (no due date) first, then the soonest due' }) nudges: NudgeDto[];
}

export class NudgeCreatedDto {
  @ApiProperty(NUDGE_ID) nudge_id: number;
  @ApiProperty({ example: 'Renew the TLS certificate' }) title: string;
  @ApiProperty(DUE) due_date: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
}

export class CreatedNudgeDto {
  @ApiProperty({ type: NudgeCreatedDto }) created: NudgeCreatedDto;
}

export class NudgeUpdatedDto {
  @ApiProperty(NUDGE_ID) nudge_id: number;
  @ApiProperty({ example: 'Renew the TLS certificate' }) title: string;
  @ApiProperty(DUE) due_date: string | null;
}

export class UpdatedNudgeDto {
  @ApiProperty({ type: NudgeUpdatedDto }) updated: NudgeUpdatedDto;
}
