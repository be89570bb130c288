import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { PG_INT_MAX } from '../common/http/validation';

export const TYPE_RULE = 'object_type_id must be 1 (project), 2 (hint), or 3 (wiki)';
export const LEVEL_RULE = 'permission_level must be 1, 2, or 3';
const OBJECT_RULE = 'object_id must be a positive integer';

/**
 * POST /sharing. Fields are checked in LucyAPI's order (type, level, then the
 * recipient and the object); the recipient is named by id or by user name.
 */
export class ShareDto {
  @ApiPropertyOptional({ enum: [1, 2, 3], description: '1 project, 2 hint category (a root hint), 3 wiki' })
  @IsIn([1, 2, 3], { message: TYPE_RULE })
  object_type_id: 1 | 2 | 3;

  @ApiPropertyOptional({ enum: [1, 2, 3], default: 1, description: '1 read, 2 read + edit, 3 full (delete sections; never the object)' })
  @IsOptional()
  @IsIn([1, 2, 3], { message: LEVEL_RULE })
  permission_level?: 1 | 2 | 3;

  @ApiPropertyOptional({ example: 12 })
  @IsInt({ message: OBJECT_RULE })
  @Min(1, { message: OBJECT_RULE })
  @Max(PG_INT_MAX, { message: OBJECT_RULE })
  object_id: number;

  @ApiPropertyOptional({ format: 'uuid', description: 'The recipient (or give shared_to_user_name)' })
  @IsOptional()
  @IsUUID('all', { message: 'shared_to_user_id must be a UUID' })
  shared_to_user_id?: string;

  @ApiPropertyOptional({ example: 'linus', description: 'The recipient by user name (or give shared_to_user_id)' })
  @IsOptional()
  @IsString({ message: 'shared_to_user_name must be a string of at most 64 characters' })
  @MaxLength(64, { message: 'shared_to_user_name must be a string of at most 64 characters' })
  shared_to_user_name?: string;
}
