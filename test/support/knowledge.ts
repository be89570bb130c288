import type { Response, Test } from 'supertest';
import { newRid } from './agent-requests';
import { Fixtures, OBJECT_TYPE, ShareKind, ThreeUsers } from './fixtures';
import { problem } from './problems';
import { TestAgent } from './test-app';

/*
 * Shared by the projects*, wikis*, hints*, sharing and knowledge-mcp* e2e files
 * (LucyAPI's user-scoped knowledge, spec §1.7, §3.8–§3.11): the expected texts
 * every kind answers with (written out here, never imported from src/), the
 * stored-state reads they have in common, the audit check of a knowledge write and
 * the sharing matrix. projects.ts, wikis.ts and hints.ts add what is their own.
 */

export { ISO_UTC, MISSING, NO_FIELDS } from './problems';
export const PROJECT_NOT_FOUND = 'Project not found';
export const WIKI_NOT_FOUND = 'Wiki not found';
export const HINT_NOT_FOUND = 'Hint not found';
export const SECTION_NOT_FOUND = 'Section not found';
export const NOT_OWNER = 'Object not found or you are not the owner';
export const SHARE_NOT_FOUND = 'Share not found';
export const TARGET_NOT_FOUND = 'Target user not found';
export const TYPE_RULE = 'object_type_id must be 1 (project), 2 (hint), or 3 (wiki)';
export const LEVEL_RULE = 'permission_level must be 1, 2, or 3';
export const OBJECT_RULE = 'object_id must be a positive integer';
export const ONE_RECIPIENT = 'Give exactly one of shared_to_user_id and shared_to_user_name';
export const SELF = 'Cannot share to yourself';
export const NOT_A_CATEGORY = 'Only a hint category (a root hint) can be shared';
/** Path ids that are not a positive 32-bit integer. */
export const BAD_IDS = ['abc', '0', '-1', '1.5', '2147483648'];

/** The members every listed object has (GET /projects, /wikis): its own fields on top. */
export interface Listed {
  title: string;
  description: string | null;
  access: 'owned' | 'shared';
  permission_level: number;
  created_at: string;
  updated_at: string;
}

/** The fixture users of every knowledge file: U1 with A1a and A1b, U2 with A2, U3 with A3. */
export type Fixture = ThreeUsers;

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The ids of listed objects, in the order listed. */
export const idsOf = <K extends string>(key: K, rows: Record<K, number>[]): number[] => rows.map((row) => row[key]);

/** SQL: how many rows of a tree table have a parent that is not a row of the same group (must never be any). */
export const strayChildrenSql = (table: string, id: string, group: string) =>
  `(SELECT count(*)::int FROM ${table} c
     WHERE c.parent_id <> 0
       AND NOT EXISTS (SELECT 1 FROM ${table} p WHERE p.${id} = c.parent_id AND p.${group} = c.${group}))`;

/** SQL: how many shares of `kind` point at no object of `table` (must never be any). */
export const straySharesSql = (kind: ShareKind, table: string, id: string) =>
  `(SELECT count(*)::int FROM shared_objects o
     WHERE o.object_type_id = ${OBJECT_TYPE[kind]} AND NOT EXISTS (SELECT 1 FROM ${table} x WHERE x.${id} = o.object_id))`;

/** Counts rows by the SQL count expressions given (each named by its key): what must be 0 when nothing points at nothing. */
export async function strayRows<K extends string>(ctx: Fixtures, counts: Record<K, string>): Promise<Record<K, number>> {
  const [row] = await ctx.db.query(`SELECT ${Object.entries(counts).map(([name, sql]) => `${sql as string} AS ${name}`).join(', ')}`);
  return row as Record<K, number>;
}

/**
 * One kind's fixture users, shares and stored state, for one app: `table` is the
 * kind's table, `id` its key (and the shared_objects column naming it).
 */
