import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { IntegerFromQuery } from '../common/http/validation';
import { NAME_PATTERN, NAME_RULE, normalizeName } from '../identity/names';

export const AUDIT_PAGE_DEFAULT = 100;
export const AUDIT_PAGE_MAX = 500;
const CURSOR_RULE = 'cursor must be the next_cursor of a previous page';
export const TIME_RULE = (field: string) => `${field} must be an ISO 8601 date-time such as 2026-11-22T00:00:00Z`;

/** Filters and paging of the audit log (`GET /audit`, MCP `query_audit`). */
export class AuditQueryDto {
  @ApiPropertyOptional({ example: 'SECRET_READ', description: 'Only events of this type' })
  @IsOptional()
  @IsString({ message: 'event_type must be a string' })
  @MaxLength(64, { message: 'event_type must be at most 64 characters' })
  event_type?: string;

  @ApiPropertyOptional({ example: 'lucy', description: 'Only events done by this agent' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => normalizeName(value))
  @IsString({ message: 'agent must be an agent name' })
  @Matches(NAME_PATTERN, { message: `agent must be an agent name (${NAME_RULE})` })
  agent?: string;

  @ApiPropertyOptional({ example: 'slack_token', description: 'Only events about this subject (a secret key, a memory subject, an agent…)' })
  @IsOptional()
  @IsString({ message: 'subject must be a string' })
  @MaxLength(1000, { message: 'subject must be at most 1000 characters' })
  subject?: string;

  @ApiPropertyOptional({ example: '2026-11-01T00:00:00Z', description: 'Events at or after this time' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: TIME_RULE('since') })
  since?: string;

  @ApiPropertyOptional({ example: '2026-11-22T00:00:00Z', description: 'Events before this time' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: TIME_RULE('until') })
  until?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: AUDIT_PAGE_MAX, default: AUDIT_PAGE_DEFAULT })
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
