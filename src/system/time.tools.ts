import { Ctx, Payload } from '@nestjs/microservices';
import { McpContext, McpController, Tool } from '@rekog/mcp-nest';
import { z } from 'zod';
import { McpToolRunner } from '../mcp/mcp-tool-runner';
import { toolParams } from '../mcp/tool-params';
import { TimeQueryDto } from './time.controller';
import { TimeService } from './time.service';

const GetTimeParams = toolParams(
  { tz: z.string().max(64).optional().describe("IANA time zone, e.g. 'America/Denver'. Default: your user's timezone.") },
  TimeQueryDto,
);

@McpController()
export class TimeTools {
  constructor(
    private readonly tools: McpToolRunner,
    private readonly time: TimeService,
  ) {}

  @Tool({
    name: 'get_time',
    description: 'Current date and time (UTC, local with offset, weekday, unix seconds) for temporal grounding.',
    parameters: GetTimeParams.advertised,
    annotations: { readOnlyHint: true, idempotentHint: false, openWorldHint: false },
  })
  getTime(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, GetTimeParams, ({ tz }, { caller }) => this.time.now(tz ?? caller.timeZone));
  }
}