export function knowledgeFixtures(ctx: Fixtures, kind: ShareKind, table: string, id: string, u1TimeZone?: string) {
  /** U1 with A1a and A1b (in `u1TimeZone`, if given); U2 with A2; U3 with A3. */
  const fixture = (): Promise<Fixture> => ctx.threeUsers(u1TimeZone);

  /** Shares the object to `to`'s user at `level`; the share's id. */
  const share = async (owner: TestAgent, to: TestAgent, objectId: number, level: number): Promise<number> =>
    (await ctx.share(owner, kind, objectId, to.userName, level)).share_id;

  /** How many objects of the kind `agent`'s user owns. */
  async function ownedCount(agent: TestAgent): Promise<number> {
    const [row] = await ctx.db.query(`SELECT count(*)::int AS n FROM ${table} WHERE user_id = $1`, [agent.userId]);
    return row.n as number;
  }

  /** A row's stored updated_at (ms), of this kind's table or another (`rowTable`, keyed by `rowId`). */
  async function updatedAt(objectId: number, rowTable = table, rowId = id): Promise<number> {
    const [row] = await ctx.db.query(`SELECT updated_at FROM ${rowTable} WHERE ${rowId} = $1`, [objectId]);
    return (row.updated_at as Date).getTime();
  }

  /** The stored shares of an object. */
  const sharesOf = (objectId: number): Promise<unknown[]> =>
    ctx.db.query(
      `SELECT share_id, shared_by_user_id, shared_to_user_id, permission_level, updated_at FROM shared_objects WHERE ${id} = $1 ORDER BY share_id`,
      [objectId],
    );

  /**
   * The one audit event of a request: in the owner's tenant, by the acting agent;
   * a sharee's user is named as meta.acting_user_id.
   */
  async function expectKnowledgeAudit(rid: string, eventType: string, acting: TestAgent, owner: TestAgent, meta: Record<string, unknown>): Promise<void> {
    const rows = await ctx.db.query(`SELECT event_type, agent_id, user_id, meta FROM audit_events WHERE request_id = $1 ORDER BY seq`, [rid]);
    const expectedMeta = acting.userId === owner.userId ? meta : { ...meta, acting_user_id: acting.userId };
    expect(rows).toEqual([{ event_type: eventType, agent_id: acting.agentId, user_id: owner.userId, meta: expectedMeta }]);
  }

  return { fixture, share, ownedCount, updatedAt, sharesOf, expectKnowledgeAudit, pause };
}

/** One operation of a sharing matrix: what the sharee (U2) tries on a fresh object `C` of U1. */
export interface MatrixOp<C> {
  name: string;
  /** The share level needed; 'owner' (or 'never', for what not even the owner may) for operations no share allows. */
  required: 1 | 2 | 3 | 'owner' | 'never';
  /** The detail of the 404 a denial answers. */
  denied: string;
  /** The status of an allowed request. */
  status: number;
  run: (c: C, rid: string) => Test;
  /** Checks the effect of an allowed request (a write also checks its audit event). */
  allowed: (c: C, res: Response, rid: string, level: number) => Promise<void>;
  /** A share by user name: the name it looks up, whose SHARE_NAME_LOOKUP event is all a denial records. */
  lookedUpName?: () => string;
}

/**
 * Runs every op on its own fresh object shared to the sharee at `level`: allowed
 * exactly as the level permits; every denial is a 404 that changes nothing
 * (`snapshot` as before) and audits nothing but a share by name's lookup.
 */
export async function expectSharingMatrix<C>(
  ctx: Fixtures,
  sharee: TestAgent,
  level: number,
  ops: MatrixOp<C>[],
  fresh: (level: number) => Promise<C>,
  snapshot: (c: C) => Promise<unknown>,
): Promise<void> {
  for (const op of ops) {
    const c = await fresh(level);
    const before = await snapshot(c);
    const rid = newRid('matrix');
    const res = await op.run(c, rid);
    const allowed = typeof op.required === 'number' && level >= op.required;
    if (allowed) {
      expect({ op: op.name, level, status: res.status }).toEqual({ op: op.name, level, status: op.status });
      await op.allowed(c, res, rid, level);
    } else {
      expect({ op: op.name, level, ...problem(res) }).toEqual({ op: op.name, level, status: 404, detail: op.denied });
      if (op.lookedUpName) await ctx.expectOnlyShareNameLookup(rid, sharee, op.lookedUpName(), true);
      else await ctx.expectNotAudited(rid);
      expect({ op: op.name, level, state: await snapshot(c) }).toEqual({ op: op.name, level, state: before });
    }
  }
}
