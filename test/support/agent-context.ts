import { Fixtures, newUsers } from './fixtures';
import { TestAgent } from './test-app';

/*
 * Shared by the agent-context*.e2e-spec files (LucyAPI's agent-scoped API, issue 4;
 * spec §1.6, §3.2–§3.5, §5.2–§5.3 with the §6 Q1–Q7 fixes): expected texts (written
 * out here, never imported from src/), routes, and the fixture users and objects.
 */

export { ISO_UTC, MISSING, NO_FIELDS } from './problems';
export const AGENT_NOT_FOUND = 'Agent not found';
export const MEMORY_NOT_FOUND = 'Memory not found';
export const HANDOFF_NOT_FOUND = 'Handoff not found';
export const ALREADY_PICKED_UP = 'Handoff not found or already picked up';
export const PICKUP_FORBIDDEN = 'Only the named agent may pickup its handoffs';
export const DELETE_FORBIDDEN = 'Only the named agent may delete its handoffs (or its sender, while it is pending)';
export const SESSION_NOT_FOUND = 'Session not found';

export type Kind = 'always_load' | 'preferences';

/** The members of an agent's context (GET /agents/{name}/context, get_context), sorted. */
export const CONTEXT_KEYS = [
  'actionable_nudges',
  'agent',
  'always_load',
  'hints_compact',
  'last_session',
  'memories',
  'pending_handoffs',
  'preferences_manifest',
  'projects_manifest',
  'time',
];

export interface Fixture {
  a1a: TestAgent;
  a1b: TestAgent;
  a2: TestAgent;
}

/** A handoff as GET /agents/{name}/handoffs and the handoff tools answer it. */
export interface Handoff {
  handoff_id: number;
  title: string;
  prompt: string;
  created_by_agent: string | null;
  recipient: string;
  created_at: string;
  picked_up_at: string | null;
}

export interface TreeSpec {
  kind: Kind;
  other: Kind;
  base: (name: string) => string;
  notFound: string;
  event: string;
}

export const alBase = (name: string) => `/agents/${name}/context/always_load`;
export const prefBase = (name: string) => `/agents/${name}/preferences`;
export const memBase = (name: string) => `/agents/${name}/memories`;

export const TREES: TreeSpec[] = [
  { kind: 'always_load', other: 'preferences', base: alBase, notFound: 'Node not found', event: 'ALWAYS_LOAD' },
  { kind: 'preferences', other: 'always_load', base: prefBase, notFound: 'Preference not found', event: 'PREFERENCE' },
];
export const baseOf = (kind: Kind) => (kind === 'always_load' ? alBase : prefBase);

/** The fixture users (U1 with A1a and A1b, in America/Denver unless told; U2 with A2), node and memory makers, and row reads, for one app. */
export function agentContext(ctx: Fixtures) {
  /** U1 (in `timezone`, default America/Denver) with A1a and A1b; U2 (in `u2TimeZone`, default the service's) with A2. */
  const fixture = (timezone = 'America/Denver', u2TimeZone?: string): Promise<Fixture> =>
    newUsers(ctx, [['a1a', 'a1b'], ['a2']], [timezone, u2TimeZone]);

  const createNode = async (kind: Kind, agent: TestAgent, body: Record<string, unknown>): Promise<number> =>
    (await (kind === 'always_load' ? ctx.newAlwaysLoad(agent, body) : ctx.newPreference(agent, body))).pkid;

  const createMemory = async (agent: TestAgent, body: Record<string, unknown>): Promise<number> => (await ctx.newAgentMemory(agent, body)).pkid;

  async function rowCount(table: string, agent: TestAgent): Promise<number> {
    const [row] = await ctx.db.query(`SELECT count(*)::int AS n FROM ${table} WHERE agent_id = $1`, [agent.agentId]);
    return row.n as number;
  }

  async function dbNode(kind: Kind, pkid: number): Promise<{ agent_id: string; parent_id: number; title: string; description: string | null } | undefined> {
    const rows = await ctx.db.query(`SELECT agent_id, parent_id, title, description FROM ${kind} WHERE pkid = $1`, [pkid]);
    return rows[0];
  }

  return { fixture, createNode, createMemory, rowCount, dbNode };
}
