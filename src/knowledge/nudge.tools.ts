import { Ctx, Payload } from '@nestjs/microservices';
import { McpContext, McpController, Tool } from '@rekog/mcp-nest';
import { z } from 'zod';
import { McpToolRunner } from '../mcp/mcp-tool-runner';
import { deleteTool, readTool, writeTool } from '../mcp/tool-annotations';
import { descriptionArg as description, pageArgs, rowIdArg, titleArg as title } from '../mcp/tool-args';
import { toolParams } from '../mcp/tool-params';
import { NudgeArgs, PageArgs, UpdateNudgeArgs } from './knowledge.tool-args';
import { CreateNudgeDto } from './nudges.dto';
import { NudgesService } from './nudges.service';

const nudgeId = rowIdArg('Nudge id');
const dueDate = z.string().nullable().optional().describe('YYYY-MM-DD; absent or null: ASAP');

const P = {
  page: toolParams(pageArgs, PageArgs),
  nudge: toolParams({ nudge_id: nudgeId }, NudgeArgs),
  create: toolParams({ title, description, due_date: dueDate }, CreateNudgeDto),
  update: toolParams(
    { nudge_id: nudgeId, title: title.optional(), description, due_date: dueDate, clear_due_date: z.boolean().optional().describe('true makes it ASAP') },
    UpdateNudgeArgs,
  ),
};

/** MCP tools for nudges (deadline reminders of your user). */
@McpController()
export class NudgeTools {
  constructor(
    private readonly tools: McpToolRunner,
    private readonly nudges: NudgesService,
  ) {}

  @Tool({
    name: 'get_nudges',
    description:
      "List your user's nudges (deadline reminders): ASAP ones (no due date) first, then the soonest due. Returns " +
      '{nudges, total, limit, offset}.',
    parameters: P.page.advertised,
    annotations: readTool,
  })
  getNudges(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.page, (a, call) => this.nudges.list(call.caller, a));
  }

  @Tool({
    name: 'get_nudge',
    description:
      'Read one nudge. Returns {nudge_id, title, description, due_date, last_reminded, created_at, updated_at}.',
    parameters: P.nudge.advertised,
    annotations: readTool,
  })
  getNudge(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.nudge, (a, call) => this.nudges.get(call.caller, a.nudge_id));
  }

  @Tool({
    name: 'create_nudge',
    description:
      'Create a reminder for your user; without due_date it is ASAP. get_context surfaces it when it is actionable. ' +
      'Returns {created: {nudge_id, title, due_date, created_at, ...}}.',
    parameters: P.create.advertised,
    annotations: writeTool,
  })
  createNudge(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.create, (a, call) => this.nudges.create(call, a));
  }

  @Tool({
    name: 'update_nudge',
    description:
      'Change a nudge; absent fields stay unchanged, due_date null or clear_due_date true makes it ASAP. Returns ' +
      '{updated: {nudge_id, title, due_date, ...}}.',
    parameters: P.update.advertised,
    annotations: writeTool,
  })
  updateNudge(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.update, (a, call) => this.nudges.update(call, a.nudge_id, a));
  }

  @Tool({
    name: 'delete_nudge',
    description: 'Delete a nudge (e.g. once it is done). Returns {deleted: nudge_id}.',
    parameters: P.nudge.advertised,
    annotations: deleteTool,
  })
  deleteNudge(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.nudge, (a, call) => this.nudges.remove(call, a.nudge_id));
  }
}
