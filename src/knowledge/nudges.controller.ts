import { Body, Controller, Delete, Get, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AgentCall, Caller } from '../common/auth/actor';
import { CurrentCall, CurrentCaller } from '../common/auth/access.decorators';
import { PageQueryDto } from '../common/http/paging';
import { ApiProblem } from '../common/http/problem.dto';
import { DeletedDto } from '../common/http/deleted.dto';
import { ApiIdParam } from '../common/http/params.dto';
import { ParseId } from '../common/http/validation';
import { CreatedNudgeDto, CreateNudgeDto, NudgeDto, NudgeListDto, UpdatedNudgeDto, UpdateNudgeDto } from './nudges.dto';
import { NudgesService } from './nudges.service';

const NUDGE = 'The nudge (nudge_id)';

@ApiTags('nudges')
@Controller('nudges')
export class NudgesController {
  constructor(private readonly nudges: NudgesService) {}

  @Get()
  @ApiOperation({ operationId: 'listNudges', summary: "Your user's nudges: ASAP (no due date) first, then the soonest due" })
  @ApiOkResponse({ type: NudgeListDto })
  list(@CurrentCaller() caller: Caller, @Query() page: PageQueryDto) {
    return this.nudges.list(caller, page);
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getNudge', summary: 'One nudge' })
  @ApiIdParam('id', NUDGE)
  @ApiOkResponse({ type: NudgeDto })
  @ApiProblem(404, 'Nudge not found')
  get(@CurrentCaller() caller: Caller, @Param('id', ParseId) id: number) {
    return this.nudges.get(caller, id);
  }

  @Post()
  @ApiOperation({ operationId: 'createNudge', summary: 'Create a nudge (no due_date: ASAP); the context surfaces it when actionable' })
  @ApiCreatedResponse({ type: CreatedNudgeDto })
  create(@CurrentCall() call: AgentCall, @Body() body: CreateNudgeDto) {
    return this.nudges.create(call, body);
  }

  @Put(':id')
  @ApiOperation({ operationId: 'updateNudge', summary: 'Update a nudge; due_date null (or clear_due_date true) makes it ASAP' })
  @ApiIdParam('id', NUDGE)
  @ApiOkResponse({ type: UpdatedNudgeDto })
  @ApiProblem(400, 'No fields to update')
  @ApiProblem(404, 'Nudge not found')
  update(@CurrentCall() call: AgentCall, @Param('id', ParseId) id: number, @Body() body: UpdateNudgeDto) {
    return this.nudges.update(call, id, body);
  }

  @Delete(':id')
  @ApiOperation({ operationId: 'deleteNudge', summary: 'Delete a nudge' })
  @ApiIdParam('id', NUDGE)
  @ApiOkResponse({ type: DeletedDto })
  @ApiProblem(404, 'Nudge not found')
  remove(@CurrentCall() call: AgentCall, @Param('id', ParseId) id: number) {
    return this.nudges.remove(call, id);
  }
}
