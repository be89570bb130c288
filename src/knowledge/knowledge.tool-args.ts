import { PageQueryDto } from '../common/http/paging';
import { RowId } from '../mcp/tool-args';
import { CreateSectionDto, UpdateProjectDto, UpdateSectionDto } from './projects.dto';

/** MCP argument classes: the REST bodies plus the path ids, with the same rules and messages. */

export class ProjectArgs {
  @RowId('project_id') project_id: number;
}

export class UpdateProjectArgs extends UpdateProjectDto {
  @RowId('project_id') project_id: number;
}

export class SectionArgs extends ProjectArgs {
  @RowId('section_id') section_id: number;
}

export class CreateSectionArgs extends CreateSectionDto {
  @RowId('project_id') project_id: number;
}

export class UpdateSectionArgs extends UpdateSectionDto {
  @RowId('project_id') project_id: number;
  @RowId('section_id') section_id: number;
}

export class ShareIdArgs {
  @RowId('share_id') share_id: number;
}

export class PageArgs extends PageQueryDto {}
