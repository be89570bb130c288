import { newRid } from './support/agent-requests';
import { perBlock, useFixtures } from './support/fixtures';
import { PARENT_NOT_FOUND, ListedHint, hintIds, hintFixtures } from './support/hints';
import { HINT_NOT_FOUND, NOT_OWNER, NOT_A_CATEGORY, MatrixOp, expectSharingMatrix } from './support/knowledge';
import { expectProblem } from './support/problems';

/*
 * LucyAPI hints shared by category (spec §1.7, §3.10): the sharing matrix of U2 on
 * U1's category, and a sharee's hint belonging to the category's owner, over HTTP
 * against real PostgreSQL. Fixtures: user U1 with agents A1a and A1b, user U2 with
 * A2, user U3 with A3. Expected texts are written out here, never imported from src/.
 */

describe('LucyAPI hint categories and hints: sharing by category', () => {
  const ctx = useFixtures();
  const { fixture, createCategory, createHint, share, hintRow, snapshot, orphans, NO_ORPHANS, expectKnowledgeAudit } = hintFixtures(ctx);
  const { as, expectNotAudited } = ctx;

  // ---------------------------------------------------------------------------
  describe('sharing (by category)', () => {
    const f = perBlock(fixture);

    interface Ctx {
      cat: number;
      a: number;
      a1: number;
      b: number;
    }

    /** A fresh category of U1: a with child a1, b; shared to U3 at level 1 and to U2 at `level` (0 = not shared). */
    async function matrixCategory(level: number): Promise<Ctx> {
      const cat = await createCategory(f.a1a, 'Shared category', 'd');
      const a = await createHint(f.a1a, cat, 'a');
      const a1 = await createHint(f.a1a, a, 'a1');
      const b = await createHint(f.a1a, cat, 'b');
      await share(f.a1a, f.a3, cat, 1);
      if (level > 0) await share(f.a1a, f.a2, cat, level);
      return { cat, a, a1, b };
    }

    it(`only a category (a root hint) can be shared: a child is 422 "${NOT_A_CATEGORY}"; another user’s hint is 404`, async () => {
      const c = await matrixCategory(0);
      const before = await snapshot(c.cat);
      for (const id of [c.a, c.a1]) {
        const rid = newRid('share-child');
        const res = await as(f.a1a, 'post', '/sharing', { object_type_id: 2, object_id: id, shared_to_user_id: f.a2.userId, permission_level: 3 }, rid);
        expectProblem(res, 422, NOT_A_CATEGORY);
        await expectNotAudited(rid);
      }
      expect(await ctx.db.query(`SELECT count(*)::int AS n FROM shared_objects WHERE hint_id IN ($1, $2)`, [c.a, c.a1])).toEqual([{ n: 0 }]);
      expect(await snapshot(c.cat)).toEqual(before);
      expectProblem(await as(f.a2, 'get', `/hints/${c.a}`), 404, HINT_NOT_FOUND);
      const u2own = await createCategory(f.a2);
      expectProblem(
        await as(f.a1a, 'post', '/sharing', { object_type_id: 2, object_id: u2own, shared_to_user_id: f.a3.userId, permission_level: 1 }),
        404,
        NOT_OWNER,
      );
    });

    const ops: MatrixOp<Ctx>[] = [
      {
        name: 'get root',
        required: 1,
        denied: HINT_NOT_FOUND,
        status: 200,
        run: (c, rid) => as(f.a2, 'get', `/hints/${c.cat}`, undefined, rid),
        allowed: (c, res) => {
          expect(res.body.node).toMatchObject({ hint_id: c.cat, title: 'Shared category', hint_category_id: c.cat });
          expect(hintIds(res.body.children)).toEqual([c.a, c.b]);
          return Promise.resolve();
        },
      },
      {
        name: 'get grandchild',
        required: 1,
        denied: HINT_NOT_FOUND,
        status: 200,
        run: (c, rid) => as(f.a2, 'get', `/hints/${c.a1}`, undefined, rid),
        allowed: (c, res) => {
          expect(res.body).toEqual({ node: expect.objectContaining({ hint_id: c.a1, parent_id: c.a, hint_category_id: c.cat }), children: [] });
          return Promise.resolve();
        },
      },
      {
        name: 'update root',
        required: 2,
        denied: HINT_NOT_FOUND,
        status: 200,
        run: (c, rid) => as(f.a2, 'put', `/hints/${c.cat}`, { title: 'Root by U2' }, rid),
        allowed: async (c, res, rid) => {
          expect(res.body).toEqual({ updated: { hint_id: c.cat, title: 'Root by U2' } });
          expect(await hintRow(c.cat)).toMatchObject({ user_id: f.a1a.userId, title: 'Root by U2' });
          await expectKnowledgeAudit(rid, 'HINT_UPDATE', f.a2, f.a1a, { hint_id: c.cat });
        },
      },
      {
        name: 'update child',
        required: 2,
        denied: HINT_NOT_FOUND,
        status: 200,
        run: (c, rid) => as(f.a2, 'put', `/hints/${c.a1}`, { description: 'by U2' }, rid),
        allowed: async (c, res, rid) => {
          expect(res.body).toEqual({ updated: { hint_id: c.a1, title: 'a1' } });
          expect(await hintRow(c.a1)).toMatchObject({ user_id: f.a1a.userId, description: 'by U2' });
          await expectKnowledgeAudit(rid, 'HINT_UPDATE', f.a2, f.a1a, { hint_id: c.a1 });
        },
      },
      {
        name: 'create child',
        required: 2,
        denied: PARENT_NOT_FOUND,
        status: 201,
        run: (c, rid) => as(f.a2, 'post', '/hints', { title: 'By U2', parent_id: c.a1 }, rid),
        allowed: async (c, res, rid) => {
          const id = res.body.created.hint_id as number;
          expect(res.body).toEqual({ created: { hint_id: id, parent_id: c.a1, title: 'By U2', hint_category_id: c.cat } });
          // The new hint belongs to the category's owner (U1), not to U2.
          expect(await hintRow(id)).toEqual({ user_id: f.a1a.userId, parent_id: c.a1, hint_category_id: c.cat, title: 'By U2', description: null });
          const u1 = (await as(f.a1a, 'get', '/hints').expect(200)).body.hints as ListedHint[];
          expect(u1.find((h) => h.hint_id === id)).toMatchObject({ access: 'owned', permission_level: 3 });
          const u2 = (await as(f.a2, 'get', '/hints').expect(200)).body.hints as ListedHint[];
          expect(u2.find((h) => h.hint_id === id)).toMatchObject({ access: 'shared' });
          await expectKnowledgeAudit(rid, 'HINT_CREATE', f.a2, f.a1a, { hint_id: id, parent_id: c.a1 });
        },
      },
      {
        name: 'delete child subtree',
        required: 3,
        denied: HINT_NOT_FOUND,
        status: 200,
        run: (c, rid) => as(f.a2, 'delete', `/hints/${c.a}`, undefined, rid),
        allowed: async (c, res, rid) => {
          expect(res.body).toEqual({ deleted: c.a, descendants_deleted: 1 });
          expect(hintIds((await snapshot(c.cat)).hints)).toEqual([c.cat, c.b]);
          await expectKnowledgeAudit(rid, 'HINT_DELETE', f.a2, f.a1a, { hint_id: c.a, descendants_deleted: 1 });
        },
      },
      {
        name: 'delete root',
        required: 'owner',
        denied: HINT_NOT_FOUND,
        status: 200,
        run: (c, rid) => as(f.a2, 'delete', `/hints/${c.cat}`, undefined, rid),
        allowed: () => Promise.resolve(),
      },
      {
        name: 'share onward to U3',
        required: 'owner',
        denied: NOT_OWNER,
        status: 200,
        run: (c, rid) => as(f.a2, 'post', '/sharing', { object_type_id: 2, object_id: c.cat, shared_to_user_name: f.a3.userName, permission_level: 3 }, rid),
        lookedUpName: () => f.a3.userName,
        allowed: () => Promise.resolve(),
      },
    ];

    it.each([0, 1, 2, 3])('share level %i: allowed exactly as the level permits; every denial is a 404, changes nothing, audits nothing but a share by name’s lookup', async (level) => {
      const list = await matrixCategory(level);
      const listed = (await as(f.a2, 'get', '/hints').expect(200)).body.hints as ListedHint[];
      const compact = (await as(f.a2, 'get', '/hints/compact').expect(200)).body.hints as { hint_id: number }[];
      const expected = [list.cat, list.a, list.b, list.a1];
      if (level === 0) {
        for (const id of expected) expect(hintIds(listed)).not.toContain(id);
        for (const id of expected) expect(hintIds(compact)).not.toContain(id);
      } else {
        const mine = listed.filter((h) => h.hint_category_id === list.cat);
        expect(hintIds(mine).sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b));
        for (const h of mine) expect({ id: h.hint_id, access: h.access, level: h.permission_level }).toEqual({ id: h.hint_id, access: 'shared', level });
        expect(hintIds(compact)).toEqual(expect.arrayContaining(expected));
      }

      await expectSharingMatrix(ctx, f.a2, level, ops, matrixCategory, (c) => snapshot(c.cat));
    });

    it('level 3: U2 may delete a grandchild and a child subtree, never the root; the owner then deletes the root and U2 loses it all', async () => {
      const c = await matrixCategory(3);
      const byU2 = await createHint(f.a2, c.b, 'by U2 under b');
      expect(await hintRow(byU2)).toMatchObject({ user_id: f.a1a.userId, hint_category_id: c.cat });

      expect((await as(f.a2, 'delete', `/hints/${c.a1}`).expect(200)).body).toEqual({ deleted: c.a1, descendants_deleted: 0 });
      expect((await as(f.a2, 'delete', `/hints/${c.b}`).expect(200)).body).toEqual({ deleted: c.b, descendants_deleted: 1 });
      const before = await snapshot(c.cat);
      const rid = newRid('sharee-delete-root');
      expectProblem(await as(f.a2, 'delete', `/hints/${c.cat}`, undefined, rid), 404, HINT_NOT_FOUND);
      await expectNotAudited(rid);
      expect(await snapshot(c.cat)).toEqual(before);
      expect(hintIds(before.hints)).toEqual([c.cat, c.a]);

      const ownerRid = newRid('owner-delete-root');
      expect((await as(f.a1b, 'delete', `/hints/${c.cat}`, undefined, ownerRid).expect(200)).body).toEqual({ deleted: c.cat, descendants_deleted: 1 });
      await expectKnowledgeAudit(ownerRid, 'HINT_DELETE', f.a1b, f.a1a, { hint_id: c.cat, descendants_deleted: 1 });
      expect(await snapshot(c.cat)).toEqual({ hints: [], shares: [] });
      for (const id of [c.cat, c.a]) expectProblem(await as(f.a2, 'get', `/hints/${id}`), 404, HINT_NOT_FOUND);
      expect(await orphans()).toEqual(NO_ORPHANS);
    });

    it('re-sharing at a lower level takes effect at once; a recipient who leaves loses access', async () => {
      const c = await matrixCategory(2);
      await as(f.a2, 'put', `/hints/${c.a}`, { title: 'edited at 2' }).expect(200);
      await as(f.a1a, 'post', '/sharing', { object_type_id: 2, object_id: c.cat, shared_to_user_id: f.a2.userId, permission_level: 1 }).expect(200);
      expectProblem(await as(f.a2, 'put', `/hints/${c.a}`, { title: 'edited at 1' }), 404, HINT_NOT_FOUND);
      expectProblem(await as(f.a2, 'post', '/hints', { title: 'child at 1', parent_id: c.a }), 404, PARENT_NOT_FOUND);
      expect((await hintRow(c.a))?.title).toBe('edited at 2');

      const [row] = await ctx.db.query(`SELECT share_id FROM shared_objects WHERE hint_id = $1 AND shared_to_user_id = $2`, [c.cat, f.a2.userId]);
      expect((await as(f.a2, 'delete', `/sharing/${row.share_id}`).expect(200)).body).toEqual({ left: row.share_id });
      expectProblem(await as(f.a2, 'get', `/hints/${c.cat}`), 404, HINT_NOT_FOUND);
      expect(hintIds((await as(f.a2, 'get', '/hints').expect(200)).body.hints)).not.toContain(c.cat);
      // U3's level-1 share is untouched.
      await as(f.a3, 'get', `/hints/${c.a1}`).expect(200);
    });
  });

});
