import { Ctx, Payload } from '@nestjs/microservices';
import { McpContext, McpController, Tool } from '@rekog/mcp-nest';
import { McpToolRunner } from '../mcp/mcp-tool-runner';
import { subjectParams } from '../memories/scoped-memories.tool-args';
import { SubjectsService } from './subjects.service';

/** MCP tools over the same service as GET /memory/export and DELETE /memory. */
@McpController()
export class SubjectsTools {
  constructor(
    private readonly tools: McpToolRunner,
    private readonly subjects: SubjectsService,
  ) {}

  @Tool({
    name: 'export_subject',
    description:
      'Export everything stored about a subject, for a data-access request: every scoped memory (expired ones too) ' +
      'and every read grant (never a token). Audited. Returns {user_id, exported_at, memories, grants}.',
    parameters: subjectParams.advertised,
    annotations: { readOnlyHint: false, idempotentHint: true, openWorldHint: false },
  })
  export(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, subjectParams, (input, call) => this.subjects.export(call, input.user_id));
  }

  @Tool({
    name: 'erase_subject',
    description:
      'Erase a subject for good, for a deletion request: every scoped memory and every read grant about them ' +
      '(audited; cannot be undone). Returns {deleted: number of memories deleted}.',
    parameters: subjectParams.advertised,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  })
  erase(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, subjectParams, (input, call) => this.subjects.erase(call, input.user_id));
  }
}
