import { perBlock, useFixtures } from './support/fixtures';
import { WIKI_NOT_FOUND, NOT_OWNER, MatrixOp, expectSharingMatrix } from './support/knowledge';
import { expectProblem } from './support/problems';
import { uniqueName } from './support/test-app';
import { ListedWiki, wikiIds, sectionIds, sorted, wikiFixtures } from './support/wikis';

/*
 * LucyAPI wikis shared to another user (spec §1.7, §3.9): the sharing matrix of
 * U2 on U1's wiki at no share and levels 1, 2, 3, over HTTP against real
 * PostgreSQL. Fixtures: user U1 with agents A1a and A1b, user U2 with A2, user U3
 * with A3. Expected texts are written out here, never imported from src/.
 */

describe('LucyAPI wikis: the sharing matrix', () => {
  const ctx = useFixtures();
  const { fixture, createWiki, createSection, share, storedTags, snapshot, expectKnowledgeAudit } = wikiFixtures(ctx);
  const { as } = ctx;

  // ---------------------------------------------------------------------------
  describe('sharing matrix (U2 on U1’s wiki)', () => {
    const f = perBlock(fixture);

    interface Ctx {
      w: number;
      s1: number;
      s1a: number;
      s2: number;
      tag: string;
    }

    /** A fresh wiki of U1: s1 (tagged) with child s1a, s2; shared to U3 at level 1 and to U2 at `level` (0 = not shared). */
    async function matrixWiki(level: number): Promise<Ctx> {
      const tag = uniqueName('mtag');
      const w = await createWiki(f.a1a, { title: 'Shared wiki', description: 'd' });
      const s1 = await createSection(f.a1a, w, { title: 's1', tags: [tag, 'common'] });
      const s1a = await createSection(f.a1a, w, { title: 's1a', parent_id: s1, tags: ['child'] });
      const s2 = await createSection(f.a1a, w, { title: 's2' });
      await share(f.a1a, f.a3, w, 1);
      if (level > 0) await share(f.a1a, f.a2, w, level);
      return { w, s1, s1a, s2, tag };
    }

    const ops: MatrixOp<Ctx>[] = [
      {
        name: 'get wiki',
        required: 1,
        denied: WIKI_NOT_FOUND,
        status: 200,
        run: (c, rid) => as(f.a2, 'get', `/wikis/${c.w}`, undefined, rid),
        allowed: (c, res, _rid, level) => {
          expect(res.body.wiki).toMatchObject({ wiki_id: c.w, title: 'Shared wiki', access: 'shared', permission_level: level });
          expect(sectionIds(res.body.sections)).toEqual([c.s1, c.s2, c.s1a]);
          expect(res.body.sections[0].tags).toEqual(sorted([c.tag, 'common']));
          return Promise.resolve();
        },
      },
      {
        name: 'get tags',
        required: 1,
        denied: WIKI_NOT_FOUND,
        status: 200,
        run: (c, rid) => as(f.a2, 'get', `/wikis/${c.w}/tags`, undefined, rid),
        allowed: (c, res) => {
          expect(res.body).toEqual({ wiki_id: c.w, tags: sorted([c.tag, 'common', 'child']) });
          return Promise.resolve();
        },
      },
      {
        name: 'get section',
        required: 1,
        denied: WIKI_NOT_FOUND,
        status: 200,
        run: (c, rid) => as(f.a2, 'get', `/wikis/${c.w}/sections/${c.s1}`, undefined, rid),
        allowed: (c, res) => {
          expect(res.body.section).toMatchObject({ section_id: c.s1, title: 's1', tags: sorted([c.tag, 'common']) });
          expect(res.body.children).toEqual([expect.objectContaining({ section_id: c.s1a, tags: ['child'] })]);
          return Promise.resolve();
        },
      },
      {
        name: 'update header',
        required: 2,
        denied: WIKI_NOT_FOUND,
        status: 200,
        run: (c, rid) => as(f.a2, 'put', `/wikis/${c.w}`, { title: 'Edited by U2' }, rid),
        allowed: async (c, res, rid) => {
          expect(res.body).toEqual({ updated: { wiki_id: c.w, title: 'Edited by U2' } });
          expect(await ctx.db.query(`SELECT user_id, title FROM wikis WHERE wiki_id = $1`, [c.w])).toEqual([{ user_id: f.a1a.userId, title: 'Edited by U2' }]);
          await expectKnowledgeAudit(rid, 'WIKI_UPDATE', f.a2, f.a1a, { wiki_id: c.w });
        },
      },
      {
        name: 'create section',
        required: 2,
        denied: WIKI_NOT_FOUND,
        status: 201,
        run: (c, rid) => as(f.a2, 'post', `/wikis/${c.w}/sections`, { title: 'By U2', parent_id: c.s1a, tags: ['by-u2'] }, rid),
        allowed: async (c, res, rid) => {
          const s = res.body.created.section_id as number;
          expect(res.body.created).toEqual({ section_id: s, parent_id: c.s1a, title: 'By U2', tags: ['by-u2'] });
          expect(await ctx.db.query(`SELECT wiki_id, parent_id, title FROM wiki_sections WHERE section_id = $1`, [s])).toEqual([
            { wiki_id: c.w, parent_id: c.s1a, title: 'By U2' },
          ]);
          expect(await storedTags(s)).toEqual(['by-u2']);
          await expectKnowledgeAudit(rid, 'WIKI_SECTION_CREATE', f.a2, f.a1a, { wiki_id: c.w, section_id: s });
        },
      },
      {
        name: 'update section',
        required: 2,
        denied: WIKI_NOT_FOUND,
        status: 200,
        run: (c, rid) => as(f.a2, 'put', `/wikis/${c.w}/sections/${c.s1}`, { title: 'Renamed by U2', tags: ['retagged'] }, rid),
        allowed: async (c, res, rid) => {
          expect(res.body).toEqual({ updated: { section_id: c.s1, title: 'Renamed by U2', tags: ['retagged'] } });
          expect(await ctx.db.query(`SELECT title FROM wiki_sections WHERE section_id = $1`, [c.s1])).toEqual([{ title: 'Renamed by U2' }]);
          expect(await storedTags(c.s1)).toEqual(['retagged']);
          await expectKnowledgeAudit(rid, 'WIKI_SECTION_UPDATE', f.a2, f.a1a, { wiki_id: c.w, section_id: c.s1 });
        },
      },
      {
        name: 'delete section',
        required: 3,
        denied: WIKI_NOT_FOUND,
        status: 200,
        run: (c, rid) => as(f.a2, 'delete', `/wikis/${c.w}/sections/${c.s1}`, undefined, rid),
        allowed: async (c, res, rid) => {
          expect(res.body).toEqual({ deleted: c.s1, descendants_deleted: 1 });
          expect(sectionIds(await ctx.db.query(`SELECT section_id FROM wiki_sections WHERE wiki_id = $1 ORDER BY section_id`, [c.w]))).toEqual([c.s2]);
          expect(await storedTags(c.s1)).toEqual([]);
          expect(await storedTags(c.s1a)).toEqual([]);
          await expectKnowledgeAudit(rid, 'WIKI_SECTION_DELETE', f.a2, f.a1a, { wiki_id: c.w, section_id: c.s1, descendants_deleted: 1 });
        },
      },
      {
        name: 'delete wiki',
        required: 'owner',
        denied: WIKI_NOT_FOUND,
        status: 200,
        run: (c, rid) => as(f.a2, 'delete', `/wikis/${c.w}`, undefined, rid),
        allowed: () => Promise.resolve(),
      },
      {
        name: 'share onward to U3',
        required: 'owner',
        denied: NOT_OWNER,
        status: 200,
        run: (c, rid) => as(f.a2, 'post', '/sharing', { object_type_id: 3, object_id: c.w, shared_to_user_name: f.a3.userName, permission_level: 3 }, rid),
        lookedUpName: () => f.a3.userName,
        allowed: () => Promise.resolve(),
      },
    ];

    it.each([0, 1, 2, 3])('share level %i: allowed exactly as the level permits; every denial is a 404, changes nothing, audits nothing but a share by name’s lookup', async (level) => {
      // Reads that are lists: the wiki is listed (and its sections found by tag) from level 1 on.
      const list = await matrixWiki(level);
      const listed = (await as(f.a2, 'get', '/wikis').expect(200)).body.wikis as ListedWiki[];
      const byTag = (await as(f.a2, 'get', `/wikis/tags/${list.tag}`).expect(200)).body;
      if (level === 0) {
        expect(wikiIds(listed)).not.toContain(list.w);
        expect(byTag).toMatchObject({ sections: [], total: 0 });
      } else {
        expect(listed.find((w) => w.wiki_id === list.w)).toMatchObject({ access: 'shared', permission_level: level, title: 'Shared wiki' });
        expect(byTag).toMatchObject({ total: 1, sections: [expect.objectContaining({ wiki_id: list.w, section_id: list.s1, tags: sorted([list.tag, 'common']) })] });
      }

      await expectSharingMatrix(ctx, f.a2, level, ops, matrixWiki, (c) => snapshot(c.w));
    });

    it('the owner’s sibling agent can delete the wiki and share it; U3 (level 1) still cannot write', async () => {
      const c = await matrixWiki(3);
      expectProblem(await as(f.a3, 'put', `/wikis/${c.w}`, { title: 'U3' }), 404, WIKI_NOT_FOUND);
      expectProblem(await as(f.a3, 'post', `/wikis/${c.w}/sections`, { title: 'U3' }), 404, WIKI_NOT_FOUND);
      const res = await as(f.a1b, 'post', '/sharing', { object_type_id: 3, object_id: c.w, shared_to_user_id: f.a3.userId, permission_level: 2 }).expect(200);
      expect(res.body.shared).toMatchObject({ object_type_id: 3, object_id: c.w, permission_level: 2 });
      await as(f.a3, 'put', `/wikis/${c.w}`, { title: 'Now U3 may' }).expect(200);
      expect((await as(f.a1b, 'delete', `/wikis/${c.w}`).expect(200)).body).toEqual({ deleted: c.w, sections_deleted: 3 });
      expect(await snapshot(c.w)).toEqual({ wiki: [], sections: [], tags: [], shares: [] });
      expectProblem(await as(f.a2, 'get', `/wikis/${c.w}`), 404, WIKI_NOT_FOUND);
    });
  });

});
