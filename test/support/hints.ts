import { Fixtures } from './fixtures';
import { idsOf, knowledgeFixtures, strayChildrenSql, straySharesSql, strayRows } from './knowledge';
import { TestAgent, uniqueName } from './test-app';

/*
 * Shared by the hints*.e2e-spec files (LucyAPI hint categories and hints): what is
 * a hint's own on top of knowledge.ts: expected texts (written out here, never
 * imported from src/), object makers and stored-state reads each file's app gets.
 */

export const PARENT_NOT_FOUND = 'Parent hint not found';

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

export const hintIds = (hints: { hint_id: number }[]) => idsOf('hint_id', hints);

/** U1 (A1a, A1b), U2 and U3, categories, hints and shares as them, and what is stored, for one app. */
export function hintFixtures(ctx: Fixtures) {
  const { fixture, share, ownedCount, updatedAt, sharesOf, expectKnowledgeAudit, pause } = knowledgeFixtures(ctx, 'hint', 'hints', 'hint_id');

  const createCategory = async (agent: TestAgent, title = uniqueName('category'), description?: string): Promise<number> =>
    (await ctx.newHint(agent, { title, description })).hint_id;

  const createHint = async (agent: TestAgent, parentId: number, title = uniqueName('hint'), description?: string): Promise<number> =>
    (await ctx.newHint(agent, { title, description, parent_id: parentId })).hint_id;

  async function hintRow(hintId: number): Promise<{ user_id: string; parent_id: number; hint_category_id: number; title: string; description: string | null } | undefined> {
    const rows = await ctx.db.query(`SELECT user_id, parent_id, hint_category_id, title, description FROM hints WHERE hint_id = $1`, [hintId]);
    return rows[0];
  }

  /** Everything stored about a category: its hints and the shares of it. */
  async function snapshot(categoryId: number) {
    return {
      hints: await ctx.db.query(
        `SELECT hint_id, user_id, parent_id, hint_category_id, title, description, sort_order, created_at, updated_at
           FROM hints WHERE hint_category_id = $1 ORDER BY hint_id`,
        [categoryId],
      ),
      shares: await sharesOf(categoryId),
    };
  }

  /** Hints whose parent is not a hint of the same category (must never exist), roots not their own category, and shares of missing hints. */
  const orphans = () =>
    strayRows(ctx, {
      hints: strayChildrenSql('hints', 'hint_id', 'hint_category_id'),
      roots: `(SELECT count(*)::int FROM hints c WHERE c.parent_id = 0 AND c.hint_category_id <> c.hint_id)`,
      shares: straySharesSql('hint', 'hints', 'hint_id'),
    });
  const NO_ORPHANS = { hints: 0, roots: 0, shares: 0 };

  return {
    fixture,
    createCategory,
    createHint,
    share,
    hintRow,
    hintCount: ownedCount,
    hintUpdatedAt: (hintId: number) => updatedAt(hintId),
    snapshot,
    orphans,
    NO_ORPHANS,
    expectKnowledgeAudit,
    pause,
  };
}
