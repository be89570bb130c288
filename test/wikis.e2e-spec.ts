import { newRid, refuseAuditFor } from './support/agent-requests';
import { perBlock, useFixtures } from './support/fixtures';
import { WIKI_NOT_FOUND, ISO_UTC } from './support/knowledge';
import { expectProblem } from './support/problems';
import { Section, TaggedSection, wikiIds, sectionIds, wikiFixtures } from './support/wikis';

/*
 * LucyAPI wikis (spec §1.7, §3.9, §5.7 with the bracketed fixes): wiki headers,
 * the merged owned-and-shared list, audit in the owner's tenant, rollback when the
 * audit insert fails, and subtree deletes racing section creates, over HTTP
 * against real PostgreSQL. Sections and tags: wikis-sections; the sharing matrix:
 * wikis-sharing; what wikis answer like projects and hints (401s, 404s, empty
 * updates): knowledge-objects. Fixtures: user U1 with agents A1a and A1b, user U2 with A2, user
 * U3 with A3. Expected texts are written out here, never imported from src/.
 */

describe('LucyAPI wikis: create, list, read, update, delete', () => {
  const ctx = useFixtures();
  const { fixture, createWiki, createSection, share, wikiCount, wikiUpdatedAt, storedTags, snapshot, orphans, NO_ORPHANS, expectKnowledgeAudit, pause } = wikiFixtures(ctx);
  const { as, expectRolledBack } = ctx;

  // ---------------------------------------------------------------------------
  describe('POST /wikis', () => {
    const f = perBlock(fixture);

    it('creates a wiki of the caller’s user: 201 {created:{wiki_id,title}}, title trimmed, audited as the acting agent', async () => {
      const rid = newRid('w-create');
      const res = await as(f.a1b, 'post', '/wikis', { title: '  Runbook  ', description: 'How we operate' }, rid).expect(201);
      expect(res.body).toEqual({ created: { wiki_id: expect.any(Number), title: 'Runbook' } });
      const id = res.body.created.wiki_id as number;
      expect(await ctx.db.query(`SELECT user_id, title, description FROM wikis WHERE wiki_id = $1`, [id])).toEqual([
        { user_id: f.a1a.userId, title: 'Runbook', description: 'How we operate' },
      ]);
      await expectKnowledgeAudit(rid, 'WIKI_CREATE', f.a1b, f.a1a, { wiki_id: id });

      const long = await as(f.a1a, 'post', '/wikis', { title: 't'.repeat(500), description: null }).expect(201);
      expect(await ctx.db.query(`SELECT char_length(title) AS n, description FROM wikis WHERE wiki_id = $1`, [long.body.created.wiki_id])).toEqual([
        { n: 500, description: null },
      ]);
    });
  });

  // ---------------------------------------------------------------------------
  describe('GET /wikis', () => {
    const f = perBlock(fixture);
    let w1: number;
    let w2: number;
    let v1: number;
    let x1: number;
    let x2: number;

    beforeAll(async () => {
      w1 = await createWiki(f.a1a, { title: 'U1 first', description: 'first' });
      w2 = await createWiki(f.a1a, { title: 'U1 second' });
      v1 = await createWiki(f.a2, { title: 'U2 own' });
      x1 = await createWiki(f.a3, { title: 'U3 shared' });
      x2 = await createWiki(f.a3, { title: 'U3 not shared' });
      await share(f.a1a, f.a2, w2, 2);
      await share(f.a3, f.a2, x1, 1);
    });

    it('merges owned (level 3) and shared (the share’s level) wikis by wiki_id, with total/limit/offset', async () => {
      const res = await as(f.a2, 'get', '/wikis').expect(200);
      expect(res.body).toEqual({
        wikis: [
          expect.objectContaining({
            wiki_id: w2,
            title: 'U1 second',
            description: null,
            access: 'shared',
            permission_level: 2,
            created_at: expect.stringMatching(ISO_UTC),
            updated_at: expect.stringMatching(ISO_UTC),
          }),
          expect.objectContaining({ wiki_id: v1, title: 'U2 own', access: 'owned', permission_level: 3 }),
          expect.objectContaining({ wiki_id: x1, title: 'U3 shared', access: 'shared', permission_level: 1 }),
        ],
        total: 3,
        limit: 200,
        offset: 0,
      });
      // Other fields may be added (a document link), but never the owner's user id.
      for (const w of res.body.wikis) for (const key of ['user_id', 'owner_id']) expect(w).not.toHaveProperty(key);
      expect(wikiIds(res.body.wikis)).not.toContain(x2);
      expect(wikiIds(res.body.wikis)).not.toContain(w1);
    });

    it('a sibling agent of the same user sees the same wikis, all owned', async () => {
      const a = await as(f.a1a, 'get', '/wikis').expect(200);
      const b = await as(f.a1b, 'get', '/wikis').expect(200);
      expect(b.body).toEqual(a.body);
      expect(a.body.total).toBe(2);
      expect(a.body.wikis).toEqual([
        expect.objectContaining({ wiki_id: w1, title: 'U1 first', description: 'first', access: 'owned', permission_level: 3 }),
        expect.objectContaining({ wiki_id: w2, access: 'owned', permission_level: 3 }),
      ]);
    });

    it('pages with limit and offset; past the end keeps the total', async () => {
      const page = await as(f.a2, 'get', '/wikis?limit=1&offset=1').expect(200);
      expect(page.body).toMatchObject({ total: 3, limit: 1, offset: 1 });
      expect(wikiIds(page.body.wikis)).toEqual([v1]);
      expect((await as(f.a2, 'get', '/wikis?offset=10').expect(200)).body).toEqual({ wikis: [], total: 3, limit: 200, offset: 10 });
    });
  });

  // ---------------------------------------------------------------------------
  describe('GET /wikis/{id}', () => {
    const f = perBlock(fixture);

    it('answers the wiki (with access fields) and all its sections, flat (parent_id, section_id), each with its tags sorted', async () => {
      const w = await createWiki(f.a1a, { title: 'Tree', description: 'A tree' });
      const s1 = await createSection(f.a1a, w, { title: 's1', description: 'first', tags: ['ops', 'Backup', 'postgres', 'alpha'] });
      const s2 = await createSection(f.a1a, w, { title: 's2' });
      const s1a = await createSection(f.a1a, w, { title: 's1a', parent_id: s1, tags: ['z', 'a'] });
      const s2a = await createSection(f.a1a, w, { title: 's2a', parent_id: s2 });
      const s1b = await createSection(f.a1a, w, { title: 's1b', parent_id: s1 });
      const s1a1 = await createSection(f.a1a, w, { title: 's1a1', parent_id: s1a });

      const res = await as(f.a1b, 'get', `/wikis/${w}`).expect(200);
      expect(Object.keys(res.body).sort()).toEqual(['sections', 'wiki']);
      expect(res.body.wiki).toMatchObject({
        wiki_id: w,
        title: 'Tree',
        description: 'A tree',
        access: 'owned',
        permission_level: 3,
        created_at: expect.stringMatching(ISO_UTC),
        updated_at: expect.stringMatching(ISO_UTC),
      });
      for (const key of ['user_id', 'owner_id']) expect(res.body.wiki).not.toHaveProperty(key);
      expect(sectionIds(res.body.sections)).toEqual([s1, s2, s1a, s1b, s2a, s1a1]);
      expect(res.body.sections.map((s: Section) => s.parent_id)).toEqual([0, 0, s1, s1, s2, s1a]);
      expect(res.body.sections[0]).toEqual({
        section_id: s1,
        parent_id: 0,
        title: 's1',
        description: 'first',
        created_at: expect.stringMatching(ISO_UTC),
        updated_at: expect.stringMatching(ISO_UTC),
        tags: ['Backup', 'alpha', 'ops', 'postgres'],
      });
      expect(res.body.sections.map((s: Section) => s.tags)).toEqual([['Backup', 'alpha', 'ops', 'postgres'], [], ['a', 'z'], [], [], []]);
    });
  });

  // ---------------------------------------------------------------------------
  describe('PUT /wikis/{id}', () => {
    const f = perBlock(fixture);

    it('updates title or description: {updated:{wiki_id,title}}; absent unchanged, null clears; updated_at moves; audited', async () => {
      const w = await createWiki(f.a1a, { title: 'Before', description: 'Keep me' });
      const createdAt = await wikiUpdatedAt(w);
      await pause(5);

      const rid = newRid('w-update');
      const res = await as(f.a1b, 'put', `/wikis/${w}`, { title: '  After  ' }, rid).expect(200);
      expect(res.body).toEqual({ updated: { wiki_id: w, title: 'After' } });
      expect(await ctx.db.query(`SELECT title, description FROM wikis WHERE wiki_id = $1`, [w])).toEqual([{ title: 'After', description: 'Keep me' }]);
      expect(await wikiUpdatedAt(w)).toBeGreaterThan(createdAt);
      await expectKnowledgeAudit(rid, 'WIKI_UPDATE', f.a1b, f.a1a, { wiki_id: w });

      expect((await as(f.a1a, 'put', `/wikis/${w}`, { description: null }).expect(200)).body).toEqual({ updated: { wiki_id: w, title: 'After' } });
      expect((await as(f.a1a, 'get', `/wikis/${w}`).expect(200)).body.wiki).toMatchObject({ title: 'After', description: null });
    });
  });

  // ---------------------------------------------------------------------------
  describe('DELETE /wikis/{id}', () => {
    const f = perBlock(fixture);

    it('deletes the wiki with its sections at every depth, their tags and the shares of it; counts sections_deleted (0 without sections)', async () => {
      const w = await createWiki(f.a1a, { title: 'Doomed' });
      const s1 = await createSection(f.a1a, w, { title: 's1', tags: ['doomed', 'shared-tag'] });
      const s1a = await createSection(f.a1a, w, { title: 's1a', parent_id: s1, tags: ['doomed'] });
      await createSection(f.a1a, w, { title: 's1a1', parent_id: s1a, tags: ['deep'] });
      await createSection(f.a1a, w, { title: 's2' });
      await share(f.a1a, f.a2, w, 3);
      await share(f.a1a, f.a3, w, 1);
      const kept = await createWiki(f.a1a, { title: 'Kept' });
      await createSection(f.a1a, kept, { title: 'kept section', tags: ['shared-tag'] });
      await share(f.a1a, f.a2, kept, 1);
      const keptBefore = await snapshot(kept);

      const rid = newRid('w-delete');
      const res = await as(f.a1b, 'delete', `/wikis/${w}`, undefined, rid).expect(200);
      expect(res.body).toEqual({ deleted: w, sections_deleted: 4 });
      await expectKnowledgeAudit(rid, 'WIKI_DELETE', f.a1b, f.a1a, { wiki_id: w, sections_deleted: 4 });

      expect(await snapshot(w)).toEqual({ wiki: [], sections: [], tags: [], shares: [] });
      expect(await ctx.db.query(`SELECT count(*)::int AS n FROM shared_objects WHERE object_type_id = 3 AND object_id = $1`, [w])).toEqual([{ n: 0 }]);
      expect(await orphans()).toEqual(NO_ORPHANS);
      expect(await snapshot(kept)).toEqual(keptBefore);

      expectProblem(await as(f.a1a, 'get', `/wikis/${w}`), 404, WIKI_NOT_FOUND);
      expect(wikiIds((await as(f.a2, 'get', '/wikis').expect(200)).body.wikis)).toEqual([kept]);
      expect((await as(f.a2, 'get', '/sharing/to-me').expect(200)).body.shares.map((s: { object_id: number }) => s.object_id)).toEqual([kept]);
      const search = (await as(f.a1a, 'get', '/wikis/tags/shared-tag').expect(200)).body;
      expect(search.sections.map((s: TaggedSection) => s.wiki_id)).toEqual([kept]);
      expect((await as(f.a1a, 'get', '/wikis/tags/doomed').expect(200)).body).toMatchObject({ sections: [], total: 0 });
      expectProblem(await as(f.a1a, 'delete', `/wikis/${w}`), 404, WIKI_NOT_FOUND);

      const bare = await createWiki(f.a1a);
      expect((await as(f.a1a, 'delete', `/wikis/${bare}`).expect(200)).body).toEqual({ deleted: bare, sections_deleted: 0 });
    });
  });

  // ---------------------------------------------------------------------------
  describe('rollback when the audit insert fails', () => {
    const f = perBlock(fixture);
    refuseAuditFor(() => ctx.app);

    it('a section create with tags answers 500 and leaves no section and no tags', async () => {
      const w = await createWiki(f.a1a, { title: 'Kept' });
      const before = await snapshot(w);
      await expectRolledBack([[f.a1a, 'post', `/wikis/${w}/sections`, { title: 'Ghost', tags: ['ghost-tag', 'another'] }]]);
      expect(await snapshot(w)).toEqual(before);
      expect(await ctx.db.query(`SELECT count(*)::int AS n FROM wiki_sections WHERE title = 'Ghost'`)).toEqual([{ n: 0 }]);
      expect(await ctx.db.query(`SELECT count(*)::int AS n FROM wiki_section_tags WHERE tag IN ('ghost-tag', 'another')`)).toEqual([{ n: 0 }]);
      // With an ordinary request id the same create goes through.
      const ok = await as(f.a1a, 'post', `/wikis/${w}/sections`, { title: 'Ghost', tags: ['ghost-tag'] }).expect(201);
      expect(await storedTags(ok.body.created.section_id)).toEqual(['ghost-tag']);
    });

    it('wiki and section writes (by the owner or a sharee) answer 500 and change nothing', async () => {
      const w = await createWiki(f.a1a, { title: 'Kept', description: 'Kept d' });
      const s1 = await createSection(f.a1a, w, { title: 's1', tags: ['one'] });
      await createSection(f.a1a, w, { title: 's1a', parent_id: s1, tags: ['two'] });
      await share(f.a1a, f.a2, w, 3);
      const before = await snapshot(w);
      const wikisBefore = await wikiCount(f.a1a);

      await expectRolledBack([
        [f.a1a, 'post', '/wikis', { title: 'Ghost' }],
        [f.a1a, 'put', `/wikis/${w}`, { title: 'Ghost', description: null }],
        [f.a2, 'put', `/wikis/${w}`, { title: 'Ghost' }],
        [f.a1a, 'delete', `/wikis/${w}`],
        [f.a2, 'post', `/wikis/${w}/sections`, { title: 'Ghost', parent_id: s1, tags: ['ghost'] }],
        [f.a1a, 'put', `/wikis/${w}/sections/${s1}`, { tags: [] }],
        [f.a2, 'put', `/wikis/${w}/sections/${s1}`, { title: 'Ghost', tags: ['ghost'] }],
        [f.a1a, 'delete', `/wikis/${w}/sections/${s1}`],
        [f.a2, 'delete', `/wikis/${w}/sections/${s1}`],
      ]);
      expect(await snapshot(w)).toEqual(before);
      expect(await wikiCount(f.a1a)).toBe(wikisBefore);
    });
  });

  // ---------------------------------------------------------------------------
  describe('concurrency', () => {
    /** Waits (a few seconds at most) until a session of the app waits on a lock running `prefix`. */
    /** Whether a statement on `table` (the service's, whatever its text) waits for a lock. */
    async function waitForBlocked(table: string): Promise<boolean> {
      for (let i = 0; i < 100; i++) {
        const [row] = await ctx.db.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid() AND query LIKE $1`,
          [`%${table}%`],
        );
        if (row.n > 0) return true;
        await pause(20);
      }
      return false;
    }

    it('DELETE /wikis/{id}: sections_deleted (and its audit event) count a section committed while the delete waits', async () => {
      const f = await fixture();
      const w = await createWiki(f.a1a);
      await createSection(f.a1a, w, { title: 'existing' });
      // A section insert still open when the delete starts (what a concurrent POST …/sections does).
      const writer = ctx.db.createQueryRunner();
      await writer.connect();
      try {
        await writer.startTransaction();
        await writer.query(`INSERT INTO wiki_sections (wiki_id, title) VALUES ($1, 'concurrent')`, [w]);
        const rid = newRid('w-delete-race');
        const pending = as(f.a1a, 'delete', `/wikis/${w}`, undefined, rid).then((res) => res);
        expect(await waitForBlocked('FROM wikis')).toBe(true);
        await writer.commitTransaction();
        const res = await pending;
        expect(await snapshot(w)).toEqual({ wiki: [], sections: [], tags: [], shares: [] });
        // Two sections went with the wiki; the answer and the audit event must say so.
        expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { deleted: w, sections_deleted: 2 } });
        await expectKnowledgeAudit(rid, 'WIKI_DELETE', f.a1a, f.a1a, { wiki_id: w, sections_deleted: 2 });
      } finally {
        if (writer.isTransactionActive) await writer.rollbackTransaction();
        await writer.release();
      }
    });
  });
});
