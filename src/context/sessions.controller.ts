import { Body, Controller, Get, Param, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AgentCall, Caller } from '../common/auth/actor';
import { CurrentCall, CurrentCaller } from '../common/auth/access.decorators';
import { ApiProblem } from '../common/http/problem.dto';
import { ParseId } from '../common/http/validation';
import { CreateSessionDto, SessionNotesDto } from './context.dto';
import { SessionsService } from './sessions.service';

/** Conversation starts of the calling agent, for gap detection. */
@ApiTags('agent context')
@Controller('sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Post()
  @ApiOperation({ summary: 'Record the start of a conversation of the calling agent' })
  @ApiCreatedResponse({ schema: { example: { session_id: 9, agent: 'lucy', started_at: '2026-11-22T03:00:00.000Z', project: 'mnemo' } } })
  create(@CurrentCall() call: AgentCall, @Body() body: CreateSessionDto) {
    return this.sessions.create(call, body.project);
  }

  @Get('last')
  @ApiOperation({ summary: "The calling agent's newest session ({last_session: null} when none)" })
  @ApiOkResponse({
    schema: { example: { agent: 'lucy', last_session: { session_id: 9, started_at: '2026-11-22T03:00:00.000Z', project: 'mnemo', notes: null } } },
  })
  last(@CurrentCaller() caller: Caller) {
    return this.sessions.last(caller);
  }

  @Put(':id/notes')
  @ApiOperation({ summary: 'Set the notes of one of the calling agent’s sessions (null clears them)' })
  @ApiOkResponse({ schema: { example: { updated: { session_id: 9, notes: 'Shipped the handoff queue.' } } } })
  @ApiProblem(404, 'Session not found')
  notes(@CurrentCall() call: AgentCall, @Param('id', ParseId) id: number, @Body() body: SessionNotesDto) {
    return this.sessions.setNotes(call, id, body.notes);
  }
}
