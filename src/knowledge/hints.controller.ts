import { Body, Controller, Delete, Get, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AgentCall, Caller } from '../common/auth/actor';
import { CurrentCall, CurrentCaller } from '../common/auth/access.decorators';
import { PageQueryDto } from '../common/http/paging';
import { ApiProblem } from '../common/http/problem.dto';
import { DeletedTreeDto } from '../common/http/deleted.dto';
import { ApiIdParam } from '../common/http/params.dto';
import { ParseId } from '../common/http/validation';
import {
  CreatedHintDto,
  CreateHintCategoryDto,
  CreateHintDto,
  HintCompactListDto,
  HintListDto,
  HintWithChildrenDto,
  UpdatedHintDto,
  UpdateHintDto,
} from './hints.dto';
import { HintsService } from './hints.service';

const HINT = 'The hint (hint_id)';

@ApiTags('hints')
@Controller()
export class HintsController {
  constructor(private readonly hints: HintsService) {}

  @Get('hints')
  @ApiOperation({ operationId: 'listHints', summary: 'Your hints and those of categories shared to you, flat, (parent_id, sort_order, hint_id)' })
  @ApiOkResponse({ type: HintListDto })
  list(@CurrentCaller() caller: Caller, @Query() page: PageQueryDto) {
    return this.hints.list(caller, page);
  }

  @Get('hints/compact')
  @ApiOperation({ operationId: 'listHintsCompact', summary: 'The same hints, titles only' })
  @ApiOkResponse({ type: HintCompactListDto })
  compact(@CurrentCaller() caller: Caller, @Query() page: PageQueryDto) {
    return this.hints.list(caller, page, true);
  }

  @Get('hints/:id')
  @ApiOperation({ operationId: 'getHint', summary: 'A hint and its immediate children (read access to its category)' })
  @ApiIdParam('id', HINT)
  @ApiOkResponse({ type: HintWithChildrenDto })
  @ApiProblem(404, 'Hint not found')
  get(@CurrentCaller() caller: Caller, @Param('id', ParseId) id: number) {
    return this.hints.get(caller, id);
  }

  @Post('hint_categories')
  @ApiOperation({ operationId: 'createHintCategory', summary: 'Create a hint category (a root hint, its own category) owned by your user' })
  @ApiCreatedResponse({ type: CreatedHintDto })
  createCategory(@CurrentCall() call: AgentCall, @Body() body: CreateHintCategoryDto) {
    return this.hints.createCategory(call, body.title, body.description);
  }

  @Post('hints')
  @ApiOperation({
    operationId: 'createHint',
    summary: "Create a hint: parent_id 0 makes a category; a child needs edit access and belongs to the category's owner",
  })
  @ApiCreatedResponse({ type: CreatedHintDto })
  @ApiProblem(404, 'Parent hint not found')
  create(@CurrentCall() call: AgentCall, @Body() body: CreateHintDto) {
    return this.hints.create(call, body);
  }

  @Put('hints/:id')
  @ApiOperation({ operationId: 'updateHint', summary: 'Update a hint (owner or edit share on its category)' })
  @ApiIdParam('id', HINT)
  @ApiOkResponse({ type: UpdatedHintDto })
  @ApiProblem(400, 'No fields to update')
  @ApiProblem(404, 'Hint not found')
  update(@CurrentCall() call: AgentCall, @Param('id', ParseId) id: number, @Body() body: UpdateHintDto) {
    return this.hints.update(call, id, body);
  }

  @Delete('hints/:id')
  @ApiOperation({ operationId: 'deleteHint', summary: 'Delete a hint with its subtree (full share), or a whole category (owner only)' })
  @ApiIdParam('id', HINT)
  @ApiOkResponse({ type: DeletedTreeDto })
  @ApiProblem(404, 'Hint not found')
  remove(@CurrentCall() call: AgentCall, @Param('id', ParseId) id: number) {
    return this.hints.remove(call, id);
  }
}
