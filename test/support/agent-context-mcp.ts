import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Response } from 'supertest';
import { agentContext, Handoff } from './agent-context';
import type { Method } from './agent-requests';
import { Fixtures, perBlock } from './fixtures';
import { callTool, Json, keyOf, notFound, restAs } from './mcp-client';
import { TestAgent } from './test-app';

/*
 * Shared by the agent-context-mcp*.e2e-spec files: LucyAPI's agent-scoped API as MCP
 * tools (issue 4, spec §4.4 tools 1–17, 50, 51, 57–61) compared with their REST routes.
 * The expected tool list and errors are written out here, never imported from src/.
 */

export interface TreeNode {
  pkid: number;
  parent_id: number;
  title: string;
  description: string | null;
  sort_order: number;
  created_at: string;
  updated_at: string;
}

export interface NestedNode extends TreeNode {
  children: NestedNode[];
}

export interface NodeWithChildren {
  node: TreeNode;
  children: TreeNode[];
}

export interface CreatedNode {
  created: { pkid: number; parent_id: number; title: string; sort_order: number };
}

export interface UpdatedNode {
  updated: { pkid: number; parent_id: number; title: string; sort_order: number };
}

export interface Memory {
  pkid: number;
  title: string;
  description: string | null;
  created_at: string;
  updated_at: string;
}

export interface HandoffList {
  agent: string;
  handoffs: Handoff[];
  total: number;
  limit: number;
  offset: number;
}

export interface SessionRow {
  session_id: number;
  started_at: string;
  project: string | null;
  notes: string | null;
}

export interface Context {
  agent: string;
  time: { utc: string; local: string; tz: string; day: string; unix: number };
  always_load: { pkid: number; parent_id: number; title: string }[];
  memories: { pkid: number; title: string }[];
  preferences_manifest: { pkid: number; title: string }[];
  projects_manifest: unknown[];
  last_session: { session_id: number; started_at: string; project: string | null } | null;
  pending_handoffs: { handoff_id: number; title: string; created_by_agent: string | null; created_at: string }[];
  session?: { session_id: number; started_at: string };
  previous_session?: { session_id: number; started_at: string; project: string | null; gap_seconds: number } | null;
}

export interface AuditRow {
  event_type: string;
  user_id: string;
  agent_id: string | null;
  request_id: string | null;
  subject: string | null;
  meta: Json | null;
}

export const AGENT_NOT_FOUND = notFound('Agent not found');
export const PARENT_RULE = 'parent_id must be 0 or a node of the same tree';

/** Every tool of this issue. */
export const TOOLS = [
  'get_context',
  'get_always_load',
  'get_always_load_item',
  'create_always_load',
  'update_always_load',
  'move_always_load',
  'delete_always_load',
  'get_memories',
  'get_memory',
  'create_memory',
  'update_memory',
  'delete_memory',
  'get_preferences',
  'get_preference',
  'get_preference_tree',
  'create_preference',
  'update_preference',
  'move_preference',
  'delete_preference',
  'create_session',
  'get_last_session',
  'update_session_notes',
  'list_handoffs',
  'get_handoff',
  'create_handoff',
  'pickup_handoff',
  'delete_handoff',
  'list_sent_handoffs',
];

/** Tools whose REST route has no `{name}`: they act on the caller only. */
export const CALLER_ONLY_TOOLS = ['create_session', 'get_last_session', 'update_session_notes', 'list_sent_handoffs'];

/** Required arguments (besides the optional agent_key; agent_name only where it names a recipient, create_handoff). */
export const REQUIRED: Record<string, string[]> = {
  get_always_load_item: ['pkid'],
  create_always_load: ['title'],
  update_always_load: ['pkid'],
  move_always_load: ['parent_id', 'pkid'],
  delete_always_load: ['pkid'],
  get_memory: ['pkid'],
  create_memory: ['title'],
  update_memory: ['pkid'],
  delete_memory: ['pkid'],
  get_preference: ['pkid'],
  create_preference: ['title'],
  update_preference: ['pkid'],
  move_preference: ['parent_id', 'pkid'],
  delete_preference: ['pkid'],
  update_session_notes: ['notes', 'session_id'],
  get_handoff: ['handoff_id'],
  create_handoff: ['agent_name', 'prompt', 'title'],
  pickup_handoff: ['handoff_id'],
  delete_handoff: ['handoff_id'],
};

export function withoutTime(context: Context): Omit<Context, 'time'> {
  const { time: _time, ...rest } = context;
  return rest;
}

/** The fixture users of agentContext (U1 in America/Denver with A1a and A1b, U2 with A2) and an MCP client of each. */
export interface ContextAgents {
  a1a: TestAgent;
  a1b: TestAgent;
  a2: TestAgent;
  mcpA1a: Client;
  mcpA1b: Client;
  mcpA2: Client;
}

/** MCP calls, the REST twin of a tool and the audit trail, for one app. */
export function contextTools(ctx: Fixtures) {
  const key = keyOf;
  const call = callTool;

  /** A new MCP client with these headers (closed with the app). */
  const connect = (headers: Record<string, string> = {}): Promise<Client> => ctx.connectMcp(headers);

  const rest = (agent: TestAgent, method: Method, path: string, body?: object): Promise<Response> => restAs(ctx, agent, method, path, body);

  /** The fixture users, each with its own MCP client (by its X-Api-Key header), made once for the enclosing describe block. */
  const agents = (): ContextAgents =>
    perBlock(async () => {
      const { a1a, a1b, a2 } = await agentContext(ctx).fixture();
      return { a1a, a1b, a2, mcpA1a: await connect(key(a1a)), mcpA1b: await connect(key(a1b)), mcpA2: await connect(key(a2)) };
    });

  /** The newest audit sequence number (events after it belong to what a test does next). */
  const lastSeq = ctx.lastAuditSeq;

  /** A user's audit events after `since` (so the admin fixture events are left out). */
  function auditOf(userId: string, since: string): Promise<AuditRow[]> {
    return ctx.db.query(
      `SELECT event_type, user_id, agent_id, request_id, subject, meta FROM audit_events
        WHERE user_id = $1 AND seq > $2 ORDER BY seq`,
      [userId, since],
    );
  }

  async function countEvents(eventType: string): Promise<number> {
    const [row] = await ctx.db.query(`SELECT count(*) AS n FROM audit_events WHERE event_type = $1`, [eventType]);
    return Number(row.n);
  }

  return { key, call, connect, rest, agents, lastSeq, auditOf, countEvents };
}
