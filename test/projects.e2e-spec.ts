import type { Response, Test } from 'supertest';
import { agentRequests, AUDIT_FAIL, expectProblem, Method, newRid, problem, refuseAuditFor, ThreeUsers, threeUsers } from './support/agent-requests';
import { startTestApp, TestAgent, TestApp, uniqueName } from './support/test-app';

/*
 * LucyAPI projects and sections (spec §1.7, §3.8, §3.11, §5.6 with the bracketed
 * fixes): the status lookup, project headers, the merged owned-and-shared list,
 * section trees, the sharing matrix, audit in the owner's tenant, rollback when
 * the audit insert fails, and subtree deletes racing section creates, over HTTP
 * against real PostgreSQL. Fixtures: user U1 with agents A1a and A1b, user U2
 * with A2, user U3 with A3. Expected texts are written out here, never imported
 * from src/.
 */

const PROJECT_NOT_FOUND = 'Project not found';
const SECTION_NOT_FOUND = 'Section not found';
const NO_FIELDS = 'No fields to update';
const NOT_OWNER = 'Object not found or you are not the owner';
const SHARE_NOT_FOUND = 'Share not found';
const PARENT_RULE = 'parent_id must be 0 or a section of the same project';
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
/** An id no test creates (PostgreSQL integer maximum). */
const MISSING = 2_147_483_647;

const STATUSES = [
  { status_id: 1, code: 'planning', label: 'Planning', sort_order: 1 },
  { status_id: 2, code: 'active', label: 'Active', sort_order: 2 },
  { status_id: 3, code: 'on_hold', label: 'On Hold', sort_order: 3 },
  { status_id: 4, code: 'evolving', label: 'Evolving', sort_order: 4 },
  { status_id: 5, code: 'complete', label: 'Complete', sort_order: 5 },
  { status_id: 6, code: 'archived', label: 'Archived', sort_order: 6 },
];

type Fixture = ThreeUsers;

interface ListedProject {
  project_id: number;
  title: string;
  description: string | null;
  status: string;
  status_label: string;
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
  file_path: string | null;
  created_at: string;
  updated_at: string;
}

const projectIds = (projects: ListedProject[]) => projects.map((p) => p.project_id);
const sectionIds = (sections: Section[]) => sections.map((s) => s.section_id);

