import { ApiProperty } from '@nestjs/swagger';

/**
 * The bodies of the deletes that answer 200 (LucyAPI's shapes, kept for its
 * clients): the id of the deleted object, and what went with it.
 */

export class DeletedDto {
  @ApiProperty({ type: 'integer', example: 7, description: 'Id of the deleted object' })
  deleted: number;
}

export class DeletedTreeDto extends DeletedDto {
  @ApiProperty({ type: 'integer', example: 2, description: 'Nodes of its subtree deleted with it' })
  descendants_deleted: number;
}

export class DeletedWithSectionsDto extends DeletedDto {
  @ApiProperty({ type: 'integer', example: 7, description: 'Sections deleted with it' })
  sections_deleted: number;
}

export class DeletedKeyDto {
  @ApiProperty({ example: 'github_token', description: 'Key of the deleted secret' })
  deleted: string;
}
