import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Caller } from '../common/auth/actor';
import { CurrentCaller } from '../common/auth/access.decorators';
import { SendsJsonText } from '../common/http/json-text';
import { ApiProblem } from '../common/http/problem.dto';
import { AuditLogService } from './audit-log.service';
import { AuditEventPageDto, AuditQueryDto, AuditVerifyDto } from './audit.dto';

/** Your user's audit trail: every read, write and denial the service recorded, and proof it was not altered. */
@ApiTags('audit')
@Controller('audit')
export class AuditController {
  constructor(private readonly auditLog: AuditLogService) {}

  @Get()
  @ApiOperation({
    operationId: 'listAuditEvents',
    summary: "Your user's audit events, newest first (cursor-paged)",
    description: 'Pass next_cursor as cursor for the next page; next_cursor is null on the last page. Filters combine with AND.',
  })
  @ApiOkResponse({ type: AuditEventPageDto })
  @ApiProblem(422, 'limit must be an integer between 1 and 500')
  @SendsJsonText()
  async list(@CurrentCaller() caller: Caller, @Query() query: AuditQueryDto): Promise<string> {
    return (await this.auditLog.listEvents(caller.userId, query)).json;
  }

  @Get('verify')
  @ApiOperation({
    operationId: 'verifyAuditChain',
    summary: "Recompute your user's audit hash chain",
    description:
      'Each event is linked by SHA-256 over the previous link and the event, a few seconds after it commits. An event changed, deleted or inserted by hand is reported as first_bad_seq.',
  })
  @ApiOkResponse({ type: AuditVerifyDto })
  verify(@CurrentCaller() caller: Caller): Promise<AuditVerifyDto> {
    return this.auditLog.verify(caller.userId);
  }
}
