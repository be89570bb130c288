import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AgentCall, Caller } from '../common/auth/actor';
import { CurrentCall, CurrentCaller } from '../common/auth/access.decorators';
import { PageQueryDto } from '../common/http/paging';
import { ApiProblem } from '../common/http/problem.dto';
import { ParseId } from '../common/http/validation';
import { AgentTreesService } from './agent-trees.service';
import { CreateNodeDto, UpdateNodeDto } from './context.dto';

const NODE_EXAMPLE = { pkid: 12, parent_id: 0, title: 'Voice', description: 'Warm, direct.', sort_order: 0 };

/** An agent's always-load tree: identity and behaviour loaded at the start of every conversation. */
@ApiTags('agent context')
@Controller('agents/:name/context/always_load')
export class AlwaysLoadController {
  constructor(private readonly trees: AgentTreesService) {}

  @Get()
  @ApiOperation({ summary: 'All always-load nodes of an agent, flat, by parent and order (any agent of the same user)' })
  @ApiOkResponse({ schema: { example: { agent: 'lucy', always_load: [NODE_EXAMPLE], total: 1, limit: 200, offset: 0 } } })
  @ApiProblem(404, 'Agent not found')
  list(@CurrentCaller() caller: Caller, @Param('name') name: string, @Query() page: PageQueryDto) {
    return this.trees.list(caller, 'always_load', name, page);
  }

  @Post()
  @ApiOperation({ summary: 'Add an always-load node (only the named agent)' })
  @ApiCreatedResponse({ schema: { example: { created: { pkid: 12, parent_id: 0, title: 'Voice', sort_order: 0 } } } })
  @ApiProblem(403, 'Only the named agent may write to its always_load')
  @ApiProblem(404, 'Agent not found')
  create(@CurrentCall() call: AgentCall, @Param('name') name: string, @Body() body: CreateNodeDto) {
    return this.trees.create(call, 'always_load', name, body);
  }

  @Get(':pkid')
  @ApiOperation({ summary: 'An always-load node and its immediate children' })
  @ApiOkResponse({ schema: { example: { node: NODE_EXAMPLE, children: [] } } })
  @ApiProblem(404, 'Agent not found, or Node not found')
  get(@CurrentCaller() caller: Caller, @Param('name') name: string, @Param('pkid', ParseId) pkid: number) {
    return this.trees.get(caller, 'always_load', name, pkid);
  }

  @Put(':pkid')
  @ApiOperation({ summary: 'Update or move an always-load node (absent = unchanged; description null clears)' })
  @ApiOkResponse({ schema: { example: { updated: { pkid: 12, parent_id: 0, title: 'Voice', sort_order: 1 } } } })
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
  @ApiOperation({ summary: 'Delete an always-load node and its subtree' })
  @ApiOkResponse({ schema: { example: { deleted: 12, descendants_deleted: 2 } } })
  @ApiProblem(403, 'Only the named agent may delete its always_load')
  @ApiProblem(404, 'Agent not found, or Node not found')
  remove(@CurrentCall() call: AgentCall, @Param('name') name: string, @Param('pkid', ParseId) pkid: number) {
    return this.trees.remove(call, 'always_load', name, pkid);
  }
}

/** An agent's preferences tree: domain preferences loaded on demand. */
@ApiTags('agent context')
@Controller('agents/:name/preferences')
export class PreferencesController {
  constructor(private readonly trees: AgentTreesService) {}

  @Get()
  @ApiOperation({ summary: 'The preferences manifest: root preferences only, in sibling order (any agent of the same user)' })
  @ApiOkResponse({
    schema: { example: { agent: 'lucy', preferences: [{ pkid: 3, title: 'Food', sort_order: 0 }], total: 1, limit: 200, offset: 0 } },
  })
  @ApiProblem(404, 'Agent not found')
  roots(@CurrentCaller() caller: Caller, @Param('name') name: string, @Query() page: PageQueryDto) {
    return this.trees.roots(caller, 'preferences', name, page);
  }

  @Post()
  @ApiOperation({ summary: 'Add a preference node (only the named agent)' })
  @ApiCreatedResponse({ schema: { example: { created: { pkid: 3, parent_id: 0, title: 'Food', sort_order: 0 } } } })
  @ApiProblem(403, 'Only the named agent may write to its preferences')
  @ApiProblem(404, 'Agent not found')
  create(@CurrentCall() call: AgentCall, @Param('name') name: string, @Body() body: CreateNodeDto) {
    return this.trees.create(call, 'preferences', name, body);
  }

  @Get('tree')
  @ApiOperation({ summary: 'The whole preferences tree, nested, with descriptions' })
  @ApiOkResponse({ schema: { example: { agent: 'lucy', preferences: [{ ...NODE_EXAMPLE, children: [] }] } } })
  @ApiProblem(404, 'Agent not found')
  tree(@CurrentCaller() caller: Caller, @Param('name') name: string) {
    return this.trees.tree(caller, 'preferences', name);
  }

  @Get(':pkid')
  @ApiOperation({ summary: 'A preference node and its immediate children' })
  @ApiOkResponse({ schema: { example: { node: NODE_EXAMPLE, children: [] } } })
  @ApiProblem(404, 'Agent not found, or Preference not found')
  get(@CurrentCaller() caller: Caller, @Param('name') name: string, @Param('pkid', ParseId) pkid: number) {
    return this.trees.get(caller, 'preferences', name, pkid);
  }

  @Put(':pkid')
  @ApiOperation({ summary: 'Update or move a preference node (absent = unchanged; description null clears)' })
  @ApiOkResponse({ schema: { example: { updated: { pkid: 3, parent_id: 0, title: 'Food', sort_order: 0 } } } })
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
  @ApiOperation({ summary: 'Delete a preference node and its subtree' })
  @ApiOkResponse({ schema: { example: { deleted: 3, descendants_deleted: 0 } } })
  @ApiProblem(403, 'Only the named agent may delete its preferences')
  @ApiProblem(404, 'Agent not found, or Preference not found')
  remove(@CurrentCall() call: AgentCall, @Param('name') name: string, @Param('pkid', ParseId) pkid: number) {
    return this.trees.remove(call, 'preferences', name, pkid);
  }
}
