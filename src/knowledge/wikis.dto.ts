import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { PartialTitledDto, TitledDto } from '../common/http/titled.dto';
import { PG_INT_MAX } from '../common/http/validation';

const PARENT_RULE = 'parent_id must be an integer >= 0';
const TAGS_RULE = 'tags must be an array of at most 50 strings of 1-100 characters';

/** Section tags: case-sensitive, exact strings; duplicates in one request count once. */
const Tags = (description: string) =>
  applyDecorators(
    ApiPropertyOptional({ type: [String], example: ['architecture'], description }),
    IsOptional(),
    IsArray({ message: TAGS_RULE }),
    ArrayMaxSize(50, { message: TAGS_RULE }),
    IsString({ each: true, message: TAGS_RULE }),
    MinLength(1, { each: true, message: TAGS_RULE }),
    MaxLength(100, { each: true, message: TAGS_RULE }),
  );

export class CreateWikiDto extends TitledDto {}
export class UpdateWikiDto extends PartialTitledDto {}

export class CreateWikiSectionDto extends TitledDto {
  @ApiPropertyOptional({ default: 0, description: '0 for a top-level section; else a section of the same wiki' })
  @IsOptional()
  @IsInt({ message: PARENT_RULE })
  @Min(0, { message: PARENT_RULE })
  @Max(PG_INT_MAX, { message: PARENT_RULE })
  parent_id?: number;

  @Tags('Case-sensitive; at most 50 of 1-100 characters')
  tags?: string[] | null;
}

/** `tags` replaces the section's whole set (`[]` clears it); absent or null leaves it. */
export class UpdateWikiSectionDto extends PartialTitledDto {
  @Tags('Replaces the whole set; [] clears it; absent or null leaves it')
  tags?: string[] | null;
}
