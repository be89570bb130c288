import { Body, Controller, Get, Param, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AgentCall, Caller } from '../common/auth/actor';
import { CurrentCall, CurrentCaller } from '../common/auth/access.decorators';
import { ApiProblem } from '../common/http/problem.dto';
import { ApiIdParam } from '../common/http/params.dto';
import { ParseId } from '../common/http/validation';
import { CreateSessionDto, LastSessionDto, SessionDto, SessionNotesDto, UpdatedSessionNotesDto } from './context.dto';
import { SessionsService } from './sessions.service';

/** Conversation starts of the calling agent, for gap detection. */
@ApiTags('agent context')
@Controller('sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Post()
  @ApiOperation({ operationId: 'createSession', summary: 'Record the start of a conversation of the calling agent' })
  @ApiCreatedResponse({ type: SessionDto })
  create(@CurrentCall() call: AgentCall, @Body() body: CreateSessionDto) {
    return this.sessions.create(call, body.project);
  }

  @Get('last')
  @ApiOperation({ operationId: 'getLastSession', summary: "The calling agent's newest session ({last_session: null} when none)" })
  @ApiOkResponse({ type: LastSessionDto })
  last(@CurrentCaller() caller: Caller) {
    return this.sessions.last(caller);
  }

  @Put(':id/notes')
  @ApiOperation({ operationId: 'updateSessionNotes', summary: 'Set the notes of one of the calling agent’s sessions (null clears them)' })
  @ApiIdParam('id', 'The session (session_id) of the calling agent')
  @ApiOkResponse({ type: UpdatedSessionNotesDto })
  @ApiProblem(404, 'Session not found')
  notes(@CurrentCall() call: AgentCall, @Param('id', ParseId) id: number, @Body() body: SessionNotesDto) {
    return this.sessions.setNotes(call, id, body.notes);
  }
}
