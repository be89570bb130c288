import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import { PageDto } from '../common/http/paging';
import { PG_INT_MAX } from '../common/http/validation';

export const TYPE_RULE = 'object_type_id must be 1 (project), 2 (hint), or 3 (wiki)';
export const LEVEL_RULE = 'permission_level must be 1, 2, or 3';
const OBJECT_RULE = 'object_id must be a positive integer';

/**
 * POST /sharing. Fields are checked in LucyAPI's order (type, level, then the
 * recipient and the object); the recipient is named by id or by user name.
 */
export class ShareDto {
  @ApiProperty({ type: 'integer', enum: [1, 2, 3], description: '1 project, 2 hint category (a root hint), 3 wiki' })
  @IsIn([1, 2, 3], { message: TYPE_RULE })
  object_type_id: 1 | 2 | 3;

  @ApiPropertyOptional({
    type: 'integer',
    enum: [1, 2, 3],
    default: 1,
    description: '1 read, 2 read + edit, 3 full (delete sections; never the object)',
  })
  @IsOptional()
  @IsIn([1, 2, 3], { message: LEVEL_RULE })
  permission_level?: 1 | 2 | 3;

  @ApiProperty({ type: 'integer', example: 12, description: 'project_id, hint_id of the category (a root hint), or wiki_id' })
  @IsInt({ message: OBJECT_RULE })
  @Min(1, { message: OBJECT_RULE })
  @Max(PG_INT_MAX, { message: OBJECT_RULE })
  object_id: number;

  @ApiPropertyOptional({ format: 'uuid', description: 'The recipient (or give shared_to_user_name)' })
  @IsOptional()
  @IsUUID('all', { message: 'shared_to_user_id must be a UUID' })
  shared_to_user_id?: string;

  @ApiPropertyOptional({ example: 'linus', maxLength: 64, description: 'The recipient by user name (or give shared_to_user_id)' })
  @IsOptional()
  @IsString({ message: 'shared_to_user_name must be a string of at most 64 characters' })
  @MaxLength(64, { message: 'shared_to_user_name must be a string of at most 64 characters' })
  shared_to_user_name?: string;
}

/* Responses. */

const SHARE_ID = { type: 'integer', example: 5 } as const;
const OBJECT_TYPE_ID = { type: 'integer', enum: [1, 2, 3], example: 1, description: '1 project, 2 hint category, 3 wiki' } as const;
const OBJECT_ID = { type: 'integer', example: 12, description: 'project_id, hint_id of the category, or wiki_id' } as const;
const SHARE_LEVEL = { type: 'integer', enum: [1, 2, 3], example: 2, description: '1 read, 2 read + edit, 3 full' } as const;

/** A share as POST /sharing answers it. */
export class SharedObjectDto {
  @ApiProperty(SHARE_ID) share_id: number;
  @ApiProperty(OBJECT_TYPE_ID) object_type_id: number;
  @ApiProperty(OBJECT_ID) object_id: number;
  @ApiProperty({ format: 'uuid' }) shared_to_user_id: string;
  @ApiProperty({ example: 'linus', description: 'The recipient’s user name' }) shared_to_name: string;
  @ApiProperty(SHARE_LEVEL) permission_level: number;
}

export class SharedDto {
  @ApiProperty({ type: SharedObjectDto }) shared: SharedObjectDto;
}

/** DELETE /sharing/{id} by the user who shared. */
export class ShareRevokedDto {
  @ApiProperty({ ...SHARE_ID, description: 'The share revoked (you made it)' }) revoked: number;
}

/** DELETE /sharing/{id} by the user shared to. */
export class ShareLeftDto {
  @ApiProperty({ ...SHARE_ID, description: 'The share left (it was made to you)' }) left: number;
}

class ListedShareDto {
  @ApiProperty(SHARE_ID) share_id: number;
  @ApiProperty(OBJECT_TYPE_ID) object_type_id: number;
  @ApiProperty({ enum: ['project', 'hint', 'wiki'], example: 'project' }) object_type: string;
  @ApiProperty(OBJECT_ID) object_id: number;
  @ApiProperty({ example: 'Mnemo' }) object_title: string;
  @ApiProperty(SHARE_LEVEL) permission_level: number;
}

export class ShareByMeDto extends ListedShareDto {
  @ApiProperty({ format: 'uuid' }) shared_to_user_id: string;
  @ApiProperty({ example: 'linus', description: 'The recipient’s user name' }) shared_to_name: string;
}

export class ShareToMeDto extends ListedShareDto {
  @ApiProperty({ format: 'uuid' }) shared_by_user_id: string;
  @ApiProperty({ example: 'ada', description: 'The sharer’s user name' }) shared_by_name: string;
}

export class ShareByMeListDto extends PageDto {
  @ApiProperty({ type: [ShareByMeDto], description: 'By object_type_id, object_id, share_id' }) shares: ShareByMeDto[];
}

export class ShareToMeListDto extends PageDto {
  @ApiProperty({ type: [ShareToMeDto], description: 'By object_type_id, object_id, share_id' }) shares: ShareToMeDto[];
}
