import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { PageDto, PageQueryDto } from '../common/http/paging';
import { PartialTitledDto, TitledDto } from '../common/http/titled.dto';
import { PG_INT_MAX } from '../common/http/validation';

const STATUS_ID_RULE = 'status_id must be a project status id (see GET /project-statuses)';
/** Status ids are a smallint (the six statuses are 1-6). */
const STATUS_ID_MAX = 32767;
const PARENT_RULE = 'parent_id must be an integer >= 0';
const FILE_PATH_RULE = 'file_path must be a string of at most 1000 characters, or null';

export class CreateProjectDto extends TitledDto {
  @ApiPropertyOptional({ default: 1, description: 'A status id from GET /project-statuses (1 = planning)' })
  @IsOptional()
  @IsInt({ message: STATUS_ID_RULE })
  @Min(1, { message: STATUS_ID_RULE })
  @Max(STATUS_ID_MAX, { message: STATUS_ID_RULE })
  status_id?: number;
}

export class UpdateProjectDto extends PartialTitledDto {
  @ApiPropertyOptional({ description: 'A status id from GET /project-statuses' })
  @ValidateIf((o: UpdateProjectDto) => o.status_id !== undefined)
  @IsInt({ message: STATUS_ID_RULE })
  @Min(1, { message: STATUS_ID_RULE })
  @Max(STATUS_ID_MAX, { message: STATUS_ID_RULE })
  status_id?: number;
}

export class ProjectListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    example: 'active',
    maxLength: 20,
    description: 'Only projects with this status code: planning, active, on_hold, evolving, complete, archived',
  })
  @IsOptional()
  @IsString()
  @MaxLength(20, { message: 'status must be a status code' })
  status?: string;
}

export class CreateSectionDto extends TitledDto {
  @ApiPropertyOptional({ default: 0, description: '0 for a top-level section; else a section of the same project' })
  @IsOptional()
  @IsInt({ message: PARENT_RULE })
  @Min(0, { message: PARENT_RULE })
  @Max(PG_INT_MAX, { message: PARENT_RULE })
  parent_id?: number;

  @ApiPropertyOptional({ example: 'src/app.ts', nullable: true, type: String, description: 'The associated file' })
  @IsOptional()
  @IsString({ message: FILE_PATH_RULE })
  @MaxLength(1000, { message: FILE_PATH_RULE })
  file_path?: string | null;
}

export class UpdateSectionDto extends PartialTitledDto {
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Absent = unchanged; null clears it' })
  @IsOptional()
  @IsString({ message: FILE_PATH_RULE })
  @MaxLength(1000, { message: FILE_PATH_RULE })
  file_path?: string | null;
}

/* Responses. */

const ACCESS = { enum: ['owned', 'shared'], example: 'owned', description: 'owned by your user, or shared to it' } as const;
const LEVEL = {
  type: 'integer',
  enum: [1, 2, 3],
  example: 3,
  description: 'Your access: 1 read, 2 read + edit, 3 full (always 3 for an owner)',
} as const;
const PROJECT_ID = { type: 'integer', example: 12 } as const;
const SECTION_ID = { type: 'integer', example: 40 } as const;
const SECTION_PARENT = { type: 'integer', example: 0, description: '0 for a top-level section' } as const;
const STATUS = { example: 'active', description: 'Status code (GET /project-statuses)' } as const;
const STATUS_LABEL = { example: 'Active' } as const;

export class ProjectStatusDto {
  @ApiProperty({ type: 'integer', example: 2 }) status_id: number;
  @ApiProperty({ example: 'active' }) code: string;
  @ApiProperty({ example: 'Active' }) label: string;
  @ApiProperty({ type: 'integer', example: 2 }) sort_order: number;
}

export class ProjectStatusListDto {
  @ApiProperty({ type: [ProjectStatusDto], description: 'The six statuses, in order' }) statuses: ProjectStatusDto[];
}

export class ProjectDto {
  @ApiProperty(PROJECT_ID) project_id: number;
  @ApiProperty({ example: 'Mnemo' }) title: string;
  @ApiProperty({ type: String, nullable: true, example: 'Memory service' }) description: string | null;
  @ApiProperty(STATUS) status: string;
  @ApiProperty(STATUS_LABEL) status_label: string;
  @ApiProperty(ACCESS) access: 'owned' | 'shared';
  @ApiProperty(LEVEL) permission_level: number;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
  @ApiProperty({ format: 'date-time' }) updated_at: Date;
  @ApiProperty({ format: 'uri', description: 'Signed link to the project as an HTML document (GET /doc/projects/{id}); it expires' })
  document_url: string;
}

export class ProjectListDto extends PageDto {
  @ApiProperty({ type: [ProjectDto], description: 'By project_id' }) projects: ProjectDto[];
}

export class ProjectSectionDto {
  @ApiProperty(SECTION_ID) section_id: number;
  @ApiProperty(SECTION_PARENT) parent_id: number;
  @ApiProperty({ example: 'Architecture' }) title: string;
  @ApiProperty({ type: String, nullable: true, example: 'NestJS over PostgreSQL' }) description: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'docs/design.md', description: 'The associated file' }) file_path: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: Date;
  @ApiProperty({ format: 'date-time' }) updated_at: Date;
}

export class ProjectWithSectionsDto {
  @ApiProperty({ type: ProjectDto }) project: ProjectDto;
  @ApiProperty({ type: [ProjectSectionDto], description: 'Every section, flat, by parent_id, section_id' }) sections: ProjectSectionDto[];
}

/** A project as a create or an update answers it. */
export class ProjectHeaderDto {
  @ApiProperty(PROJECT_ID) project_id: number;
  @ApiProperty({ example: 'Mnemo' }) title: string;
  @ApiProperty(STATUS) status: string;
  @ApiProperty(STATUS_LABEL) status_label: string;
}

export class CreatedProjectDto {
  @ApiProperty({ type: ProjectHeaderDto }) created: ProjectHeaderDto;
}

export class UpdatedProjectDto {
  @ApiProperty({ type: ProjectHeaderDto }) updated: ProjectHeaderDto;
}

export class ProjectSectionCreatedDto {
  @ApiProperty(SECTION_ID) section_id: number;
  @ApiProperty(SECTION_PARENT) parent_id: number;
  @ApiProperty({ example: 'Architecture' }) title: string;
}

export class CreatedProjectSectionDto {
  @ApiProperty({ type: ProjectSectionCreatedDto }) created: ProjectSectionCreatedDto;
}

export class ProjectSectionTitleDto {
  @ApiProperty(SECTION_ID) section_id: number;
  @ApiProperty({ example: 'Architecture' }) title: string;
}

export class UpdatedProjectSectionDto {
  @ApiProperty({ type: ProjectSectionTitleDto }) updated: ProjectSectionTitleDto;
}

export class ProjectSectionWithChildrenDto {
  @ApiProperty({ type: ProjectSectionDto }) section: ProjectSectionDto;
  @ApiProperty({ type: [ProjectSectionDto], description: 'Immediate children, by section_id' }) children: ProjectSectionDto[];
}
