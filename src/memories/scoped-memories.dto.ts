import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsDefined, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { PageDto, PageQueryDto } from '../common/http/paging';
import { BooleanFromQuery } from '../common/http/validation';
import { SCOPES, SOURCE_RULE, SOURCES } from '../policy/policy.constants';
import { DomainField, IsMemoryValue, ScopeField, SubjectField } from './memory-fields';
import { SHAPES } from './memory-value';

/** A memory value: a JSON object or array, free-form within its shape. */
const MEMORY_VALUE_SCHEMAS = [
  { type: 'object', additionalProperties: true },
  { type: 'array', items: {} },
];

export class CreateMemoryDto {
  @SubjectField() user_id: string;
  @ScopeField() scope: (typeof SCOPES)[number];
  @DomainField() domain?: string | null;

  @ApiProperty({ enum: SOURCES, example: 'explicit_user_input' })
  @IsIn(SOURCES, { message: `source ${SOURCE_RULE}` })
  source: (typeof SOURCES)[number];

  @ApiProperty({ minimum: 1, maximum: 365, example: 30 })
  @IsInt({ message: 'ttl_days must be an integer between 1 and 365' })
  @Min(1, { message: 'ttl_days must be an integer between 1 and 365' })
  @Max(365, { message: 'ttl_days must be an integer between 1 and 365' })
  ttl_days: number;

  @ApiProperty({
    description:
      'One of six shapes: likes_dislikes {"likes": [...], "dislikes": [...]}, rules_list ["..."], ' +
      'schedule_windows [{"start", "end", "day"}] or {"windows": [...]}, boolean_flags {"flag": true}, ' +
      'attention_settings {"focus_mode": ..., "do_not_disturb": ...}, kv_map {"key": value}. ' +
      'At most 5,000 items per array, 8 levels, 2,000 characters per string, 256 KB.',
    example: { likes: ['coffee', 'tea'], dislikes: ['milk'] },
    oneOf: MEMORY_VALUE_SCHEMAS,
  })
  // The parsed JSON as sent: class-transformer would rebuild it (and drop keys such as __proto__).
  @Transform(({ obj }: { obj: Record<string, unknown> }) => obj.value_json)
  @IsDefined({ message: 'value_json is required' })
  @IsMemoryValue()
  value_json: unknown;
}

export class CreatedMemoryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'user_123', description: 'The subject the memory is about' }) user_id: string;
  @ApiProperty({ enum: SCOPES }) scope: string;
  @ApiProperty({ nullable: true, type: String, example: 'food' }) domain: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
  @ApiProperty({ format: 'date-time', description: 'created_at + ttl_days' }) expires_at: Date;
}

export class SubjectQueryDto {
  @SubjectField() user_id: string;
}

export class SubjectBodyDto extends SubjectQueryDto {}

export class ListMemoriesQueryDto extends PageQueryDto {
  @SubjectField() user_id: string;
  @ApiPropertyOptional({ description: 'Only memories of this scope (absent: every scope)' })
  @ScopeField(true)
  scope?: (typeof SCOPES)[number];

  /** Absent: every domain; empty: only domain-less memories. */
  @ApiPropertyOptional({ description: 'Only memories of this domain; empty: only those without one; absent: every domain' })
  @DomainField()
  domain?: string | null;

  @ApiPropertyOptional({ default: false, description: 'Also list expired memories (true/false or 1/0)' })
  @BooleanFromQuery()
  @IsOptional()
  @IsBoolean({ message: 'include_expired must be true or false' })
  include_expired?: boolean;
}

export class MemoryDto extends CreatedMemoryDto {
  @ApiProperty({ enum: SHAPES }) shape: string;
  @ApiProperty({
    description: 'The stored (normalized) value: a JSON object or array of its shape',
    oneOf: MEMORY_VALUE_SCHEMAS,
    example: { likes: ['coffee', 'tea'], dislikes: ['milk'] },
  })
  value: unknown;
  @ApiProperty({ enum: SOURCES }) source: string;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 365, example: 30 }) ttl_days: number;
  @ApiProperty({ description: 'Expired memories are never merged into reads' }) expired: boolean;
}

export class MemoryListDto extends PageDto {
  @ApiProperty({ type: [MemoryDto] }) memories: MemoryDto[];
}
