import { Call, newRid } from './support/agent-requests';
import { perBlock, useFixtures } from './support/fixtures';
import { WIKI_NOT_FOUND, SECTION_NOT_FOUND, ISO_UTC, MISSING } from './support/knowledge';
import { expectProblem } from './support/problems';
import { sectionIds, sorted, wikiFixtures } from './support/wikis';

/*
 * LucyAPI wiki sections and tags (spec §3.9, §5.7 with the bracketed fixes):
 * tagged section trees, per-wiki tags and the cross-wiki tag search, over HTTP
 * against real PostgreSQL. Fixtures: user U1 with agents A1a and A1b, user U2
 * with A2, user U3 with A3. Expected texts are written out here, never imported from src/.
 */

describe('LucyAPI wikis: sections and tags', () => {
  const ctx = useFixtures();
  const { fixture, createWiki, createSection, share, wikiUpdatedAt, sectionUpdatedAt, storedTags, snapshot, orphans, NO_ORPHANS, expectKnowledgeAudit, pause } = wikiFixtures(ctx);
  const { as, expectNotAudited, expectRefused } = ctx;

  // ---------------------------------------------------------------------------
  describe('sections', () => {
    const f = perBlock(fixture);

    it('POST creates a section with tags: 201 {created:{section_id,parent_id,title,tags}}, stored, audited, wiki updated_at moves', async () => {
      const w = await createWiki(f.a1a);
      const before = await wikiUpdatedAt(w);
      await pause(5);
      const rid = newRid('s-create');
      const res = await as(f.a1b, 'post', `/wikis/${w}/sections`, { title: ' Backups ', description: 'Nightly', tags: ['postgres', 'ops'] }, rid).expect(201);
      expect(res.body).toEqual({ created: { section_id: expect.any(Number), parent_id: 0, title: 'Backups', tags: ['postgres', 'ops'] } });
      const s = res.body.created.section_id as number;
      expect(await ctx.db.query(`SELECT wiki_id, parent_id, title, description FROM wiki_sections WHERE section_id = $1`, [s])).toEqual([
        { wiki_id: w, parent_id: 0, title: 'Backups', description: 'Nightly' },
      ]);
      expect(await storedTags(s)).toEqual(['ops', 'postgres']);
      await expectKnowledgeAudit(rid, 'WIKI_SECTION_CREATE', f.a1b, f.a1a, { wiki_id: w, section_id: s });
      expect(await wikiUpdatedAt(w)).toBeGreaterThan(before);

      const child = await as(f.a1a, 'post', `/wikis/${w}/sections`, { title: 'Child', parent_id: s }).expect(201);
      expect(child.body.created).toEqual({ section_id: expect.any(Number), parent_id: s, title: 'Child', tags: [] });
      expect(await storedTags(child.body.created.section_id)).toEqual([]);
      const nullTags = await as(f.a1a, 'post', `/wikis/${w}/sections`, { title: 'Null tags', parent_id: 0, tags: null }).expect(201);
      expect(nullTags.body.created.tags).toEqual([]);
    });

    it('a duplicate tag in one request is stored once (201, never a 500); tags are case-sensitive', async () => {
      const w = await createWiki(f.a1a);
      const res = await as(f.a1a, 'post', `/wikis/${w}/sections`, { title: 'Dupes', tags: ['b', 'a', 'b', 'A', 'a', 'b'] });
      expect({ status: res.status, body: res.body }).toEqual({ status: 201, body: { created: expect.objectContaining({ tags: ['b', 'a', 'A'] }) } });
      const s = res.body.created.section_id as number;
      expect(await storedTags(s)).toEqual(['A', 'a', 'b']);

      const upd = await as(f.a1a, 'put', `/wikis/${w}/sections/${s}`, { tags: ['c', 'c', 'C'] });
      expect({ status: upd.status, body: upd.body }).toEqual({ status: 200, body: { updated: { section_id: s, title: 'Dupes', tags: ['c', 'C'] } } });
      expect(await storedTags(s)).toEqual(['C', 'c']);
    });

    it('limits: a 501-character title, a 101-character tag, 51 tags, tags not an array of strings → 422, nothing stored or audited', async () => {
      const w = await createWiki(f.a1a);
      const before = await snapshot(w);
      for (const body of [
        {},
        { title: '' },
        { title: 't'.repeat(501) },
        { title: 'ok', description: 'd'.repeat(100_001) },
        { title: 'ok', tags: ['x'.repeat(101)] },
        { title: 'ok', tags: ['fine', 'x'.repeat(101)] },
        { title: 'ok', tags: Array.from({ length: 51 }, (_, i) => `tag${i}`) },
        { title: 'ok', tags: 'ops' },
        { title: 'ok', tags: { ops: true } },
        { title: 'ok', tags: 5 },
        { title: 'ok', tags: [''] },
        { title: 'ok', tags: [5] },
        { title: 'ok', tags: [null] },
        { title: 'ok', tags: [['nested']] },
        { title: 'ok', parent_id: -1 },
        { title: 'ok', parent_id: 1.5 },
        { title: 'ok', parent_id: '1' },
        { title: 'ok', parent_id: 2_147_483_648 },
        [],
      ]) {
        const rid = newRid('s-create-bad');
        const res = await as(f.a1a, 'post', `/wikis/${w}/sections`, body, rid);
        expect({ body, status: res.status }).toEqual({ body, status: 422 });
        await expectNotAudited(rid);
      }
      expect(await snapshot(w)).toEqual(before);

      // The limits themselves are accepted: 500-character title, 50 tags of 100 characters.
      const max = Array.from({ length: 50 }, (_, i) => `${String(i).padStart(2, '0')}${'x'.repeat(98)}`);
      const ok = await as(f.a1a, 'post', `/wikis/${w}/sections`, { title: 't'.repeat(500), tags: max }).expect(201);
      expect(await storedTags(ok.body.created.section_id)).toEqual(max);
    });

    it('GET answers the section and its immediate children, each with tags', async () => {
      const w = await createWiki(f.a1a);
      const s = await createSection(f.a1a, w, { title: 'Parent', description: 'P', tags: ['p2', 'p1'] });
      const c1 = await createSection(f.a1a, w, { title: 'Child 1', parent_id: s, tags: ['c'] });
      await createSection(f.a1a, w, { title: 'Sibling' });
      const c2 = await createSection(f.a1a, w, { title: 'Child 2', parent_id: s });
      await createSection(f.a1a, w, { title: 'Grandchild', parent_id: c1 });

      const res = await as(f.a1b, 'get', `/wikis/${w}/sections/${s}`).expect(200);
      expect(res.body).toEqual({
        section: {
          section_id: s,
          parent_id: 0,
          title: 'Parent',
          description: 'P',
          created_at: expect.stringMatching(ISO_UTC),
          updated_at: expect.stringMatching(ISO_UTC),
          tags: ['p1', 'p2'],
        },
        children: [
          {
            section_id: c1,
            parent_id: s,
            title: 'Child 1',
            description: null,
            created_at: expect.stringMatching(ISO_UTC),
            updated_at: expect.stringMatching(ISO_UTC),
            tags: ['c'],
          },
          expect.objectContaining({ section_id: c2, parent_id: s, title: 'Child 2', tags: [] }),
        ],
      });
      expect((await as(f.a1a, 'get', `/wikis/${w}/sections/${c2}`).expect(200)).body.children).toEqual([]);
    });

    it('PUT with only tags: [] clears the tags, moves the section’s and the wiki’s updated_at, answers tags: []; audited', async () => {
      const w = await createWiki(f.a1a);
      const s = await createSection(f.a1a, w, { title: 'Tagged', description: 'D', tags: ['a', 'b'] });
      const sectionBefore = await sectionUpdatedAt(s);
      const wikiBefore = await wikiUpdatedAt(w);
      await pause(5);

      const rid = newRid('s-update-clear');
      const res = await as(f.a1b, 'put', `/wikis/${w}/sections/${s}`, { tags: [] }, rid).expect(200);
      expect(res.body).toEqual({ updated: { section_id: s, title: 'Tagged', tags: [] } });
      expect(await storedTags(s)).toEqual([]);
      expect(await sectionUpdatedAt(s)).toBeGreaterThan(sectionBefore);
      expect(await wikiUpdatedAt(w)).toBeGreaterThan(wikiBefore);
      expect(await ctx.db.query(`SELECT title, description FROM wiki_sections WHERE section_id = $1`, [s])).toEqual([{ title: 'Tagged', description: 'D' }]);
      await expectKnowledgeAudit(rid, 'WIKI_SECTION_UPDATE', f.a1b, f.a1a, { wiki_id: w, section_id: s });
      expect((await as(f.a1a, 'get', `/wikis/${w}/sections/${s}`).expect(200)).body.section.tags).toEqual([]);
      expect((await as(f.a1a, 'get', `/wikis/${w}/tags`).expect(200)).body.tags).toEqual([]);
    });

    it('PUT without tags (or tags: null) leaves them and answers no tags key; tags replace the whole set', async () => {
      const w = await createWiki(f.a1a);
      const s = await createSection(f.a1a, w, { title: 'Old', description: 'Old d', tags: ['keep', 'me'] });
      const wikiBefore = await wikiUpdatedAt(w);
      await pause(5);

      const res = await as(f.a1a, 'put', `/wikis/${w}/sections/${s}`, { title: ' New ' }).expect(200);
      expect(res.body).toEqual({ updated: { section_id: s, title: 'New' } });
      expect(Object.keys(res.body.updated)).not.toContain('tags');
      expect(await storedTags(s)).toEqual(['keep', 'me']);
      expect(await wikiUpdatedAt(w)).toBeGreaterThan(wikiBefore);

      const nulled = await as(f.a1a, 'put', `/wikis/${w}/sections/${s}`, { description: null, tags: null }).expect(200);
      expect(nulled.body).toEqual({ updated: { section_id: s, title: 'New' } });
      expect(await storedTags(s)).toEqual(['keep', 'me']);
      expect(await ctx.db.query(`SELECT title, description FROM wiki_sections WHERE section_id = $1`, [s])).toEqual([{ title: 'New', description: null }]);

      const replaced = await as(f.a1a, 'put', `/wikis/${w}/sections/${s}`, { tags: ['new', 'Set'] }).expect(200);
      expect(replaced.body).toEqual({ updated: { section_id: s, title: 'New', tags: ['new', 'Set'] } });
      expect(await storedTags(s)).toEqual(['Set', 'new']);
    });

    it('PUT: a bad title or bad tags are 422 and change nothing', async () => {
      const w = await createWiki(f.a1a);
      const s = await createSection(f.a1a, w, { title: 'Stay', tags: ['stay'] });
      const snap = await snapshot(w);
      const bad = [
        { title: '' },
        { title: null },
        { title: 't'.repeat(501) },
        { tags: ['x'.repeat(101)] },
        { tags: Array.from({ length: 51 }, (_, i) => `t${i}`) },
        { tags: 'stay' },
        { tags: [''] },
        { title: 'ok', tags: [1] },
      ].map((body): Call => ['put', `/wikis/${w}/sections/${s}`, body]);
      await expectRefused(f.a1a, bad, 422);
      expect(await snapshot(w)).toEqual(snap);
    });

    it('DELETE removes the subtree and its tags: {deleted, descendants_deleted}; audited; wiki updated_at moves; the rest untouched', async () => {
      const w = await createWiki(f.a1a);
      const s1 = await createSection(f.a1a, w, { title: 's1', tags: ['gone', 'both'] });
      const s1a = await createSection(f.a1a, w, { title: 's1a', parent_id: s1, tags: ['gone-too'] });
      const s1a1 = await createSection(f.a1a, w, { title: 's1a1', parent_id: s1a, tags: ['deep'] });
      await createSection(f.a1a, w, { title: 's1b', parent_id: s1 });
      const s2 = await createSection(f.a1a, w, { title: 's2', tags: ['both'] });
      const s2a = await createSection(f.a1a, w, { title: 's2a', parent_id: s2 });
      const before = await wikiUpdatedAt(w);
      await pause(5);

      const rid = newRid('s-delete');
      const res = await as(f.a1b, 'delete', `/wikis/${w}/sections/${s1}`, undefined, rid).expect(200);
      expect(res.body).toEqual({ deleted: s1, descendants_deleted: 3 });
      await expectKnowledgeAudit(rid, 'WIKI_SECTION_DELETE', f.a1b, f.a1a, { wiki_id: w, section_id: s1, descendants_deleted: 3 });
      expect(sectionIds((await as(f.a1a, 'get', `/wikis/${w}`).expect(200)).body.sections)).toEqual([s2, s2a]);
      expect(await wikiUpdatedAt(w)).toBeGreaterThan(before);
      for (const id of [s1, s1a, s1a1]) expect({ id, tags: await storedTags(id) }).toEqual({ id, tags: [] });
      expect((await as(f.a1a, 'get', `/wikis/${w}/tags`).expect(200)).body.tags).toEqual(['both']);
      expect(await orphans()).toEqual(NO_ORPHANS);

      expect((await as(f.a1a, 'delete', `/wikis/${w}/sections/${s2a}`).expect(200)).body).toEqual({ deleted: s2a, descendants_deleted: 0 });

      // A section deleted with its parent's subtree is gone.
      expectProblem(await as(f.a1a, 'delete', `/wikis/${w}/sections/${s1}`), 404, SECTION_NOT_FOUND);
      expect(sectionIds((await as(f.a1a, 'get', `/wikis/${w}`).expect(200)).body.sections)).toEqual([s2]);
    });
  });

  // ---------------------------------------------------------------------------
  describe('tags', () => {
    const f = perBlock(fixture);
    let w1: number;
    let w2: number;
    let w3: number;
    let w4: number;
    let ids: Record<string, number>;

    /**
     * U1 owns w1 and w2; U3 owns w3 (shared to U1 at level 1) and w4 (not shared).
     * Section ids interleave across wikis, so (wiki_id, section_id) order is visible.
     */
    beforeAll(async () => {
      w1 = await createWiki(f.a1a, { title: 'W1' });
      w2 = await createWiki(f.a1a, { title: 'W2' });
      w3 = await createWiki(f.a3, { title: 'W3 shared' });
      w4 = await createWiki(f.a3, { title: 'W4 private' });
      await share(f.a3, f.a1a, w3, 1);
      ids = {};
      ids.w2a = await createSection(f.a1a, w2, { title: 'w2a', description: 'in w2', tags: ['x', 'ops'] });
      ids.w3a = await createSection(f.a3, w3, { title: 'w3a', tags: ['x'] });
      ids.w1a = await createSection(f.a1a, w1, { title: 'w1a', tags: ['x', 'X', 'zeta', 'Alpha'] });
      ids.w4a = await createSection(f.a3, w4, { title: 'w4a', tags: ['x'] });
      ids.w1b = await createSection(f.a1a, w1, { title: 'w1b', parent_id: ids.w1a, tags: ['X'] });
      ids.w1c = await createSection(f.a1a, w1, { title: 'w1c', tags: ['xx', 'a/b', 'ops'] });
      ids.w2b = await createSection(f.a1a, w2, { title: 'w2b', tags: ['x'] });
      ids.w1d = await createSection(f.a1a, w1, { title: 'w1d' });
    });

    it('GET /wikis/{id}/tags → {wiki_id, tags}: distinct, sorted; [] for a wiki without tags', async () => {
      expect((await as(f.a1b, 'get', `/wikis/${w1}/tags`).expect(200)).body).toEqual({ wiki_id: w1, tags: sorted(['Alpha', 'X', 'a/b', 'ops', 'x', 'xx', 'zeta']) });
      expect((await as(f.a1a, 'get', `/wikis/${w2}/tags`).expect(200)).body).toEqual({ wiki_id: w2, tags: ['ops', 'x'] });
      expect((await as(f.a1a, 'get', `/wikis/${w3}/tags`).expect(200)).body).toEqual({ wiki_id: w3, tags: ['x'] });
      const empty = await createWiki(f.a1a);
      await createSection(f.a1a, empty, { title: 'untagged' });
      expect((await as(f.a1a, 'get', `/wikis/${empty}/tags`).expect(200)).body).toEqual({ wiki_id: empty, tags: [] });
    });

    it('GET /wikis/{id}/tags: 404 "Wiki not found" for a missing or unshared wiki', async () => {
      expectProblem(await as(f.a1a, 'get', `/wikis/${w4}/tags`), 404, WIKI_NOT_FOUND);
      expectProblem(await as(f.a1a, 'get', `/wikis/${MISSING}/tags`), 404, WIKI_NOT_FOUND);
      expectProblem(await as(f.a2, 'get', `/wikis/${w1}/tags`), 404, WIKI_NOT_FOUND);
    });

    it('GET /wikis/tags/{tag} spans owned and shared wikis, ordered (wiki_id, section_id), never another user’s unshared wiki', async () => {
      const res = await as(f.a1a, 'get', '/wikis/tags/x').expect(200);
      expect(res.body).toEqual({
        tag: 'x',
        sections: [
          {
            wiki_id: w1,
            wiki_title: 'W1',
            section_id: ids.w1a,
            title: 'w1a',
            description: null,
            updated_at: expect.stringMatching(ISO_UTC),
            tags: sorted(['x', 'X', 'zeta', 'Alpha']),
          },
          {
            wiki_id: w2,
            wiki_title: 'W2',
            section_id: ids.w2a,
            title: 'w2a',
            description: 'in w2',
            updated_at: expect.stringMatching(ISO_UTC),
            tags: ['ops', 'x'],
          },
          expect.objectContaining({ wiki_id: w2, section_id: ids.w2b, tags: ['x'] }),
          expect.objectContaining({ wiki_id: w3, wiki_title: 'W3 shared', section_id: ids.w3a, title: 'w3a', tags: ['x'] }),
        ],
        total: 4,
        limit: 200,
        offset: 0,
      });
      expect(sectionIds(res.body.sections)).not.toContain(ids.w4a);
      // U3 sees its own w3 and w4, not U1's wikis.
      const u3 = await as(f.a3, 'get', '/wikis/tags/x').expect(200);
      expect(sectionIds(u3.body.sections)).toEqual([ids.w3a, ids.w4a]);
      // U2 sees nothing of either.
      expect((await as(f.a2, 'get', '/wikis/tags/x').expect(200)).body).toEqual({ tag: 'x', sections: [], total: 0, limit: 200, offset: 0 });
    });

    it('the match is exact and case-sensitive: "X" ≠ "x", "xx" is not "x"', async () => {
      const upper = await as(f.a1a, 'get', '/wikis/tags/X').expect(200);
      expect(upper.body).toMatchObject({ tag: 'X', total: 2 });
      expect(sectionIds(upper.body.sections)).toEqual([ids.w1a, ids.w1b]);
      expect(sectionIds((await as(f.a1a, 'get', '/wikis/tags/xx').expect(200)).body.sections)).toEqual([ids.w1c]);
      expect(sectionIds((await as(f.a1a, 'get', '/wikis/tags/alpha').expect(200)).body.sections)).toEqual([]);
      expect(sectionIds((await as(f.a1a, 'get', '/wikis/tags/Alpha').expect(200)).body.sections)).toEqual([ids.w1a]);
      expect((await as(f.a1a, 'get', '/wikis/tags/nothing').expect(200)).body).toEqual({ tag: 'nothing', sections: [], total: 0, limit: 200, offset: 0 });
    });

    it('pages with limit and offset; the total counts every match', async () => {
      const page = await as(f.a1a, 'get', '/wikis/tags/x?limit=2&offset=1').expect(200);
      expect(page.body).toMatchObject({ tag: 'x', total: 4, limit: 2, offset: 1 });
      expect(sectionIds(page.body.sections)).toEqual([ids.w2a, ids.w2b]);
      expect((await as(f.a1a, 'get', '/wikis/tags/x?offset=9').expect(200)).body).toEqual({ tag: 'x', sections: [], total: 4, limit: 200, offset: 9 });
      expectProblem(await as(f.a1a, 'get', '/wikis/tags/x?limit=0'), 422);
    });

    it('/wikis/tags/{tag} is never taken for a wiki id; an encoded "/" works; a 101-character tag is 422', async () => {
      // 'tags' would be a 422 if it reached the :id route.
      for (const tag of ['x', 'tags', '1', String(w1)]) {
        const res = await as(f.a1a, 'get', `/wikis/tags/${tag}`);
        expect({ tag, status: res.status, echoed: res.body.tag }).toEqual({ tag, status: 200, echoed: tag });
      }
      const slash = await as(f.a1a, 'get', '/wikis/tags/a%2Fb').expect(200);
      expect(slash.body).toMatchObject({ tag: 'a/b', total: 1 });
      expect(sectionIds(slash.body.sections)).toEqual([ids.w1c]);
      const spaced = await createSection(f.a1a, w2, { title: 'spaced', tags: ['two words', 'ü-ñ'] });
      expect(sectionIds((await as(f.a1a, 'get', '/wikis/tags/two%20words').expect(200)).body.sections)).toEqual([spaced]);
      expect(sectionIds((await as(f.a1a, 'get', `/wikis/tags/${encodeURIComponent('ü-ñ')}`).expect(200)).body.sections)).toEqual([spaced]);
      expect((await as(f.a1a, 'get', `/wikis/tags/${'t'.repeat(100)}`).expect(200)).body.total).toBe(0);
      expectProblem(await as(f.a1a, 'get', `/wikis/tags/${'t'.repeat(101)}`), 422);
      // And /wikis/{id}/tags still reaches the per-wiki tags.
      expect((await as(f.a1a, 'get', `/wikis/${w2}/tags`).expect(200)).body.wiki_id).toBe(w2);
    });
  });

});
