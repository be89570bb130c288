import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AgentCall, Caller } from '../common/auth/actor';
import { CurrentCall, CurrentCaller } from '../common/auth/access.decorators';
import { PageQueryDto } from '../common/http/paging';
import { ApiProblem } from '../common/http/problem.dto';
import { DeletedDto } from '../common/http/deleted.dto';
import { ApiAgentNameParam, ApiIdParam } from '../common/http/params.dto';
import { ParseId } from '../common/http/validation';
import { CreatedHandoffDto, CreateHandoffDto, HandoffDto, HandoffListDto, HandoffListQueryDto, PickedUpHandoffDto } from './context.dto';
import { HandoffsService } from './handoffs.service';

const HANDOFF = 'The handoff (handoff_id)';

/** Handoffs addressed to an agent (`{name}` is the recipient). */
@ApiTags('agent context')
@Controller()
export class HandoffsController {
  constructor(private readonly handoffs: HandoffsService) {}

  @Get('agents/:name/handoffs')
  @ApiOperation({ operationId: 'listHandoffs', summary: "An agent's handoffs, oldest first (pending by default; ?status=pending|picked_up|all)" })
  @ApiAgentNameParam()
  @ApiOkResponse({ type: HandoffListDto })
  @ApiProblem(404, 'Agent not found')
  list(@CurrentCaller() caller: Caller, @Param('name') name: string, @Query() query: HandoffListQueryDto) {
    return this.handoffs.list(caller, name, query.status ?? 'pending', query);
  }

  @Post('agents/:name/handoffs')
  @ApiOperation({ operationId: 'createHandoff', summary: 'Leave a handoff for an agent of the same user (the sender is recorded)' })
  @ApiAgentNameParam()
  @ApiCreatedResponse({ type: CreatedHandoffDto })
  @ApiProblem(404, 'Agent not found')
  create(@CurrentCall() call: AgentCall, @Param('name') name: string, @Body() body: CreateHandoffDto) {
    return this.handoffs.create(call, name, body);
  }

  @Get('agents/:name/handoffs/:id')
  @ApiOperation({ operationId: 'getHandoff', summary: 'One handoff, in any state' })
  @ApiAgentNameParam()
  @ApiIdParam('id', HANDOFF)
  @ApiOkResponse({ type: HandoffDto })
  @ApiProblem(404, 'Agent not found, or Handoff not found')
  get(@CurrentCaller() caller: Caller, @Param('name') name: string, @Param('id', ParseId) id: number) {
    return this.handoffs.get(caller, name, id);
  }

  @Put('agents/:name/handoffs/:id/pickup')
  @ApiOperation({ operationId: 'pickUpHandoff', summary: 'Pick up a pending handoff (only the recipient; exactly once)' })
  @ApiAgentNameParam()
  @ApiIdParam('id', HANDOFF)
  @ApiOkResponse({ type: PickedUpHandoffDto })
  @ApiProblem(403, 'Only the named agent may pickup its handoffs')
  @ApiProblem(404, 'Agent not found, or Handoff not found or already picked up')
  pickup(@CurrentCall() call: AgentCall, @Param('name') name: string, @Param('id', ParseId) id: number) {
    return this.handoffs.pickup(call, name, id);
  }

  @Delete('agents/:name/handoffs/:id')
  @HttpCode(200)
  @ApiOperation({ operationId: 'deleteHandoff', summary: 'Delete a handoff (the recipient any time, the sender while it is pending)' })
  @ApiAgentNameParam()
  @ApiIdParam('id', HANDOFF)
  @ApiOkResponse({ type: DeletedDto })
  @ApiProblem(403, 'Only the named agent may delete its handoffs (or its sender, while it is pending)')
  @ApiProblem(404, 'Agent not found, or Handoff not found')
  remove(@CurrentCall() call: AgentCall, @Param('name') name: string, @Param('id', ParseId) id: number) {
    return this.handoffs.remove(call, name, id);
  }

  @Get('handoffs/sent')
  @ApiOperation({ operationId: 'listSentHandoffs', summary: 'Handoffs the calling agent created, newest first' })
  @ApiOkResponse({ type: HandoffListDto })
  sent(@CurrentCaller() caller: Caller, @Query() page: PageQueryDto) {
    return this.handoffs.sent(caller, page);
  }
}
