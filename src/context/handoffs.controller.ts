import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AgentCall, Caller } from '../common/auth/actor';
import { CurrentCall, CurrentCaller } from '../common/auth/access.decorators';
import { PageQueryDto } from '../common/http/paging';
import { ApiProblem } from '../common/http/problem.dto';
import { ParseId } from '../common/http/validation';
import { CreateHandoffDto, HandoffListQueryDto } from './context.dto';
import { HandoffsService } from './handoffs.service';

const HANDOFF_EXAMPLE = {
  handoff_id: 4,
  title: 'Continue the migration',
  prompt: 'Pick up at step 3.',
  created_by_agent: 'linus',
  recipient: 'lucy',
  created_at: '2026-11-22T03:00:00.000Z',
  picked_up_at: null,
};

/** Handoffs addressed to an agent (`{name}` is the recipient). */
@ApiTags('agent context')
@Controller()
export class HandoffsController {
  constructor(private readonly handoffs: HandoffsService) {}

  @Get('agents/:name/handoffs')
  @ApiOperation({ summary: "An agent's handoffs, oldest first (pending by default; ?status=pending|picked_up|all)" })
  @ApiOkResponse({ schema: { example: { agent: 'lucy', handoffs: [HANDOFF_EXAMPLE], total: 1, limit: 200, offset: 0 } } })
  @ApiProblem(404, 'Agent not found')
  list(@CurrentCaller() caller: Caller, @Param('name') name: string, @Query() query: HandoffListQueryDto) {
    return this.handoffs.list(caller, name, query.status ?? 'pending', query);
  }

  @Post('agents/:name/handoffs')
  @ApiOperation({ summary: 'Leave a handoff for an agent of the same user (the sender is recorded)' })
  @ApiCreatedResponse({
    schema: { example: { created: { handoff_id: 4, title: 'Continue the migration', created_at: '2026-11-22T03:00:00.000Z', created_by_agent: 'linus' } } },
  })
  @ApiProblem(404, 'Agent not found')
  create(@CurrentCall() call: AgentCall, @Param('name') name: string, @Body() body: CreateHandoffDto) {
    return this.handoffs.create(call, name, body);
  }

  @Get('agents/:name/handoffs/:id')
  @ApiOperation({ summary: 'One handoff, in any state' })
  @ApiOkResponse({ schema: { example: HANDOFF_EXAMPLE } })
  @ApiProblem(404, 'Agent not found, or Handoff not found')
  get(@CurrentCaller() caller: Caller, @Param('name') name: string, @Param('id', ParseId) id: number) {
    return this.handoffs.get(caller, name, id);
  }

  @Put('agents/:name/handoffs/:id/pickup')
  @ApiOperation({ summary: 'Pick up a pending handoff (only the recipient; exactly once)' })
  @ApiOkResponse({ schema: { example: { picked_up: { handoff_id: 4, title: 'Continue the migration', picked_up_at: '2026-11-22T03:05:00.000Z' } } } })
  @ApiProblem(403, 'Only the named agent may pickup its handoffs')
  @ApiProblem(404, 'Agent not found, or Handoff not found or already picked up')
  pickup(@CurrentCall() call: AgentCall, @Param('name') name: string, @Param('id', ParseId) id: number) {
    return this.handoffs.pickup(call, name, id);
  }

  @Delete('agents/:name/handoffs/:id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Delete a handoff (the recipient any time, the sender while it is pending)' })
  @ApiOkResponse({ schema: { example: { deleted: 4 } } })
  @ApiProblem(403, 'Only the named agent may delete its handoffs (or its sender, while it is pending)')
  @ApiProblem(404, 'Agent not found, or Handoff not found')
  remove(@CurrentCall() call: AgentCall, @Param('name') name: string, @Param('id', ParseId) id: number) {
    return this.handoffs.remove(call, name, id);
  }

  @Get('handoffs/sent')
  @ApiOperation({ summary: 'Handoffs the calling agent created, newest first' })
  @ApiOkResponse({ schema: { example: { agent: 'linus', handoffs: [HANDOFF_EXAMPLE], total: 1, limit: 200, offset: 0 } } })
  sent(@CurrentCaller() caller: Caller, @Query() page: PageQueryDto) {
    return this.handoffs.sent(caller, page);
  }
}
