import { Ctx, Payload } from '@nestjs/microservices';
import { McpContext, McpController, Tool } from '@rekog/mcp-nest';
import { z } from 'zod';
import { McpToolRunner } from '../mcp/mcp-tool-runner';
import { deleteTool, readTool, writeTool } from '../mcp/tool-annotations';
import { descriptionArg as description, pageArgs, rowIdArg, titleArg as title } from '../mcp/tool-args';
import { toolParams } from '../mcp/tool-params';
import { CreateHintCategoryDto, CreateHintDto } from './hints.dto';
import { HintsService } from './hints.service';
import { HintArgs, PageArgs, UpdateHintArgs } from './knowledge.tool-args';

const hintId = rowIdArg('Hint id');

const P = {
  page: toolParams(pageArgs, PageArgs),
  hint: toolParams({ hint_id: hintId }, HintArgs),
  category: toolParams({ title, description }, CreateHintCategoryDto),
  create: toolParams({ title, description, parent_id: z.number().int().optional().describe('0 makes a category; else the parent hint') }, CreateHintDto),
  update: toolParams({ hint_id: hintId, title: title.optional(), description }, UpdateHintArgs),
};

/** MCP tools for hints, over the REST routes' service: shared categories are seen and edited exactly as over REST. */
@McpController()
export class HintTools {
  constructor(
    private readonly tools: McpToolRunner,
    private readonly hints: HintsService,
  ) {}

  @Tool({
    name: 'get_hints',
    description:
      'List your hints (shared working knowledge: how-tos and conventions, in categories) and those of categories ' +
      'shared to you, flat, by (parent_id, sort_order, hint_id), with access and permission_level. Returns {hints, ' +
      'total, limit, offset}.',
    parameters: P.page.advertised,
    annotations: readTool,
  })
  getHints(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.page, (a, call) => this.hints.list(call.caller, a));
  }

  @Tool({
    name: 'get_hints_compact',
    description:
      'The same hints as get_hints, titles only, for a quick overview. Returns {hints: [{hint_id, parent_id, ' +
      'title}], total, limit, offset}.',
    parameters: P.page.advertised,
    annotations: readTool,
  })
  getHintsCompact(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.page, (a, call) => this.hints.list(call.caller, a, true));
  }

  @Tool({
    name: 'get_hint',
    description: 'Read one hint and its immediate children. Returns {node, children}.',
    parameters: P.hint.advertised,
    annotations: readTool,
  })
  getHint(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.hint, (a, call) => this.hints.get(call.caller, a.hint_id));
  }

  @Tool({
    name: 'create_hint_category',
    description:
      'Create a hint category (a root hint, its own category) owned by your user. Returns {created: {hint_id, ' +
      'parent_id, title, hint_category_id, ...}}.',
    parameters: P.category.advertised,
    annotations: writeTool,
  })
  createHintCategory(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.category, (a, call) => this.hints.createCategory(call, a.title, a.description));
  }

  @Tool({
    name: 'create_hint',
    description:
      'Create a hint: parent_id 0 makes a category; a child needs edit access to the category and belongs to its ' +
      'owner. Returns {created: {hint_id, parent_id, title, hint_category_id, ...}}.',
    parameters: P.create.advertised,
    annotations: writeTool,
  })
  createHint(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.create, (a, call) => this.hints.create(call, a));
  }

  @Tool({
    name: 'update_hint',
    description:
      'Change a hint (owner or edit share on its category); absent fields stay unchanged, description null clears ' +
      'it. Returns {updated: {hint_id, title, ...}}.',
    parameters: P.update.advertised,
    annotations: writeTool,
  })
  updateHint(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.update, (a, call) => this.hints.update(call, a.hint_id, a));
  }

  @Tool({
    name: 'delete_hint',
    description:
      'Delete a hint and its subtree (full share), or a whole category (owner only). Returns {deleted: hint_id, ' +
      'descendants_deleted}.',
    parameters: P.hint.advertised,
    annotations: deleteTool,
  })
  deleteHint(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.hint, (a, call) => this.hints.remove(call, a.hint_id));
  }
}