describe('LucyAPI projects and sections', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());
  const { as, expectNotAudited, expectOnlyShareNameLookup } = agentRequests(() => t);

  /** U1 with A1a and A1b; U2 with A2; U3 with A3. */
  const fixture = (): Promise<Fixture> => threeUsers(t, 'America/Denver');

  async function createProject(agent: TestAgent, body: Record<string, unknown> = { title: uniqueName('project') }): Promise<number> {
    const res = await as(agent, 'post', '/projects', body).expect(201);
    return res.body.created.project_id as number;
  }

  async function createSection(agent: TestAgent, projectId: number, body: Record<string, unknown>): Promise<number> {
    const res = await as(agent, 'post', `/projects/${projectId}/sections`, body).expect(201);
    return res.body.created.section_id as number;
  }

  async function share(owner: TestAgent, to: TestAgent, projectId: number, level: number): Promise<number> {
    const res = await as(owner, 'post', '/sharing', {
      object_type_id: 1,
      object_id: projectId,
      shared_to_user_name: to.userName,
      permission_level: level,
    }).expect(201);
    return res.body.shared.share_id as number;
  }

  async function projectCount(agent: TestAgent): Promise<number> {
    const [row] = await t.db.query(`SELECT count(*)::int AS n FROM projects WHERE user_id = $1`, [agent.userId]);
    return row.n as number;
  }

  async function sectionCount(projectId: number): Promise<number> {
    const [row] = await t.db.query(`SELECT count(*)::int AS n FROM project_sections WHERE project_id = $1`, [projectId]);
    return row.n as number;
  }

  async function projectUpdatedAt(projectId: number): Promise<number> {
    const [row] = await t.db.query(`SELECT updated_at FROM projects WHERE project_id = $1`, [projectId]);
    return (row.updated_at as Date).getTime();
  }

  /** Everything stored about a project: header, sections and the shares of it. */
  async function snapshot(projectId: number) {
    return {
      project: await t.db.query(`SELECT project_id, user_id, title, description, status_id, created_at, updated_at FROM projects WHERE project_id = $1`, [
        projectId,
      ]),
      sections: await t.db.query(
        `SELECT section_id, parent_id, title, description, file_path, created_at, updated_at FROM project_sections
          WHERE project_id = $1 ORDER BY section_id`,
        [projectId],
      ),
      shares: await t.db.query(
        `SELECT share_id, shared_by_user_id, shared_to_user_id, permission_level, updated_at FROM shared_objects
          WHERE project_id = $1 ORDER BY share_id`,
        [projectId],
      ),
    };
  }

  /** Sections whose parent is not a section of the same project (must never exist). */
  async function orphanSections(): Promise<number> {
    const [row] = await t.db.query(`
      SELECT count(*)::int AS n FROM project_sections c
       WHERE c.parent_id <> 0
         AND NOT EXISTS (SELECT 1 FROM project_sections p WHERE p.section_id = c.parent_id AND p.project_id = c.project_id)`);
    return row.n as number;
  }

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
  describe('GET /project-statuses', () => {
    it('is public and lists the six statuses in sort order', async () => {
      const res = await t.http().get('/project-statuses').expect(200);
      expect(res.body).toEqual({ statuses: STATUSES });
      const f = await fixture();
      expect((await as(f.a1a, 'get', '/project-statuses').expect(200)).body).toEqual({ statuses: STATUSES });
    });

    it('the other project routes need an agent key (401)', async () => {
      for (const [method, path] of [
        ['get', '/projects'],
        ['post', '/projects'],
        ['get', '/projects/1'],
      ] as [Method, string][]) {
        const req = t.http()[method](path);
        const res = method === 'post' ? await req.send({ title: 'x' }) : await req;
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 401 });
      }
    });
  });

  // ---------------------------------------------------------------------------
  describe('POST /projects', () => {
    let f: Fixture;

    beforeAll(async () => {
      f = await fixture();
    });

    it('creates a project of the caller’s user: 201, default status planning, title trimmed, audited as the acting agent', async () => {
      const rid = newRid('p-create');
      const res = await as(f.a1b, 'post', '/projects', { title: '  Mnemo  ', description: 'Memory service' }, rid).expect(201);
      expect(res.body).toEqual({ created: { project_id: expect.any(Number), title: 'Mnemo', status: 'planning', status_label: 'Planning' } });
      const id = res.body.created.project_id as number;
      expect(await t.db.query(`SELECT user_id, title, description, status_id FROM projects WHERE project_id = $1`, [id])).toEqual([
        { user_id: f.a1a.userId, title: 'Mnemo', description: 'Memory service', status_id: 1 },
      ]);
      await expectKnowledgeAudit(rid, 'PROJECT_CREATE', f.a1b, f.a1a, { project_id: id });
    });

    it('takes a status_id, a 500-character title, a 100000-character description or none', async () => {
      const active = await as(f.a1a, 'post', '/projects', { title: 'Active one', status_id: 2 }).expect(201);
      expect(active.body.created).toMatchObject({ title: 'Active one', status: 'active', status_label: 'Active' });
      const archived = await as(f.a1a, 'post', '/projects', { title: 'Old', status_id: 6 }).expect(201);
      expect(archived.body.created).toMatchObject({ status: 'archived', status_label: 'Archived' });

      const long = await as(f.a1a, 'post', '/projects', { title: 't'.repeat(500), description: 'd'.repeat(100_000) }).expect(201);
      const [row] = await t.db.query(`SELECT char_length(title) AS t, char_length(description) AS d FROM projects WHERE project_id = $1`, [
        long.body.created.project_id,
      ]);
      expect(row).toEqual({ t: 500, d: 100_000 });

      const bare = await as(f.a1a, 'post', '/projects', { title: 'Bare', description: null }).expect(201);
      expect(await t.db.query(`SELECT description FROM projects WHERE project_id = $1`, [bare.body.created.project_id])).toEqual([{ description: null }]);
    });

    it('refuses an unknown status_id and a bad title or description: 422, nothing stored or audited', async () => {
      const before = await projectCount(f.a1a);
      for (const body of [
        { title: 'Bad status', status_id: 999 },
        { title: 'Bad status', status_id: 7 },
        { title: 'Bad status', status_id: 0 },
        { title: 'Bad status', status_id: 40_000 },
        { title: 'Bad status', status_id: MISSING },
        { title: 'Bad status', status_id: '2' },
        { title: 'Bad status', status_id: 1.5 },
        { title: 'Bad status', status_id: null },
        {},
        { title: '' },
        { title: '   ' },
        { title: 't'.repeat(501) },
        { title: 5 },
        { title: null },
        { title: 'Long description', description: 'd'.repeat(100_001) },
        { title: 'Numeric description', description: 5 },
        [],
        'text',
      ]) {
        const rid = newRid('p-create-bad');
        const res = await as(f.a1a, 'post', '/projects', body, rid);
        expect({ body, status: res.status }).toEqual({ body, status: 422 });
        await expectNotAudited(rid);
      }
      expect(await projectCount(f.a1a)).toBe(before);
    });
  });

  // ---------------------------------------------------------------------------
  describe('GET /projects', () => {
    let f: Fixture;
    let p1: number;
    let p2: number;
    let q1: number;
    let r1: number;
    let r2: number;

    beforeAll(async () => {
      f = await fixture();
      p1 = await createProject(f.a1a, { title: 'U1 planning', description: 'first' });
      p2 = await createProject(f.a1a, { title: 'U1 active', status_id: 2 });
      q1 = await createProject(f.a2, { title: 'U2 active', status_id: 2 });
      r1 = await createProject(f.a3, { title: 'U3 on hold', status_id: 3 });
      r2 = await createProject(f.a3, { title: 'U3 not shared' });
      await share(f.a1a, f.a2, p2, 2);
      await share(f.a3, f.a2, r1, 1);
    });

    it('merges owned (level 3) and shared (the share’s level) projects by project_id, with total/limit/offset', async () => {
      const res = await as(f.a2, 'get', '/projects').expect(200);
      expect(res.body).toMatchObject({ total: 3, limit: 200, offset: 0 });
      expect(res.body.projects).toEqual([
        {
          project_id: p2,
          title: 'U1 active',
          description: null,
          status: 'active',
          status_label: 'Active',
          access: 'shared',
          permission_level: 2,
          created_at: expect.stringMatching(ISO_UTC),
          updated_at: expect.stringMatching(ISO_UTC),
          document_url: expect.stringMatching(new RegExp(`/doc/projects/${p2}\\?exp=\\d+&sig=[\\w-]{43}$`)),
        },
        expect.objectContaining({ project_id: q1, title: 'U2 active', access: 'owned', permission_level: 3, status: 'active' }),
        expect.objectContaining({ project_id: r1, title: 'U3 on hold', access: 'shared', permission_level: 1, status: 'on_hold', status_label: 'On Hold' }),
      ]);
      expect(projectIds(res.body.projects)).not.toContain(r2);
    });

    it('a sibling agent of the same user sees the same projects, all owned', async () => {
      const a = await as(f.a1a, 'get', '/projects').expect(200);
      const b = await as(f.a1b, 'get', '/projects').expect(200);
      expect(b.body).toEqual(a.body);
      expect(a.body.total).toBe(2);
      expect(a.body.projects).toEqual([
        expect.objectContaining({ project_id: p1, title: 'U1 planning', description: 'first', access: 'owned', permission_level: 3, status: 'planning' }),
        expect.objectContaining({ project_id: p2, access: 'owned', permission_level: 3 }),
      ]);
    });

    it('?status=<code> filters by status code; an unknown code is a 422', async () => {
      const active = await as(f.a2, 'get', '/projects?status=active').expect(200);
      expect(projectIds(active.body.projects)).toEqual([p2, q1]);
      expect(active.body.total).toBe(2);
      const planning = await as(f.a1a, 'get', '/projects?status=planning').expect(200);
      expect(projectIds(planning.body.projects)).toEqual([p1]);
      const onHold = await as(f.a2, 'get', '/projects?status=on_hold').expect(200);
      expect(projectIds(onHold.body.projects)).toEqual([r1]);
      expect((await as(f.a2, 'get', '/projects?status=complete').expect(200)).body).toMatchObject({ projects: [], total: 0 });

      expectProblem(await as(f.a2, 'get', '/projects?status=bogus'), 422);
      expectProblem(await as(f.a2, 'get', `/projects?status=${'x'.repeat(21)}`), 422);
    });

    it('pages with limit and offset (limit 1–1000)', async () => {
      const page = await as(f.a2, 'get', '/projects?limit=1&offset=1').expect(200);
      expect(page.body).toMatchObject({ total: 3, limit: 1, offset: 1 });
      expect(projectIds(page.body.projects)).toEqual([q1]);
      const filtered = await as(f.a2, 'get', '/projects?status=active&limit=1&offset=1').expect(200);
      expect(filtered.body).toMatchObject({ total: 2, limit: 1, offset: 1 });
      expect(projectIds(filtered.body.projects)).toEqual([q1]);
      const beyond = await as(f.a2, 'get', '/projects?offset=10').expect(200);
      expect(beyond.body).toMatchObject({ projects: [], total: 3, offset: 10 });
      const beyondFiltered = await as(f.a2, 'get', '/projects?status=active&offset=10').expect(200);
      expect(beyondFiltered.body).toMatchObject({ projects: [], total: 2 });
      expect((await as(f.a2, 'get', '/projects?limit=1000').expect(200)).body.limit).toBe(1000);
      for (const query of ['limit=1001', 'limit=0', 'offset=-1', 'limit=abc']) {
        const res = await as(f.a2, 'get', `/projects?${query}`);
        expect({ query, status: res.status }).toEqual({ query, status: 422 });
      }
    });

    it('a user without projects or shares gets an empty list', async () => {
      const lonely = await t.newAgent();
      expect((await as(lonely, 'get', '/projects').expect(200)).body).toEqual({ projects: [], total: 0, limit: 200, offset: 0 });
    });
  });

  // ---------------------------------------------------------------------------
  describe('GET /projects/{id}', () => {
    let f: Fixture;

    beforeAll(async () => {
      f = await fixture();
    });

    it('answers the project with all its sections, flat, ordered (parent_id, section_id)', async () => {
      const p = await createProject(f.a1a, { title: 'Tree', description: 'A tree', status_id: 4 });
      const s1 = await createSection(f.a1a, p, { title: 's1', description: 'first', file_path: 'docs/s1.md' });
      const s2 = await createSection(f.a1a, p, { title: 's2' });
      const s1a = await createSection(f.a1a, p, { title: 's1a', parent_id: s1 });
      const s2a = await createSection(f.a1a, p, { title: 's2a', parent_id: s2 });
      const s1b = await createSection(f.a1a, p, { title: 's1b', parent_id: s1 });
      const s1a1 = await createSection(f.a1a, p, { title: 's1a1', parent_id: s1a });

      const res = await as(f.a1b, 'get', `/projects/${p}`).expect(200);
      expect(res.body.project).toEqual({
        project_id: p,
        title: 'Tree',
        description: 'A tree',
        status: 'evolving',
        status_label: 'Evolving',
        access: 'owned',
        permission_level: 3,
        created_at: expect.stringMatching(ISO_UTC),
        updated_at: expect.stringMatching(ISO_UTC),
        document_url: expect.stringMatching(new RegExp(`/doc/projects/${p}\\?exp=\\d+&sig=[\\w-]{43}$`)),
      });
      expect(sectionIds(res.body.sections)).toEqual([s1, s2, s1a, s1b, s2a, s1a1]);
      expect(res.body.sections[0]).toEqual({
        section_id: s1,
        parent_id: 0,
        title: 's1',
        description: 'first',
        file_path: 'docs/s1.md',
        created_at: expect.stringMatching(ISO_UTC),
        updated_at: expect.stringMatching(ISO_UTC),
      });
      expect(res.body.sections.map((s: Section) => s.parent_id)).toEqual([0, 0, s1, s1, s2, s1a]);
      expect(Object.keys(res.body).sort()).toEqual(['project', 'sections']);
    });

    it('a project without sections has sections: []', async () => {
      const p = await createProject(f.a1a);
      expect((await as(f.a1a, 'get', `/projects/${p}`).expect(200)).body.sections).toEqual([]);
    });

    it('404 "Project not found" for a missing project and for another user’s project without a share', async () => {
      const p = await createProject(f.a1a);
      expectProblem(await as(f.a1a, 'get', `/projects/${MISSING}`), 404, PROJECT_NOT_FOUND);
      expectProblem(await as(f.a2, 'get', `/projects/${p}`), 404, PROJECT_NOT_FOUND);
      expectProblem(await as(f.a3, 'get', `/projects/${p}`), 404, PROJECT_NOT_FOUND);
    });
  });

  // ---------------------------------------------------------------------------
  describe('PUT /projects/{id}', () => {
    let f: Fixture;

    beforeAll(async () => {
      f = await fixture();
    });

    it('{} (or only unknown fields) is 400 "No fields to update", before the existence check', async () => {
      const p = await createProject(f.a1a);
      const foreign = await createProject(f.a2);
      const before = await snapshot(p);
      for (const [id, body] of [
        [p, {}],
        [p, { unknown: 'x' }],
        [MISSING, {}],
        [foreign, {}],
      ] as [number, Record<string, unknown>][]) {
        const rid = newRid('p-update-empty');
        expectProblem(await as(f.a1a, 'put', `/projects/${id}`, body, rid), 400, NO_FIELDS);
        await expectNotAudited(rid);
      }
      expect(await snapshot(p)).toEqual(before);
    });

    it('updates title, status and description; absent fields are unchanged, description null clears it; audited', async () => {
      const p = await createProject(f.a1a, { title: 'Before', description: 'Keep me' });
      const createdUpdatedAt = await projectUpdatedAt(p);
      await pause(5);

      const rid = newRid('p-update');
      const res = await as(f.a1b, 'put', `/projects/${p}`, { title: '  After  ' }, rid).expect(200);
      expect(res.body).toEqual({ updated: { project_id: p, title: 'After', status: 'planning', status_label: 'Planning' } });
      expect(await t.db.query(`SELECT title, description, status_id FROM projects WHERE project_id = $1`, [p])).toEqual([
        { title: 'After', description: 'Keep me', status_id: 1 },
      ]);
      expect(await projectUpdatedAt(p)).toBeGreaterThan(createdUpdatedAt);
      await expectKnowledgeAudit(rid, 'PROJECT_UPDATE', f.a1b, f.a1a, { project_id: p, fields: ['title'] });

      const status = await as(f.a1a, 'put', `/projects/${p}`, { status_id: 5 }).expect(200);
      expect(status.body).toEqual({ updated: { project_id: p, title: 'After', status: 'complete', status_label: 'Complete' } });

      await as(f.a1a, 'put', `/projects/${p}`, { description: null }).expect(200);
      expect(await t.db.query(`SELECT title, description, status_id FROM projects WHERE project_id = $1`, [p])).toEqual([
        { title: 'After', description: null, status_id: 5 },
      ]);

      const got = await as(f.a1a, 'get', `/projects/${p}`).expect(200);
      expect(got.body.project).toMatchObject({ title: 'After', description: null, status: 'complete', status_label: 'Complete' });
    });

    it('a bad status_id or title is 422 and changes nothing', async () => {
      const p = await createProject(f.a1a, { title: 'Stable', description: 'Stable' });
      const before = await snapshot(p);
      for (const body of [
        { status_id: 999 },
        { status_id: 0 },
        { status_id: 40_000 },
        { status_id: null },
        { status_id: 'active' },
        { title: 'ok', status_id: 999 },
        { title: '' },
        { title: null },
        { title: 'x'.repeat(501) },
        { description: 'd'.repeat(100_001) },
      ]) {
        const rid = newRid('p-update-bad');
        const res = await as(f.a1a, 'put', `/projects/${p}`, body, rid);
        expect({ body, status: res.status }).toEqual({ body, status: 422 });
        await expectNotAudited(rid);
      }
      expect(await snapshot(p)).toEqual(before);
    });

    it('404 "Project not found" for a missing project or another user’s project', async () => {
      const foreign = await createProject(f.a2, { title: 'Foreign' });
      const before = await snapshot(foreign);
      for (const id of [MISSING, foreign]) {
        const rid = newRid('p-update-404');
        expectProblem(await as(f.a1a, 'put', `/projects/${id}`, { title: 'Hijack' }, rid), 404, PROJECT_NOT_FOUND);
        await expectNotAudited(rid);
      }
      expect(await snapshot(foreign)).toEqual(before);
    });
  });

  // ---------------------------------------------------------------------------
  describe('DELETE /projects/{id}', () => {
    let f: Fixture;

    beforeAll(async () => {
      f = await fixture();
    });

    it('deletes the project with its sections at every depth and the shares of it; counts sections_deleted', async () => {
      const p = await createProject(f.a1a, { title: 'Doomed' });
      const s1 = await createSection(f.a1a, p, { title: 's1' });
      const s1a = await createSection(f.a1a, p, { title: 's1a', parent_id: s1 });
      await createSection(f.a1a, p, { title: 's1a1', parent_id: s1a });
      await createSection(f.a1a, p, { title: 's1b', parent_id: s1 });
      await createSection(f.a1a, p, { title: 's2' });
      await share(f.a1a, f.a2, p, 3);
      await share(f.a1a, f.a3, p, 1);
      const kept = await createProject(f.a1a, { title: 'Kept' });
      const keptSection = await createSection(f.a1a, kept, { title: 'kept section' });
      await share(f.a1a, f.a2, kept, 1);
      const keptBefore = await snapshot(kept);

      const rid = newRid('p-delete');
      const res = await as(f.a1b, 'delete', `/projects/${p}`, undefined, rid).expect(200);
      expect(res.body).toEqual({ deleted: p, sections_deleted: 5 });
      await expectKnowledgeAudit(rid, 'PROJECT_DELETE', f.a1b, f.a1a, { project_id: p, sections_deleted: 5 });

      expect(await snapshot(p)).toEqual({ project: [], sections: [], shares: [] });
      expect(await t.db.query(`SELECT count(*)::int AS n FROM shared_objects WHERE object_type_id = 1 AND object_id = $1`, [p])).toEqual([{ n: 0 }]);
      expect(await orphanSections()).toBe(0);
      expect(await snapshot(kept)).toEqual(keptBefore);
      expect(keptBefore.sections.map((s: { section_id: number }) => s.section_id)).toEqual([keptSection]);

      expectProblem(await as(f.a1a, 'get', `/projects/${p}`), 404, PROJECT_NOT_FOUND);
      expect(projectIds((await as(f.a2, 'get', '/projects').expect(200)).body.projects)).toEqual([kept]);
      expect((await as(f.a2, 'get', '/sharing/to-me').expect(200)).body.shares.map((s: { object_id: number }) => s.object_id)).toEqual([kept]);
      expectProblem(await as(f.a1a, 'delete', `/projects/${p}`), 404, PROJECT_NOT_FOUND);
    });

    it('a project without sections: sections_deleted 0; a missing or foreign project is 404', async () => {
      const p = await createProject(f.a1a);
      expect((await as(f.a1a, 'delete', `/projects/${p}`).expect(200)).body).toEqual({ deleted: p, sections_deleted: 0 });
      const foreign = await createProject(f.a2);
      const before = await snapshot(foreign);
      for (const id of [MISSING, foreign]) {
        const rid = newRid('p-delete-404');
        expectProblem(await as(f.a1a, 'delete', `/projects/${id}`, undefined, rid), 404, PROJECT_NOT_FOUND);
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

    it('POST creates a section: 201 {created:{section_id,parent_id,title}}, stored, audited, project updated_at moves', async () => {
      const p = await createProject(f.a1a);
      const before = await projectUpdatedAt(p);
      await pause(5);
      const rid = newRid('s-create');
      const res = await as(f.a1b, 'post', `/projects/${p}/sections`, { title: ' Architecture ', description: 'NestJS', file_path: 'docs/a.md' }, rid).expect(201);
      expect(res.body).toEqual({ created: { section_id: expect.any(Number), parent_id: 0, title: 'Architecture' } });
      const s = res.body.created.section_id as number;
      expect(await t.db.query(`SELECT project_id, parent_id, title, description, file_path FROM project_sections WHERE section_id = $1`, [s])).toEqual([
        { project_id: p, parent_id: 0, title: 'Architecture', description: 'NestJS', file_path: 'docs/a.md' },
      ]);
      await expectKnowledgeAudit(rid, 'PROJECT_SECTION_CREATE', f.a1b, f.a1a, { project_id: p, section_id: s });
      expect(await projectUpdatedAt(p)).toBeGreaterThan(before);

      const child = await as(f.a1a, 'post', `/projects/${p}/sections`, { title: 'Child', parent_id: s }).expect(201);
      expect(child.body.created).toEqual({ section_id: expect.any(Number), parent_id: s, title: 'Child' });
      expect(await t.db.query(`SELECT description, file_path FROM project_sections WHERE section_id = $1`, [child.body.created.section_id])).toEqual([
        { description: null, file_path: null },
      ]);
    });

    it('a parent must be a section of the same project: another project’s section or a missing id is 422, nothing stored', async () => {
      const p = await createProject(f.a1a);
      const other = await createProject(f.a1a);
      const otherSection = await createSection(f.a1a, other, { title: 'other' });
      const foreign = await createProject(f.a2);
      const foreignSection = await createSection(f.a2, foreign, { title: 'foreign' });
      const before = await snapshot(p);
      for (const parent of [otherSection, foreignSection, MISSING]) {
        const rid = newRid('s-create-parent');
        expectProblem(await as(f.a1a, 'post', `/projects/${p}/sections`, { title: 'Cross', parent_id: parent }, rid), 422, PARENT_RULE);
        await expectNotAudited(rid);
      }
      expect(await snapshot(p)).toEqual(before);
      expect(await sectionCount(other)).toBe(1);
      expect(await sectionCount(foreign)).toBe(1);
    });

    it('validates the body (422, nothing stored); a missing or foreign project is 404', async () => {
      const p = await createProject(f.a1a);
      for (const body of [
        {},
        { title: '' },
        { title: 't'.repeat(501) },
        { title: 'ok', description: 'd'.repeat(100_001) },
        { title: 'ok', file_path: 'f'.repeat(1001) },
        { title: 'ok', file_path: 5 },
        { title: 'ok', parent_id: -1 },
        { title: 'ok', parent_id: 1.5 },
        { title: 'ok', parent_id: '1' },
        { title: 'ok', parent_id: 2_147_483_648 },
        [],
      ]) {
        const rid = newRid('s-create-bad');
        const res = await as(f.a1a, 'post', `/projects/${p}/sections`, body, rid);
        expect({ body, status: res.status }).toEqual({ body, status: 422 });
        await expectNotAudited(rid);
      }
      expect(await sectionCount(p)).toBe(0);
      const ok = await as(f.a1a, 'post', `/projects/${p}/sections`, { title: 'ok', file_path: 'f'.repeat(1000), parent_id: 0 }).expect(201);
      expect(ok.body.created.parent_id).toBe(0);

      const foreign = await createProject(f.a2);
      for (const id of [MISSING, foreign]) {
        const rid = newRid('s-create-404');
        expectProblem(await as(f.a1a, 'post', `/projects/${id}/sections`, { title: 'Intruder' }, rid), 404, PROJECT_NOT_FOUND);
        await expectNotAudited(rid);
      }
      expect(await sectionCount(foreign)).toBe(0);
    });

    it('GET answers the section and its immediate children only; another project’s section is 404 "Section not found"', async () => {
      const p = await createProject(f.a1a);
      const s = await createSection(f.a1a, p, { title: 'Parent', description: 'P', file_path: 'p.md' });
      const c1 = await createSection(f.a1a, p, { title: 'Child 1', parent_id: s });
      await createSection(f.a1a, p, { title: 'Sibling' });
      const c2 = await createSection(f.a1a, p, { title: 'Child 2', parent_id: s });
      await createSection(f.a1a, p, { title: 'Grandchild', parent_id: c1 });

      const res = await as(f.a1b, 'get', `/projects/${p}/sections/${s}`).expect(200);
      expect(res.body).toEqual({
        section: {
          section_id: s,
          parent_id: 0,
          title: 'Parent',
          description: 'P',
          file_path: 'p.md',
          created_at: expect.stringMatching(ISO_UTC),
          updated_at: expect.stringMatching(ISO_UTC),
        },
        children: [
          expect.objectContaining({ section_id: c1, parent_id: s, title: 'Child 1', description: null, file_path: null }),
          expect.objectContaining({ section_id: c2, parent_id: s, title: 'Child 2' }),
        ],
      });
      expect((await as(f.a1a, 'get', `/projects/${p}/sections/${c2}`).expect(200)).body.children).toEqual([]);

      const other = await createProject(f.a1a);
      const otherSection = await createSection(f.a1a, other, { title: 'Elsewhere' });
      expectProblem(await as(f.a1a, 'get', `/projects/${p}/sections/${otherSection}`), 404, SECTION_NOT_FOUND);
      expectProblem(await as(f.a1a, 'get', `/projects/${p}/sections/${MISSING}`), 404, SECTION_NOT_FOUND);
      expectProblem(await as(f.a1a, 'get', `/projects/${MISSING}/sections/${s}`), 404, PROJECT_NOT_FOUND);
      expectProblem(await as(f.a2, 'get', `/projects/${p}/sections/${s}`), 404, PROJECT_NOT_FOUND);
    });

    it('PUT updates a section: absent unchanged, null clears; {} is 400 before existence; missing is 404 "Section not found"', async () => {
      const p = await createProject(f.a1a);
      const s = await createSection(f.a1a, p, { title: 'Old', description: 'Old d', file_path: 'old.md' });
      const before = await projectUpdatedAt(p);
      await pause(5);

      const rid = newRid('s-update');
      const res = await as(f.a1b, 'put', `/projects/${p}/sections/${s}`, { title: ' New ', file_path: null }, rid).expect(200);
      expect(res.body).toEqual({ updated: { section_id: s, title: 'New' } });
      expect(await t.db.query(`SELECT title, description, file_path FROM project_sections WHERE section_id = $1`, [s])).toEqual([
        { title: 'New', description: 'Old d', file_path: null },
      ]);
      await expectKnowledgeAudit(rid, 'PROJECT_SECTION_UPDATE', f.a1b, f.a1a, { project_id: p, section_id: s });
      expect(await projectUpdatedAt(p)).toBeGreaterThan(before);

      await as(f.a1a, 'put', `/projects/${p}/sections/${s}`, { description: null, file_path: 'new.md' }).expect(200);
      expect(await t.db.query(`SELECT title, description, file_path FROM project_sections WHERE section_id = $1`, [s])).toEqual([
        { title: 'New', description: null, file_path: 'new.md' },
      ]);

      const snap = await snapshot(p);
      for (const sid of [s, MISSING]) {
        for (const id of [p, MISSING]) {
          const empty = newRid('s-update-empty');
          expectProblem(await as(f.a1a, 'put', `/projects/${id}/sections/${sid}`, {}, empty), 400, NO_FIELDS);
          await expectNotAudited(empty);
        }
      }
      const missing = newRid('s-update-missing');
      expectProblem(await as(f.a1a, 'put', `/projects/${p}/sections/${MISSING}`, { title: 'Ghost' }, missing), 404, SECTION_NOT_FOUND);
      await expectNotAudited(missing);
      expectProblem(await as(f.a1a, 'put', `/projects/${MISSING}/sections/${s}`, { title: 'Ghost' }), 404, PROJECT_NOT_FOUND);
      for (const body of [{ title: '' }, { title: null }, { file_path: 'f'.repeat(1001) }, { description: 5 }]) {
        const res2 = await as(f.a1a, 'put', `/projects/${p}/sections/${s}`, body);
        expect({ body, status: res2.status }).toEqual({ body, status: 422 });
      }
      expect(await snapshot(p)).toEqual(snap);
    });

    it('PUT through another project’s id never touches that project’s section (404 "Section not found")', async () => {
      const p = await createProject(f.a1a);
      const other = await createProject(f.a1a);
      const otherSection = await createSection(f.a1a, other, { title: 'Untouched' });
      const before = await snapshot(other);
      const beforeP = await snapshot(p);
      const rid = newRid('s-update-cross');
      expectProblem(await as(f.a1a, 'put', `/projects/${p}/sections/${otherSection}`, { title: 'Hijack' }, rid), 404, SECTION_NOT_FOUND);
      await expectNotAudited(rid);
      expect(await snapshot(other)).toEqual(before);
      expect(await snapshot(p)).toEqual(beforeP);
    });

    it('DELETE removes the subtree: {deleted, descendants_deleted}; audited; updated_at moves; other subtrees and projects untouched', async () => {
      const p = await createProject(f.a1a);
      const s1 = await createSection(f.a1a, p, { title: 's1' });
      const s1a = await createSection(f.a1a, p, { title: 's1a', parent_id: s1 });
      await createSection(f.a1a, p, { title: 's1a1', parent_id: s1a });
      await createSection(f.a1a, p, { title: 's1b', parent_id: s1 });
      const s2 = await createSection(f.a1a, p, { title: 's2' });
      const s2a = await createSection(f.a1a, p, { title: 's2a', parent_id: s2 });
      const other = await createProject(f.a1a);
      const o1 = await createSection(f.a1a, other, { title: 'o1' });
      await createSection(f.a1a, other, { title: 'o1a', parent_id: o1 });
      const otherBefore = await snapshot(other);
      const before = await projectUpdatedAt(p);
      await pause(5);

      const rid = newRid('s-delete');
      const res = await as(f.a1b, 'delete', `/projects/${p}/sections/${s1}`, undefined, rid).expect(200);
      expect(res.body).toEqual({ deleted: s1, descendants_deleted: 3 });
      await expectKnowledgeAudit(rid, 'PROJECT_SECTION_DELETE', f.a1b, f.a1a, { project_id: p, section_id: s1, descendants_deleted: 3 });
      expect(sectionIds((await as(f.a1a, 'get', `/projects/${p}`).expect(200)).body.sections)).toEqual([s2, s2a]);
      expect(await projectUpdatedAt(p)).toBeGreaterThan(before);

      expect((await as(f.a1a, 'delete', `/projects/${p}/sections/${s2a}`).expect(200)).body).toEqual({ deleted: s2a, descendants_deleted: 0 });

      // Another project's section through this project's id: 404, and that section stays.
      const cross = newRid('s-delete-cross');
      expectProblem(await as(f.a1a, 'delete', `/projects/${p}/sections/${o1}`, undefined, cross), 404, SECTION_NOT_FOUND);
      await expectNotAudited(cross);
      expect(await snapshot(other)).toEqual(otherBefore);
      expectProblem(await as(f.a1a, 'delete', `/projects/${p}/sections/${s1}`), 404, SECTION_NOT_FOUND);
      expectProblem(await as(f.a1a, 'delete', `/projects/${MISSING}/sections/${s2}`), 404, PROJECT_NOT_FOUND);
      expect(sectionIds((await as(f.a1a, 'get', `/projects/${p}`).expect(200)).body.sections)).toEqual([s2]);
      expect(await orphanSections()).toBe(0);
    });
  });

  // ---------------------------------------------------------------------------
  describe('sharing matrix (U2 on U1’s project)', () => {
    let f: Fixture;

    beforeAll(async () => {
      f = await fixture();
    });

    interface Ctx {
      p: number;
      s1: number;
      s1a: number;
      s2: number;
      shareToU3: number;
    }

    interface Op {
      name: string;
      /** The share level needed; 'owner' or 'never' for operations no share allows. */
      required: 1 | 2 | 3 | 'owner' | 'never';
      denied: string;
      run: (c: Ctx, rid: string) => Test;
      /** Checks the effect of an allowed request (a write also checks its audit event). */
      allowed: (c: Ctx, res: Response, rid: string, level: number) => Promise<void>;
      /** A share by user name: the name it looks up, whose SHARE_NAME_LOOKUP event is all a denial records. */
      lookedUpName?: () => string;
    }

    /** A fresh project of U1: s1 with child s1a, s2; shared to U3 at level 1, and to U2 at `level` (0 = not shared). */
    async function matrixProject(level: number): Promise<Ctx> {
      const p = await createProject(f.a1a, { title: 'Shared project', description: 'd' });
      const s1 = await createSection(f.a1a, p, { title: 's1' });
      const s1a = await createSection(f.a1a, p, { title: 's1a', parent_id: s1 });
      const s2 = await createSection(f.a1a, p, { title: 's2' });
      const shareToU3 = await share(f.a1a, f.a3, p, 1);
      if (level > 0) await share(f.a1a, f.a2, p, level);
      return { p, s1, s1a, s2, shareToU3 };
    }

    const ops: Op[] = [
      {
        name: 'get project',
        required: 1,
        denied: PROJECT_NOT_FOUND,
        run: (c, rid) => as(f.a2, 'get', `/projects/${c.p}`, undefined, rid),
        allowed: (c, res, _rid, level) => {
          expect(res.body.project).toMatchObject({ project_id: c.p, title: 'Shared project', access: 'shared', permission_level: level });
          expect(sectionIds(res.body.sections)).toEqual([c.s1, c.s2, c.s1a]);
          return Promise.resolve();
        },
      },
      {
        name: 'get section',
        required: 1,
        denied: PROJECT_NOT_FOUND,
        run: (c, rid) => as(f.a2, 'get', `/projects/${c.p}/sections/${c.s1}`, undefined, rid),
        allowed: (c, res) => {
          expect(res.body.section).toMatchObject({ section_id: c.s1, title: 's1' });
          expect(sectionIds(res.body.children)).toEqual([c.s1a]);
          return Promise.resolve();
        },
      },
      {
        name: 'update header',
        required: 2,
        denied: PROJECT_NOT_FOUND,
        run: (c, rid) => as(f.a2, 'put', `/projects/${c.p}`, { title: 'Edited by U2', status_id: 2 }, rid),
        allowed: async (c, res, rid) => {
          expect(res.body).toEqual({ updated: { project_id: c.p, title: 'Edited by U2', status: 'active', status_label: 'Active' } });
          expect(await t.db.query(`SELECT user_id, title, status_id FROM projects WHERE project_id = $1`, [c.p])).toEqual([
            { user_id: f.a1a.userId, title: 'Edited by U2', status_id: 2 },
          ]);
          await expectKnowledgeAudit(rid, 'PROJECT_UPDATE', f.a2, f.a1a, { project_id: c.p, fields: ['title', 'status_id'] });
        },
      },
      {
        name: 'create section',
        required: 2,
        denied: PROJECT_NOT_FOUND,
        run: (c, rid) => as(f.a2, 'post', `/projects/${c.p}/sections`, { title: 'By U2', parent_id: c.s1a }, rid),
        allowed: async (c, res, rid) => {
          expect(res.status).toBe(201);
          const s = res.body.created.section_id as number;
          expect(await t.db.query(`SELECT project_id, parent_id, title FROM project_sections WHERE section_id = $1`, [s])).toEqual([
            { project_id: c.p, parent_id: c.s1a, title: 'By U2' },
          ]);
          await expectKnowledgeAudit(rid, 'PROJECT_SECTION_CREATE', f.a2, f.a1a, { project_id: c.p, section_id: s });
        },
      },
      {
        name: 'update section',
        required: 2,
        denied: PROJECT_NOT_FOUND,
        run: (c, rid) => as(f.a2, 'put', `/projects/${c.p}/sections/${c.s2}`, { title: 'Renamed by U2' }, rid),
        allowed: async (c, res, rid) => {
          expect(res.body).toEqual({ updated: { section_id: c.s2, title: 'Renamed by U2' } });
          expect(await t.db.query(`SELECT title FROM project_sections WHERE section_id = $1`, [c.s2])).toEqual([{ title: 'Renamed by U2' }]);
          await expectKnowledgeAudit(rid, 'PROJECT_SECTION_UPDATE', f.a2, f.a1a, { project_id: c.p, section_id: c.s2 });
        },
      },
      {
        name: 'delete section',
        required: 3,
        denied: PROJECT_NOT_FOUND,
        run: (c, rid) => as(f.a2, 'delete', `/projects/${c.p}/sections/${c.s1}`, undefined, rid),
        allowed: async (c, res, rid) => {
          expect(res.body).toEqual({ deleted: c.s1, descendants_deleted: 1 });
          expect(sectionIds(await t.db.query(`SELECT section_id FROM project_sections WHERE project_id = $1 ORDER BY section_id`, [c.p]))).toEqual([c.s2]);
          await expectKnowledgeAudit(rid, 'PROJECT_SECTION_DELETE', f.a2, f.a1a, { project_id: c.p, section_id: c.s1, descendants_deleted: 1 });
        },
      },
      {
        name: 'delete project',
        required: 'owner',
        denied: PROJECT_NOT_FOUND,
        run: (c, rid) => as(f.a2, 'delete', `/projects/${c.p}`, undefined, rid),
        allowed: () => Promise.resolve(),
      },
      {
        name: 'share onward to U3',
        required: 'owner',
        denied: NOT_OWNER,
        run: (c, rid) => as(f.a2, 'post', '/sharing', { object_type_id: 1, object_id: c.p, shared_to_user_name: f.a3.userName, permission_level: 3 }, rid),
        lookedUpName: () => f.a3.userName,
        allowed: () => Promise.resolve(),
      },
      {
        name: 'revoke U1’s share to U3',
        required: 'never',
        denied: SHARE_NOT_FOUND,
        run: (c, rid) => as(f.a2, 'delete', `/sharing/${c.shareToU3}`, undefined, rid),
        allowed: () => Promise.resolve(),
      },
    ];

    it.each([0, 1, 2, 3])('share level %i: allowed exactly as the level permits; every denial is a 404, changes nothing, audits nothing but a share by name’s lookup', async (level) => {
      const list = await matrixProject(level);
      const listed = (await as(f.a2, 'get', '/projects').expect(200)).body.projects as ListedProject[];
      if (level === 0) expect(projectIds(listed)).not.toContain(list.p);
      else expect(listed.find((p) => p.project_id === list.p)).toMatchObject({ access: 'shared', permission_level: level, title: 'Shared project' });

      for (const op of ops) {
        const c = await matrixProject(level);
        const before = await snapshot(c.p);
        const rid = newRid('matrix');
        const res = await op.run(c, rid);
        const allowed = typeof op.required === 'number' && level >= op.required;
        if (allowed) {
          expect({ op: op.name, level, status: res.status }).toEqual({ op: op.name, level, status: op.name === 'create section' ? 201 : 200 });
          await op.allowed(c, res, rid, level);
        } else {
          expect({ op: op.name, level, ...problem(res) }).toEqual({ op: op.name, level, status: 404, detail: op.denied });
          if (op.lookedUpName) await expectOnlyShareNameLookup(rid, f.a2, op.lookedUpName(), true);
          else await expectNotAudited(rid);
          expect({ op: op.name, level, state: await snapshot(c.p) }).toEqual({ op: op.name, level, state: before });
        }
      }
    });

    it('the owner’s sibling agent can do everything a share cannot (delete the project, share, revoke)', async () => {
      const c = await matrixProject(3);
      const rid = newRid('matrix-owner-share');
      const res = await as(f.a1b, 'post', '/sharing', { object_type_id: 1, object_id: c.p, shared_to_user_id: f.a3.userId, permission_level: 2 }, rid).expect(200);
      expect(res.body.shared).toMatchObject({ share_id: c.shareToU3, object_id: c.p, shared_to_user_id: f.a3.userId, permission_level: 2 });
      expect((await as(f.a3, 'get', `/projects/${c.p}`).expect(200)).body.project).toMatchObject({ access: 'shared', permission_level: 2 });
      expect((await as(f.a1b, 'delete', `/sharing/${c.shareToU3}`).expect(200)).body).toEqual({ revoked: c.shareToU3 });
      expectProblem(await as(f.a3, 'get', `/projects/${c.p}`), 404, PROJECT_NOT_FOUND);
      expect((await as(f.a1b, 'delete', `/projects/${c.p}`).expect(200)).body).toEqual({ deleted: c.p, sections_deleted: 3 });
      expect(await snapshot(c.p)).toEqual({ project: [], sections: [], shares: [] });
    });

    it('a recipient may leave its own share ({left}); then it loses access', async () => {
      const c = await matrixProject(2);
      const [row] = await t.db.query(`SELECT share_id FROM shared_objects WHERE project_id = $1 AND shared_to_user_id = $2`, [c.p, f.a2.userId]);
      expect((await as(f.a2, 'delete', `/sharing/${row.share_id}`).expect(200)).body).toEqual({ left: row.share_id });
      expectProblem(await as(f.a2, 'get', `/projects/${c.p}`), 404, PROJECT_NOT_FOUND);
      expectProblem(await as(f.a2, 'put', `/projects/${c.p}`, { title: 'Too late' }), 404, PROJECT_NOT_FOUND);
      expect(projectIds((await as(f.a2, 'get', '/projects').expect(200)).body.projects)).not.toContain(c.p);
      // U3's share (made by U1) is still there.
      expect((await as(f.a3, 'get', `/projects/${c.p}`).expect(200)).body.project.permission_level).toBe(1);
    });

    it('a sharee’s section parent must still be a section of the shared project (422)', async () => {
      const c = await matrixProject(2);
      const own = await createProject(f.a2);
      const ownSection = await createSection(f.a2, own, { title: 'mine' });
      const before = await snapshot(c.p);
      expectProblem(await as(f.a2, 'post', `/projects/${c.p}/sections`, { title: 'Cross', parent_id: ownSection }), 422, PARENT_RULE);
      expectProblem(await as(f.a2, 'post', `/projects/${own}/sections`, { title: 'Cross', parent_id: c.s1 }), 422, PARENT_RULE);
      expect(await snapshot(c.p)).toEqual(before);
      expect(await sectionCount(own)).toBe(1);
    });
  });

  // ---------------------------------------------------------------------------
  describe('rollback when the audit insert fails', () => {
    let f: Fixture;

    beforeAll(async () => {
      f = await fixture();
    });
    refuseAuditFor(() => t);

    it('project and section create, update and delete (by the owner or a sharee) answer 500 and change nothing', async () => {
      const p = await createProject(f.a1a, { title: 'Kept', description: 'Kept d' });
      const s1 = await createSection(f.a1a, p, { title: 's1' });
      await createSection(f.a1a, p, { title: 's1a', parent_id: s1 });
      await share(f.a1a, f.a2, p, 3);
      const before = await snapshot(p);
      const projectsBefore = await projectCount(f.a1a);

      const cases: [TestAgent, Method, string, Record<string, unknown> | undefined][] = [
        [f.a1a, 'post', '/projects', { title: 'Ghost' }],
        [f.a1a, 'put', `/projects/${p}`, { title: 'Ghost', description: null }],
        [f.a2, 'put', `/projects/${p}`, { status_id: 6 }],
        [f.a1a, 'delete', `/projects/${p}`, undefined],
        [f.a1a, 'post', `/projects/${p}/sections`, { title: 'Ghost', parent_id: s1 }],
        [f.a2, 'post', `/projects/${p}/sections`, { title: 'Ghost' }],
        [f.a1a, 'put', `/projects/${p}/sections/${s1}`, { title: 'Ghost' }],
        [f.a1a, 'delete', `/projects/${p}/sections/${s1}`, undefined],
        [f.a2, 'delete', `/projects/${p}/sections/${s1}`, undefined],
      ];
      for (const [agent, method, path, body] of cases) {
        const rid = newRid(AUDIT_FAIL);
        const res = await as(agent, method, path, body, rid);
        expect({ method, path, status: res.status }).toEqual({ method, path, status: 500 });
        expect(res.text).not.toContain('audit refused');
        expect({ path, logged: t.logs.some((l) => l.includes(rid) && l.includes('audit refused by test')) }).toEqual({ path, logged: true });
      }
      expect(await snapshot(p)).toEqual(before);
      expect(await projectCount(f.a1a)).toBe(projectsBefore);
      // With an ordinary request id the same update goes through.
      await as(f.a1a, 'put', `/projects/${p}`, { title: 'Now changed' }).expect(200);
    });
  });

  // ---------------------------------------------------------------------------
  describe('concurrency', () => {
    it('a section created under a parent while the parent’s subtree is deleted never leaves an orphan (10 rounds)', async () => {
      const f = await fixture();
      const outcomes: number[] = [];
      for (let round = 0; round < 10; round++) {
        const p = await createProject(f.a1a, { title: `race ${round}` });
        const root = await createSection(f.a1a, p, { title: 'root' });
        const child = await createSection(f.a1a, p, { title: 'child', parent_id: root });
        const bystander = await createSection(f.a1a, p, { title: 'bystander' });

        const [created, deleted] = await Promise.all([
          as(round % 2 ? f.a1b : f.a1a, 'post', `/projects/${p}/sections`, { title: 'racer', parent_id: round % 3 ? child : root }),
          as(f.a1a, 'delete', `/projects/${p}/sections/${root}`),
        ]);
        expect({ round, status: deleted.status }).toEqual({ round, status: 200 });
        outcomes.push(created.status);
        if (created.status === 201) {
          // The create committed first: the delete took it along with the subtree.
          expect({ round, body: deleted.body }).toEqual({ round, body: { deleted: root, descendants_deleted: 2 } });
        } else {
          expectProblem(created, 422, PARENT_RULE);
          expect({ round, body: deleted.body }).toEqual({ round, body: { deleted: root, descendants_deleted: 1 } });
        }
        expect({ round, left: sectionIds(await t.db.query(`SELECT section_id FROM project_sections WHERE project_id = $1`, [p])) }).toEqual({
          round,
          left: [bystander],
        });
        expect(await orphanSections()).toBe(0);
      }
      expect(outcomes.every((s) => s === 201 || s === 422)).toBe(true);
    });
  });

  // ---------------------------------------------------------------------------
  describe('path ids', () => {
    it('a non-integer, non-positive or out-of-range id is 422 on every project route; the integer maximum is a plain 404', async () => {
      const f = await fixture();
      const p = await createProject(f.a1a);
      const s = await createSection(f.a1a, p, { title: 's' });
      const routes = (id: string, sid: string): [Method, string, Record<string, unknown> | undefined][] => [
        ['get', `/projects/${id}`, undefined],
        ['put', `/projects/${id}`, { title: 'x' }],
        ['delete', `/projects/${id}`, undefined],
        ['post', `/projects/${id}/sections`, { title: 'x' }],
        ['get', `/projects/${id}/sections/${sid}`, undefined],
        ['put', `/projects/${id}/sections/${sid}`, { title: 'x' }],
        ['delete', `/projects/${id}/sections/${sid}`, undefined],
      ];
      const before = await snapshot(p);
      for (const bad of ['abc', '1.5', '0', '-1', '2147483648', '99999999999', '12abc', '%20']) {
        for (const [method, path, body] of [...routes(bad, String(s)), ...routes(String(p), bad).slice(4)]) {
          const rid = newRid('bad-id');
          const res = await as(f.a1a, method, path, body, rid);
          expect({ method, path, status: res.status }).toEqual({ method, path, status: 422 });
          await expectNotAudited(rid);
        }
      }
      expect(await snapshot(p)).toEqual(before);

      for (const [method, path, body] of routes(String(MISSING), String(s))) {
        const res = await as(f.a1a, method, path, body);
        expect({ method, path, ...problem(res) }).toEqual({ method, path, status: 404, detail: PROJECT_NOT_FOUND });
      }
    });

    it('an id written other than in decimal digits (1.0, 1e0, 0x10, +1) is 422, not read as a number', async () => {
      const f = await fixture();
      const p = await createProject(f.a1a, { title: 'Reachable only as its id' });
      const s = await createSection(f.a1a, p, { title: 's' });
      const before = await snapshot(p);
      for (const [id, sid] of [
        [`${p}.0`, String(s)],
        [`0x${p.toString(16)}`, String(s)],
        [`${p}e0`, String(s)],
        [`+${p}`, String(s)],
        [String(p), `${s}.0`],
        [String(p), `0x${s.toString(16)}`],
      ]) {
        for (const [method, path, body] of [
          ['get', `/projects/${id}`, undefined],
          ['put', `/projects/${id}`, { title: 'Renamed through a non-decimal id' }],
          ['get', `/projects/${id}/sections/${sid}`, undefined],
          ['put', `/projects/${id}/sections/${sid}`, { title: 'Renamed through a non-decimal id' }],
        ] as [Method, string, Record<string, unknown> | undefined][]) {
          // With a well-formed project id only the section routes carry a malformed id.
          if (id === String(p) && !path.includes('/sections/')) continue;
          const res = await as(f.a1a, method, path, body);
          expect({ method, path, status: res.status }).toEqual({ method, path, status: 422 });
        }
      }
      expect(await snapshot(p)).toEqual(before);
    });
  });
});
