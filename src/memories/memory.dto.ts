import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsDefined, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { PageQueryDto } from '../common/http/paging';
import { BooleanFromQuery } from '../common/http/validation';
import { SCOPES, SOURCE_RULE, SOURCES } from '../policy/policy.constants';
import { DomainField, IsMemoryValue, ScopeField, SubjectField } from './memory-fields';
import { SHAPES } from './memory-value';

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
    oneOf: [{ type: 'object' }, { type: 'array' }],
  })
  // The parsed JSON as sent: class-transformer would rebuild it (and drop keys such as __proto__).
  @Transform(({ obj }: { obj: Record<string, unknown> }) => obj.value_json)
  @IsDefined({ message: 'value_json is required' })
  @IsMemoryValue()
  value_json: unknown;
}

export class CreatedMemoryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'user_123' }) user_id: string;
  @ApiProperty({ enum: SCOPES }) scope: string;
  @ApiProperty({ nullable: true, type: String, example: 'food' }) domain: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
  @ApiProperty({ format: 'date-time' }) expires_at: Date;
}

export class SubjectQueryDto {
  @SubjectField() user_id: string;
}

export class SubjectBodyDto extends SubjectQueryDto {}

export class ListMemoriesQueryDto extends PageQueryDto {
  @SubjectField() user_id: string;
  @ScopeField(true) scope?: (typeof SCOPES)[number];

  /** Absent: every domain; empty: only domain-less memories. */
  @DomainField()
  domain?: string | null;

  @ApiPropertyOptional({ default: false })
  @BooleanFromQuery()
  @IsOptional()
  @IsBoolean({ message: 'include_expired must be true or false' })
  include_expired?: boolean;
}

export class MemoryDto extends CreatedMemoryDto {
  @ApiProperty({ enum: SHAPES }) shape: string;
  @ApiProperty({ description: 'The stored (normalized) value' }) value: unknown;
  @ApiProperty({ enum: SOURCES }) source: string;
  @ApiProperty() ttl_days: number;
  @ApiProperty({ description: 'Expired memories are never merged into reads' }) expired: boolean;
}

export class MemoryListDto {
  @ApiProperty({ type: [MemoryDto] }) memories: MemoryDto[];
  @ApiProperty() total: number;
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}

export class ErasedDto {
  @ApiProperty({ example: 3, description: 'Memories deleted (the subject’s grants are deleted too)' }) deleted: number;
}
