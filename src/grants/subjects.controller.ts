import { Controller, Delete, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AgentCall } from '../common/auth/actor';
import { CurrentCall } from '../common/auth/access.decorators';
import { SubjectQueryDto } from '../memories/scoped-memories.dto';
import { ErasedDto, SubjectExportDto } from './subjects.dto';
import { SubjectsService } from './subjects.service';

/** A subject's data as a whole (memories and grants): export and erasure. */
@ApiTags('memories')
@Controller('memory')
export class SubjectsController {
  constructor(private readonly subjects: SubjectsService) {}

  @Get('export')
  @ApiOperation({ operationId: 'exportSubject', summary: 'Export everything stored about a subject: memories and grants (no tokens)' })
  @ApiOkResponse({ type: SubjectExportDto })
  export(@CurrentCall() call: AgentCall, @Query() query: SubjectQueryDto): Promise<SubjectExportDto> {
    return this.subjects.export(call, query.user_id);
  }

  @Delete()
  @ApiOperation({ operationId: 'eraseSubject', summary: 'Erase a subject: all their memories and read grants' })
  @ApiOkResponse({ type: ErasedDto })
  erase(@CurrentCall() call: AgentCall, @Query() query: SubjectQueryDto): Promise<ErasedDto> {
    return this.subjects.erase(call, query.user_id);
  }
}
