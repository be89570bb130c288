import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { PageQueryDto } from '../common/http/paging';
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
  @ApiPropertyOptional({ example: 'active', description: 'A status code: planning, active, on_hold, evolving, complete, archived' })
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
