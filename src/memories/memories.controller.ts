import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AgentCall } from '../common/auth/actor';
import { CurrentCall } from '../common/auth/access.decorators';
import { ApiProblem } from '../common/http/problem.dto';
import { ParseUuid } from '../common/http/validation';
import { MemoriesService } from './memories.service';
import {
  CreatedMemoryDto,
  CreateMemoryDto,
  ErasedDto,
  ListMemoriesQueryDto,
  MemoryListDto,
  SubjectQueryDto,
} from './memory.dto';

/** MemoryScope v1: scoped memories about subjects, in the caller's tenant. */
@ApiTags('memories')
@Controller('memory')
export class MemoriesController {
  constructor(private readonly memories: MemoriesService) {}

  @Post()
  @ApiOperation({ summary: 'Store a scoped memory about a subject (normalized; expires after ttl_days)' })
  @ApiCreatedResponse({ type: CreatedMemoryDto })
  create(@CurrentCall() call: AgentCall, @Body() body: CreateMemoryDto): Promise<CreatedMemoryDto> {
    return this.memories.create(call, body);
  }

  @Get()
  @ApiOperation({ summary: "A subject's stored memories, raw and newest first (audited as MEMORY_LIST)" })
  @ApiOkResponse({ type: MemoryListDto })
  list(@CurrentCall() call: AgentCall, @Query() query: ListMemoriesQueryDto): Promise<MemoryListDto> {
    return this.memories.list(call, query);
  }

  @Get('export')
  @ApiOperation({ summary: 'Export everything stored about a subject: memories and grants (no tokens)' })
  @ApiOkResponse({ schema: { example: { user_id: 'user_123', exported_at: '2026-11-22T00:00:00.000Z', memories: [], grants: [] } } })
  export(@CurrentCall() call: AgentCall, @Query() query: SubjectQueryDto) {
    return this.memories.exportSubject(call, query.user_id);
  }

  @Delete()
  @ApiOperation({ summary: 'Erase a subject: all their memories and read grants' })
  @ApiOkResponse({ type: ErasedDto })
  erase(@CurrentCall() call: AgentCall, @Query() query: SubjectQueryDto): Promise<ErasedDto> {
    return this.memories.eraseSubject(call, query.user_id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete one memory' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblem(404, 'Memory not found')
  async remove(@CurrentCall() call: AgentCall, @Param('id', ParseUuid) id: string): Promise<void> {
    await this.memories.remove(call, id);
  }
}
