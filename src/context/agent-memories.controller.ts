import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AgentCall, Caller } from '../common/auth/actor';
import { CurrentCall, CurrentCaller } from '../common/auth/access.decorators';
import { PageQueryDto } from '../common/http/paging';
import { ApiProblem } from '../common/http/problem.dto';
import { DeletedDto } from '../common/http/deleted.dto';
import { ApiAgentNameParam, ApiIdParam } from '../common/http/params.dto';
import { ParseId } from '../common/http/validation';
import { AgentMemoriesService } from './agent-memories.service';
import {
  AgentMemoryDto,
  AgentMemoryListDto,
  CreateAgentMemoryDto,
  CreatedAgentMemoryDto,
  UpdateAgentMemoryDto,
  UpdatedAgentMemoryDto,
} from './context.dto';

const PKID = 'The memory (pkid)';

/** An agent's memories: personal details whose titles load at the start of a conversation. */
@ApiTags('agent context')
@ApiAgentNameParam()
@Controller('agents/:name/memories')
export class AgentMemoriesController {
  constructor(private readonly memories: AgentMemoriesService) {}

  @Get()
  @ApiOperation({ operationId: 'listAgentMemories', summary: "An agent's memories, by pkid (any agent of the same user)" })
  @ApiOkResponse({ type: AgentMemoryListDto })
  @ApiProblem(404, 'Agent not found')
  list(@CurrentCaller() caller: Caller, @Param('name') name: string, @Query() page: PageQueryDto) {
    return this.memories.list(caller, name, page);
  }

  @Post()
  @ApiOperation({ operationId: 'createAgentMemory', summary: 'Add a memory (only the named agent)' })
  @ApiCreatedResponse({ type: CreatedAgentMemoryDto })
  @ApiProblem(403, 'Only the named agent may write to its memories')
  @ApiProblem(404, 'Agent not found')
  create(@CurrentCall() call: AgentCall, @Param('name') name: string, @Body() body: CreateAgentMemoryDto) {
    return this.memories.create(call, name, body);
  }

  @Get(':pkid')
  @ApiOperation({ operationId: 'getAgentMemory', summary: 'One memory' })
  @ApiIdParam('pkid', PKID)
  @ApiOkResponse({ type: AgentMemoryDto })
  @ApiProblem(404, 'Agent not found, or Memory not found')
  get(@CurrentCaller() caller: Caller, @Param('name') name: string, @Param('pkid', ParseId) pkid: number) {
    return this.memories.get(caller, name, pkid);
  }

  @Put(':pkid')
  @ApiOperation({ operationId: 'updateAgentMemory', summary: 'Update a memory (absent = unchanged; description null clears)' })
  @ApiIdParam('pkid', PKID)
  @ApiOkResponse({ type: UpdatedAgentMemoryDto })
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
  @ApiOperation({ operationId: 'deleteAgentMemory', summary: 'Delete a memory' })
  @ApiIdParam('pkid', PKID)
  @ApiOkResponse({ type: DeletedDto })
  @ApiProblem(403, 'Only the named agent may delete its memories')
  @ApiProblem(404, 'Agent not found, or Memory not found')
  remove(@CurrentCall() call: AgentCall, @Param('name') name: string, @Param('pkid', ParseId) pkid: number) {
    return this.memories.remove(call, name, pkid);
  }
}
