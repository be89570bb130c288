import { IsString, MaxLength, MinLength } from 'class-validator';
import { PageQueryDto } from '../common/http/paging';
import { RowId } from '../mcp/tool-args';
import { CreateSectionDto, UpdateProjectDto, UpdateSectionDto } from './projects.dto';
import { UpdateHintDto } from './hints.dto';
import { UpdateNudgeDto } from './nudges.dto';
import { CreateWikiSectionDto, UpdateWikiDto, UpdateWikiSectionDto } from './wikis.dto';

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

export class WikiArgs {
  @RowId('wiki_id') wiki_id: number;
}

export class UpdateWikiArgs extends UpdateWikiDto {
  @RowId('wiki_id') wiki_id: number;
}

export class WikiSectionArgs extends WikiArgs {
  @RowId('section_id') section_id: number;
}

export class CreateWikiSectionArgs extends CreateWikiSectionDto {
  @RowId('wiki_id') wiki_id: number;
}

export class UpdateWikiSectionArgs extends UpdateWikiSectionDto {
  @RowId('wiki_id') wiki_id: number;
  @RowId('section_id') section_id: number;
}

const TAG_RULE = 'tag must be 1-100 characters';

export class TagSearchArgs extends PageQueryDto {
  @IsString({ message: TAG_RULE })
  @MinLength(1, { message: TAG_RULE })
  @MaxLength(100, { message: TAG_RULE })
  tag: string;
}

export class HintArgs {
  @RowId('hint_id') hint_id: number;
}

export class UpdateHintArgs extends UpdateHintDto {
  @RowId('hint_id') hint_id: number;
}

export class NudgeArgs {
  @RowId('nudge_id') nudge_id: number;
}

export class UpdateNudgeArgs extends UpdateNudgeDto {
  @RowId('nudge_id') nudge_id: number;
}
