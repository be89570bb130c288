import { Body, Controller, Delete, Get, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { AgentCall, Caller } from '../common/auth/actor';
import { CurrentCall, CurrentCaller } from '../common/auth/access.decorators';
import { PageQueryDto } from '../common/http/paging';
import { ApiProblem } from '../common/http/problem.dto';
import { DeletedTreeDto, DeletedWithSectionsDto } from '../common/http/deleted.dto';
import { ApiIdParam } from '../common/http/params.dto';
import { ParseId, validationFailed } from '../common/http/validation';
import { WikiSectionsService } from './wiki-sections.service';
import {
  CreatedWikiDto,
  CreatedWikiSectionDto,
  CreateWikiDto,
  CreateWikiSectionDto,
  TaggedWikiSectionListDto,
  UpdatedWikiDto,
  UpdatedWikiSectionDto,
  UpdateWikiDto,
  UpdateWikiSectionDto,
  WikiListDto,
  WikiSectionWithChildrenDto,
  WikiTagsDto,
  WikiWithSectionsDto,
} from './wikis.dto';
import { WikisService } from './wikis.service';

const WIKI = 'The wiki (wiki_id)';
const SECTION = 'The section (section_id) of that wiki';

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
  @ApiOperation({ operationId: 'listWikis', summary: "Your user's wikis and those shared to it, by wiki_id" })
  @ApiOkResponse({ type: WikiListDto })
  list(@CurrentCaller() caller: Caller, @Query() page: PageQueryDto) {
    return this.wikis.list(caller, page);
  }

  // Declared before :id so that /wikis/tags/… is never taken for a wiki id.
  @Get('tags/:tag')
  @ApiOperation({
    operationId: 'searchWikiSectionsByTag',
    summary: 'Sections tagged exactly {tag} (case-sensitive) in the wikis you see, by (wiki_id, section_id)',
  })
  @ApiParam({ name: 'tag', description: 'The tag, matched exactly (case-sensitive)', schema: { type: 'string', minLength: 1, maxLength: 100 } })
  @ApiOkResponse({ type: TaggedWikiSectionListDto })
  searchTag(@CurrentCaller() caller: Caller, @Param('tag') tag: string, @Query() page: PageQueryDto) {
    return this.wikis.searchTag(caller, tagOf(tag), page);
  }

  @Post()
  @ApiOperation({ operationId: 'createWiki', summary: 'Create a wiki owned by your user' })
  @ApiCreatedResponse({ type: CreatedWikiDto })
  create(@CurrentCall() call: AgentCall, @Body() body: CreateWikiDto) {
    return this.wikis.create(call, body);
  }

  @Get(':id')
  @ApiOperation({
    operationId: 'getWiki',
    summary: 'A wiki (read access) with all its sections and their tags, flat, ordered (parent_id, section_id)',
  })
  @ApiIdParam('id', WIKI)
  @ApiOkResponse({ type: WikiWithSectionsDto })
  @ApiProblem(404, 'Wiki not found')
  get(@CurrentCaller() caller: Caller, @Param('id', ParseId) id: number) {
    return this.wikis.get(caller, id);
  }

  @Get(':id/tags')
  @ApiOperation({ operationId: 'listWikiTags', summary: "The wiki's distinct tags, sorted (read access)" })
  @ApiIdParam('id', WIKI)
  @ApiOkResponse({ type: WikiTagsDto })
  @ApiProblem(404, 'Wiki not found')
  tags(@CurrentCaller() caller: Caller, @Param('id', ParseId) id: number) {
    return this.wikis.tags(caller, id);
  }

  @Put(':id')
  @ApiOperation({ operationId: 'updateWiki', summary: 'Update title or description (owner or edit share)' })
  @ApiIdParam('id', WIKI)
  @ApiOkResponse({ type: UpdatedWikiDto })
  @ApiProblem(400, 'No fields to update')
  @ApiProblem(404, 'Wiki not found')
  update(@CurrentCall() call: AgentCall, @Param('id', ParseId) id: number, @Body() body: UpdateWikiDto) {
    return this.wikis.update(call, id, body);
  }

  @Delete(':id')
  @ApiOperation({ operationId: 'deleteWiki', summary: 'Delete a wiki with its sections, tags and shares (owner only)' })
  @ApiIdParam('id', WIKI)
  @ApiOkResponse({ type: DeletedWithSectionsDto })
  @ApiProblem(404, 'Wiki not found')
  remove(@CurrentCall() call: AgentCall, @Param('id', ParseId) id: number) {
    return this.wikis.remove(call, id);
  }

  @Post(':id/sections')
  @ApiOperation({
    operationId: 'createWikiSection',
    summary: 'Add a section with tags (owner or edit share); parent_id 0 or a section of the same wiki',
  })
  @ApiIdParam('id', WIKI)
  @ApiCreatedResponse({ type: CreatedWikiSectionDto })
  @ApiProblem(404, 'Wiki not found')
  createSection(@CurrentCall() call: AgentCall, @Param('id', ParseId) id: number, @Body() body: CreateWikiSectionDto) {
    return this.sections.create(call, id, body);
  }

  @Get(':id/sections/:sid')
  @ApiOperation({ operationId: 'getWikiSection', summary: 'A section and its immediate children, with tags (read access)' })
  @ApiIdParam('id', WIKI)
  @ApiIdParam('sid', SECTION)
  @ApiOkResponse({ type: WikiSectionWithChildrenDto })
  @ApiProblem(404, 'Wiki not found / Section not found')
  getSection(@CurrentCaller() caller: Caller, @Param('id', ParseId) id: number, @Param('sid', ParseId) sid: number) {
    return this.sections.get(caller, id, sid);
  }

  @Put(':id/sections/:sid')
  @ApiOperation({ operationId: 'updateWikiSection', summary: 'Update a section; tags replaces the whole set (owner or edit share)' })
  @ApiIdParam('id', WIKI)
  @ApiIdParam('sid', SECTION)
  @ApiOkResponse({ type: UpdatedWikiSectionDto })
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
  @ApiOperation({ operationId: 'deleteWikiSection', summary: 'Delete a section with its subtree and tags (owner or full share)' })
  @ApiIdParam('id', WIKI)
  @ApiIdParam('sid', SECTION)
  @ApiOkResponse({ type: DeletedTreeDto })
  @ApiProblem(404, 'Wiki not found / Section not found')
  removeSection(@CurrentCall() call: AgentCall, @Param('id', ParseId) id: number, @Param('sid', ParseId) sid: number) {
    return this.sections.remove(call, id, sid);
  }
}
