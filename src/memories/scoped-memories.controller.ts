import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AgentCall } from '../common/auth/actor';
import { CurrentCall } from '../common/auth/access.decorators';
import { ApiProblem } from '../common/http/problem.dto';
import { ApiUuidParam } from '../common/http/params.dto';
import { ParseUuid } from '../common/http/validation';
import { ScopedMemoriesService } from './scoped-memories.service';
import { CreatedMemoryDto, CreateMemoryDto, ListMemoriesQueryDto, MemoryListDto } from './scoped-memories.dto';

/** MemoryScope v1: scoped memories about subjects, in the caller's tenant. */
@ApiTags('memories')
@Controller('memory')
export class ScopedMemoriesController {
  constructor(private readonly memories: ScopedMemoriesService) {}

  @Post()
  @ApiOperation({ operationId: 'createScopedMemory', summary: 'Store a scoped memory about a subject (normalized; expires after ttl_days)' })
  @ApiCreatedResponse({ type: CreatedMemoryDto })
  create(@CurrentCall() call: AgentCall, @Body() body: CreateMemoryDto): Promise<CreatedMemoryDto> {
    return this.memories.create(call, body);
  }

  @Get()
  @ApiOperation({ operationId: 'listScopedMemories', summary: "A subject's stored memories, raw and newest first (audited as MEMORY_LIST)" })
  @ApiOkResponse({ type: MemoryListDto })
  list(@CurrentCall() call: AgentCall, @Query() query: ListMemoriesQueryDto): Promise<MemoryListDto> {
    return this.memories.list(call, query);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteScopedMemory', summary: 'Delete one memory' })
  @ApiUuidParam('id', 'The memory (its id from a create or a list)')
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblem(404, 'Memory not found')
  async remove(@CurrentCall() call: AgentCall, @Param('id', ParseUuid) id: string): Promise<void> {
    await this.memories.remove(call, id);
  }
}
