import { Ctx, Payload } from '@nestjs/microservices';
import { McpContext, McpController, Tool } from '@rekog/mcp-nest';
import { z } from 'zod';
import { PageQueryDto } from '../common/http/paging';
import { McpToolRunner } from '../mcp/mcp-tool-runner';
import { deleteTool, readTool, writeTool } from '../mcp/tool-annotations';
import { descriptionArg as description, pageArgs, rowIdArg, titleArg as title } from '../mcp/tool-args';
import { NO_PARAMS, toolParams } from '../mcp/tool-params';
import { AgentMemoriesService } from './agent-memories.service';
import { TreeKind } from './agent-trees.repository';
import { AgentTreesService } from './agent-trees.service';
import { CreateSessionDto, HANDOFF_STATUSES } from './context.dto';
import { ContextService } from './context.service';
import {
  AgentArgs,
  AgentPageArgs,
  ContextArgs,
  CreateHandoffArgs,
  CreateMemoryArgs,
  CreateNodeArgs,
  HandoffArgs,
  ListHandoffsArgs,
  MoveNodeArgs,
  NodeArgs,
  SessionNotesArgs,
  UpdateMemoryArgs,
  UpdateNodeArgs,
} from './context.tool-args';
import { HandoffsService } from './handoffs.service';
import { SessionsService } from './sessions.service';

const agentName = z.string().optional().describe("Agent name (e.g. 'lucy'); default: you");
const pkid = rowIdArg('Node id (pkid)');
const parentId = z.number().int().optional().describe('0 for root, else a node of the same tree');
const sortOrder = z.number().int().optional().describe('Order among siblings');

const P = {
  context: toolParams(
    {
      agent_name: agentName,
      start_session: z.boolean().optional().describe('Also record your session start and report the gap'),
      full: z.boolean().optional().describe('Give always-load items with their descriptions (default: titles only)'),
    },
    ContextArgs,
  ),
  agentPage: toolParams({ agent_name: agentName, ...pageArgs }, AgentPageArgs),
  agent: toolParams({ agent_name: agentName }, AgentArgs),
  node: toolParams({ agent_name: agentName, pkid }, NodeArgs),
  createNode: toolParams(
    { agent_name: agentName, title, description, parent_id: parentId, sort_order: sortOrder },
    CreateNodeArgs,
  ),
  updateNode: toolParams(
    { agent_name: agentName, pkid, title: title.optional(), description, parent_id: parentId, sort_order: sortOrder },
    UpdateNodeArgs,
  ),
  moveNode: toolParams(
    { agent_name: agentName, pkid, parent_id: z.number().int().describe('New parent: 0 for root'), sort_order: sortOrder },
    MoveNodeArgs,
  ),
  memory: toolParams({ agent_name: agentName, pkid: rowIdArg('Memory id (pkid)') }, NodeArgs),
  createMemory: toolParams({ agent_name: agentName, title, description }, CreateMemoryArgs),
  updateMemory: toolParams({ agent_name: agentName, pkid: rowIdArg('Memory id (pkid)'), title: title.optional(), description }, UpdateMemoryArgs),
  session: toolParams({ project: z.string().nullable().optional().describe('Project context') }, CreateSessionDto),
  notes: toolParams(
    { session_id: rowIdArg('Session id (from create_session or get_last_session)'), notes: z.string().nullable().describe('Notes; null clears them') },
    SessionNotesArgs,
  ),
  handoffs: toolParams(
    {
      agent_name: z.string().optional().describe("The recipient whose handoffs to list (e.g. 'lucy'); default: you"),
      status: z.enum(HANDOFF_STATUSES).optional().describe('pending (default), picked_up or all'),
      ...pageArgs,
    },
    ListHandoffsArgs,
  ),
  handoff: toolParams(
    { agent_name: z.string().optional().describe("The handoff's recipient; default: you"), handoff_id: rowIdArg('Handoff id') },
    HandoffArgs,
  ),
  createHandoff: toolParams(
    {
      agent_name: z.string().describe("The recipient: an agent of your user (e.g. 'lucy'), as in POST /agents/{name}/handoffs"),
      title,
      prompt: z.string().describe('What the recipient should do (1-100000 characters)'),
    },
    CreateHandoffArgs,
  ),
  sent: toolParams(pageArgs, PageQueryDto),
};

/** MCP tools of the agent-scoped API, over the services the REST routes use (same access rules, same errors). */
@McpController()
export class AgentContextTools {
  constructor(
    private readonly tools: McpToolRunner,
    private readonly context: ContextService,
    private readonly trees: AgentTreesService,
    private readonly memories: AgentMemoriesService,
    private readonly sessions: SessionsService,
    private readonly handoffs: HandoffsService,
  ) {}

