import { Body, Controller, Delete, Get, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AgentCall, Caller } from '../common/auth/actor';
import { CurrentCall, CurrentCaller } from '../common/auth/access.decorators';
import { PageQueryDto } from '../common/http/paging';
import { ApiProblem } from '../common/http/problem.dto';
import { ParseId } from '../common/http/validation';
import { CreateHintCategoryDto, CreateHintDto, UpdateHintDto } from './hints.dto';
import { HintsService } from './hints.service';

const HINT_EXAMPLE = {
  hint_id: 7,
  parent_id: 0,
  title: 'Git',
  description: 'Rebase, never merge main into a branch',
  hint_category_id: 7,
  sort_order: 0,
  created_at: '2026-11-20T10:00:00.000Z',
  updated_at: '2026-11-22T03:00:00.000Z',
};

@ApiTags('hints')
@Controller()
export class HintsController {
  constructor(private readonly hints: HintsService) {}

  @Get('hints')
  @ApiOperation({ summary: 'Your hints and those of categories shared to you, flat, (parent_id, sort_order, hint_id)' })
  @ApiOkResponse({ schema: { example: { hints: [{ ...HINT_EXAMPLE, access: 'owned', permission_level: 3 }], total: 1, limit: 200, offset: 0 } } })
  list(@CurrentCaller() caller: Caller, @Query() page: PageQueryDto) {
    return this.hints.list(caller, page);
  }

  @Get('hints/compact')
  @ApiOperation({ summary: 'The same hints, titles only' })
  @ApiOkResponse({ schema: { example: { hints: [{ hint_id: 7, parent_id: 0, title: 'Git' }], total: 1, limit: 200, offset: 0 } } })
  compact(@CurrentCaller() caller: Caller, @Query() page: PageQueryDto) {
    return this.hints.list(caller, page, true);
  }

  @Get('hints/:id')
  @ApiOperation({ summary: 'A hint and its immediate children (read access to its category)' })
  @ApiOkResponse({ schema: { example: { node: HINT_EXAMPLE, children: [] } } })
  @ApiProblem(404, 'Hint not found')
  get(@CurrentCaller() caller: Caller, @Param('id', ParseId) id: number) {
    return this.hints.get(caller, id);
  }

  @Post('hint_categories')
  @ApiOperation({ summary: 'Create a hint category (a root hint, its own category) owned by your user' })
  @ApiCreatedResponse({ schema: { example: { created: { hint_id: 7, parent_id: 0, title: 'Git', hint_category_id: 7 } } } })
  createCategory(@CurrentCall() call: AgentCall, @Body() body: CreateHintCategoryDto) {
    return this.hints.createCategory(call, body.title, body.description);
  }

  @Post('hints')
  @ApiOperation({ summary: "Create a hint: parent_id 0 makes a category; a child needs edit access and belongs to the category's owner" })
  @ApiCreatedResponse({ schema: { example: { created: { hint_id: 8, parent_id: 7, title: 'Commit messages', hint_category_id: 7 } } } })
  @ApiProblem(404, 'Parent hint not found')
  create(@CurrentCall() call: AgentCall, @Body() body: CreateHintDto) {
    return this.hints.create(call, body);
  }

  @Put('hints/:id')
  @ApiOperation({ summary: 'Update a hint (owner or edit share on its category)' })
  @ApiOkResponse({ schema: { example: { updated: { hint_id: 8, title: 'Commit messages' } } } })
  @ApiProblem(400, 'No fields to update')
  @ApiProblem(404, 'Hint not found')
  update(@CurrentCall() call: AgentCall, @Param('id', ParseId) id: number, @Body() body: UpdateHintDto) {
    return this.hints.update(call, id, body);
  }

  @Delete('hints/:id')
  @ApiOperation({ summary: 'Delete a hint with its subtree (full share), or a whole category (owner only)' })
  @ApiOkResponse({ schema: { example: { deleted: 8, descendants_deleted: 0 } } })
  @ApiProblem(404, 'Hint not found')
  remove(@CurrentCall() call: AgentCall, @Param('id', ParseId) id: number) {
    return this.hints.remove(call, id);
  }
}
