import { Fixtures } from './fixtures';
import { TestAgent, uniqueName } from './test-app';

/*
 * Shared by the agent-context*.e2e-spec files (LucyAPI's agent-scoped API, issue 4;
 * spec §1.6, §3.2–§3.5, §5.2–§5.3 with the §6 Q1–Q7 fixes): expected texts (written
 * out here, never imported from src/), routes, and the fixture users and objects.
 */

export const AGENT_NOT_FOUND = 'Agent not found';
export const NO_FIELDS = 'No fields to update';
export const MEMORY_NOT_FOUND = 'Memory not found';
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
/** A pkid no test creates (PostgreSQL integer maximum). */
export const MISSING = 2_147_483_647;

export type Kind = 'always_load' | 'preferences';

export interface Fixture {
  a1a: TestAgent;
  a1b: TestAgent;
  a2: TestAgent;
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

/** The fixture users (U1 in America/Denver with A1a and A1b; U2 with A2), node and memory makers, and row reads, for one app. */
export function agentContext(ctx: Fixtures) {
  /** U1 (America/Denver) with A1a and A1b; U2 with A2. */
  async function fixture(): Promise<Fixture> {
    const a1a = await ctx.newUser({ userName: uniqueName('u1'), agentName: uniqueName('a1a'), timezone: 'America/Denver' });
    const a1b = await ctx.newAgent(a1a, uniqueName('a1b'));
    const a2 = await ctx.newUser({ userName: uniqueName('u2'), agentName: uniqueName('a2') });
    return { a1a, a1b, a2 };
  }

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
