import type { Response, Test } from 'supertest';
import { agentRequests, AUDIT_FAIL, expectProblem, Method, newRid, problem, refuseAuditFor, ThreeUsers, threeUsers } from './support/agent-requests';
import { startTestApp, TestAgent, TestApp, uniqueName } from './support/test-app';

/*
 * LucyAPI wikis, sections and tags (spec §1.7, §3.9, §5.7 with the bracketed
 * fixes): wiki headers, the merged owned-and-shared list, tagged section trees,
 * per-wiki tags and the cross-wiki tag search, the sharing matrix, audit in the
 * owner's tenant, rollback when the audit insert fails, and subtree deletes
 * racing section creates, over HTTP against real PostgreSQL. Fixtures: user U1
 * with agents A1a and A1b, user U2 with A2, user U3 with A3. Expected texts are
 * written out here, never imported from src/.
 */

const WIKI_NOT_FOUND = 'Wiki not found';
const SECTION_NOT_FOUND = 'Section not found';
const NO_FIELDS = 'No fields to update';
const NOT_OWNER = 'Object not found or you are not the owner';
const PARENT_RULE = 'parent_id must be 0 or a section of the same wiki';
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
/** An id no test creates (PostgreSQL integer maximum). */
const MISSING = 2_147_483_647;

type Fixture = ThreeUsers;

interface ListedWiki {
  wiki_id: number;
  title: string;
  description: string | null;
  access: 'owned' | 'shared';
  permission_level: number;
  created_at: string;
  updated_at: string;
}

interface Section {
  section_id: number;
  parent_id: number;
  title: string;
  description: string | null;
  created_at: string;
  updated_at: string;
  tags: string[];
}

interface TaggedSection {
  wiki_id: number;
  wiki_title: string;
  section_id: number;
  title: string;
  description: string | null;
  updated_at: string;
  tags: string[];
}

const wikiIds = (wikis: ListedWiki[]) => wikis.map((w) => w.wiki_id);
const sectionIds = (sections: { section_id: number }[]) => sections.map((s) => s.section_id);
/** Byte order (what the API promises): JavaScript's default sort on ASCII tags. */
const sorted = (tags: string[]) => [...tags].sort();

