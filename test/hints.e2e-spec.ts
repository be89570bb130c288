import { Call, newRid, refuseAuditFor } from './support/agent-requests';
import { perBlock, useFixtures } from './support/fixtures';
import { PARENT_NOT_FOUND, ListedHint, hintIds, hintFixtures } from './support/hints';
import { HINT_NOT_FOUND, ISO_UTC, MISSING } from './support/knowledge';
import { expectProblem, problem } from './support/problems';

/*
 * LucyAPI hint categories and hints (spec §1.7, §3.10, §5.8 with the bracketed
 * fixes): categories are root hints (their own category), children inherit the
 * category; audit in the owner's tenant, rollback when the audit insert fails, and
 * subtree deletes racing child creates, over HTTP against real PostgreSQL. Sharing
 * by category: hints-sharing; what hints answer like projects and wikis (401s,
 * 404s, empty updates, an empty list): knowledge-objects. Fixtures: user U1 with agents A1a and A1b, user U2
 * with A2, user U3 with A3. Expected texts are written out here, never imported from src/.
 */

describe('LucyAPI hint categories and hints: create, read, update, delete', () => {
  const ctx = useFixtures();
  const { fixture, createCategory, createHint, share, hintRow, hintCount, hintUpdatedAt, snapshot, orphans, NO_ORPHANS, expectKnowledgeAudit, pause } = hintFixtures(ctx);
  const { as, expectNotAudited, expectRefused, expectRolledBack } = ctx;

  // ---------------------------------------------------------------------------
  describe('creating categories and hints', () => {
    const f = perBlock(fixture);

    it('POST /hint_categories → 201 {created:{hint_id, parent_id:0, title, hint_category_id == hint_id}}, owned by the caller’s user, audited', async () => {
      const rid = newRid('cat-create');
      const res = await as(f.a1b, 'post', '/hint_categories', { title: '  Git  ', description: 'Rebase, never merge' }, rid).expect(201);
      const id = res.body.created.hint_id as number;
      expect(res.body).toEqual({ created: { hint_id: expect.any(Number), parent_id: 0, title: 'Git', hint_category_id: id } });
      expect(await hintRow(id)).toEqual({ user_id: f.a1a.userId, parent_id: 0, hint_category_id: id, title: 'Git', description: 'Rebase, never merge' });
      await expectKnowledgeAudit(rid, 'HINT_CREATE', f.a1b, f.a1a, { hint_id: id, category: true });
    });

    it('POST /hints with parent_id 0 or without parent_id creates a category the same way', async () => {
      for (const body of [{ title: 'Zero parent', parent_id: 0 }, { title: 'No parent' }, { title: 'Null description', description: null }]) {
        const rid = newRid('hint-root');
        const res = await as(f.a1a, 'post', '/hints', body, rid).expect(201);
        const id = res.body.created.hint_id as number;
        expect({ body, res: res.body }).toEqual({ body, res: { created: { hint_id: id, parent_id: 0, title: body.title, hint_category_id: id } } });
        expect(await hintRow(id)).toMatchObject({ user_id: f.a1a.userId, parent_id: 0, hint_category_id: id, description: null });
        await expectKnowledgeAudit(rid, 'HINT_CREATE', f.a1a, f.a1a, { hint_id: id, category: true });
      }
    });

    it('a child and a grandchild inherit the category; audited with the parent', async () => {
      const cat = await createCategory(f.a1a, 'Root');
      const rid = newRid('hint-child');
      const child = await as(f.a1b, 'post', '/hints', { title: ' Child ', description: 'c', parent_id: cat }, rid).expect(201);
      const c = child.body.created.hint_id as number;
      expect(child.body).toEqual({ created: { hint_id: c, parent_id: cat, title: 'Child', hint_category_id: cat } });
      await expectKnowledgeAudit(rid, 'HINT_CREATE', f.a1b, f.a1a, { hint_id: c, parent_id: cat });

      const grand = await as(f.a1a, 'post', '/hints', { title: 'Grandchild', parent_id: c }).expect(201);
      const g = grand.body.created.hint_id as number;
      expect(grand.body).toEqual({ created: { hint_id: g, parent_id: c, title: 'Grandchild', hint_category_id: cat } });
      expect(await hintRow(c)).toEqual({ user_id: f.a1a.userId, parent_id: cat, hint_category_id: cat, title: 'Child', description: 'c' });
      expect(await hintRow(g)).toEqual({ user_id: f.a1a.userId, parent_id: c, hint_category_id: cat, title: 'Grandchild', description: null });
      expect(await orphans()).toEqual(NO_ORPHANS);
    });

    it('a child’s title may be 500 characters long (501 are refused: knowledge-objects)', async () => {
      const cat = await createCategory(f.a1a);
      const long = await as(f.a1a, 'post', '/hints', { title: 't'.repeat(500), parent_id: cat }).expect(201);
      expect((await hintRow(long.body.created.hint_id))?.title).toHaveLength(500);
    });

    it('a missing parent, or another user’s hint without a share, is 404 "Parent hint not found"', async () => {
      const foreign = await createCategory(f.a2);
      const foreignChild = await createHint(f.a2, foreign);
      const before = await snapshot(foreign);
      const mine = await hintCount(f.a1a);
      await expectRefused(f.a1a, [MISSING, foreign, foreignChild].map((parent): Call => ['post', '/hints', { title: 'Intruder', parent_id: parent }]), 404, PARENT_NOT_FOUND);
      expect(await snapshot(foreign)).toEqual(before);
      expect(await hintCount(f.a1a)).toBe(mine);
    });
  });

  // ---------------------------------------------------------------------------
  describe('reading: GET /hints, /hints/compact, /hints/{id}', () => {
    const f = perBlock(fixture);
    let c1: number;
    let c1a: number;
    let c1b: number;
    let c1a1: number;
    let c2: number;
    let d1: number;
    let d1a: number;
    let e1: number;
    let e1a: number;

    /** U2 owns c1 (c1a, c1b, c1a1) and c2; U1's d1 (d1a) is shared to U2 at level 2; U3's e1 (e1a) is not shared. */
    beforeAll(async () => {
      c1 = await createCategory(f.a2, 'c1', 'first');
      d1 = await createCategory(f.a1a, 'd1');
      c1a = await createHint(f.a2, c1, 'c1a');
      d1a = await createHint(f.a1a, d1, 'd1a');
      c1b = await createHint(f.a2, c1, 'c1b');
      c2 = await createCategory(f.a2, 'c2');
      c1a1 = await createHint(f.a2, c1a, 'c1a1');
      e1 = await createCategory(f.a3, 'e1');
      e1a = await createHint(f.a3, e1, 'e1a');
      await share(f.a1a, f.a2, d1, 2);
      // sort_order is honoured before hint_id among siblings.
      await ctx.db.query(`UPDATE hints SET sort_order = -1 WHERE hint_id = $1`, [c1b]);
    });

    it('GET /hints merges owned and shared-category hints, flat (parent_id, sort_order, hint_id), with access and permission_level', async () => {
      const res = await as(f.a2, 'get', '/hints').expect(200);
      expect(res.body).toMatchObject({ total: 7, limit: 200, offset: 0 });
      // Roots by id; then c1's children (c1b has sort_order -1), d1's, c1a's.
      expect(hintIds(res.body.hints)).toEqual([c1, d1, c2, c1b, c1a, d1a, c1a1]);
      const byId = new Map((res.body.hints as ListedHint[]).map((h) => [h.hint_id, h]));
      expect(byId.get(c1)).toEqual({
        hint_id: c1,
        parent_id: 0,
        title: 'c1',
        description: 'first',
        hint_category_id: c1,
        sort_order: 0,
        created_at: expect.stringMatching(ISO_UTC),
        updated_at: expect.stringMatching(ISO_UTC),
        access: 'owned',
        permission_level: 3,
      });
      expect(byId.get(d1)).toMatchObject({ parent_id: 0, hint_category_id: d1, access: 'shared', permission_level: 2 });
      expect(byId.get(d1a)).toMatchObject({ parent_id: d1, hint_category_id: d1, access: 'shared', permission_level: 2 });
      expect(byId.get(c1b)).toMatchObject({ parent_id: c1, sort_order: -1, access: 'owned' });
      expect(hintIds(res.body.hints)).not.toContain(e1);
      expect(hintIds(res.body.hints)).not.toContain(e1a);
    });

    it('the order is (parent_id, sort_order, hint_id) exactly', async () => {
      const hints = (await as(f.a2, 'get', '/hints').expect(200)).body.hints as ListedHint[];
      const expected = [...hints].sort((a, b) => a.parent_id - b.parent_id || a.sort_order - b.sort_order || a.hint_id - b.hint_id);
      expect(hintIds(hints)).toEqual(hintIds(expected));
      // Roots first; under c1, c1b (sort_order -1) before c1a despite its larger id.
      expect(hintIds(hints).slice(0, 3)).toEqual([c1, d1, c2].sort((a, b) => a - b));
      expect(hintIds(hints).indexOf(c1b)).toBeLessThan(hintIds(hints).indexOf(c1a));
      expect(c1b).toBeGreaterThan(c1a);
    });

    it('GET /hints/compact: the same hints in the same order, {hint_id, parent_id, title} only', async () => {
      const full = (await as(f.a2, 'get', '/hints').expect(200)).body;
      const compact = (await as(f.a2, 'get', '/hints/compact').expect(200)).body;
      expect(compact).toEqual({
        hints: (full.hints as ListedHint[]).map((h) => ({ hint_id: h.hint_id, parent_id: h.parent_id, title: h.title })),
        total: 7,
        limit: 200,
        offset: 0,
      });
    });

    it('both lists page with limit and offset; past the end keeps the total', async () => {
      const all = hintIds((await as(f.a2, 'get', '/hints').expect(200)).body.hints);
      for (const path of ['/hints', '/hints/compact']) {
        const page = await as(f.a2, 'get', `${path}?limit=3&offset=2`).expect(200);
        expect({ path, body: { ...page.body, hints: hintIds(page.body.hints) } }).toEqual({ path, body: { hints: all.slice(2, 5), total: 7, limit: 3, offset: 2 } });
        expect((await as(f.a2, 'get', `${path}?offset=50`).expect(200)).body).toEqual({ hints: [], total: 7, limit: 200, offset: 50 });
      }
    });

    it('a sibling agent sees its user’s hints; U1 sees its own category as owned but not U2’s', async () => {
      const a = (await as(f.a1a, 'get', '/hints').expect(200)).body;
      expect((await as(f.a1b, 'get', '/hints').expect(200)).body).toEqual(a);
      expect(hintIds(a.hints)).toEqual([d1, d1a]);
      expect(a.hints.map((h: ListedHint) => [h.access, h.permission_level])).toEqual([
        ['owned', 3],
        ['owned', 3],
      ]);
    });

    it('GET /hints/{id} → {node, children}: immediate children only, ordered (sort_order, hint_id)', async () => {
      const res = await as(f.a2, 'get', `/hints/${c1}`).expect(200);
      expect(res.body).toEqual({
        node: {
          hint_id: c1,
          parent_id: 0,
          title: 'c1',
          description: 'first',
          hint_category_id: c1,
          sort_order: 0,
          created_at: expect.stringMatching(ISO_UTC),
          updated_at: expect.stringMatching(ISO_UTC),
        },
        children: [
          expect.objectContaining({ hint_id: c1b, parent_id: c1, title: 'c1b', hint_category_id: c1, sort_order: -1 }),
          expect.objectContaining({ hint_id: c1a, parent_id: c1, title: 'c1a', hint_category_id: c1, description: null }),
        ],
      });
      expect(hintIds((await as(f.a2, 'get', `/hints/${c1a}`).expect(200)).body.children)).toEqual([c1a1]);
      expect((await as(f.a2, 'get', `/hints/${c1a1}`).expect(200)).body.children).toEqual([]);
      // A shared category's hints are readable too.
      expect((await as(f.a2, 'get', `/hints/${d1}`).expect(200)).body).toMatchObject({ node: { hint_id: d1 }, children: [expect.objectContaining({ hint_id: d1a })] });
      expect((await as(f.a2, 'get', `/hints/${d1a}`).expect(200)).body.node).toMatchObject({ hint_id: d1a, hint_category_id: d1 });
    });
  });

  // ---------------------------------------------------------------------------
  describe('PUT /hints/{id}', () => {
    const f = perBlock(fixture);

    it('updates title or description of a root or a child: {updated:{hint_id,title}}; null clears; updated_at moves; audited', async () => {
      const cat = await createCategory(f.a1a, 'Before', 'Keep me');
      const child = await createHint(f.a1a, cat, 'Child', 'Child d');
      const before = await hintUpdatedAt(cat);
      await pause(5);

      const rid = newRid('h-update');
      const res = await as(f.a1b, 'put', `/hints/${cat}`, { title: '  After  ' }, rid).expect(200);
      expect(res.body).toEqual({ updated: { hint_id: cat, title: 'After' } });
      expect(await hintRow(cat)).toMatchObject({ title: 'After', description: 'Keep me', parent_id: 0, hint_category_id: cat });
      expect(await hintUpdatedAt(cat)).toBeGreaterThan(before);
      await expectKnowledgeAudit(rid, 'HINT_UPDATE', f.a1b, f.a1a, { hint_id: cat });

      expect((await as(f.a1a, 'put', `/hints/${child}`, { description: null }).expect(200)).body).toEqual({ updated: { hint_id: child, title: 'Child' } });
      expect(await hintRow(child)).toMatchObject({ title: 'Child', description: null, parent_id: cat });
    });

    it('PUT cannot move a hint: parent_id and hint_category_id in the body are refused (422 naming them); nothing changes', async () => {
      const cat = await createCategory(f.a1a);
      const other = await createCategory(f.a1a);
      const child = await createHint(f.a1a, cat, 'Stays');
      const before = await snapshot(cat);
      const rid = newRid('h-update-move');
      const res = await as(f.a1a, 'put', `/hints/${child}`, { title: 'Renamed', parent_id: other, hint_category_id: other }, rid);
      expectProblem(res, 422, { code: 'validation_failed', errors: true });
      expect(res.body.errors).toEqual([
        { field: 'parent_id', message: 'parent_id is not a known field' },
        { field: 'hint_category_id', message: 'hint_category_id is not a known field' },
      ]);
      await expectNotAudited(rid);
      expect(await hintRow(child)).toMatchObject({ title: 'Stays', parent_id: cat, hint_category_id: cat });
      expect(await snapshot(cat)).toEqual(before);
    });
  });

  // ---------------------------------------------------------------------------
  describe('DELETE /hints/{id}', () => {
    const f = perBlock(fixture);

    it('the owner deletes a hint with its subtree: {deleted, descendants_deleted}; the rest of the category stays; audited', async () => {
      const cat = await createCategory(f.a1a);
      const a = await createHint(f.a1a, cat, 'a');
      const a1 = await createHint(f.a1a, a, 'a1');
      await createHint(f.a1a, a1, 'a1x');
      await createHint(f.a1a, a, 'a2');
      const b = await createHint(f.a1a, cat, 'b');
      const other = await createCategory(f.a1a);
      await createHint(f.a1a, other);
      const otherBefore = await snapshot(other);

      const rid = newRid('h-delete');
      const res = await as(f.a1b, 'delete', `/hints/${a}`, undefined, rid).expect(200);
      expect(res.body).toEqual({ deleted: a, descendants_deleted: 3 });
      await expectKnowledgeAudit(rid, 'HINT_DELETE', f.a1b, f.a1a, { hint_id: a, descendants_deleted: 3 });
      expect(hintIds((await snapshot(cat)).hints)).toEqual([cat, b]);
      expect(await snapshot(other)).toEqual(otherBefore);
      expect(await orphans()).toEqual(NO_ORPHANS);

      expect((await as(f.a1a, 'delete', `/hints/${b}`).expect(200)).body).toEqual({ deleted: b, descendants_deleted: 0 });
      expectProblem(await as(f.a1a, 'delete', `/hints/${a}`), 404, HINT_NOT_FOUND);
      expectProblem(await as(f.a1a, 'get', `/hints/${a1}`), 404, HINT_NOT_FOUND);
    });

    it('the owner deletes a category: every hint of it and every share of it are gone', async () => {
      const cat = await createCategory(f.a1a, 'Doomed');
      const a = await createHint(f.a1a, cat);
      const a1 = await createHint(f.a1a, a);
      await createHint(f.a1a, a1);
      await createHint(f.a1a, cat);
      await share(f.a1a, f.a2, cat, 3);
      await share(f.a1a, f.a3, cat, 1);
      const kept = await createCategory(f.a1a, 'Kept');
      await createHint(f.a1a, kept);
      await share(f.a1a, f.a2, kept, 1);
      const keptBefore = await snapshot(kept);

      const rid = newRid('h-delete-root');
      const res = await as(f.a1a, 'delete', `/hints/${cat}`, undefined, rid).expect(200);
      expect(res.body).toEqual({ deleted: cat, descendants_deleted: 4 });
      await expectKnowledgeAudit(rid, 'HINT_DELETE', f.a1a, f.a1a, { hint_id: cat, descendants_deleted: 4 });
      expect(await snapshot(cat)).toEqual({ hints: [], shares: [] });
      expect(await ctx.db.query(`SELECT count(*)::int AS n FROM shared_objects WHERE object_type_id = 2 AND object_id = $1`, [cat])).toEqual([{ n: 0 }]);
      expect(await snapshot(kept)).toEqual(keptBefore);
      expect(await orphans()).toEqual(NO_ORPHANS);
      expect((await as(f.a2, 'get', '/sharing/to-me').expect(200)).body.shares.map((s: { object_id: number }) => s.object_id)).toEqual([kept]);
      expect(hintIds((await as(f.a2, 'get', '/hints').expect(200)).body.hints)).toEqual(hintIds(keptBefore.hints));
      expect((await as(f.a3, 'get', '/hints').expect(200)).body.total).toBe(0);
    });
  });

  // ---------------------------------------------------------------------------
  describe('rollback when the audit insert fails', () => {
    const f = perBlock(fixture);
    refuseAuditFor(() => ctx.app);

    it('category and hint create, update and delete (by the owner or a sharee) answer 500 and change nothing', async () => {
      const cat = await createCategory(f.a1a, 'Kept', 'Kept d');
      const a = await createHint(f.a1a, cat, 'a');
      await createHint(f.a1a, a, 'a1');
      await share(f.a1a, f.a2, cat, 3);
      const before = await snapshot(cat);
      const u1Before = await hintCount(f.a1a);
      const u2Before = await hintCount(f.a2);

      await expectRolledBack([
        [f.a1a, 'post', '/hint_categories', { title: 'Ghost' }],
        [f.a1a, 'post', '/hints', { title: 'Ghost' }],
        [f.a2, 'post', '/hints', { title: 'Ghost', parent_id: a }],
        [f.a1a, 'put', `/hints/${cat}`, { title: 'Ghost', description: null }],
        [f.a2, 'put', `/hints/${a}`, { title: 'Ghost' }],
        [f.a2, 'delete', `/hints/${a}`],
        [f.a1a, 'delete', `/hints/${cat}`],
      ]);
      expect(await snapshot(cat)).toEqual(before);
      expect(await hintCount(f.a1a)).toBe(u1Before);
      expect(await hintCount(f.a2)).toBe(u2Before);
      // With an ordinary request id the same update goes through.
      await as(f.a2, 'put', `/hints/${a}`, { title: 'Now changed' }).expect(200);
    });
  });

  // ---------------------------------------------------------------------------
  describe('concurrency', () => {
    it('a child created under a hint while that hint’s subtree is deleted never leaves an orphan (10 rounds)', async () => {
      const f = await fixture();
      const outcomes: number[] = [];
      for (let round = 0; round < 10; round++) {
        const cat = await createCategory(f.a1a, `race ${round}`);
        await share(f.a1a, f.a2, cat, 3);
        const top = await createHint(f.a1a, cat, 'top');
        const below = await createHint(f.a1a, top, 'below');
        const bystander = await createHint(f.a1a, cat, 'bystander');

        // Creator and deleter alternate between the owner's agents and the sharee.
        const creator = [f.a1a, f.a1b, f.a2][round % 3];
        const deleter = round % 2 ? f.a2 : f.a1a;
        const create = () => as(creator, 'post', '/hints', { title: 'racer', parent_id: round % 4 < 2 ? below : top }).then((res) => res);
        const remove = () => as(deleter, 'delete', `/hints/${top}`).then((res) => res);
        // Which request leaves first alternates, so both orders of commit occur.
        const [created, deleted] = round % 2 ? await Promise.all([create(), remove()]) : (await Promise.all([remove(), create()])).reverse();
        expect({ round, status: deleted.status }).toEqual({ round, status: 200 });
        outcomes.push(created.status);
        if (created.status === 201) {
          // The create committed first: the delete took it along with the subtree.
          expect({ round, body: deleted.body }).toEqual({ round, body: { deleted: top, descendants_deleted: 2 } });
        } else {
          expectProblem(created, 404, PARENT_NOT_FOUND);
          expect({ round, body: deleted.body }).toEqual({ round, body: { deleted: top, descendants_deleted: 1 } });
        }
        expect({ round, left: hintIds((await snapshot(cat)).hints) }).toEqual({ round, left: [cat, bystander] });
        expect({ round, orphans: await orphans() }).toEqual({ round, orphans: NO_ORPHANS });
      }
      expect(outcomes.every((s) => s === 201 || s === 404)).toBe(true);
    });

    it('children created while the owner deletes the whole category never survive it (10 rounds)', async () => {
      const f = await fixture();
      const outcomes: number[] = [];
      for (let round = 0; round < 10; round++) {
        const cat = await createCategory(f.a1a, `root race ${round}`);
        await share(f.a1a, f.a2, cat, 2);
        const a = await createHint(f.a1a, cat, 'a');
        const create = () => as(round % 3 ? f.a2 : f.a1b, 'post', '/hints', { title: 'racer', parent_id: round % 4 < 2 ? a : cat }).then((res) => res);
        const remove = () => as(f.a1a, 'delete', `/hints/${cat}`).then((res) => res);
        const [created, deleted] = round % 2 ? await Promise.all([create(), remove()]) : (await Promise.all([remove(), create()])).reverse();
        outcomes.push(created.status);
        expect({ round, status: deleted.status }).toEqual({ round, status: 200 });
        expect({ round, created: created.status === 201 || (created.status === 404 && problem(created).detail === PARENT_NOT_FOUND) }).toEqual({
          round,
          created: true,
        });
        expect({ round, left: await snapshot(cat) }).toEqual({ round, left: { hints: [], shares: [] } });
        expect({ round, orphans: await orphans() }).toEqual({ round, orphans: NO_ORPHANS });
        expect({ round, deleted: deleted.body }).toEqual({ round, deleted: { deleted: cat, descendants_deleted: created.status === 201 ? 2 : 1 } });
      }
      expect(outcomes.every((s) => s === 201 || s === 404)).toBe(true);
    });
  });
});
