import { Fixtures } from './fixtures';
import { ThreeUsers } from './fixtures';
import { TestAgent, uniqueName } from './test-app';

/*
 * Shared by the hints*.e2e-spec files (LucyAPI hint categories and hints): expected
 * texts (written out here, never imported from src/), and the fixture users, object
 * makers and stored-state reads each file's app gets.
 */

export const HINT_NOT_FOUND = 'Hint not found';
export const PARENT_NOT_FOUND = 'Parent hint not found';
export const NO_FIELDS = 'No fields to update';
export const NOT_OWNER = 'Object not found or you are not the owner';
export const NOT_A_CATEGORY = 'Only a hint category (a root hint) can be shared';
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
/** An id no test creates (PostgreSQL integer maximum). */
export const MISSING = 2_147_483_647;

export type Fixture = ThreeUsers;

export interface ListedHint {
  hint_id: number;
  parent_id: number;
  title: string;
  description: string | null;
  hint_category_id: number;
  sort_order: number;
  created_at: string;
  updated_at: string;
  access: 'owned' | 'shared';
  permission_level: number;
}

export const hintIds = (hints: { hint_id: number }[]) => hints.map((h) => h.hint_id);

/** U1 (A1a, A1b), U2 and U3, categories, hints and shares as them, and what is stored, for one app. */
export function hintFixtures(ctx: Fixtures) {
  /** U1 with A1a and A1b; U2 with A2; U3 with A3. */
  const fixture = (): Promise<Fixture> => ctx.threeUsers();

  const createCategory = async (agent: TestAgent, title = uniqueName('category'), description?: string): Promise<number> =>
    (await ctx.newHint(agent, { title, description })).hint_id;

  const createHint = async (agent: TestAgent, parentId: number, title = uniqueName('hint'), description?: string): Promise<number> =>
    (await ctx.newHint(agent, { title, description, parent_id: parentId })).hint_id;

  const share = async (owner: TestAgent, to: TestAgent, categoryId: number, level: number): Promise<number> =>
    (await ctx.share(owner, 'hint', categoryId, to.userName, level)).share_id;

  async function hintRow(hintId: number): Promise<{ user_id: string; parent_id: number; hint_category_id: number; title: string; description: string | null } | undefined> {
    const rows = await ctx.db.query(`SELECT user_id, parent_id, hint_category_id, title, description FROM hints WHERE hint_id = $1`, [hintId]);
    return rows[0];
  }

  async function hintCount(agent: TestAgent): Promise<number> {
    const [row] = await ctx.db.query(`SELECT count(*)::int AS n FROM hints WHERE user_id = $1`, [agent.userId]);
    return row.n as number;
  }

  async function hintUpdatedAt(hintId: number): Promise<number> {
    const [row] = await ctx.db.query(`SELECT updated_at FROM hints WHERE hint_id = $1`, [hintId]);
    return (row.updated_at as Date).getTime();
  }

  /** Everything stored about a category: its hints and the shares of it. */
  async function snapshot(categoryId: number) {
    return {
      hints: await ctx.db.query(
        `SELECT hint_id, user_id, parent_id, hint_category_id, title, description, sort_order, created_at, updated_at
           FROM hints WHERE hint_category_id = $1 ORDER BY hint_id`,
        [categoryId],
      ),
      shares: await ctx.db.query(
        `SELECT share_id, shared_by_user_id, shared_to_user_id, permission_level, updated_at FROM shared_objects WHERE hint_id = $1 ORDER BY share_id`,
        [categoryId],
      ),
    };
  }

  /** Hints whose parent is not a hint of the same category (must never exist), and shares of missing hints. */
  async function orphans() {
    const [row] = await ctx.db.query(`
      SELECT
        (SELECT count(*)::int FROM hints c
          WHERE c.parent_id <> 0
            AND NOT EXISTS (SELECT 1 FROM hints p WHERE p.hint_id = c.parent_id AND p.hint_category_id = c.hint_category_id)) AS hints,
        (SELECT count(*)::int FROM hints c WHERE c.parent_id = 0 AND c.hint_category_id <> c.hint_id) AS roots,
        (SELECT count(*)::int FROM shared_objects o
          WHERE o.object_type_id = 2 AND NOT EXISTS (SELECT 1 FROM hints h WHERE h.hint_id = o.object_id)) AS shares`);
    return row as { hints: number; roots: number; shares: number };
  }
  const NO_ORPHANS = { hints: 0, roots: 0, shares: 0 };

  /**
   * The one audit event of a request: in the owner's tenant, by the acting agent;
   * a sharee's user is named as meta.acting_user_id.
   */
  async function expectKnowledgeAudit(rid: string, eventType: string, acting: TestAgent, owner: TestAgent, meta: Record<string, unknown>): Promise<void> {
    const rows = await ctx.db.query(`SELECT event_type, agent_id, user_id, meta FROM audit_events WHERE request_id = $1 ORDER BY seq`, [rid]);
    const expectedMeta = acting.userId === owner.userId ? meta : { ...meta, acting_user_id: acting.userId };
    expect(rows).toEqual([{ event_type: eventType, agent_id: acting.agentId, user_id: owner.userId, meta: expectedMeta }]);
  }

  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  return { fixture, createCategory, createHint, share, hintRow, hintCount, hintUpdatedAt, snapshot, orphans, NO_ORPHANS, expectKnowledgeAudit, pause };
}
