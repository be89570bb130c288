import { Ctx, Payload } from '@nestjs/microservices';
import { McpContext, McpController, Tool } from '@rekog/mcp-nest';
import { McpToolRunner } from '../mcp/mcp-tool-runner';
import { NO_PARAMS } from '../mcp/tool-params';
import { whoami } from './whoami';

@McpController()
export class IdentityTools {
  constructor(private readonly tools: McpToolRunner) {}

  @Tool({
    name: 'whoami',
    description:
      'Which agent and user your key belongs to, e.g. to check which key a connection uses. Returns {agent: {id, ' +
      'name}, user: {id, name, timezone}}.',
    parameters: NO_PARAMS.advertised,
    annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  })
  whoami(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, NO_PARAMS, (_input, { caller }) => whoami(caller));
  }
}
