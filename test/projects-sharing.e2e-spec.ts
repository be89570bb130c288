import { newRid } from './support/agent-requests';
import { perBlock, useFixtures } from './support/fixtures';
import { PROJECT_NOT_FOUND, NOT_OWNER, SHARE_NOT_FOUND, MatrixOp, expectSharingMatrix } from './support/knowledge';
import { expectProblem } from './support/problems';
import { ListedProject, projectIds, sectionIds, projectFixtures } from './support/projects';

/*
 * LucyAPI projects shared to another user (spec §1.7, §3.8, §3.11): the sharing
 * matrix of U2 on U1's project at no share and levels 1, 2, 3, audit in the owner's
 * tenant, over HTTP against real PostgreSQL. Fixtures: user U1 with agents A1a and
 * A1b, user U2 with A2, user U3 with A3. Expected texts are written out here, never
 * imported from src/.
 */

describe('LucyAPI projects: the sharing matrix', () => {
  const ctx = useFixtures();
  const { fixture, createProject, createSection, share, snapshot, expectKnowledgeAudit } = projectFixtures(ctx);
  const { as } = ctx;

  // ---------------------------------------------------------------------------
  describe('sharing matrix (U2 on U1’s project)', () => {
    const f = perBlock(fixture);

    interface Ctx {
      p: number;
      s1: number;
      s1a: number;
      s2: number;
      shareToU3: number;
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

    const ops: MatrixOp<Ctx>[] = [
      {
        name: 'get project',
        required: 1,
        denied: PROJECT_NOT_FOUND,
        status: 200,
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
        status: 200,
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
        status: 200,
        run: (c, rid) => as(f.a2, 'put', `/projects/${c.p}`, { title: 'Edited by U2', status_id: 2 }, rid),
        allowed: async (c, res, rid) => {
          expect(res.body).toEqual({ updated: { project_id: c.p, title: 'Edited by U2', status: 'active', status_label: 'Active' } });
          expect(await ctx.db.query(`SELECT user_id, title, status_id FROM projects WHERE project_id = $1`, [c.p])).toEqual([
            { user_id: f.a1a.userId, title: 'Edited by U2', status_id: 2 },
          ]);
          await expectKnowledgeAudit(rid, 'PROJECT_UPDATE', f.a2, f.a1a, { project_id: c.p, fields: ['title', 'status_id'] });
        },
      },
      {
        name: 'create section',
        required: 2,
        denied: PROJECT_NOT_FOUND,
        status: 201,
        run: (c, rid) => as(f.a2, 'post', `/projects/${c.p}/sections`, { title: 'By U2', parent_id: c.s1a }, rid),
        allowed: async (c, res, rid) => {
          const s = res.body.created.section_id as number;
          expect(await ctx.db.query(`SELECT project_id, parent_id, title FROM project_sections WHERE section_id = $1`, [s])).toEqual([
            { project_id: c.p, parent_id: c.s1a, title: 'By U2' },
          ]);
          await expectKnowledgeAudit(rid, 'PROJECT_SECTION_CREATE', f.a2, f.a1a, { project_id: c.p, section_id: s });
        },
      },
      {
        name: 'update section',
        required: 2,
        denied: PROJECT_NOT_FOUND,
        status: 200,
        run: (c, rid) => as(f.a2, 'put', `/projects/${c.p}/sections/${c.s2}`, { title: 'Renamed by U2' }, rid),
        allowed: async (c, res, rid) => {
          expect(res.body).toEqual({ updated: { section_id: c.s2, title: 'Renamed by U2' } });
          expect(await ctx.db.query(`SELECT title FROM project_sections WHERE section_id = $1`, [c.s2])).toEqual([{ title: 'Renamed by U2' }]);
          await expectKnowledgeAudit(rid, 'PROJECT_SECTION_UPDATE', f.a2, f.a1a, { project_id: c.p, section_id: c.s2 });
        },
      },
      {
        name: 'delete section',
        required: 3,
        denied: PROJECT_NOT_FOUND,
        status: 200,
        run: (c, rid) => as(f.a2, 'delete', `/projects/${c.p}/sections/${c.s1}`, undefined, rid),
        allowed: async (c, res, rid) => {
          expect(res.body).toEqual({ deleted: c.s1, descendants_deleted: 1 });
          expect(sectionIds(await ctx.db.query(`SELECT section_id FROM project_sections WHERE project_id = $1 ORDER BY section_id`, [c.p]))).toEqual([c.s2]);
          await expectKnowledgeAudit(rid, 'PROJECT_SECTION_DELETE', f.a2, f.a1a, { project_id: c.p, section_id: c.s1, descendants_deleted: 1 });
        },
      },
      {
        name: 'delete project',
        required: 'owner',
        denied: PROJECT_NOT_FOUND,
        status: 200,
        run: (c, rid) => as(f.a2, 'delete', `/projects/${c.p}`, undefined, rid),
        allowed: () => Promise.resolve(),
      },
      {
        name: 'share onward to U3',
        required: 'owner',
        denied: NOT_OWNER,
        status: 200,
        run: (c, rid) => as(f.a2, 'post', '/sharing', { object_type_id: 1, object_id: c.p, shared_to_user_name: f.a3.userName, permission_level: 3 }, rid),
        lookedUpName: () => f.a3.userName,
        allowed: () => Promise.resolve(),
      },
      {
        name: 'revoke U1’s share to U3',
        required: 'never',
        denied: SHARE_NOT_FOUND,
        status: 200,
        run: (c, rid) => as(f.a2, 'delete', `/sharing/${c.shareToU3}`, undefined, rid),
        allowed: () => Promise.resolve(),
      },
    ];

    it.each([0, 1, 2, 3])('share level %i: allowed exactly as the level permits; every denial is a 404, changes nothing, audits nothing but a share by name’s lookup', async (level) => {
      const list = await matrixProject(level);
      const listed = (await as(f.a2, 'get', '/projects').expect(200)).body.projects as ListedProject[];
      if (level === 0) expect(projectIds(listed)).not.toContain(list.p);
      else expect(listed.find((p) => p.project_id === list.p)).toMatchObject({ access: 'shared', permission_level: level, title: 'Shared project' });

      await expectSharingMatrix(ctx, f.a2, level, ops, matrixProject, (c) => snapshot(c.p));
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
      const [row] = await ctx.db.query(`SELECT share_id FROM shared_objects WHERE project_id = $1 AND shared_to_user_id = $2`, [c.p, f.a2.userId]);
      expect((await as(f.a2, 'delete', `/sharing/${row.share_id}`).expect(200)).body).toEqual({ left: row.share_id });
      expectProblem(await as(f.a2, 'get', `/projects/${c.p}`), 404, PROJECT_NOT_FOUND);
      expectProblem(await as(f.a2, 'put', `/projects/${c.p}`, { title: 'Too late' }), 404, PROJECT_NOT_FOUND);
      expect(projectIds((await as(f.a2, 'get', '/projects').expect(200)).body.projects)).not.toContain(c.p);
      // U3's share (made by U1) is still there.
      expect((await as(f.a3, 'get', `/projects/${c.p}`).expect(200)).body.project.permission_level).toBe(1);
    });
  });

});