describe('LucyAPI wikis, sections and tags', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());
  const { as, expectNotAudited, expectOnlyShareNameLookup } = agentRequests(() => t);

  /** U1 with A1a and A1b; U2 with A2; U3 with A3. */
  const fixture = (): Promise<Fixture> => threeUsers(t);

  async function createWiki(agent: TestAgent, body: Record<string, unknown> = { title: uniqueName('wiki') }): Promise<number> {
    const res = await as(agent, 'post', '/wikis', body).expect(201);
    return res.body.created.wiki_id as number;
  }

  async function createSection(agent: TestAgent, wikiId: number, body: Record<string, unknown>): Promise<number> {
    const res = await as(agent, 'post', `/wikis/${wikiId}/sections`, body).expect(201);
    return res.body.created.section_id as number;
  }

  async function share(owner: TestAgent, to: TestAgent, wikiId: number, level: number): Promise<number> {
    const res = await as(owner, 'post', '/sharing', {
      object_type_id: 3,
      object_id: wikiId,
      shared_to_user_name: to.userName,
      permission_level: level,
    }).expect(201);
    return res.body.shared.share_id as number;
  }

  async function wikiCount(agent: TestAgent): Promise<number> {
    const [row] = await t.db.query(`SELECT count(*)::int AS n FROM wikis WHERE user_id = $1`, [agent.userId]);
    return row.n as number;
  }

  async function wikiUpdatedAt(wikiId: number): Promise<number> {
    const [row] = await t.db.query(`SELECT updated_at FROM wikis WHERE wiki_id = $1`, [wikiId]);
    return (row.updated_at as Date).getTime();
  }

  async function sectionUpdatedAt(sectionId: number): Promise<number> {
    const [row] = await t.db.query(`SELECT updated_at FROM wiki_sections WHERE section_id = $1`, [sectionId]);
    return (row.updated_at as Date).getTime();
  }

  /** A section's stored tags, in byte order. */
  async function storedTags(sectionId: number): Promise<string[]> {
    const rows: { tag: string }[] = await t.db.query(`SELECT tag FROM wiki_section_tags WHERE section_id = $1 ORDER BY tag COLLATE "C"`, [sectionId]);
    return rows.map((r) => r.tag);
  }

  /** Everything stored about a wiki: header, sections, their tags and the shares of it. */
  async function snapshot(wikiId: number) {
    return {
      wiki: await t.db.query(`SELECT wiki_id, user_id, title, description, created_at, updated_at FROM wikis WHERE wiki_id = $1`, [wikiId]),
      sections: await t.db.query(
        `SELECT section_id, parent_id, title, description, created_at, updated_at FROM wiki_sections WHERE wiki_id = $1 ORDER BY section_id`,
        [wikiId],
      ),
      tags: await t.db.query(
        `SELECT t.section_id, t.tag FROM wiki_section_tags t JOIN wiki_sections s USING (section_id)
          WHERE s.wiki_id = $1 ORDER BY t.section_id, t.tag COLLATE "C"`,
        [wikiId],
      ),
      shares: await t.db.query(
        `SELECT share_id, shared_by_user_id, shared_to_user_id, permission_level, updated_at FROM shared_objects WHERE wiki_id = $1 ORDER BY share_id`,
        [wikiId],
      ),
    };
  }

  /** Rows that point at nothing: sections whose parent is not in their wiki, tags and shares of deleted objects. */
  async function orphans() {
    const [row] = await t.db.query(`
      SELECT
        (SELECT count(*)::int FROM wiki_sections c
          WHERE c.parent_id <> 0
            AND NOT EXISTS (SELECT 1 FROM wiki_sections p WHERE p.section_id = c.parent_id AND p.wiki_id = c.wiki_id)) AS sections,
        (SELECT count(*)::int FROM wiki_section_tags t WHERE NOT EXISTS (SELECT 1 FROM wiki_sections s WHERE s.section_id = t.section_id)) AS tags,
        (SELECT count(*)::int FROM shared_objects o
          WHERE o.object_type_id = 3 AND NOT EXISTS (SELECT 1 FROM wikis w WHERE w.wiki_id = o.object_id)) AS shares`);
    return row as { sections: number; tags: number; shares: number };
  }
  const NO_ORPHANS = { sections: 0, tags: 0, shares: 0 };

  /**
   * The one audit event of a request: in the owner's tenant, by the acting agent;
   * a sharee's user is named as meta.acting_user_id.
   */
  async function expectKnowledgeAudit(rid: string, eventType: string, acting: TestAgent, owner: TestAgent, meta: Record<string, unknown>): Promise<void> {
    const rows = await t.db.query(`SELECT event_type, agent_id, user_id, meta FROM audit_events WHERE request_id = $1 ORDER BY seq`, [rid]);
    const expectedMeta = acting.userId === owner.userId ? meta : { ...meta, acting_user_id: acting.userId };
    expect(rows).toEqual([{ event_type: eventType, agent_id: acting.agentId, user_id: owner.userId, meta: expectedMeta }]);
  }

  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  // ---------------------------------------------------------------------------
  describe('POST /wikis', () => {
    let f: Fixture;

    beforeAll(async () => {
      f = await fixture();
    });

    it('the wiki routes need an agent key (401)', async () => {
      for (const [method, path] of [
        ['get', '/wikis'],
        ['post', '/wikis'],
        ['get', '/wikis/1'],
        ['get', '/wikis/tags/x'],
      ] as [Method, string][]) {
        const req = t.http()[method](path);
        const res = method === 'post' ? await req.send({ title: 'x' }) : await req;
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 401 });
      }
    });

    it('creates a wiki of the caller’s user: 201 {created:{wiki_id,title}}, title trimmed, audited as the acting agent', async () => {
      const rid = newRid('w-create');
      const res = await as(f.a1b, 'post', '/wikis', { title: '  Runbook  ', description: 'How we operate' }, rid).expect(201);
      expect(res.body).toEqual({ created: { wiki_id: expect.any(Number), title: 'Runbook' } });
      const id = res.body.created.wiki_id as number;
      expect(await t.db.query(`SELECT user_id, title, description FROM wikis WHERE wiki_id = $1`, [id])).toEqual([
        { user_id: f.a1a.userId, title: 'Runbook', description: 'How we operate' },
      ]);
      await expectKnowledgeAudit(rid, 'WIKI_CREATE', f.a1b, f.a1a, { wiki_id: id });

      const long = await as(f.a1a, 'post', '/wikis', { title: 't'.repeat(500), description: null }).expect(201);
      expect(await t.db.query(`SELECT char_length(title) AS n, description FROM wikis WHERE wiki_id = $1`, [long.body.created.wiki_id])).toEqual([
        { n: 500, description: null },
      ]);
    });

    it('refuses a bad title or description: 422, nothing stored or audited (501 characters is not a 500)', async () => {
      const before = await wikiCount(f.a1a);
      for (const body of [
        {},
        { title: '' },
        { title: '   ' },
        { title: 't'.repeat(501) },
        { title: 5 },
        { title: null },
        { title: 'ok', description: 'd'.repeat(100_001) },
        { title: 'ok', description: 5 },
        [],
        'text',
      ]) {
        const rid = newRid('w-create-bad');
        const res = await as(f.a1a, 'post', '/wikis', body, rid);
        expect({ body, status: res.status }).toEqual({ body, status: 422 });
        await expectNotAudited(rid);
      }
      expect(await wikiCount(f.a1a)).toBe(before);
    });
  });

  // ---------------------------------------------------------------------------
  describe('GET /wikis', () => {
    let f: Fixture;
    let w1: number;
    let w2: number;
    let v1: number;
    let x1: number;
    let x2: number;

    beforeAll(async () => {
      f = await fixture();
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

    it('pages with limit and offset; past the end keeps the total; bad paging is 422', async () => {
      const page = await as(f.a2, 'get', '/wikis?limit=1&offset=1').expect(200);
      expect(page.body).toMatchObject({ total: 3, limit: 1, offset: 1 });
      expect(wikiIds(page.body.wikis)).toEqual([v1]);
      expect((await as(f.a2, 'get', '/wikis?offset=10').expect(200)).body).toEqual({ wikis: [], total: 3, limit: 200, offset: 10 });
      for (const query of ['limit=1001', 'limit=0', 'offset=-1', 'limit=abc']) {
        const res = await as(f.a2, 'get', `/wikis?${query}`);
        expect({ query, status: res.status }).toEqual({ query, status: 422 });
      }
    });

    it('a user without wikis or shares gets an empty list', async () => {
      const lonely = await t.newAgent();
      expect((await as(lonely, 'get', '/wikis').expect(200)).body).toEqual({ wikis: [], total: 0, limit: 200, offset: 0 });
    });
  });

  // ---------------------------------------------------------------------------
  describe('GET /wikis/{id}', () => {
    let f: Fixture;

    beforeAll(async () => {
      f = await fixture();
    });

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

    it('a wiki without sections has sections: []', async () => {
      const w = await createWiki(f.a1a);
      expect((await as(f.a1a, 'get', `/wikis/${w}`).expect(200)).body.sections).toEqual([]);
    });

    it('404 "Wiki not found" for a missing wiki and for another user’s wiki without a share; a bad id is 422', async () => {
      const w = await createWiki(f.a1a);
      expectProblem(await as(f.a1a, 'get', `/wikis/${MISSING}`), 404, WIKI_NOT_FOUND);
      expectProblem(await as(f.a2, 'get', `/wikis/${w}`), 404, WIKI_NOT_FOUND);
      expectProblem(await as(f.a3, 'get', `/wikis/${w}`), 404, WIKI_NOT_FOUND);
      for (const bad of ['abc', '0', '-1', '1.5', '2147483648']) {
        const res = await as(f.a1a, 'get', `/wikis/${bad}`);
        expect({ bad, status: res.status }).toEqual({ bad, status: 422 });
      }
    });
  });

  // ---------------------------------------------------------------------------
  describe('PUT /wikis/{id}', () => {
    let f: Fixture;

    beforeAll(async () => {
      f = await fixture();
    });

    it('{} (or only unknown fields) is 400 "No fields to update", before the existence check', async () => {
      const w = await createWiki(f.a1a);
      const foreign = await createWiki(f.a2);
      const before = await snapshot(w);
      for (const [id, body] of [
        [w, {}],
        [w, { unknown: 'x' }],
        [MISSING, {}],
        [foreign, {}],
      ] as [number, Record<string, unknown>][]) {
        const rid = newRid('w-update-empty');
        expectProblem(await as(f.a1a, 'put', `/wikis/${id}`, body, rid), 400, NO_FIELDS);
        await expectNotAudited(rid);
      }
      expect(await snapshot(w)).toEqual(before);
    });

    it('updates title or description: {updated:{wiki_id,title}}; absent unchanged, null clears; updated_at moves; audited', async () => {
      const w = await createWiki(f.a1a, { title: 'Before', description: 'Keep me' });
      const createdAt = await wikiUpdatedAt(w);
      await pause(5);

      const rid = newRid('w-update');
      const res = await as(f.a1b, 'put', `/wikis/${w}`, { title: '  After  ' }, rid).expect(200);
      expect(res.body).toEqual({ updated: { wiki_id: w, title: 'After' } });
      expect(await t.db.query(`SELECT title, description FROM wikis WHERE wiki_id = $1`, [w])).toEqual([{ title: 'After', description: 'Keep me' }]);
      expect(await wikiUpdatedAt(w)).toBeGreaterThan(createdAt);
      await expectKnowledgeAudit(rid, 'WIKI_UPDATE', f.a1b, f.a1a, { wiki_id: w });

      expect((await as(f.a1a, 'put', `/wikis/${w}`, { description: null }).expect(200)).body).toEqual({ updated: { wiki_id: w, title: 'After' } });
      expect((await as(f.a1a, 'get', `/wikis/${w}`).expect(200)).body.wiki).toMatchObject({ title: 'After', description: null });
    });

    it('a bad title or description is 422 and changes nothing', async () => {
      const w = await createWiki(f.a1a, { title: 'Stable', description: 'Stable' });
      const before = await snapshot(w);
      for (const body of [{ title: '' }, { title: null }, { title: 'x'.repeat(501) }, { description: 'd'.repeat(100_001) }, { description: 5 }]) {
        const rid = newRid('w-update-bad');
        const res = await as(f.a1a, 'put', `/wikis/${w}`, body, rid);
        expect({ body, status: res.status }).toEqual({ body, status: 422 });
        await expectNotAudited(rid);
      }
      expect(await snapshot(w)).toEqual(before);
    });

    it('404 "Wiki not found" for a missing wiki or another user’s wiki', async () => {
      const foreign = await createWiki(f.a2, { title: 'Foreign' });
      const before = await snapshot(foreign);
      for (const id of [MISSING, foreign]) {
        const rid = newRid('w-update-404');
        expectProblem(await as(f.a1a, 'put', `/wikis/${id}`, { title: 'Hijack' }, rid), 404, WIKI_NOT_FOUND);
        await expectNotAudited(rid);
      }
      expect(await snapshot(foreign)).toEqual(before);
    });
  });

  // ---------------------------------------------------------------------------
  describe('DELETE /wikis/{id}', () => {
    let f: Fixture;

    beforeAll(async () => {
      f = await fixture();
    });

    it('deletes the wiki with its sections at every depth, their tags and the shares of it; counts sections_deleted', async () => {
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
      expect(await t.db.query(`SELECT count(*)::int AS n FROM shared_objects WHERE object_type_id = 3 AND object_id = $1`, [w])).toEqual([{ n: 0 }]);
      expect(await orphans()).toEqual(NO_ORPHANS);
      expect(await snapshot(kept)).toEqual(keptBefore);

      expectProblem(await as(f.a1a, 'get', `/wikis/${w}`), 404, WIKI_NOT_FOUND);
      expect(wikiIds((await as(f.a2, 'get', '/wikis').expect(200)).body.wikis)).toEqual([kept]);
      expect((await as(f.a2, 'get', '/sharing/to-me').expect(200)).body.shares.map((s: { object_id: number }) => s.object_id)).toEqual([kept]);
      const search = (await as(f.a1a, 'get', '/wikis/tags/shared-tag').expect(200)).body;
      expect(search.sections.map((s: TaggedSection) => s.wiki_id)).toEqual([kept]);
      expect((await as(f.a1a, 'get', '/wikis/tags/doomed').expect(200)).body).toMatchObject({ sections: [], total: 0 });
      expectProblem(await as(f.a1a, 'delete', `/wikis/${w}`), 404, WIKI_NOT_FOUND);
    });

    it('a wiki without sections: sections_deleted 0; a missing or foreign wiki is 404', async () => {
      const w = await createWiki(f.a1a);
      expect((await as(f.a1a, 'delete', `/wikis/${w}`).expect(200)).body).toEqual({ deleted: w, sections_deleted: 0 });
      const foreign = await createWiki(f.a2);
      const before = await snapshot(foreign);
      for (const id of [MISSING, foreign]) {
        const rid = newRid('w-delete-404');
        expectProblem(await as(f.a1a, 'delete', `/wikis/${id}`, undefined, rid), 404, WIKI_NOT_FOUND);
        await expectNotAudited(rid);
      }
      expect(await snapshot(foreign)).toEqual(before);
    });
  });

  // ---------------------------------------------------------------------------
  describe('sections', () => {
    let f: Fixture;

    beforeAll(async () => {
      f = await fixture();
    });

    it('POST creates a section with tags: 201 {created:{section_id,parent_id,title,tags}}, stored, audited, wiki updated_at moves', async () => {
      const w = await createWiki(f.a1a);
      const before = await wikiUpdatedAt(w);
      await pause(5);
      const rid = newRid('s-create');
      const res = await as(f.a1b, 'post', `/wikis/${w}/sections`, { title: ' Backups ', description: 'Nightly', tags: ['postgres', 'ops'] }, rid).expect(201);
      expect(res.body).toEqual({ created: { section_id: expect.any(Number), parent_id: 0, title: 'Backups', tags: ['postgres', 'ops'] } });
      const s = res.body.created.section_id as number;
      expect(await t.db.query(`SELECT wiki_id, parent_id, title, description FROM wiki_sections WHERE section_id = $1`, [s])).toEqual([
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

    it('a parent must be a section of the same wiki: another wiki’s section, a foreign one or a missing id is 422, nothing stored', async () => {
      const w = await createWiki(f.a1a);
      const other = await createWiki(f.a1a);
      const otherSection = await createSection(f.a1a, other, { title: 'other' });
      const foreign = await createWiki(f.a2);
      const foreignSection = await createSection(f.a2, foreign, { title: 'foreign' });
      const before = await snapshot(w);
      const otherBefore = await snapshot(other);
      for (const parent of [otherSection, foreignSection, MISSING]) {
        const rid = newRid('s-create-parent');
        expectProblem(await as(f.a1a, 'post', `/wikis/${w}/sections`, { title: 'Cross', parent_id: parent, tags: ['cross'] }, rid), 422, PARENT_RULE);
        await expectNotAudited(rid);
      }
      expect(await snapshot(w)).toEqual(before);
      expect(await snapshot(other)).toEqual(otherBefore);
      expect(await t.db.query(`SELECT count(*)::int AS n FROM wiki_section_tags WHERE tag = 'cross'`)).toEqual([{ n: 0 }]);
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

    it('a missing or foreign wiki is 404 "Wiki not found" on create, nothing stored', async () => {
      const foreign = await createWiki(f.a2);
      const before = await snapshot(foreign);
      for (const id of [MISSING, foreign]) {
        const rid = newRid('s-create-404');
        expectProblem(await as(f.a1a, 'post', `/wikis/${id}/sections`, { title: 'Intruder', tags: ['x'] }, rid), 404, WIKI_NOT_FOUND);
        await expectNotAudited(rid);
      }
      expect(await snapshot(foreign)).toEqual(before);
    });

    it('GET answers the section and its immediate children, each with tags; another wiki’s section is 404 "Section not found"', async () => {
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

      const other = await createWiki(f.a1a);
      const otherSection = await createSection(f.a1a, other, { title: 'Elsewhere' });
      expectProblem(await as(f.a1a, 'get', `/wikis/${w}/sections/${otherSection}`), 404, SECTION_NOT_FOUND);
      expectProblem(await as(f.a1a, 'get', `/wikis/${w}/sections/${MISSING}`), 404, SECTION_NOT_FOUND);
      expectProblem(await as(f.a1a, 'get', `/wikis/${MISSING}/sections/${s}`), 404, WIKI_NOT_FOUND);
      expectProblem(await as(f.a2, 'get', `/wikis/${w}/sections/${s}`), 404, WIKI_NOT_FOUND);
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
      expect(await t.db.query(`SELECT title, description FROM wiki_sections WHERE section_id = $1`, [s])).toEqual([{ title: 'Tagged', description: 'D' }]);
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
      expect(await t.db.query(`SELECT title, description FROM wiki_sections WHERE section_id = $1`, [s])).toEqual([{ title: 'New', description: null }]);

      const replaced = await as(f.a1a, 'put', `/wikis/${w}/sections/${s}`, { tags: ['new', 'Set'] }).expect(200);
      expect(replaced.body).toEqual({ updated: { section_id: s, title: 'New', tags: ['new', 'Set'] } });
      expect(await storedTags(s)).toEqual(['Set', 'new']);
    });

    it('PUT {} (or tags: null alone) is 400 "No fields to update" before existence; a missing section is 404; bad bodies 422', async () => {
      const w = await createWiki(f.a1a);
      const s = await createSection(f.a1a, w, { title: 'Stay', tags: ['stay'] });
      const foreign = await createWiki(f.a2);
      const snap = await snapshot(w);
      for (const sid of [s, MISSING]) {
        for (const id of [w, MISSING, foreign]) {
          for (const body of [{}, { tags: null }, { unknown: 1 }]) {
            const rid = newRid('s-update-empty');
            const res = await as(f.a1a, 'put', `/wikis/${id}/sections/${sid}`, body, rid);
            expect({ id, sid, body, ...problem(res) }).toEqual({ id, sid, body, status: 400, detail: NO_FIELDS });
            await expectNotAudited(rid);
          }
        }
      }
      const missing = newRid('s-update-missing');
      expectProblem(await as(f.a1a, 'put', `/wikis/${w}/sections/${MISSING}`, { tags: ['ghost'] }, missing), 404, SECTION_NOT_FOUND);
      await expectNotAudited(missing);
      expectProblem(await as(f.a1a, 'put', `/wikis/${MISSING}/sections/${s}`, { title: 'Ghost' }), 404, WIKI_NOT_FOUND);
      for (const body of [
        { title: '' },
        { title: null },
        { title: 't'.repeat(501) },
        { tags: ['x'.repeat(101)] },
        { tags: Array.from({ length: 51 }, (_, i) => `t${i}`) },
        { tags: 'stay' },
        { tags: [''] },
        { title: 'ok', tags: [1] },
      ]) {
        const res = await as(f.a1a, 'put', `/wikis/${w}/sections/${s}`, body);
        expect({ body, status: res.status }).toEqual({ body, status: 422 });
      }
      expect(await snapshot(w)).toEqual(snap);
    });

    it('PUT through another wiki’s id never touches that wiki’s section (404 "Section not found")', async () => {
      const w = await createWiki(f.a1a);
      const other = await createWiki(f.a1a);
      const otherSection = await createSection(f.a1a, other, { title: 'Untouched', tags: ['untouched'] });
      const before = await snapshot(other);
      const beforeW = await snapshot(w);
      const rid = newRid('s-update-cross');
      expectProblem(await as(f.a1a, 'put', `/wikis/${w}/sections/${otherSection}`, { title: 'Hijack', tags: [] }, rid), 404, SECTION_NOT_FOUND);
      await expectNotAudited(rid);
      expect(await snapshot(other)).toEqual(before);
      expect(await snapshot(w)).toEqual(beforeW);
    });

    it('DELETE removes the subtree and its tags: {deleted, descendants_deleted}; audited; wiki updated_at moves; the rest untouched', async () => {
      const w = await createWiki(f.a1a);
      const s1 = await createSection(f.a1a, w, { title: 's1', tags: ['gone', 'both'] });
      const s1a = await createSection(f.a1a, w, { title: 's1a', parent_id: s1, tags: ['gone-too'] });
      const s1a1 = await createSection(f.a1a, w, { title: 's1a1', parent_id: s1a, tags: ['deep'] });
      await createSection(f.a1a, w, { title: 's1b', parent_id: s1 });
      const s2 = await createSection(f.a1a, w, { title: 's2', tags: ['both'] });
      const s2a = await createSection(f.a1a, w, { title: 's2a', parent_id: s2 });
      const other = await createWiki(f.a1a);
      const o1 = await createSection(f.a1a, other, { title: 'o1', tags: ['gone'] });
      await createSection(f.a1a, other, { title: 'o1a', parent_id: o1 });
      const otherBefore = await snapshot(other);
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

      // Another wiki's section through this wiki's id: 404, and that section stays.
      const cross = newRid('s-delete-cross');
      expectProblem(await as(f.a1a, 'delete', `/wikis/${w}/sections/${o1}`, undefined, cross), 404, SECTION_NOT_FOUND);
      await expectNotAudited(cross);
      expect(await snapshot(other)).toEqual(otherBefore);
      expectProblem(await as(f.a1a, 'delete', `/wikis/${w}/sections/${s1}`), 404, SECTION_NOT_FOUND);
      expectProblem(await as(f.a1a, 'delete', `/wikis/${MISSING}/sections/${s2}`), 404, WIKI_NOT_FOUND);
      expect(sectionIds((await as(f.a1a, 'get', `/wikis/${w}`).expect(200)).body.sections)).toEqual([s2]);
    });
  });

  // ---------------------------------------------------------------------------
  describe('tags', () => {
    let f: Fixture;
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
      f = await fixture();
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

  // ---------------------------------------------------------------------------
  describe('sharing matrix (U2 on U1’s wiki)', () => {
    let f: Fixture;

    beforeAll(async () => {
      f = await fixture();
    });

    interface Ctx {
      w: number;
      s1: number;
      s1a: number;
      s2: number;
      tag: string;
    }

    interface Op {
      name: string;
      /** The share level needed; 'owner' for operations no share allows. */
      required: 1 | 2 | 3 | 'owner';
      denied: string;
      status: number;
      run: (c: Ctx, rid: string) => Test;
      /** Checks the effect of an allowed request (a write also checks its audit event). */
      allowed: (c: Ctx, res: Response, rid: string, level: number) => Promise<void>;
      /** A share by user name: the name it looks up, whose SHARE_NAME_LOOKUP event is all a denial records. */
      lookedUpName?: () => string;
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

    const ops: Op[] = [
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
          expect(await t.db.query(`SELECT user_id, title FROM wikis WHERE wiki_id = $1`, [c.w])).toEqual([{ user_id: f.a1a.userId, title: 'Edited by U2' }]);
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
          expect(await t.db.query(`SELECT wiki_id, parent_id, title FROM wiki_sections WHERE section_id = $1`, [s])).toEqual([
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
          expect(await t.db.query(`SELECT title FROM wiki_sections WHERE section_id = $1`, [c.s1])).toEqual([{ title: 'Renamed by U2' }]);
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
          expect(sectionIds(await t.db.query(`SELECT section_id FROM wiki_sections WHERE wiki_id = $1 ORDER BY section_id`, [c.w]))).toEqual([c.s2]);
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

      for (const op of ops) {
        const c = await matrixWiki(level);
        const before = await snapshot(c.w);
        const rid = newRid('matrix');
        const res = await op.run(c, rid);
        const allowed = typeof op.required === 'number' && level >= op.required;
        if (allowed) {
          expect({ op: op.name, level, status: res.status }).toEqual({ op: op.name, level, status: op.status });
          await op.allowed(c, res, rid, level);
        } else {
          expect({ op: op.name, level, ...problem(res) }).toEqual({ op: op.name, level, status: 404, detail: op.denied });
          if (op.lookedUpName) await expectOnlyShareNameLookup(rid, f.a2, op.lookedUpName(), true);
          else await expectNotAudited(rid);
          expect({ op: op.name, level, state: await snapshot(c.w) }).toEqual({ op: op.name, level, state: before });
        }
      }
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

    it('a sharee’s section parent must still be a section of the shared wiki (422)', async () => {
      const c = await matrixWiki(2);
      const own = await createWiki(f.a2);
      const ownSection = await createSection(f.a2, own, { title: 'mine' });
      const before = await snapshot(c.w);
      const ownBefore = await snapshot(own);
      expectProblem(await as(f.a2, 'post', `/wikis/${c.w}/sections`, { title: 'Cross', parent_id: ownSection }), 422, PARENT_RULE);
      expectProblem(await as(f.a2, 'post', `/wikis/${own}/sections`, { title: 'Cross', parent_id: c.s1 }), 422, PARENT_RULE);
      expect(await snapshot(c.w)).toEqual(before);
      expect(await snapshot(own)).toEqual(ownBefore);
    });
  });

  // ---------------------------------------------------------------------------
  describe('rollback when the audit insert fails', () => {
    let f: Fixture;

    beforeAll(async () => {
      f = await fixture();
    });
    refuseAuditFor(() => t);

    it('a section create with tags answers 500 and leaves no section and no tags', async () => {
      const w = await createWiki(f.a1a, { title: 'Kept' });
      const before = await snapshot(w);
      const rid = newRid(AUDIT_FAIL);
      const res = await as(f.a1a, 'post', `/wikis/${w}/sections`, { title: 'Ghost', tags: ['ghost-tag', 'another'] }, rid);
      expect(res.status).toBe(500);
      expect(res.text).not.toContain('audit refused');
      expect(t.logs.some((l) => l.includes(rid) && l.includes('audit refused by test'))).toBe(true);
      expect(await snapshot(w)).toEqual(before);
      expect(await t.db.query(`SELECT count(*)::int AS n FROM wiki_sections WHERE title = 'Ghost'`)).toEqual([{ n: 0 }]);
      expect(await t.db.query(`SELECT count(*)::int AS n FROM wiki_section_tags WHERE tag IN ('ghost-tag', 'another')`)).toEqual([{ n: 0 }]);
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

      const cases: [TestAgent, Method, string, Record<string, unknown> | undefined][] = [
        [f.a1a, 'post', '/wikis', { title: 'Ghost' }],
        [f.a1a, 'put', `/wikis/${w}`, { title: 'Ghost', description: null }],
        [f.a2, 'put', `/wikis/${w}`, { title: 'Ghost' }],
        [f.a1a, 'delete', `/wikis/${w}`, undefined],
        [f.a2, 'post', `/wikis/${w}/sections`, { title: 'Ghost', parent_id: s1, tags: ['ghost'] }],
        [f.a1a, 'put', `/wikis/${w}/sections/${s1}`, { tags: [] }],
        [f.a2, 'put', `/wikis/${w}/sections/${s1}`, { title: 'Ghost', tags: ['ghost'] }],
        [f.a1a, 'delete', `/wikis/${w}/sections/${s1}`, undefined],
        [f.a2, 'delete', `/wikis/${w}/sections/${s1}`, undefined],
      ];
      for (const [agent, method, path, body] of cases) {
        const rid = newRid(AUDIT_FAIL);
        const res = await as(agent, method, path, body, rid);
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 500 });
      }
      expect(await snapshot(w)).toEqual(before);
      expect(await wikiCount(f.a1a)).toBe(wikisBefore);
    });
  });

  // ---------------------------------------------------------------------------
  describe('concurrency', () => {
    it('a tagged section created under a parent while the parent’s subtree is deleted never leaves an orphan (10 rounds)', async () => {
      const f = await fixture();
      const outcomes: number[] = [];
      for (let round = 0; round < 10; round++) {
        const w = await createWiki(f.a1a, { title: `race ${round}` });
        const root = await createSection(f.a1a, w, { title: 'root', tags: ['r'] });
        const child = await createSection(f.a1a, w, { title: 'child', parent_id: root });
        const bystander = await createSection(f.a1a, w, { title: 'bystander', tags: ['b'] });

        const [created, deleted] = await Promise.all([
          as(round % 2 ? f.a1b : f.a1a, 'post', `/wikis/${w}/sections`, { title: 'racer', parent_id: round % 3 ? child : root, tags: ['racer'] }),
          as(f.a1a, 'delete', `/wikis/${w}/sections/${root}`),
        ]);
        expect({ round, status: deleted.status }).toEqual({ round, status: 200 });
        outcomes.push(created.status);
        if (created.status === 201) {
          expect({ round, body: deleted.body }).toEqual({ round, body: { deleted: root, descendants_deleted: 2 } });
        } else {
          expectProblem(created, 422, PARENT_RULE);
          expect({ round, body: deleted.body }).toEqual({ round, body: { deleted: root, descendants_deleted: 1 } });
        }
        expect({ round, left: sectionIds(await t.db.query(`SELECT section_id FROM wiki_sections WHERE wiki_id = $1`, [w])) }).toEqual({
          round,
          left: [bystander],
        });
        expect({ round, orphans: await orphans() }).toEqual({ round, orphans: NO_ORPHANS });
        expect({ round, tags: (await as(f.a1a, 'get', `/wikis/${w}/tags`).expect(200)).body.tags }).toEqual({ round, tags: ['b'] });
      }
      expect(outcomes.every((s) => s === 201 || s === 422)).toBe(true);
    });

    /** Waits (a few seconds at most) until a session of the app waits on a lock running `prefix`. */
    /** Whether a statement on `table` (the service's, whatever its text) waits for a lock. */
    async function waitForBlocked(table: string): Promise<boolean> {
      for (let i = 0; i < 100; i++) {
        const [row] = await t.db.query(
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
      const writer = t.db.createQueryRunner();
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
