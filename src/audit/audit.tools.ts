import { Ctx, Payload } from '@nestjs/microservices';
import { McpContext, McpController, Tool } from '@rekog/mcp-nest';
import { z } from 'zod';
import { McpToolRunner } from '../mcp/mcp-tool-runner';
import { readTool } from '../mcp/tool-annotations';
import { NO_PARAMS, toolParams } from '../mcp/tool-params';
import { AuditLogService } from './audit-log.service';
import { AuditQueryDto } from './audit.dto';

const P = {
  query: toolParams(
    {
      event_type: z.string().optional().describe('Only events of this type, e.g. SECRET_READ'),
      agent: z.string().optional().describe('Only events done by this agent (name)'),
      subject: z.string().optional().describe('Only events about this subject'),
      since: z.string().optional().describe('ISO 8601: events at or after'),
      until: z.string().optional().describe('ISO 8601: events before'),
      limit: z.number().int().optional().describe('1-500, default 100'),
      cursor: z.string().optional().describe('next_cursor of the previous page'),
    },
    AuditQueryDto,
  ),
};

/** MCP tools over your user's audit trail (same service as /audit). */
@McpController()
export class AuditTools {
  constructor(
    private readonly tools: McpToolRunner,
    private readonly auditLog: AuditLogService,
  ) {}

  @Tool({
    name: 'query_audit',
    description:
      "Your user's audit trail, newest first: every read, write and denial the service recorded (which agent, what, " +
      'when, why), filtered by event type, agent, subject or time. Page with next_cursor (null on the last page). ' +
      'Returns {events, next_cursor}.',
    parameters: P.query.advertised,
    annotations: readTool,
  })
  queryAudit(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.query, (a, call) => this.auditLog.listEvents(call.caller.userId, a));
  }

  @Tool({
    name: 'verify_audit',
    description:
      "Recompute your user's audit hash chain to prove the trail was not altered; reports the first altered event. " +
      'Returns {ok, events_checked, sealed_through_seq, first_bad_seq}.',
    parameters: NO_PARAMS.advertised,
    annotations: readTool,
  })
  verifyAudit(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, NO_PARAMS, (_a, call) => this.auditLog.verify(call.caller.userId));
  }
}
