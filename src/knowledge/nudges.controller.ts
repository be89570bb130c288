import { Body, Controller, Delete, Get, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AgentCall, Caller } from '../common/auth/actor';
import { CurrentCall, CurrentCaller } from '../common/auth/access.decorators';
import { PageQueryDto } from '../common/http/paging';
import { ApiProblem } from '../common/http/problem.dto';
import { ParseId } from '../common/http/validation';
import { CreateNudgeDto, UpdateNudgeDto } from './nudges.dto';
import { NudgesService } from './nudges.service';

const NUDGE_EXAMPLE = {
  nudge_id: 2,
  title: 'Renew the TLS certificate',
  description: null,
  due_date: '2026-12-01',
  last_reminded: null,
  created_at: '2026-11-20T10:00:00.000Z',
  updated_at: '2026-11-20T10:00:00.000Z',
};

@ApiTags('nudges')
@Controller('nudges')
export class NudgesController {
  constructor(private readonly nudges: NudgesService) {}

  @Get()
  @ApiOperation({ summary: "Your user's nudges: ASAP (no due date) first, then the soonest due" })
  @ApiOkResponse({ schema: { example: { nudges: [NUDGE_EXAMPLE], total: 1, limit: 200, offset: 0 } } })
  list(@CurrentCaller() caller: Caller, @Query() page: PageQueryDto) {
    return this.nudges.list(caller, page);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One nudge' })
  @ApiOkResponse({ schema: { example: NUDGE_EXAMPLE } })
  @ApiProblem(404, 'Nudge not found')
  get(@CurrentCaller() caller: Caller, @Param('id', ParseId) id: number) {
    return this.nudges.get(caller, id);
  }

  @Post()
  @ApiOperation({ summary: 'Create a nudge (no due_date: ASAP); the context surfaces it when actionable' })
  @ApiCreatedResponse({ schema: { example: { created: { nudge_id: 2, title: 'Renew the TLS certificate', due_date: '2026-12-01', created_at: '2026-11-20T10:00:00.000Z' } } } })
  create(@CurrentCall() call: AgentCall, @Body() body: CreateNudgeDto) {
    return this.nudges.create(call, body);
  }

  @Put(':id')
  @ApiOperation({ summary: 'Update a nudge; due_date null (or clear_due_date true) makes it ASAP' })
  @ApiOkResponse({ schema: { example: { updated: { nudge_id: 2, title: 'Renew the TLS certificate', due_date: null } } } })
  @ApiProblem(400, 'No fields to update')
  @ApiProblem(404, 'Nudge not found')
  update(@CurrentCall() call: AgentCall, @Param('id', ParseId) id: number, @Body() body: UpdateNudgeDto) {
    return this.nudges.update(call, id, body);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a nudge' })
  @ApiOkResponse({ schema: { example: { deleted: 2 } } })
  @ApiProblem(404, 'Nudge not found')
  remove(@CurrentCall() call: AgentCall, @Param('id', ParseId) id: number) {
    return this.nudges.remove(call, id);
  }
}
