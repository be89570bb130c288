import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AgentCall } from '../common/auth/actor';
import { CurrentCall } from '../common/auth/access.decorators';
import { SendsJsonText } from '../common/http/json-text';
import { ApiProblem } from '../common/http/problem.dto';
import { ContextQueryDto } from './context.dto';
import { ContextService } from './context.service';

@ApiTags('agent context')
@Controller()
export class ContextController {
  constructor(private readonly context: ContextService) {}

  @Get('agents/:name/context')
  @ApiOperation({
    summary: 'What an agent loads first: time, always-load titles, memory titles, preferences manifest, last session, pending handoffs',
    description: '`?start_session=true` also records a session start of the caller and returns `previous_session` with `gap_seconds`.',
  })
  @ApiOkResponse({
    schema: {
      example: {
        agent: 'lucy',
        time: { utc: '2026-11-22T03:00:00.000Z', local: '2026-11-21T20:00:00.000-07:00', tz: 'America/Denver', day: 'Saturday', unix: 1795316400 },
        always_load: [{ pkid: 12, parent_id: 0, title: 'Voice' }],
        memories: [{ pkid: 7, title: 'Has a dog named Rex' }],
        preferences_manifest: [{ pkid: 3, title: 'Food' }],
        projects_manifest: [],
        last_session: { session_id: 9, started_at: '2026-11-21T18:00:00.000Z', project: 'mnemo' },
        pending_handoffs: [{ handoff_id: 4, title: 'Continue the migration', created_by_agent: 'linus', created_at: '2026-11-22T02:00:00.000Z' }],
      },
    },
  })
  @ApiProblem(404, 'Agent not found')
  @SendsJsonText()
  async get(@CurrentCall() call: AgentCall, @Param('name') name: string, @Query() query: ContextQueryDto): Promise<string> {
    // Serialised by PostgreSQL: sent as is (the payload can hold thousands of titles).
    return (await this.context.context(call, name, query.start_session ?? false)).json;
  }

  @Get('boot')
  @ApiOperation({ summary: "Bootstrap for agents without MCP: the API's URLs (never with a key) and the caller's always-load rows" })
  @ApiOkResponse({ schema: { example: { agent: 'lucy', endpoints: { time: 'http://127.0.0.1:8100/time' }, always_load: [] } } })
  boot(@CurrentCall() call: AgentCall) {
    return this.context.boot(call);
  }
}
