import { useFixtures } from './support/fixtures';
import { TestAgent } from './support/test-app';

/*
 * Project and wiki documents (issue 5): the authenticated HTML routes and the
 * signed links in document_url that open them in a browser without a key.
 */

const INVALID = 'This link has expired or isn&#39;t valid';

describe('documents and signed document links', () => {
  const ctx = useFixtures({ env: { PUBLIC_BASE_URL: 'https://mnemo.example.com' } });
  const { as } = ctx;
  let owner: TestAgent;
  let other: TestAgent;
  let projectId: number;
  let wikiId: number;

  beforeAll(async () => {
    owner = await ctx.newUser();
    other = await ctx.newUser();
    projectId = (await ctx.newProject(owner, { title: 'Plan <b>', description: 'Intro\\nnext **bold**', status_id: 2 })).project_id;
    const s1 = (await ctx.newSection(owner, projectId, { title: 'Arch', file_path: 'src/app.ts' })).section_id;
    await ctx.newSection(owner, projectId, { title: 'Deep', parent_id: s1 });
    wikiId = (await ctx.newWiki(owner, { title: 'Runbook' })).wiki_id;
    await ctx.newWikiSection(owner, wikiId, { title: 'Backups', tags: ['ops', 'pg'] });
  });

  /** The path and query of a document_url (the app answers on its own address, not PUBLIC_BASE_URL). */
  const local = (url: string) => {
    expect(url.startsWith('https://mnemo.example.com/doc/')).toBe(true);
    return url.slice('https://mnemo.example.com'.length);
  };
  const projectLink = async () => (await as(owner, 'get', `/projects/${projectId}`).expect(200)).body.project.document_url as string;
  const wikiLink = async () => (await as(owner, 'get', `/wikis/${wikiId}`).expect(200)).body.wiki.document_url as string;

  function expectHtmlHeaders(res: { headers: Record<string, string> }) {
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  }

  it('GET /projects/{id}/document renders the project for a reader: escaped title, status, sections nested, file path', async () => {
    const res = await as(owner, 'get', `/projects/${projectId}/document`).expect(200);
    expectHtmlHeaders(res);
    expect(res.text).toContain('<title>Plan &lt;b&gt;</title>');
    expect(res.text).toContain('<p>Intro<br>next <strong>bold</strong></p>');
    expect(res.text).toMatch(/Status: Active · Generated: \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC · Sections: 2/);
    expect(res.text).toMatch(/<section id="section-\d+"><h2>Arch<\/h2>\n<p class="file-path">Associated file: src\/app.ts<\/p>\n<section id="section-\d+"><h3>Deep<\/h3>/);
  });

  it('GET /wikis/{id}/document renders tags and the update time', async () => {
    const res = await as(owner, 'get', `/wikis/${wikiId}/document`).expect(200);
    expectHtmlHeaders(res);
    expect(res.text).toContain('<span class="tag">ops</span> <span class="tag">pg</span>');
    expect(res.text).toMatch(/Updated \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
  });

  it('another user without a share gets the 404 problem, and no key is a 401', async () => {
    const res = await as(other, 'get', `/projects/${projectId}/document`);
    expect(res.status).toBe(404);
    expect(res.body.detail).toBe('Project not found');
    expect((await as(other, 'get', `/wikis/${wikiId}/document`)).status).toBe(404);
    expect((await ctx.http().get(`/projects/${projectId}/document`)).status).toBe(401);
  });

  it('document_url opens the same document without any key, and carries no key', async () => {
    for (const [link, title] of [
      [await projectLink(), 'Plan &lt;b&gt;'],
      [await wikiLink(), 'Runbook'],
    ]) {
      expect(link).not.toMatch(/mnemo_ak_|agent_key|api_key/i);
      const res = await ctx.http().get(local(link)).expect(200);
      expectHtmlHeaders(res);
      expect(res.text).toContain(`<title>${title}</title>`);
    }
  });

  it('a tampered, expired, foreign or incomplete link is a 403 page, never the document', async () => {
    const link = local(await projectLink());
    const url = new URL(link, 'http://x');
    const exp = url.searchParams.get('exp') as string;
    const sig = url.searchParams.get('sig') as string;
    const flipped = sig.slice(0, -1) + (sig.endsWith('A') ? 'B' : 'A');
    const variants = [
      `/doc/projects/${projectId}?exp=${exp}&sig=${flipped}`,
      `/doc/projects/${projectId}?exp=${Number(exp) + 60}&sig=${sig}`,
      `/doc/projects/${projectId}?exp=${Math.floor(Date.now() / 1000) - 1}&sig=${sig}`,
      `/doc/projects/${projectId + 1}?exp=${exp}&sig=${sig}`,
      `/doc/wikis/${projectId}?exp=${exp}&sig=${sig}`,
      `/doc/projects/${projectId}?exp=${exp}`,
      `/doc/projects/${projectId}`,
      `/doc/projects/abc?exp=${exp}&sig=${sig}`,
    ];
    for (const path of variants) {
      const res = await ctx.http().get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 403 });
      expectHtmlHeaders(res);
      expect(res.text).toContain(INVALID);
      expect(res.text).not.toContain('Plan');
    }
  });

  it('a link stops working when the project is deleted (and a new project cannot reuse it)', async () => {
    const p = (await ctx.newProject(owner, { title: 'Short-lived' })).project_id;
    const link = local((await as(owner, 'get', `/projects/${p}`).expect(200)).body.project.document_url);
    await ctx.http().get(link).expect(200);
    await as(owner, 'delete', `/projects/${p}`).expect(200);
    expect((await ctx.http().get(link)).status).toBe(403);
  });

  it('the signed link is not written to the request log (path only, no query)', async () => {
    const link = local(await projectLink());
    const sig = new URL(link, 'http://x').searchParams.get('sig') as string;
    await ctx.http().get(link).expect(200);
    expect(ctx.logs.some((line) => line.includes(sig))).toBe(false);
  });
});