  @Tool({
    name: 'get_context',
    description:
      'Call this first, at the start of every conversation: everything an agent loads up front, in one call. ' +
      'Returns {agent, time, always_load (titles), memories (titles), preferences_manifest, projects_manifest, ' +
      'last_session, pending_handoffs, hints_compact, actionable_nudges}; with start_session true it also records ' +
      'your session start and adds {session, previous_session (with gap_seconds)}; with full true the always-load ' +
      'items come with their descriptions. Read other full texts afterwards with get_memory, get_preference. The ' +
      'JSON comes as text only (no structuredContent): it can be large.',
    parameters: P.context.advertised,
    annotations: { readOnlyHint: false, openWorldHint: false },
  })
  getContext(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.context, (a, call) =>
      this.context.context(call, a.agent_name, { startSession: a.start_session, full: a.full }),
    );
  }

  @Tool({
    name: 'boot',
    description:
      "The REST bootstrap (as GET /boot): the URLs of your agent API (never with a key) and your always-load items in " +
      'full, for an assistant that also calls REST or hands the URLs on. Returns {agent, endpoints, always_load}. To ' +
      'start a conversation, get_context (with full true) is the usual call.',
    parameters: NO_PARAMS.advertised,
    annotations: readTool,
  })
  boot(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, NO_PARAMS, (_a, call) => this.context.boot(call));
  }

  // --- always-load --------------------------------------------------------------------------

  @Tool({
    name: 'get_always_load',
    description:
      "List an agent's always-load nodes (identity and standing instructions, loaded every conversation), flat, " +
      'with descriptions, by parent and order. Use to read them in full after get_context gave the titles. Returns ' +
      '{agent, always_load, total, limit, offset}.',
    parameters: P.agentPage.advertised,
    annotations: readTool,
  })
  getAlwaysLoad(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.agentPage, (a, call) => this.trees.list(call.caller, 'always_load', a.agent_name, a));
  }

  @Tool({
    name: 'get_always_load_item',
    description: 'Read one always-load node and its immediate children. Returns {node, children}.',
    parameters: P.node.advertised,
    annotations: readTool,
  })
  getAlwaysLoadItem(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.getNode('always_load', args, ctx);
  }

  @Tool({
    name: 'create_always_load',
    description:
      'Add a node to your own always-load tree (identity or a standing instruction to load every time); parent_id 0 ' +
      'makes a root. Returns {created: {pkid, parent_id, title, sort_order}}.',
    parameters: P.createNode.advertised,
    annotations: writeTool,
  })
  createAlwaysLoad(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.createNode('always_load', args, ctx);
  }

  @Tool({
    name: 'update_always_load',
    description:
      'Change an always-load node of yours: absent fields stay unchanged, description null clears it; parent_id ' +
      'moves it. Returns {updated: {pkid, parent_id, title, sort_order}}.',
    parameters: P.updateNode.advertised,
    annotations: writeTool,
  })
  updateAlwaysLoad(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.updateNode('always_load', args, ctx);
  }

  @Tool({
    name: 'move_always_load',
    description:
      'Move an always-load node of yours under another parent (0 = root), optionally with a new sort_order; cycles ' +
      'are refused. Same as update_always_load with parent_id. Returns {updated: {pkid, parent_id, title, ' +
      'sort_order}}.',
    parameters: P.moveNode.advertised,
    annotations: writeTool,
  })
  moveAlwaysLoad(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.moveNode('always_load', args, ctx);
  }

  @Tool({
    name: 'delete_always_load',
    description:
      'Delete an always-load node of yours and its whole subtree. Returns {deleted: pkid, descendants_deleted}.',
    parameters: P.node.advertised,
    annotations: deleteTool,
  })
  deleteAlwaysLoad(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.deleteNode('always_load', args, ctx);
  }

  // --- memories -----------------------------------------------------------------------------

  @Tool({
    name: 'get_memories',
    description:
      "List an agent's memories: things the agent learnt (personal details, facts about its user), with " +
      'descriptions, by pkid. Returns {agent, memories, total, limit, offset}.',
    parameters: P.agentPage.advertised,
    annotations: readTool,
  })
  getMemories(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.agentPage, (a, call) => this.memories.list(call.caller, a.agent_name, a));
  }

  @Tool({
    name: 'get_memory',
    description:
      'Read one agent memory in full (get_context lists only titles). Returns {pkid, title, description, ' +
      'created_at}.',
    parameters: P.memory.advertised,
    annotations: readTool,
  })
  getMemory(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.memory, (a, call) => this.memories.get(call.caller, a.agent_name, a.pkid));
  }

  @Tool({
    name: 'create_memory',
    description:
      'Remember something you learnt (only into your own memories); its title loads with get_context from then on. ' +
      'Returns {created: {pkid, title, created_at}}.',
    parameters: P.createMemory.advertised,
    annotations: writeTool,
  })
  createMemory(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.createMemory, (a, call) => this.memories.create(call, a.agent_name, a));
  }

  @Tool({
    name: 'update_memory',
    description:
      'Change one of your memories: absent fields stay unchanged, description null clears it. Returns {updated: ' +
      '{pkid, title}}.',
    parameters: P.updateMemory.advertised,
    annotations: writeTool,
  })
  updateMemory(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.updateMemory, (a, call) => this.memories.update(call, a.agent_name, a.pkid, a));
  }

  @Tool({
    name: 'delete_memory',
    description: 'Forget one of your memories. Returns {deleted: pkid}.',
    parameters: P.memory.advertised,
    annotations: deleteTool,
  })
  deleteMemory(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.memory, (a, call) => this.memories.remove(call, a.agent_name, a.pkid));
  }

  // --- preferences --------------------------------------------------------------------------

  @Tool({
    name: 'get_preferences',
    description:
      "The preferences manifest: the root nodes of an agent's preferences tree (the user's preferences, by domain), " +
      'in sibling order. Open one with get_preference. Returns {agent, preferences, total, limit, offset}.',
    parameters: P.agentPage.advertised,
    annotations: readTool,
  })
  getPreferences(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.agentPage, (a, call) => this.trees.roots(call.caller, 'preferences', a.agent_name, a));
  }

  @Tool({
    name: 'get_preference',
    description: 'Read one preference node and its immediate children. Returns {node, children}.',
    parameters: P.node.advertised,
    annotations: readTool,
  })
  getPreference(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.getNode('preferences', args, ctx);
  }

  @Tool({
    name: 'get_preference_tree',
    description:
      'The whole preferences tree, nested (children inside their parents), with descriptions. Returns {agent, ' +
      'preferences}.',
    parameters: P.agent.advertised,
    annotations: readTool,
  })
  getPreferenceTree(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.agent, (a, call) => this.trees.tree(call.caller, 'preferences', a.agent_name));
  }

  @Tool({
    name: 'create_preference',
    description:
      'Record a user preference in your own preferences tree; parent_id 0 makes a root (a new domain). Returns ' +
      '{created: {pkid, parent_id, title, sort_order}}.',
    parameters: P.createNode.advertised,
    annotations: writeTool,
  })
  createPreference(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.createNode('preferences', args, ctx);
  }

  @Tool({
    name: 'update_preference',
    description:
      'Change a preference node of yours: absent fields stay unchanged, description null clears it; parent_id moves ' +
      'it. Returns {updated: {pkid, parent_id, title, sort_order}}.',
    parameters: P.updateNode.advertised,
    annotations: writeTool,
  })
  updatePreference(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.updateNode('preferences', args, ctx);
  }

  @Tool({
    name: 'move_preference',
    description:
      'Move a preference node of yours under another parent (0 = root), optionally with a new sort_order; cycles ' +
      'are refused. Same as update_preference with parent_id. Returns {updated: {pkid, parent_id, title, ' +
      'sort_order}}.',
    parameters: P.moveNode.advertised,
    annotations: writeTool,
  })
  movePreference(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.moveNode('preferences', args, ctx);
  }

  @Tool({
    name: 'delete_preference',
    description:
      'Delete a preference node of yours and its whole subtree. Returns {deleted: pkid, descendants_deleted}.',
    parameters: P.node.advertised,
    annotations: deleteTool,
  })
  deletePreference(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.deleteNode('preferences', args, ctx);
  }

  // --- sessions -----------------------------------------------------------------------------

  @Tool({
    name: 'create_session',
    description:
      'Record the start of your conversation (get_context with start_session does the same and reports the gap). ' +
      'Returns {session_id, agent, started_at, project}.',
    parameters: P.session.advertised,
    annotations: writeTool,
  })
  createSession(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.session, (a, call) => this.sessions.create(call, a.project));
  }

  @Tool({
    name: 'get_last_session',
    description:
      'Your newest session, to see when you last worked and on what. Returns {agent, last_session: {session_id, ' +
      'started_at, project, notes}}, or {last_session: null} when there is none.',
    parameters: NO_PARAMS.advertised,
    annotations: readTool,
  })
  getLastSession(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, NO_PARAMS, (_a, call) => this.sessions.last(call.caller));
  }

  @Tool({
    name: 'update_session_notes',
    description:
      'Write what happened in one of your sessions (null clears the notes), for the next conversation to read. ' +
      'Returns {updated: {session_id, notes}}.',
    parameters: P.notes.advertised,
    annotations: writeTool,
  })
  updateSessionNotes(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.notes, (a, call) => this.sessions.setNotes(call, a.session_id, a.notes));
  }

  // --- handoffs -----------------------------------------------------------------------------

  @Tool({
    name: 'list_handoffs',
    description:
      'List the handoffs addressed to an agent (you by default), oldest first: pending only unless status says ' +
      'picked_up or all. Returns {agent, handoffs, total, limit, offset}.',
    parameters: P.handoffs.advertised,
    annotations: readTool,
  })
  listHandoffs(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.handoffs, (a, call) =>
      this.handoffs.list(call.caller, a.agent_name, a.status ?? 'pending', a),
    );
  }

  @Tool({
    name: 'get_handoff',
    description:
      'Read one handoff addressed to an agent (you by default), in any state. Returns {handoff_id, title, prompt, ' +
      'created_by_agent, recipient, created_at, picked_up_at}.',
    parameters: P.handoff.advertised,
    annotations: readTool,
  })
  getHandoff(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.handoff, (a, call) => this.handoffs.get(call.caller, a.agent_name, a.handoff_id));
  }

  @Tool({
    name: 'create_handoff',
    description:
      'Pass work to another agent of your user: agent_name is the recipient (required; you are recorded as the ' +
      "sender). It shows in the recipient's get_context until picked up. Returns {created: {handoff_id, title, " +
      'created_at, created_by_agent}}.',
    parameters: P.createHandoff.advertised,
    annotations: writeTool,
  })
  createHandoff(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.createHandoff, (a, call) => this.handoffs.create(call, a.agent_name, a));
  }

  @Tool({
    name: 'pickup_handoff',
    description:
      'Take one of your pending handoffs (exactly once; then it leaves your pending list). Returns {picked_up: ' +
      '{handoff_id, title, picked_up_at}}.',
    parameters: P.handoff.advertised,
    annotations: writeTool,
  })
  pickupHandoff(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.handoff, (a, call) => this.handoffs.pickup(call, a.agent_name, a.handoff_id));
  }

  @Tool({
    name: 'delete_handoff',
    description:
      'Delete a handoff: one addressed to you at any time, one you sent while it is pending. Returns {deleted: ' +
      'handoff_id}.',
    parameters: P.handoff.advertised,
    annotations: deleteTool,
  })
  deleteHandoff(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.handoff, (a, call) => this.handoffs.remove(call, a.agent_name, a.handoff_id));
  }

  @Tool({
    name: 'list_sent_handoffs',
    description:
      'The handoffs you created, newest first, to follow up on them. Returns {agent, handoffs, total, limit, ' +
      'offset}.',
    parameters: P.sent.advertised,
    annotations: readTool,
  })
  listSentHandoffs(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.sent, (a, call) => this.handoffs.sent(call.caller, a));
  }

  // --- shared tree tool bodies (always_load and preferences differ only in the tree) --------

  private getNode(kind: TreeKind, args: unknown, ctx: McpContext) {
    return this.tools.run(ctx, args, P.node, (a, call) => this.trees.get(call.caller, kind, a.agent_name, a.pkid));
  }

  private createNode(kind: TreeKind, args: unknown, ctx: McpContext) {
    return this.tools.run(ctx, args, P.createNode, (a, call) => this.trees.create(call, kind, a.agent_name, a));
  }

  private updateNode(kind: TreeKind, args: unknown, ctx: McpContext) {
    return this.tools.run(ctx, args, P.updateNode, (a, call) => this.trees.update(call, kind, a.agent_name, a.pkid, a));
  }

  private moveNode(kind: TreeKind, args: unknown, ctx: McpContext) {
    return this.tools.run(ctx, args, P.moveNode, (a, call) =>
      this.trees.update(call, kind, a.agent_name, a.pkid, { parent_id: a.parent_id, sort_order: a.sort_order }),
    );
  }

  private deleteNode(kind: TreeKind, args: unknown, ctx: McpContext) {
    return this.tools.run(ctx, args, P.node, (a, call) => this.trees.remove(call, kind, a.agent_name, a.pkid));
  }
}
