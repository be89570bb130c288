import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AgentCall, Caller } from '../common/auth/actor';
import { CurrentCall, CurrentCaller } from '../common/auth/access.decorators';
import { PageQueryDto } from '../common/http/paging';
import { ApiProblem } from '../common/http/problem.dto';
import { ParseId } from '../common/http/validation';
import { AgentMemoriesService } from './agent-memories.service';
import { CreateAgentMemoryDto, UpdateAgentMemoryDto } from './context.dto';

const MEMORY_EXAMPLE = { pkid: 7, title: 'Has a dog named Rex', description: null, created_at: '2026-11-22T03:00:00.000Z' };

/** An agent's memories: personal details whose titles load at the start of a conversation. */
@ApiTags('agent context')
@Controller('agents/:name/memories')
export class AgentMemoriesController {
  constructor(private readonly memories: AgentMemoriesService) {}

  @Get()
  @ApiOperation({ summary: "An agent's memories, by pkid (any agent of the same user)" })
  @ApiOkResponse({ schema: { example: { agent: 'lucy', memories: [MEMORY_EXAMPLE], total: 1, limit: 200, offset: 0 } } })
  @ApiProblem(404, 'Agent not found')
  list(@CurrentCaller() caller: Caller, @Param('name') name: string, @Query() page: PageQueryDto) {
    return this.memories.list(caller, name, page);
  }

  @Post()
  @ApiOperation({ summary: 'Add a memory (only the named agent)' })
  @ApiCreatedResponse({ schema: { example: { created: { pkid: 7, title: 'Has a dog named Rex', created_at: '2026-11-22T03:00:00.000Z' } } } })
  @ApiProblem(403, 'Only the named agent may write to its memories')
  @ApiProblem(404, 'Agent not found')
  create(@CurrentCall() call: AgentCall, @Param('name') name: string, @Body() body: CreateAgentMemoryDto) {
    return this.memories.create(call, name, body);
  }

  @Get(':pkid')
  @ApiOperation({ summary: 'One memory' })
  @ApiOkResponse({ schema: { example: MEMORY_EXAMPLE } })
  @ApiProblem(404, 'Agent not found, or Memory not found')
  get(@CurrentCaller() caller: Caller, @Param('name') name: string, @Param('pkid', ParseId) pkid: number) {
    return this.memories.get(caller, name, pkid);
  }

  @Put(':pkid')
  @ApiOperation({ summary: 'Update a memory (absent = unchanged; description null clears)' })
  @ApiOkResponse({ schema: { example: { updated: { pkid: 7, title: 'Has a dog named Rex' } } } })
  @ApiProblem(400, 'No fields to update')
  @ApiProblem(403, 'Only the named agent may modify its memories')
  @ApiProblem(404, 'Agent not found, or Memory not found')
  update(
    @CurrentCall() call: AgentCall,
    @Param('name') name: string,
    @Param('pkid', ParseId) pkid: number,
    @Body() body: UpdateAgentMemoryDto,
  ) {
    return this.memories.update(call, name, pkid, body);
  }

  @Delete(':pkid')
  @HttpCode(200)
  @ApiOperation({ summary: 'Delete a memory' })
  @ApiOkResponse({ schema: { example: { deleted: 7 } } })
  @ApiProblem(403, 'Only the named agent may delete its memories')
  @ApiProblem(404, 'Agent not found, or Memory not found')
  remove(@CurrentCall() call: AgentCall, @Param('name') name: string, @Param('pkid', ParseId) pkid: number) {
    return this.memories.remove(call, name, pkid);
  }
}
