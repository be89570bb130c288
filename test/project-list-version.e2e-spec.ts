import { useFixtures } from './support/fixtures';
import { TestAgent } from './support/test-app';

/*
 * GET /projects renders a page once per version of the user's project list
 * (triggers bump users.projects_version). Every change a list shows must reach
 * the next read, for the owner and for every sharee, however it was written.
 */

interface Listed {
  project_id: number;
  title: string;
  access: string;
  permission_level: number;
  updated_at: string;
  document_url: string;
}

describe('project lists stay current (rendered once per list version)', () => {
  const ctx = useFixtures();
  const { as } = ctx;
  let u1: TestAgent;
  let u2: TestAgent;

  beforeAll(async () => {
    u1 = await ctx.newUser();
    u2 = await ctx.newUser();
  });

  const list = async (agent: TestAgent, query = '') => (await as(agent, 'get', `/projects${query}`).expect(200)).body.projects as Listed[];
  const find = async (agent: TestAgent, id: number) => (await list(agent)).find((p) => p.project_id === id);

  it('shows creates, renames, section changes, status, shares, level changes, revokes, SQL edits and deletes at once', async () => {
    expect(await list(u1)).toEqual([]);
    const p = (await as(u1, 'post', '/projects', { title: 'One' }).expect(201)).body.created.project_id as number;
    expect((await list(u1)).map((x) => x.title)).toEqual(['One']);

    await as(u1, 'put', `/projects/${p}`, { title: 'One renamed' }).expect(200);
    expect((await find(u1, p))?.title).toBe('One renamed');

    const before = (await find(u1, p))?.updated_at;
    await new Promise((r) => setTimeout(r, 5));
    await as(u1, 'post', `/projects/${p}/sections`, { title: 'S' }).expect(201);
    expect((await find(u1, p))?.updated_at).not.toBe(before);
    expect(await list(u1, '?status=active')).toEqual([]);
    await as(u1, 'put', `/projects/${p}`, { status_id: 2 }).expect(200);
    expect((await list(u1, '?status=active')).map((x) => x.project_id)).toEqual([p]);

    // The sharee's list: the share, the owner's edits, a level change, a revoke.
    expect(await list(u2)).toEqual([]);
    const share = (await as(u1, 'post', '/sharing', { object_type_id: 1, object_id: p, shared_to_user_id: u2.userId, permission_level: 1 }).expect(201))
      .body.shared.share_id as number;
    expect(await find(u2, p)).toMatchObject({ title: 'One renamed', access: 'shared', permission_level: 1 });
    await as(u1, 'put', `/projects/${p}`, { title: 'Seen by both' }).expect(200);
    expect((await find(u2, p))?.title).toBe('Seen by both');
    await as(u1, 'post', '/sharing', { object_type_id: 1, object_id: p, shared_to_user_id: u2.userId, permission_level: 3 }).expect(200);
    expect((await find(u2, p))?.permission_level).toBe(3);
    await as(u2, 'post', `/projects/${p}/sections`, { title: 'By the sharee' }).expect(201);
    expect((await find(u1, p))?.updated_at).toBe((await find(u2, p))?.updated_at);

    await ctx.db.query(`UPDATE projects SET title = 'Edited in SQL' WHERE project_id = $1`, [p]);
    expect((await find(u1, p))?.title).toBe('Edited in SQL');
    expect((await find(u2, p))?.title).toBe('Edited in SQL');

    await as(u1, 'delete', `/sharing/${share}`).expect(200);
    expect(await list(u2)).toEqual([]);
    await as(u1, 'delete', `/projects/${p}`).expect(200);
    expect(await list(u1)).toEqual([]);
  });

  it('a deleted shared project leaves the sharee’s list too', async () => {
    const p = (await ctx.newProject(u1, { title: 'Short-lived' })).project_id;
    await ctx.share(u1, 'project', p, u2);
    expect((await list(u2)).map((x) => x.project_id)).toEqual([p]);
    await as(u1, 'delete', `/projects/${p}`).expect(200);
    expect(await list(u2)).toEqual([]);
  });

  it('pages are cached apart: another limit or offset is its own page', async () => {
    const u = await ctx.newUser();
    for (const title of ['a', 'b', 'c']) await ctx.newProject(u, { title });
    expect((await list(u, '?limit=2')).map((x) => x.title)).toEqual(['a', 'b']);
    expect((await list(u, '?limit=2&offset=2')).map((x) => x.title)).toEqual(['c']);
    await as(u, 'post', '/projects', { title: 'd' }).expect(201);
    expect((await list(u, '?limit=2&offset=2')).map((x) => x.title)).toEqual(['c', 'd']);
    expect((await as(u, 'get', '/projects?offset=10').expect(200)).body).toMatchObject({ projects: [], total: 4 });
  });

  it('GET /projects/{id} shows every section change at once (its sections are rendered once per version)', async () => {
    const p = (await ctx.newProject(u1, { title: 'Tree' })).project_id;
    const sections = async (agent: TestAgent = u1) =>
      ((await as(agent, 'get', `/projects/${p}`).expect(200)).body.sections as { section_id: number; title: string }[]).map((x) => x.title);
    expect(await sections()).toEqual([]);
    const a = (await as(u1, 'post', `/projects/${p}/sections`, { title: 'A' }).expect(201)).body.created.section_id as number;
    expect(await sections()).toEqual(['A']);
    await as(u1, 'post', `/projects/${p}/sections`, { title: 'A1', parent_id: a }).expect(201);
    await as(u1, 'put', `/projects/${p}/sections/${a}`, { title: 'A renamed' }).expect(200);
    expect(await sections()).toEqual(['A renamed', 'A1']);
    await as(u1, 'post', '/sharing', { object_type_id: 1, object_id: p, shared_to_user_id: u2.userId }).expect(201);
    expect(await sections(u2)).toEqual(['A renamed', 'A1']);
    await ctx.db.query(`UPDATE project_sections SET title = 'By SQL' WHERE section_id = $1`, [a]);
    expect(await sections(u2)).toEqual(['By SQL', 'A1']);
    await as(u1, 'delete', `/projects/${p}/sections/${a}`).expect(200);
    expect(await sections()).toEqual([]);
    await as(u1, 'delete', `/projects/${p}`).expect(200);
    expect((await as(u1, 'get', `/projects/${p}`)).status).toBe(404);
  });

  it('concurrent writes to projects shared both ways never deadlock', async () => {
    const a = await ctx.newUser();
    const b = await ctx.newUser();
    const mine = async (owner: TestAgent, other: TestAgent) => {
      const ids: number[] = [];
      for (let i = 0; i < 4; i++) {
        const id = (await ctx.newProject(owner, { title: `p${i}` })).project_id;
        await ctx.share(owner, 'project', id, other, 2);
        ids.push(id);
      }
      return ids;
    };
    const [ofA, ofB] = [await mine(a, b), await mine(b, a)];
    const writes = [...ofA, ...ofB].flatMap((id, i) => [
      as(i % 2 ? a : b, 'put', `/projects/${id}`, { title: `w${i}` }),
      as(i % 2 ? b : a, 'post', `/projects/${id}/sections`, { title: `s${i}` }),
      as(a, 'post', '/projects', { title: `new a ${i}` }),
      as(b, 'post', '/projects', { title: `new b ${i}` }),
    ]);
    const statuses = (await Promise.all(writes)).map((r) => r.status);
    expect(statuses.filter((s) => s >= 300)).toEqual([]);
    expect((await as(a, 'get', '/projects').expect(200)).body.total).toBe(8 + 8);
    expect((await as(b, 'get', '/projects').expect(200)).body.total).toBe(8 + 8);
  });
});
