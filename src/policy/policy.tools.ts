import { Ctx, Payload } from '@nestjs/microservices';
import { McpContext, McpController, Tool } from '@rekog/mcp-nest';
import { McpToolRunner } from '../mcp/mcp-tool-runner';
import { NO_PARAMS } from '../mcp/tool-params';
import { PolicyService } from './policy.service';

/** The MCP twin of GET /policy. */
@McpController()
export class PolicyTools {
  constructor(
    private readonly tools: McpToolRunner,
    private readonly policy: PolicyService,
  ) {}

  @Tool({
    name: 'get_policy',
    description:
      'The purpose policy: which purpose class may read which scope, and how free-text purposes are classified. ' +
      'Consult it before read_scoped_memories. Returns {scopes, purpose_classes, sources, matrix, classification, ' +
      'unmatched_purpose}.',
    parameters: NO_PARAMS.advertised,
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  })
  getPolicy(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, NO_PARAMS, () => this.policy.describe());
  }
}
