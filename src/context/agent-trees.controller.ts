import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AgentCall, Caller } from '../common/auth/actor';
import { CurrentCall, CurrentCaller } from '../common/auth/access.decorators';
import { PageQueryDto } from '../common/http/paging';
import { ApiProblem } from '../common/http/problem.dto';
import { DeletedTreeDto } from '../common/http/deleted.dto';
import { ApiAgentNameParam, ApiIdParam } from '../common/http/params.dto';
import { ParseId } from '../common/http/validation';
import { AgentTreesService } from './agent-trees.service';
import {
  AlwaysLoadListDto,
  CreatedTreeNodeDto,
  CreateNodeDto,
  PreferenceRootListDto,
  PreferenceTreeDto,
  TreeNodeWithChildrenDto,
  UpdatedTreeNodeDto,
  UpdateNodeDto,
} from './context.dto';

const NODE = 'The node (pkid)';
const PREFERENCE = 'The preference node (pkid)';

/** An agent's always-load tree: identity and behaviour loaded at the start of every conversation. */
@ApiTags('agent context')
@ApiAgentNameParam()
@Controller('agents/:name/context/always_load')
export class AlwaysLoadController {
  constructor(private readonly trees: AgentTreesService) {}

  @Get()
  @ApiOperation({
    operationId: 'listAlwaysLoad',
    summary: 'All always-load nodes of an agent, flat, by parent and order (any agent of the same user)',
  })
  @ApiOkResponse({ type: AlwaysLoadListDto })
  @ApiProblem(404, 'Agent not found')
  list(@CurrentCaller() caller: Caller, @Param('name') name: string, @Query() page: PageQueryDto) {
    return this.trees.list(caller, 'always_load', name, page);
  }

  @Post()
  @ApiOperation({ operationId: 'createAlwaysLoad', summary: 'Add an always-load node (only the named agent)' })
  @ApiCreatedResponse({ type: CreatedTreeNodeDto })
  @ApiProblem(403, 'Only the named agent may write to its always_load')
  @ApiProblem(404, 'Agent not found')
  create(@CurrentCall() call: AgentCall, @Param('name') name: string, @Body() body: CreateNodeDto) {
    return this.trees.create(call, 'always_load', name, body);
  }

  @Get(':pkid')
  @ApiOperation({ operationId: 'getAlwaysLoad', summary: 'An always-load node and its immediate children' })
  @ApiIdParam('pkid', NODE)
  @ApiOkResponse({ type: TreeNodeWithChildrenDto })
  @ApiProblem(404, 'Agent not found, or Node not found')
  get(@CurrentCaller() caller: Caller, @Param('name') name: string, @Param('pkid', ParseId) pkid: number) {
    return this.trees.get(caller, 'always_load', name, pkid);
  }

  @Put(':pkid')
  @ApiOperation({
    operationId: 'updateAlwaysLoad',
    summary: 'Update or move an always-load node (absent = unchanged; description null clears)',
  })
  @ApiIdParam('pkid', NODE)
  @ApiOkResponse({ type: UpdatedTreeNodeDto })
  @ApiProblem(400, 'No fields to update')
  @ApiProblem(403, 'Only the named agent may modify its always_load')
  @ApiProblem(404, 'Agent not found, or Node not found')
  update(
    @CurrentCall() call: AgentCall,
    @Param('name') name: string,
    @Param('pkid', ParseId) pkid: number,
    @Body() body: UpdateNodeDto,
  ) {
    return this.trees.update(call, 'always_load', name, pkid, body);
  }

  @Delete(':pkid')
  @HttpCode(200)
  @ApiOperation({ operationId: 'deleteAlwaysLoad', summary: 'Delete an always-load node and its subtree' })
  @ApiIdParam('pkid', NODE)
  @ApiOkResponse({ type: DeletedTreeDto })
  @ApiProblem(403, 'Only the named agent may delete its always_load')
  @ApiProblem(404, 'Agent not found, or Node not found')
  remove(@CurrentCall() call: AgentCall, @Param('name') name: string, @Param('pkid', ParseId) pkid: number) {
    return this.trees.remove(call, 'always_load', name, pkid);
  }
}

/** An agent's preferences tree: domain preferences loaded on demand. */
@ApiTags('agent context')
@ApiAgentNameParam()
@Controller('agents/:name/preferences')
export class PreferencesController {
  constructor(private readonly trees: AgentTreesService) {}

  @Get()
  @ApiOperation({
    operationId: 'listPreferences',
    summary: 'The preferences manifest: root preferences only, in sibling order (any agent of the same user)',
  })
  @ApiOkResponse({ type: PreferenceRootListDto })
  @ApiProblem(404, 'Agent not found')
  roots(@CurrentCaller() caller: Caller, @Param('name') name: string, @Query() page: PageQueryDto) {
    return this.trees.roots(caller, 'preferences', name, page);
  }

  @Post()
  @ApiOperation({ operationId: 'createPreference', summary: 'Add a preference node (only the named agent)' })
  @ApiCreatedResponse({ type: CreatedTreeNodeDto })
  @ApiProblem(403, 'Only the named agent may write to its preferences')
  @ApiProblem(404, 'Agent not found')
  create(@CurrentCall() call: AgentCall, @Param('name') name: string, @Body() body: CreateNodeDto) {
    return this.trees.create(call, 'preferences', name, body);
  }

  @Get('tree')
  @ApiOperation({ operationId: 'getPreferenceTree', summary: 'The whole preferences tree, nested, with descriptions' })
  @ApiOkResponse({ type: PreferenceTreeDto })
  @ApiProblem(404, 'Agent not found')
  tree(@CurrentCaller() caller: Caller, @Param('name') name: string) {
    return this.trees.tree(caller, 'preferences', name);
  }

  @Get(':pkid')
  @ApiOperation({ operationId: 'getPreference', summary: 'A preference node and its immediate children' })
  @ApiIdParam('pkid', PREFERENCE)
  @ApiOkResponse({ type: TreeNodeWithChildrenDto })
  @ApiProblem(404, 'Agent not found, or Preference not found')
  get(@CurrentCaller() caller: Caller, @Param('name') name: string, @Param('pkid', ParseId) pkid: number) {
    return this.trees.get(caller, 'preferences', name, pkid);
  }

  @Put(':pkid')
  @ApiOperation({
    operationId: 'updatePreference',
    summary: 'Update or move a preference node (absent = unchanged; description null clears)',
  })
  @ApiIdParam('pkid', PREFERENCE)
  @ApiOkResponse({ type: UpdatedTreeNodeDto })
  @ApiProblem(400, 'No fields to update')
  @ApiProblem(403, 'Only the named agent may modify its preferences')
  @ApiProblem(404, 'Agent not found, or Preference not found')
  update(
    @CurrentCall() call: AgentCall,
    @Param('name') name: string,
    @Param('pkid', ParseId) pkid: number,
    @Body() body: UpdateNodeDto,
  ) {
    return this.trees.update(call, 'preferences', name, pkid, body);
  }

  @Delete(':pkid')
  @HttpCode(200)
  @ApiOperation({ operationId: 'deletePreference', summary: 'Delete a preference node and its subtree' })
  @ApiIdParam('pkid', PREFERENCE)
  @ApiOkResponse({ type: DeletedTreeDto })
  @ApiProblem(403, 'Only the named agent may delete its preferences')
  @ApiProblem(404, 'Agent not found, or Preference not found')
  remove(@CurrentCall() call: AgentCall, @Param('name') name: string, @Param('pkid', ParseId) pkid: number) {
    return this.trees.remove(call, 'preferences', name, pkid);
  }
}
