import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { IntegerFromQuery } from '../common/http/validation';
import { NAME_PATTERN, NAME_RULE, normalizeName } from '../common/names';

export const AUDIT_PAGE_DEFAULT = 100;
export const AUDIT_PAGE_MAX = 500;
const CURSOR_RULE = 'cursor must be the next_cursor of a previous page';
export const TIME_RULE = (field: string) => `${field} must be an ISO 8601 date-time such as 2026-11-22T00:00:00Z`;

/** Filters and paging of the audit log (`GET /audit`, MCP `query_audit`). */
export class AuditQueryDto {
  @ApiPropertyOptional({ example: 'SECRET_READ', maxLength: 64, description: 'Only events of this type' })
  @IsOptional()
  @IsString({ message: 'event_type must be a string' })
  @MaxLength(64, { message: 'event_type must be at most 64 characters' })
  event_type?: string;

  @ApiPropertyOptional({ example: 'lucy', maxLength: 64, description: 'Only events done by this agent (its name, case-insensitive)' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => normalizeName(value))
  @IsString({ message: 'agent must be an agent name' })
  @Matches(NAME_PATTERN, { message: `agent must be an agent name (${NAME_RULE})` })
  agent?: string;

  @ApiPropertyOptional({
    example: 'slack_token',
    maxLength: 1000,
    description: 'Only events about this subject (a secret key, a memory subject, an agent…)',
  })
  @IsOptional()
  @IsString({ message: 'subject must be a string' })
  @MaxLength(1000, { message: 'subject must be at most 1000 characters' })
  subject?: string;

  @ApiPropertyOptional({ example: '2026-11-01T00:00:00Z', description: 'Events at or after this time (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: TIME_RULE('since') })
  since?: string;

  @ApiPropertyOptional({ example: '2026-11-22T00:00:00Z', description: 'Events before this time (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: TIME_RULE('until') })
  until?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: AUDIT_PAGE_MAX, default: AUDIT_PAGE_DEFAULT, description: 'Page size' })
  @IntegerFromQuery()
  @IsInt({ message: `limit must be an integer between 1 and ${AUDIT_PAGE_MAX}` })
  @Min(1, { message: `limit must be an integer between 1 and ${AUDIT_PAGE_MAX}` })
  @Max(AUDIT_PAGE_MAX, { message: `limit must be an integer between 1 and ${AUDIT_PAGE_MAX}` })
  limit: number = AUDIT_PAGE_DEFAULT;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page (opaque)' })
  @IsOptional()
  @IsString({ message: CURSOR_RULE })
  @Matches(/^[1-9]\d{0,17}$/, { message: CURSOR_RULE })
  cursor?: string;
}

/* Responses. */

const NULLABLE_TEXT = { type: String, nullable: true } as const;

/** One audit event, as GET /audit lists it. */
export class AuditEventDto {
  @ApiProperty({ type: 'integer', example: 1842, description: 'Position in the service-wide sequence (increasing)' }) seq: number;
  @ApiProperty({ format: 'date-time' }) occurred_at: string;
  @ApiProperty({ example: 'SECRET_READ' }) event_type: string;
  @ApiProperty({ ...NULLABLE_TEXT, example: 'lucy', description: 'The agent that acted (null: an operator, or the agent was deleted)' })
  agent: string | null;
  @ApiProperty({ ...NULLABLE_TEXT, example: '0b7e5f1c-2a9d-4f1e-8c3b-5d6e7f8a9b0c', description: 'The request that caused it' })
  request_id: string | null;
  @ApiProperty({ ...NULLABLE_TEXT, example: 'slack_token', description: 'What it is about: a secret key, a memory subject, an agent…' })
  subject: string | null;
  @ApiProperty({ ...NULLABLE_TEXT, example: null }) scope: string | null;
  @ApiProperty({ ...NULLABLE_TEXT, example: null }) domain: string | null;
  @ApiProperty({ ...NULLABLE_TEXT, example: null }) purpose: string | null;
  @ApiProperty({ ...NULLABLE_TEXT, example: null }) purpose_class: string | null;
  @ApiProperty({ type: [String], format: 'uuid', nullable: true, example: null, description: 'Scoped memories involved' })
  memory_ids: string[] | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, example: null, description: 'The read grant involved' }) grant_id: string | null;
  @ApiProperty({ ...NULLABLE_TEXT, example: null, description: 'Why, for denials and revocations' }) reason_code: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    example: null,
    description: 'Free-form details of the event (JSON as recorded)',
  })
  meta: Record<string, unknown> | null;
}

export class AuditEventPageDto {
  @ApiProperty({ type: [AuditEventDto], description: 'Newest first' }) events: AuditEventDto[];
  @ApiProperty({
    type: String,
    nullable: true,
    example: '1842',
    description: 'Pass as cursor for the next page; null on the last page',
  })
  next_cursor: string | null;
}

export class AuditVerifyDto {
  @ApiProperty({ example: true, description: 'No event was changed, deleted or inserted by hand' }) ok: boolean;
  @ApiProperty({ type: 'integer', example: 1840, description: 'Events whose link was recomputed and matched' }) events_checked: number;
  @ApiProperty({ type: 'integer', example: 1842, description: 'Every event up to this seq is linked (the sealer runs a few seconds behind)' })
  sealed_through_seq: number;
  @ApiProperty({ type: 'integer', nullable: true, example: null, description: 'The first event found altered (null when ok)' })
  first_bad_seq: number | null;
}
