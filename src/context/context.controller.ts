import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AgentCall } from '../common/auth/actor';
import { CurrentCall } from '../common/auth/access.decorators';
import { SendsJsonText } from '../common/http/json-text';
import { ApiProblem } from '../common/http/problem.dto';
import { ApiAgentNameParam } from '../common/http/params.dto';
import { BootDto, ContextDto, ContextQueryDto } from './context.dto';
import { ContextService } from './context.service';

@ApiTags('agent context')
@Controller()
export class ContextController {
  constructor(private readonly context: ContextService) {}

  @Get('agents/:name/context')
  @ApiOperation({
    operationId: 'getAgentContext',
    summary: 'What an agent loads first: time, always-load titles, memory titles, preferences manifest, last session, pending handoffs',
    description:
      '`?start_session=true` also records a session start of the caller and returns `previous_session` with `gap_seconds`; ' +
      '`?full=true` gives the always-load nodes with their descriptions.',
  })
  @ApiAgentNameParam()
  @ApiOkResponse({ type: ContextDto })
  @ApiProblem(404, 'Agent not found')
  @SendsJsonText()
  async get(@CurrentCall() call: AgentCall, @Param('name') name: string, @Query() query: ContextQueryDto): Promise<string> {
    // Serialised by PostgreSQL: sent as is (the payload can hold thousands of titles).
    return (await this.context.context(call, name, { startSession: query.start_session, full: query.full })).json;
  }

  @Get('boot')
  @ApiOperation({ operationId: 'getBoot', summary: "Bootstrap for agents without MCP: the API's URLs (never with a key) and the caller's always-load rows" })
  @ApiOkResponse({ type: BootDto })
  boot(@CurrentCall() call: AgentCall): Promise<BootDto> {
    return this.context.boot(call);
  }
}
