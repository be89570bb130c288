import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Response } from 'supertest';
import { Fixtures } from './fixtures';
import { toolJson } from './mcp-client';
import { TestAgent } from './test-app';

/*
 * Shared by the agent-context-mcp*.e2e-spec files: LucyAPI's agent-scoped API as MCP
 * tools (issue 4, spec §4.4 tools 1–17, 50, 51, 57–61) compared with their REST routes.
 * The expected tool list and errors are written out here, never imported from src/.
 */

export type CallResult = Awaited<ReturnType<Client['callTool']>>;
export type Json = Record<string, unknown>;
export type Method = 'get' | 'post' | 'put' | 'delete';

export interface ToolError {
  code: string;
  message: string;
  errors?: { field: string; message: string }[];
}

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

export interface Handoff {
  handoff_id: number;
  title: string;
  prompt: string;
  created_by_agent: string | null;
  recipient: string;
  created_at: string;
  picked_up_at: string | null;
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

export const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
export const AGENT_NOT_FOUND: ToolError = { code: 'not_found', message: 'Agent not found' };
export const NO_FIELDS: ToolError = { code: 'bad_request', message: 'No fields to update' };
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

/** Asserts a successful tool result and returns its JSON (text and structuredContent agree). */
export function ok<T = Json>(result: CallResult): T {
  if (result.isError) throw new Error(`tool failed: ${JSON.stringify(toolJson(result))}`);
  const content = result.content as { type: string; text: string }[];
  expect(content).toHaveLength(1);
  expect(content[0].type).toBe('text');
  const json = toolJson(result);
  expect(result.structuredContent).toEqual(json);
  return json as T;
}

/** Asserts a successful result of get_context, whose (large) JSON comes as text only, and returns it. */
export function okText<T = Json>(result: CallResult): T {
  if (result.isError) throw new Error(`tool failed: ${JSON.stringify(toolJson(result))}`);
  const content = result.content as { type: string; text: string }[];
  expect(content).toHaveLength(1);
  expect(content[0].type).toBe('text');
  expect(result.structuredContent).toBeUndefined();
  return toolJson(result) as T;
}

/** Asserts an `isError` tool result (not a protocol error) and returns its `error` object. */
export function toolError(result: CallResult): ToolError {
  expect(result.isError).toBe(true);
  const json = toolJson(result) as { error: ToolError };
  expect(Object.keys(json)).toEqual(['error']);
  if (result.structuredContent !== undefined) expect(result.structuredContent).toEqual(json);
  return json.error;
}

/** A REST success body, asserting the status. */
export function restOk<T = Json>(res: Response, status = 200): T {
  expect({ status: res.status, body: res.body as unknown }).toEqual({ status, body: expect.anything() });
  return res.body as T;
}

/** A REST problem as the MCP error object it should equal. */
export function restError(res: Response, status: number): ToolError {
  expect({ status: res.status, code: (res.body as Json).code }).toEqual({ status, code: expect.any(String) });
  const body = res.body as { code: string; detail: string; errors?: ToolError['errors'] };
  return { code: body.code, message: body.detail, ...(body.errors ? { errors: body.errors } : {}) };
}

export function withoutTime(context: Context): Omit<Context, 'time'> {
  const { time: _time, ...rest } = context;
  return rest;
}

/** MCP calls, the REST twin of a tool and the audit trail, for one app. */
export function contextTools(ctx: Fixtures) {
  const key = (agent: TestAgent) => ({ 'X-Api-Key': agent.apiKey });
  const call = (client: Client, name: string, args: Json = {}) => client.callTool({ name, arguments: args });

  /** A new MCP client with these headers (closed with the app). */
  const connect = (headers: Record<string, string> = {}): Promise<Client> => ctx.connectMcp(headers);

  function rest(agent: TestAgent, method: Method, path: string, body?: object): Promise<Response> {
    const req = ctx.http()[method](path).set(key(agent));
    return Promise.resolve(body === undefined ? req : req.send(body));
  }

  /** The newest audit sequence number (events after it belong to what a test does next). */
  async function lastSeq(): Promise<string> {
    const [row] = await ctx.db.query(`SELECT coalesce(max(seq), 0)::text AS seq FROM audit_events`);
    return row.seq as string;
  }

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

  return { key, call, connect, rest, lastSeq, auditOf, countEvents };
}
