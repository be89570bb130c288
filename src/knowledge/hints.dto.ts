import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { PageDto } from '../common/http/paging';
import { PartialTitledDto, TitledDto } from '../common/http/titled.dto';
import { PG_INT_MAX } from '../common/http/validation';

const PARENT_RULE = 'parent_id must be an integer >= 0';

export class CreateHintCategoryDto extends TitledDto {}

export class CreateHintDto extends TitledDto {
  @ApiPropertyOptional({ default: 0, description: '0 creates a category (a root hint); else the parent hint' })
  @IsOptional()
  @IsInt({ message: PARENT_RULE })
  @Min(0, { message: PARENT_RULE })
  @Max(PG_INT_MAX, { message: PARENT_RULE })
  parent_id?: number;
}

export class UpdateHintDto extends PartialTitledDto {}

/* Responses. */

const HINT_ID = { type: 'integer', example: 8 } as const;
const HINT_PARENT = { type: 'integer', example: 7, description: '0 for a category (a root hint)' } as const;
const CATEGORY_ID = { type: 'integer', example: 7, description: 'The root hint of its category' } as const;

export class HintDto {
  @ApiProperty(HINT_ID) hint_id: number;
  @ApiProperty(HINT_PARENT) parent_id: number;
  @ApiProperty({ example: 'Commit messages' }) title: string;
  @ApiProperty({ type: String, nullable: true, example: 'Imperative mood, at most 72 characters' }) description: string | null;
  @ApiProperty(CATEGORY_ID) hint_category_id: number;
  @ApiProperty({ type: 'integer', example: 0, description: 'Order among siblings (then hint_id)' }) sort_order: number;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
  @ApiProperty({ format: 'date-time' }) updated_at: Date;
}

/** A listed hint: the hint with your access to its category. */
export class HintListItemDto extends HintDto {
  @ApiProperty({ enum: ['owned', 'shared'], example: 'owned', description: 'Its category is owned by your user, or shared to it' })
  access: 'owned' | 'shared';
  @ApiProperty({ type: 'integer', enum: [1, 2, 3], example: 3, description: 'Your access: 1 read, 2 read + edit, 3 full (always 3 for an owner)' })
  permission_level: number;
}

export class HintListDto extends PageDto {
  @ApiProperty({ type: [HintListItemDto], description: 'Flat, by parent_id, sort_order, hint_id' }) hints: HintListItemDto[];
}

export class HintTitleDto {
  @ApiProperty(HINT_ID) hint_id: number;
  @ApiProperty(HINT_PARENT) parent_id: number;
  @ApiProperty({ example: 'Commit messages' }) title: string;
}

export class HintCompactListDto extends PageDto {
  @ApiProperty({ type: [HintTitleDto], description: 'Flat, by parent_id, sort_order, hint_id' }) hints: HintTitleDto[];
}

export class HintWithChildrenDto {
  @ApiProperty({ type: HintDto }) node: HintDto;
  @ApiProperty({ type: [HintDto], description: 'Immediate children, by sort_order, hint_id' }) children: HintDto[];
}

export class HintCreatedDto {
  @ApiProperty(HINT_ID) hint_id: number;
  @ApiProperty(HINT_PARENT) parent_id: number;
  @ApiProperty({ example: 'Commit messages' }) title: string;
  @ApiProperty(CATEGORY_ID) hint_category_id: number;
}

export class CreatedHintDto {
  @ApiProperty({ type: HintCreatedDto }) created: HintCreatedDto;
}

export class HintUpdatedDto {
  @ApiProperty(HINT_ID) hint_id: number;
  @ApiProperty({ example: 'Commit messages' }) title: string;
}

export class UpdatedHintDto {
  @ApiProperty({ type: HintUpdatedDto }) updated: HintUpdatedDto;
}
