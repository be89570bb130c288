import { Body, Controller, Delete, Get, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AgentCall, Caller } from '../common/auth/actor';
import { CurrentCall, CurrentCaller } from '../common/auth/access.decorators';
import { PageQueryDto } from '../common/http/paging';
import { ApiProblem } from '../common/http/problem.dto';
import { ParseId, validationFailed } from '../common/http/validation';
import { WikiSectionsService } from './wiki-sections.service';
import { CreateWikiDto, CreateWikiSectionDto, UpdateWikiDto, UpdateWikiSectionDto } from './wikis.dto';
import { WikisService } from './wikis.service';

const WIKI_EXAMPLE = {
  wiki_id: 3,
  title: 'Runbook',
  description: 'How we operate Mnemo',
  access: 'owned',
  permission_level: 3,
  created_at: '2026-11-20T10:00:00.000Z',
  updated_at: '2026-11-22T03:00:00.000Z',
};
const SECTION_EXAMPLE = {
  section_id: 9,
  parent_id: 0,
  title: 'Backups',
  description: 'Nightly, kept 30 days',
  created_at: '2026-11-20T10:00:00.000Z',
  updated_at: '2026-11-22T03:00:00.000Z',
  tags: ['ops', 'postgres'],
};

/** A tag in a path: 1-100 characters, matched exactly (case-sensitive). */
function tagOf(value: string): string {
  if (value.length < 1 || value.length > 100) throw validationFailed([{ field: 'tag', message: 'tag must be 1-100 characters' }]);
  return value;
}

@ApiTags('wikis')
@Controller('wikis')
export class WikisController {
  constructor(
    private readonly wikis: WikisService,
    private readonly sections: WikiSectionsService,
  ) {}

  @Get()
  @ApiOperation({ summary: "Your user's wikis and those shared to it, by wiki_id" })
  @ApiOkResponse({ schema: { example: { wikis: [WIKI_EXAMPLE], total: 1, limit: 200, offset: 0 } } })
  list(@CurrentCaller() caller: Caller, @Query() page: PageQueryDto) {
    return this.wikis.list(caller, page);
  }

  // Declared before :id so that /wikis/tags/… is never taken for a wiki id.
  @Get('tags/:tag')
  @ApiOperation({ summary: 'Sections tagged exactly {tag} (case-sensitive) in the wikis you see, by (wiki_id, section_id)' })
  @ApiOkResponse({
    schema: { example: { tag: 'ops', sections: [{ wiki_id: 3, wiki_title: 'Runbook', ...SECTION_EXAMPLE }], total: 1, limit: 200, offset: 0 } },
  })
  searchTag(@CurrentCaller() caller: Caller, @Param('tag') tag: string, @Query() page: PageQueryDto) {
    return this.wikis.searchTag(caller, tagOf(tag), page);
  }

  @Post()
  @ApiOperation({ summary: 'Create a wiki owned by your user' })
  @ApiCreatedResponse({ schema: { example: { created: { wiki_id: 3, title: 'Runbook' } } } })
  create(@CurrentCall() call: AgentCall, @Body() body: CreateWikiDto) {
    return this.wikis.create(call, body);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A wiki (read access) with all its sections and their tags, flat, ordered (parent_id, section_id)' })
  @ApiOkResponse({ schema: { example: { wiki: WIKI_EXAMPLE, sections: [SECTION_EXAMPLE] } } })
  @ApiProblem(404, 'Wiki not found')
  get(@CurrentCaller() caller: Caller, @Param('id', ParseId) id: number) {
    return this.wikis.get(caller, id);
  }

  @Get(':id/tags')
  @ApiOperation({ summary: "The wiki's distinct tags, sorted (read access)" })
  @ApiOkResponse({ schema: { example: { wiki_id: 3, tags: ['ops', 'postgres'] } } })
  @ApiProblem(404, 'Wiki not found')
  tags(@CurrentCaller() caller: Caller, @Param('id', ParseId) id: number) {
    return this.wikis.tags(caller, id);
  }

  @Put(':id')
  @ApiOperation({ summary: 'Update title or description (owner or edit share)' })
  @ApiOkResponse({ schema: { example: { updated: { wiki_id: 3, title: 'Runbook' } } } })
  @ApiProblem(400, 'No fields to update')
  @ApiProblem(404, 'Wiki not found')
  update(@CurrentCall() call: AgentCall, @Param('id', ParseId) id: number, @Body() body: UpdateWikiDto) {
    return this.wikis.update(call, id, body);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a wiki with its sections, tags and shares (owner only)' })
  @ApiOkResponse({ schema: { example: { deleted: 3, sections_deleted: 12 } } })
  @ApiProblem(404, 'Wiki not found')
  remove(@CurrentCall() call: AgentCall, @Param('id', ParseId) id: number) {
    return this.wikis.remove(call, id);
  }

  @Post(':id/sections')
  @ApiOperation({ summary: 'Add a section with tags (owner or edit share); parent_id 0 or a section of the same wiki' })
  @ApiCreatedResponse({ schema: { example: { created: { section_id: 9, parent_id: 0, title: 'Backups', tags: ['ops'] } } } })
  @ApiProblem(404, 'Wiki not found')
  createSection(@CurrentCall() call: AgentCall, @Param('id', ParseId) id: number, @Body() body: CreateWikiSectionDto) {
    return this.sections.create(call, id, body);
  }

  @Get(':id/sections/:sid')
  @ApiOperation({ summary: 'A section and its immediate children, with tags (read access)' })
  @ApiOkResponse({ schema: { example: { section: SECTION_EXAMPLE, children: [] } } })
  @ApiProblem(404, 'Wiki not found / Section not found')
  getSection(@CurrentCaller() caller: Caller, @Param('id', ParseId) id: number, @Param('sid', ParseId) sid: number) {
    return this.sections.get(caller, id, sid);
  }

  @Put(':id/sections/:sid')
  @ApiOperation({ summary: 'Update a section; tags replaces the whole set (owner or edit share)' })
  @ApiOkResponse({ schema: { example: { updated: { section_id: 9, title: 'Backups', tags: ['ops'] } } } })
  @ApiProblem(400, 'No fields to update')
  @ApiProblem(404, 'Wiki not found / Section not found')
  updateSection(
    @CurrentCall() call: AgentCall,
    @Param('id', ParseId) id: number,
    @Param('sid', ParseId) sid: number,
    @Body() body: UpdateWikiSectionDto,
  ) {
    return this.sections.update(call, id, sid, body);
  }

  @Delete(':id/sections/:sid')
  @ApiOperation({ summary: 'Delete a section with its subtree and tags (owner or full share)' })
  @ApiOkResponse({ schema: { example: { deleted: 9, descendants_deleted: 2 } } })
  @ApiProblem(404, 'Wiki not found / Section not found')
  removeSection(@CurrentCall() call: AgentCall, @Param('id', ParseId) id: number, @Param('sid', ParseId) sid: number) {
    return this.sections.remove(call, id, sid);
  }
}
