import { Ctx, Payload } from '@nestjs/microservices';
import { McpContext, McpController, Tool } from '@rekog/mcp-nest';
import { z } from 'zod';
import { McpToolRunner } from '../mcp/mcp-tool-runner';
import { deleteTool, readTool, writeTool } from '../mcp/tool-annotations';
import { toolParams } from '../mcp/tool-params';
import { AgentMemoriesService } from './agent-memories.service';
import { TreeKind } from './agent-trees.repository';
import { AgentTreesService } from './agent-trees.service';
import { CreateSessionDto } from './context.dto';
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
const pkid = z.number().int().describe('Node id (pkid)');
const title = z.string().describe('Title (1-500 characters)');
const description = z.string().nullable().optional().describe('Text; null clears it on update');
const parentId = z.number().int().optional().describe('0 for root, else a node of the same tree');
const sortOrder = z.number().int().optional().describe('Order among siblings');
const page = { limit: z.number().int().optional(), offset: z.number().int().optional() };

const P = {
  context: toolParams(
    { agent_name: agentName, start_session: z.boolean().optional().describe('Also record your session start and report the gap') },
    ContextArgs,
  ),
  agentPage: toolParams({ agent_name: agentName, ...page }, AgentPageArgs),
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
  memory: toolParams({ agent_name: agentName, pkid }, NodeArgs),
  createMemory: toolParams({ agent_name: agentName, title, description }, CreateMemoryArgs),
  updateMemory: toolParams({ agent_name: agentName, pkid, title: title.optional(), description }, UpdateMemoryArgs),
  session: toolParams({ project: z.string().nullable().optional().describe('Project context') }, CreateSessionDto),
  none: toolParams({}),
  notes: toolParams(
    { session_id: z.number().int(), notes: z.string().nullable().describe('Notes; null clears them') },
    SessionNotesArgs,
  ),
  handoffs: toolParams(
    { agent_name: agentName, status: z.enum(['pending', 'picked_up', 'all']).optional(), ...page },
    ListHandoffsArgs,
  ),
  handoff: toolParams({ agent_name: agentName, handoff_id: z.number().int() }, HandoffArgs),
  createHandoff: toolParams(
    { agent_name: agentName.describe('The recipient (an agent of your user); default: you'), title, prompt: z.string() },
    CreateHandoffArgs,
  ),
  sent: toolParams(page, AgentPageArgs),
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
      'Start here: time, always-load titles, memory titles, preferences manifest, last session and pending handoffs. ' +
      'start_session also records your session start and reports how long you were away. ' +
      'The JSON comes as text only (no structuredContent): it can be large.',
    parameters: P.context.advertised,
    annotations: { readOnlyHint: false, openWorldHint: false },
  })
  getContext(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.context, (a, call) => this.context.context(call, a.agent_name, a.start_session));
  }

  // --- always-load --------------------------------------------------------------------------

  @Tool({ name: 'get_always_load', description: 'All always-load nodes (flat, with descriptions).', parameters: P.agentPage.advertised, annotations: readTool })
  getAlwaysLoad(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.agentPage, (a, call) => this.trees.list(call.caller, 'always_load', a.agent_name, a));
  }

  @Tool({ name: 'get_always_load_item', description: 'An always-load node and its children.', parameters: P.node.advertised, annotations: readTool })
  getAlwaysLoadItem(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.getNode('always_load', args, ctx);
  }

  @Tool({ name: 'create_always_load', description: 'Add an always-load node (your own tree only).', parameters: P.createNode.advertised, annotations: writeTool })
  createAlwaysLoad(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.createNode('always_load', args, ctx);
  }

  @Tool({ name: 'update_always_load', description: 'Update an always-load node; absent fields unchanged, description null clears.', parameters: P.updateNode.advertised, annotations: writeTool })
  updateAlwaysLoad(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.updateNode('always_load', args, ctx);
  }

  @Tool({ name: 'move_always_load', description: 'Move an always-load node under another parent (0 = root); cycles are refused.', parameters: P.moveNode.advertised, annotations: writeTool })
  moveAlwaysLoad(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.moveNode('always_load', args, ctx);
  }

  @Tool({ name: 'delete_always_load', description: 'Delete an always-load node and its subtree.', parameters: P.node.advertised, annotations: deleteTool })
  deleteAlwaysLoad(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.deleteNode('always_load', args, ctx);
  }

  // --- memories -----------------------------------------------------------------------------

  @Tool({ name: 'get_memories', description: "An agent's memories (personal details).", parameters: P.agentPage.advertised, annotations: readTool })
  getMemories(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.agentPage, (a, call) => this.memories.list(call.caller, a.agent_name, a));
  }

  @Tool({ name: 'get_memory', description: 'One memory.', parameters: P.memory.advertised, annotations: readTool })
  getMemory(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.memory, (a, call) => this.memories.get(call.caller, a.agent_name, a.pkid));
  }

  @Tool({ name: 'create_memory', description: 'Add a memory (your own only).', parameters: P.createMemory.advertised, annotations: writeTool })
  createMemory(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.createMemory, (a, call) => this.memories.create(call, a.agent_name, a));
  }

  @Tool({ name: 'update_memory', description: 'Update a memory; absent fields unchanged, description null clears.', parameters: P.updateMemory.advertised, annotations: writeTool })
  updateMemory(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.updateMemory, (a, call) => this.memories.update(call, a.agent_name, a.pkid, a));
  }

  @Tool({ name: 'delete_memory', description: 'Delete a memory.', parameters: P.memory.advertised, annotations: deleteTool })
  deleteMemory(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.memory, (a, call) => this.memories.remove(call, a.agent_name, a.pkid));
  }

  // --- preferences --------------------------------------------------------------------------

  @Tool({ name: 'get_preferences', description: 'The preferences manifest (root preferences).', parameters: P.agentPage.advertised, annotations: readTool })
  getPreferences(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.agentPage, (a, call) => this.trees.roots(call.caller, 'preferences', a.agent_name, a));
  }

  @Tool({ name: 'get_preference', description: 'A preference node and its children.', parameters: P.node.advertised, annotations: readTool })
  getPreference(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.getNode('preferences', args, ctx);
  }

  @Tool({ name: 'get_preference_tree', description: 'The whole preferences tree, nested, with descriptions.', parameters: P.agent.advertised, annotations: readTool })
  getPreferenceTree(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.agent, (a, call) => this.trees.tree(call.caller, 'preferences', a.agent_name));
  }

  @Tool({ name: 'create_preference', description: 'Add a preference node (your own tree only).', parameters: P.createNode.advertised, annotations: writeTool })
  createPreference(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.createNode('preferences', args, ctx);
  }

  @Tool({ name: 'update_preference', description: 'Update a preference node; absent fields unchanged, description null clears.', parameters: P.updateNode.advertised, annotations: writeTool })
  updatePreference(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.updateNode('preferences', args, ctx);
  }

  @Tool({ name: 'move_preference', description: 'Move a preference node under another parent (0 = root); cycles are refused.', parameters: P.moveNode.advertised, annotations: writeTool })
  movePreference(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.moveNode('preferences', args, ctx);
  }

  @Tool({ name: 'delete_preference', description: 'Delete a preference node and its subtree.', parameters: P.node.advertised, annotations: deleteTool })
  deletePreference(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.deleteNode('preferences', args, ctx);
  }

  // --- sessions -----------------------------------------------------------------------------

  @Tool({ name: 'create_session', description: 'Record the start of your conversation.', parameters: P.session.advertised, annotations: writeTool })
  createSession(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.session, (a, call) => this.sessions.create(call, a.project));
  }

  @Tool({ name: 'get_last_session', description: 'Your newest session.', parameters: P.none.advertised, annotations: readTool })
  getLastSession(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.none, (_a, call) => this.sessions.last(call.caller));
  }

  @Tool({ name: 'update_session_notes', description: 'Set the notes of one of your sessions (null clears).', parameters: P.notes.advertised, annotations: writeTool })
  updateSessionNotes(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.notes, (a, call) => this.sessions.setNotes(call, a.session_id, a.notes));
  }

  // --- handoffs -----------------------------------------------------------------------------

  @Tool({ name: 'list_handoffs', description: "An agent's handoffs, oldest first (pending by default).", parameters: P.handoffs.advertised, annotations: readTool })
  listHandoffs(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.handoffs, (a, call) =>
      this.handoffs.list(call.caller, a.agent_name, a.status ?? 'pending', a),
    );
  }

  @Tool({ name: 'get_handoff', description: 'One handoff, in any state.', parameters: P.handoff.advertised, annotations: readTool })
  getHandoff(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.handoff, (a, call) => this.handoffs.get(call.caller, a.agent_name, a.handoff_id));
  }

  @Tool({ name: 'create_handoff', description: 'Leave a handoff for an agent of your user (you are recorded as sender).', parameters: P.createHandoff.advertised, annotations: writeTool })
  createHandoff(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.createHandoff, (a, call) => this.handoffs.create(call, a.agent_name, a));
  }

  @Tool({ name: 'pickup_handoff', description: 'Pick up one of your pending handoffs (exactly once).', parameters: P.handoff.advertised, annotations: writeTool })
  pickupHandoff(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.handoff, (a, call) => this.handoffs.pickup(call, a.agent_name, a.handoff_id));
  }

  @Tool({ name: 'delete_handoff', description: 'Delete a handoff (yours any time; one you sent while pending).', parameters: P.handoff.advertised, annotations: deleteTool })
  deleteHandoff(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.handoff, (a, call) => this.handoffs.remove(call, a.agent_name, a.handoff_id));
  }

  @Tool({ name: 'list_sent_handoffs', description: 'Handoffs you created, newest first.', parameters: P.sent.advertised, annotations: readTool })
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
