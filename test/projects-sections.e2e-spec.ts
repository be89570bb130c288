import { Call, newRid } from './support/agent-requests';
import { perBlock, useFixtures } from './support/fixtures';
import { SECTION_NOT_FOUND, ISO_UTC } from './support/knowledge';
import { expectProblem } from './support/problems';
import { sectionIds, projectFixtures } from './support/projects';

/*
 * LucyAPI project sections (spec §3.8, §5.6 with the bracketed fixes): section
 * trees (create, read, update, subtree delete), over HTTP against real PostgreSQL.
 * Fixtures: user U1 with agents A1a and A1b, user U2 with A2, user U3 with A3.
 * Expected texts are written out here, never imported from src/.
 */

describe('LucyAPI projects: section trees', () => {
  const ctx = useFixtures();
  const { fixture, createProject, createSection, sectionCount, projectUpdatedAt, snapshot, orphanSections, expectKnowledgeAudit, pause } = projectFixtures(ctx);
  const { as, expectNotAudited, expectRefused } = ctx;

  // ---------------------------------------------------------------------------
  describe('sections', () => {
    const f = perBlock(fixture);

    it('POST creates a section: 201 {created:{section_id,parent_id,title}}, stored, audited, project updated_at moves', async () => {
      const p = await createProject(f.a1a);
      const before = await projectUpdatedAt(p);
      await pause(5);
      const rid = newRid('s-create');
      const res = await as(f.a1b, 'post', `/projects/${p}/sections`, { title: ' Architecture ', description: 'NestJS', file_path: 'docs/a.md' }, rid).expect(201);
      expect(res.body).toEqual({ created: { section_id: expect.any(Number), parent_id: 0, title: 'Architecture' } });
      const s = res.body.created.section_id as number;
      expect(await ctx.db.query(`SELECT project_id, parent_id, title, description, file_path FROM project_sections WHERE section_id = $1`, [s])).toEqual([
        { project_id: p, parent_id: 0, title: 'Architecture', description: 'NestJS', file_path: 'docs/a.md' },
      ]);
      await expectKnowledgeAudit(rid, 'PROJECT_SECTION_CREATE', f.a1b, f.a1a, { project_id: p, section_id: s });
      expect(await projectUpdatedAt(p)).toBeGreaterThan(before);

      const child = await as(f.a1a, 'post', `/projects/${p}/sections`, { title: 'Child', parent_id: s }).expect(201);
      expect(child.body.created).toEqual({ section_id: expect.any(Number), parent_id: s, title: 'Child' });
      expect(await ctx.db.query(`SELECT description, file_path FROM project_sections WHERE section_id = $1`, [child.body.created.section_id])).toEqual([
        { description: null, file_path: null },
      ]);
    });

    it('validates the body (422, nothing stored or audited)', async () => {
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
    });

    it('GET answers the section and its immediate children only', async () => {
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
    });

    it('PUT updates a section: absent unchanged, null clears; a bad body is 422 and changes nothing', async () => {
      const p = await createProject(f.a1a);
      const s = await createSection(f.a1a, p, { title: 'Old', description: 'Old d', file_path: 'old.md' });
      const before = await projectUpdatedAt(p);
      await pause(5);

      const rid = newRid('s-update');
      const res = await as(f.a1b, 'put', `/projects/${p}/sections/${s}`, { title: ' New ', file_path: null }, rid).expect(200);
      expect(res.body).toEqual({ updated: { section_id: s, title: 'New' } });
      expect(await ctx.db.query(`SELECT title, description, file_path FROM project_sections WHERE section_id = $1`, [s])).toEqual([
        { title: 'New', description: 'Old d', file_path: null },
      ]);
      await expectKnowledgeAudit(rid, 'PROJECT_SECTION_UPDATE', f.a1b, f.a1a, { project_id: p, section_id: s });
      expect(await projectUpdatedAt(p)).toBeGreaterThan(before);

      await as(f.a1a, 'put', `/projects/${p}/sections/${s}`, { description: null, file_path: 'new.md' }).expect(200);
      expect(await ctx.db.query(`SELECT title, description, file_path FROM project_sections WHERE section_id = $1`, [s])).toEqual([
        { title: 'New', description: null, file_path: 'new.md' },
      ]);

      const snap = await snapshot(p);
      const bad = [{ title: '' }, { title: null }, { file_path: 'f'.repeat(1001) }, { description: 5 }];
      await expectRefused(f.a1a, bad.map((body): Call => ['put', `/projects/${p}/sections/${s}`, body]), 422);
      expect(await snapshot(p)).toEqual(snap);
    });

    it('DELETE removes the subtree: {deleted, descendants_deleted}; audited; updated_at moves; other subtrees untouched', async () => {
      const p = await createProject(f.a1a);
      const s1 = await createSection(f.a1a, p, { title: 's1' });
      const s1a = await createSection(f.a1a, p, { title: 's1a', parent_id: s1 });
      await createSection(f.a1a, p, { title: 's1a1', parent_id: s1a });
      await createSection(f.a1a, p, { title: 's1b', parent_id: s1 });
      const s2 = await createSection(f.a1a, p, { title: 's2' });
      const s2a = await createSection(f.a1a, p, { title: 's2a', parent_id: s2 });
      const before = await projectUpdatedAt(p);
      await pause(5);

      const rid = newRid('s-delete');
      const res = await as(f.a1b, 'delete', `/projects/${p}/sections/${s1}`, undefined, rid).expect(200);
      expect(res.body).toEqual({ deleted: s1, descendants_deleted: 3 });
      await expectKnowledgeAudit(rid, 'PROJECT_SECTION_DELETE', f.a1b, f.a1a, { project_id: p, section_id: s1, descendants_deleted: 3 });
      expect(sectionIds((await as(f.a1a, 'get', `/projects/${p}`).expect(200)).body.sections)).toEqual([s2, s2a]);
      expect(await projectUpdatedAt(p)).toBeGreaterThan(before);

      expect((await as(f.a1a, 'delete', `/projects/${p}/sections/${s2a}`).expect(200)).body).toEqual({ deleted: s2a, descendants_deleted: 0 });

      // A section deleted with its parent's subtree is gone.
      expectProblem(await as(f.a1a, 'delete', `/projects/${p}/sections/${s1}`), 404, SECTION_NOT_FOUND);
      expect(sectionIds((await as(f.a1a, 'get', `/projects/${p}`).expect(200)).body.sections)).toEqual([s2]);
      expect(await orphanSections()).toBe(0);
    });
  });

});
