import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { PageQueryDto } from '../common/http/paging';
import { PartialTitledDto, TITLE_RULE, TitledDto, trimmed } from '../common/http/titled.dto';
import { BooleanFromQuery, PG_INT_MAX } from '../common/http/validation';

/**
 * Request bodies of the agent-scoped API. Absent fields mean "unchanged";
 * `description: null` clears a description (REST and MCP alike); `title: null` is refused.
 */

export const PARENT_RULE = 'parent_id must be an integer >= 0';
export const SORT_RULE = `sort_order must be an integer from ${-PG_INT_MAX - 1} to ${PG_INT_MAX}`;

export class CreateNodeDto extends TitledDto {
  @ApiPropertyOptional({ default: 0, description: '0 for a root node; else a node of the same tree' })
  @IsOptional()
  @IsInt({ message: PARENT_RULE })
  @Min(0, { message: PARENT_RULE })
  @Max(PG_INT_MAX, { message: PARENT_RULE })
  parent_id?: number;

  @ApiPropertyOptional({ default: 0, description: 'Order among siblings (then pkid)' })
  @IsOptional()
  @IsInt({ message: SORT_RULE })
  @Min(-PG_INT_MAX - 1, { message: SORT_RULE })
  @Max(PG_INT_MAX, { message: SORT_RULE })
  sort_order?: number;
}

export class UpdateNodeDto extends PartialTitledDto {
  @ApiPropertyOptional({ description: 'Moves the node: 0 for root, else a node of the same tree that is not inside it' })
  @ValidateIf((o: UpdateNodeDto) => o.parent_id !== undefined)
  @IsInt({ message: PARENT_RULE })
  @Min(0, { message: PARENT_RULE })
  @Max(PG_INT_MAX, { message: PARENT_RULE })
  parent_id?: number;

  @ApiPropertyOptional()
  @ValidateIf((o: UpdateNodeDto) => o.sort_order !== undefined)
  @IsInt({ message: SORT_RULE })
  @Min(-PG_INT_MAX - 1, { message: SORT_RULE })
  @Max(PG_INT_MAX, { message: SORT_RULE })
  sort_order?: number;
}

export class CreateAgentMemoryDto extends TitledDto {}
export class UpdateAgentMemoryDto extends PartialTitledDto {}

export class CreateSessionDto {
  @ApiPropertyOptional({ example: 'mnemo', nullable: true, type: String, maxLength: 500, description: 'Project context' })
  @IsOptional()
  @IsString({ message: 'project must be a string of at most 500 characters' })
  @MaxLength(500, { message: 'project must be a string of at most 500 characters' })
  project?: string | null;
}

export class SessionNotesDto {
  @ApiProperty({ example: 'Shipped the handoff queue.', nullable: true, type: String, maxLength: 100000 })
  @ValidateIf((o: SessionNotesDto) => o.notes !== null)
  @IsString({ message: 'notes must be a string of at most 100000 characters, or null' })
  @MaxLength(100000, { message: 'notes must be a string of at most 100000 characters, or null' })
  notes: string | null;
}

export class CreateHandoffDto {
  @ApiProperty({ example: 'Continue the migration', maxLength: 500 })
  @Transform(trimmed)
  @IsString({ message: TITLE_RULE })
  @MinLength(1, { message: TITLE_RULE })
  @MaxLength(500, { message: TITLE_RULE })
  title: string;

  @ApiProperty({ example: 'Pick up at step 3: …', maxLength: 100000 })
  @IsString({ message: 'prompt must be 1-100000 characters' })
  @MinLength(1, { message: 'prompt must be 1-100000 characters' })
  @MaxLength(100000, { message: 'prompt must be 1-100000 characters' })
  prompt: string;
}

export const HANDOFF_STATUSES = ['pending', 'picked_up', 'all'] as const;
export type HandoffStatus = (typeof HANDOFF_STATUSES)[number];

export class HandoffListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: HANDOFF_STATUSES, default: 'pending' })
  @IsOptional()
  @IsIn(HANDOFF_STATUSES, { message: 'status must be one of pending, picked_up, all' })
  status?: HandoffStatus;
}

export class ContextQueryDto {
  @ApiPropertyOptional({ default: false, description: 'Also record a session start and report the previous one' })
  @BooleanFromQuery()
  @IsOptional()
  @IsBoolean({ message: 'start_session must be true or false' })
  start_session?: boolean;
}
