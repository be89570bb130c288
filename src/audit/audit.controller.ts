import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Caller } from '../common/auth/actor';
import { CurrentCaller } from '../common/auth/access.decorators';
import { SendsJsonText } from '../common/http/json-text';
import { ApiProblem } from '../common/http/problem.dto';
import { AuditLogService } from './audit-log.service';
import { AuditQueryDto } from './audit.dto';

const EVENT_EXAMPLE = {
  seq: 1842,
  occurred_at: '2026-11-22T03:00:00.000Z',
  event_type: 'SECRET_READ',
  agent: 'lucy',
  request_id: '0b7e…',
  subject: 'slack_token',
  scope: null,
  domain: null,
  purpose: null,
  purpose_class: null,
  memory_ids: null,
  grant_id: null,
  reason_code: null,
  meta: null,
};

/** Your user's audit trail: every read, write and denial the service recorded, and proof it was not altered. */
@ApiTags('audit')
@Controller('audit')
export class AuditController {
  constructor(private readonly auditLog: AuditLogService) {}

  @Get()
  @ApiOperation({
    summary: "Your user's audit events, newest first (cursor-paged)",
    description: 'Pass next_cursor as cursor for the next page; next_cursor is null on the last page. Filters combine with AND.',
  })
  @ApiOkResponse({ schema: { example: { events: [EVENT_EXAMPLE], next_cursor: '1842' } } })
  @ApiProblem(422, 'limit must be an integer between 1 and 500')
  @SendsJsonText()
  async list(@CurrentCaller() caller: Caller, @Query() query: AuditQueryDto): Promise<string> {
    return (await this.auditLog.query(caller.userId, query)).json;
  }

  @Get('verify')
  @ApiOperation({
    summary: "Recompute your user's audit hash chain",
    description:
      'Each event is linked by SHA-256 over the previous link and the event, a few seconds after it commits. An event changed, deleted or inserted by hand is reported as first_bad_seq.',
  })
  @ApiOkResponse({ schema: { example: { ok: true, events_checked: 1840, sealed_through_seq: 1842, first_bad_seq: null } } })
  verify(@CurrentCaller() caller: Caller) {
    return this.auditLog.verify(caller.userId);
  }
}
