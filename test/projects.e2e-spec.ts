import { Call, newRid, refuseAuditFor } from './support/agent-requests';
import { perBlock, useFixtures } from './support/fixtures';
import { PROJECT_NOT_FOUND, ISO_UTC, MISSING } from './support/knowledge';
import { expectProblem, problem } from './support/problems';
import { STATUSES, Section, projectIds, sectionIds, projectFixtures } from './support/projects';

/*
 * LucyAPI projects (spec §1.7, §3.8, §5.6 with the bracketed fixes): the status
 * lookup, project headers, the merged owned-and-shared list, audit in the owner's
 * tenant, rollback when the audit insert fails, subtree deletes racing section
 * creates and path ids, over HTTP against real PostgreSQL. Sections:
 * projects-sections; the sharing matrix: projects-sharing; what projects answer
 * like wikis and hints (401s, 404s, empty updates): knowledge-objects. Fixtures: user U1 with
 * agents A1a and A1b, user U2 with A2, user U3 with A3. Expected texts are written
 * out here, never imported from src/.
 */

describe('LucyAPI projects: statuses, create, list, read, update, delete', () => {
  const ctx = useFixtures();
  const { fixture, createProject, createSection, share, projectCount, projectUpdatedAt, snapshot, orphanSections, expectKnowledgeAudit, pause } = projectFixtures(ctx);
  const { as, expectRefused, expectRolledBack } = ctx;

  // ---------------------------------------------------------------------------
  describe('GET /project-statuses', () => {
    it('is public and lists the six statuses in sort order', async () => {
      const res = await ctx.http().get('/project-statuses').expect(200);
      expect(res.body).toEqual({ statuses: STATUSES });
      const f = await fixture();
      expect((await as(f.a1a, 'get', '/project-statuses').expect(200)).body).toEqual({ statuses: STATUSES });
    });
  });

  // ---------------------------------------------------------------------------
  describe('POST /projects', () => {
    const f = perBlock(fixture);

    it('creates a project of the caller’s user: 201, default status planning, title trimmed, audited as the acting agent', async () => {
      const rid = newRid('p-create');
      const res = await as(f.a1b, 'post', '/projects', { title: '  Mnemo  ', description: 'Memory service' }, rid).expect(201);
      expect(res.body).toEqual({ created: { project_id: expect.any(Number), title: 'Mnemo', status: 'planning', status_label: 'Planning' } });
      const id = res.body.created.project_id as number;
      expect(await ctx.db.query(`SELECT user_id, title, description, status_id FROM projects WHERE project_id = $1`, [id])).toEqual([
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
      const [row] = await ctx.db.query(`SELECT char_length(title) AS t, char_length(description) AS d FROM projects WHERE project_id = $1`, [
        long.body.created.project_id,
      ]);
      expect(row).toEqual({ t: 500, d: 100_000 });

      const bare = await as(f.a1a, 'post', '/projects', { title: 'Bare', description: null }).expect(201);
      expect(await ctx.db.query(`SELECT description FROM projects WHERE project_id = $1`, [bare.body.created.project_id])).toEqual([{ description: null }]);
    });
  });

  // ---------------------------------------------------------------------------
  describe('GET /projects', () => {
    const f = perBlock(fixture);
    let p1: number;
    let p2: number;
    let q1: number;
    let r1: number;
    let r2: number;

    beforeAll(async () => {
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
    });
  });

  // ---------------------------------------------------------------------------
  describe('GET /projects/{id}', () => {
    const f = perBlock(fixture);

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
  });

  // ---------------------------------------------------------------------------
  describe('PUT /projects/{id}', () => {
    const f = perBlock(fixture);

    it('updates title, status and description; absent fields are unchanged, description null clears it; audited', async () => {
      const p = await createProject(f.a1a, { title: 'Before', description: 'Keep me' });
      const createdUpdatedAt = await projectUpdatedAt(p);
      await pause(5);

      const rid = newRid('p-update');
      const res = await as(f.a1b, 'put', `/projects/${p}`, { title: '  After  ' }, rid).expect(200);
      expect(res.body).toEqual({ updated: { project_id: p, title: 'After', status: 'planning', status_label: 'Planning' } });
      expect(await ctx.db.query(`SELECT title, description, status_id FROM projects WHERE project_id = $1`, [p])).toEqual([
        { title: 'After', description: 'Keep me', status_id: 1 },
      ]);
      expect(await projectUpdatedAt(p)).toBeGreaterThan(createdUpdatedAt);
      await expectKnowledgeAudit(rid, 'PROJECT_UPDATE', f.a1b, f.a1a, { project_id: p, fields: ['title'] });

      const status = await as(f.a1a, 'put', `/projects/${p}`, { status_id: 5 }).expect(200);
      expect(status.body).toEqual({ updated: { project_id: p, title: 'After', status: 'complete', status_label: 'Complete' } });

      await as(f.a1a, 'put', `/projects/${p}`, { description: null }).expect(200);
      expect(await ctx.db.query(`SELECT title, description, status_id FROM projects WHERE project_id = $1`, [p])).toEqual([
        { title: 'After', description: null, status_id: 5 },
      ]);

      const got = await as(f.a1a, 'get', `/projects/${p}`).expect(200);
      expect(got.body.project).toMatchObject({ title: 'After', description: null, status: 'complete', status_label: 'Complete' });
    });
  });

  // ---------------------------------------------------------------------------
  describe('DELETE /projects/{id}', () => {
    const f = perBlock(fixture);

    it('deletes the project with its sections at every depth and the shares of it; counts sections_deleted (0 without sections)', async () => {
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
      expect(await ctx.db.query(`SELECT count(*)::int AS n FROM shared_objects WHERE object_type_id = 1 AND object_id = $1`, [p])).toEqual([{ n: 0 }]);
      expect(await orphanSections()).toBe(0);
      expect(await snapshot(kept)).toEqual(keptBefore);
      expect(keptBefore.sections.map((s: { section_id: number }) => s.section_id)).toEqual([keptSection]);

      expectProblem(await as(f.a1a, 'get', `/projects/${p}`), 404, PROJECT_NOT_FOUND);
      expect(projectIds((await as(f.a2, 'get', '/projects').expect(200)).body.projects)).toEqual([kept]);
      expect((await as(f.a2, 'get', '/sharing/to-me').expect(200)).body.shares.map((s: { object_id: number }) => s.object_id)).toEqual([kept]);
      expectProblem(await as(f.a1a, 'delete', `/projects/${p}`), 404, PROJECT_NOT_FOUND);

      const bare = await createProject(f.a1a);
      expect((await as(f.a1a, 'delete', `/projects/${bare}`).expect(200)).body).toEqual({ deleted: bare, sections_deleted: 0 });
    });
  });

  // ---------------------------------------------------------------------------
  describe('rollback when the audit insert fails', () => {
    const f = perBlock(fixture);
    refuseAuditFor(() => ctx.app);

    it('project and section create, update and delete (by the owner or a sharee) answer 500 and change nothing', async () => {
      const p = await createProject(f.a1a, { title: 'Kept', description: 'Kept d' });
      const s1 = await createSection(f.a1a, p, { title: 's1' });
      await createSection(f.a1a, p, { title: 's1a', parent_id: s1 });
      await share(f.a1a, f.a2, p, 3);
      const before = await snapshot(p);
      const projectsBefore = await projectCount(f.a1a);

      await expectRolledBack([
        [f.a1a, 'post', '/projects', { title: 'Ghost' }],
        [f.a1a, 'put', `/projects/${p}`, { title: 'Ghost', description: null }],
        [f.a2, 'put', `/projects/${p}`, { status_id: 6 }],
        [f.a1a, 'delete', `/projects/${p}`],
        [f.a1a, 'post', `/projects/${p}/sections`, { title: 'Ghost', parent_id: s1 }],
        [f.a2, 'post', `/projects/${p}/sections`, { title: 'Ghost' }],
        [f.a1a, 'put', `/projects/${p}/sections/${s1}`, { title: 'Ghost' }],
        [f.a1a, 'delete', `/projects/${p}/sections/${s1}`],
        [f.a2, 'delete', `/projects/${p}/sections/${s1}`],
      ]);
      expect(await snapshot(p)).toEqual(before);
      expect(await projectCount(f.a1a)).toBe(projectsBefore);
      // With an ordinary request id the same update goes through.
      await as(f.a1a, 'put', `/projects/${p}`, { title: 'Now changed' }).expect(200);
    });
  });

  // ---------------------------------------------------------------------------
  describe('path ids', () => {
    it('a non-integer, non-positive or out-of-range id is 422 on every project route; the integer maximum is a plain 404', async () => {
      const f = await fixture();
      const p = await createProject(f.a1a);
      const s = await createSection(f.a1a, p, { title: 's' });
      const routes = (id: string, sid: string): Call[] => [
        ['get', `/projects/${id}`, undefined],
        ['put', `/projects/${id}`, { title: 'x' }],
        ['delete', `/projects/${id}`, undefined],
        ['post', `/projects/${id}/sections`, { title: 'x' }],
        ['get', `/projects/${id}/sections/${sid}`, undefined],
        ['put', `/projects/${id}/sections/${sid}`, { title: 'x' }],
        ['delete', `/projects/${id}/sections/${sid}`, undefined],
      ];
      const before = await snapshot(p);
      const bad = ['abc', '1.5', '0', '-1', '2147483648', '99999999999', '12abc', '%20'].flatMap((id) => [...routes(id, String(s)), ...routes(String(p), id).slice(4)]);
      await expectRefused(f.a1a, bad, 422);
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
        ] as Call[]) {
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
