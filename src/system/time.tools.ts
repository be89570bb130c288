import { Ctx, Payload } from '@nestjs/microservices';
import { McpContext, McpController, Tool } from '@rekog/mcp-nest';
import { z } from 'zod';
import { McpToolRunner } from '../mcp/mcp-tool-runner';
import { toolParams } from '../mcp/tool-params';
import { TimeQueryDto } from './time.controller';
import { TimeService } from './time.service';

const GetTimeParams = toolParams(
  { tz: z.string().optional().describe("IANA time zone, e.g. 'America/Denver'. Default: your user's timezone.") },
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
    description:
      'The current date and time, for temporal grounding (dates in answers, deadlines, gaps since the last ' +
      'session). Returns {utc, local (with offset), tz, day (weekday), unix}.',
    parameters: GetTimeParams.advertised,
    annotations: { readOnlyHint: true, idempotentHint: false, openWorldHint: false },
  })
  getTime(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, GetTimeParams, ({ tz }, { caller }) => this.time.now(tz ?? caller.timeZone));
  }
}
