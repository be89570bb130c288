import { useFixtures } from './support/fixtures';
import { callTool, ok, okText, toolError } from './support/mcp-client';
import { expectProblem } from './support/problems';
import { TestAgent } from './support/test-app';

/*
 * The context with always-load descriptions (`?full=true`, get_context `full`) and
 * the bootstrap as an MCP tool (`boot`), beside GET /boot.
 */

interface ContextNode {
  pkid: number;
  parent_id: number;
  title: string;
  description?: string | null;
}

describe('context with full always-load, and boot over MCP', () => {
  const ctx = useFixtures();
  let agent: TestAgent;
  let nodes: ContextNode[];

  beforeAll(async () => {
    agent = await ctx.newUser();
    const root = await ctx.newAlwaysLoad(agent, { title: 'Identity', description: 'You are the house assistant.' });
    const child = await ctx.newAlwaysLoad(agent, { title: 'Tone', description: 'Short answers.', parent_id: root.pkid });
    const bare = await ctx.newAlwaysLoad(agent, { title: 'No text' });
    nodes = [
      { pkid: root.pkid, parent_id: 0, title: 'Identity', description: 'You are the house assistant.' },
      { pkid: bare.pkid, parent_id: 0, title: 'No text', description: null },
      { pkid: child.pkid, parent_id: root.pkid, title: 'Tone', description: 'Short answers.' },
    ];
  });

  const context = (query = '') => ctx.http().get(`/agents/${agent.agentName}/context${query}`).set('X-Api-Key', agent.apiKey);

  it('GET …/context?full=true gives each always-load node with its description, in manifest order', async () => {
    const res = await context('?full=true').expect(200);
    expect(res.body.always_load).toEqual(nodes);
  });

  it('without full (or full=false) the always-load manifest stays titles only', async () => {
    const titlesOnly = nodes.map(({ pkid, parent_id, title }) => ({ pkid, parent_id, title }));
    expect((await context().expect(200)).body.always_load).toEqual(titlesOnly);
    expect((await context('?full=false').expect(200)).body.always_load).toEqual(titlesOnly);
  });

  it('full is a boolean: anything else is a 422 naming it', async () => {
    expectProblem(await context('?full=yes'), 422, 'full must be true or false');
  });

  it('full combines with start_session: the session is recorded and the descriptions come along', async () => {
    const res = await context('?full=1&start_session=1').expect(200);
    expect(res.body.always_load).toEqual(nodes);
    expect(res.body.session.session_id).toEqual(expect.any(Number));
    const rows = await ctx.db.query('SELECT count(*)::int AS n FROM sessions WHERE session_id = $1', [res.body.session.session_id]);
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('an edited description shows at once in the full context (no stale cache)', async () => {
    await ctx
      .http()
      .put(`/agents/${agent.agentName}/context/always_load/${nodes[2].pkid}`)
      .set('X-Api-Key', agent.apiKey)
      .send({ description: 'Very short answers.' })
      .expect(200);
    const res = await context('?full=true').expect(200);
    expect(res.body.always_load[2]).toEqual({ ...nodes[2], description: 'Very short answers.' });
    nodes[2].description = 'Very short answers.';
  });

  it('MCP get_context with full true answers as REST does; full must be a boolean', async () => {
    const mcp = await ctx.mcp(agent);
    const result = okText<{ always_load: ContextNode[] }>(await callTool(mcp, 'get_context', { full: true }));
    expect(result.always_load).toEqual(nodes);
    const titles = okText<{ always_load: ContextNode[] }>(await callTool(mcp, 'get_context', {}));
    expect(titles.always_load.every((node) => !('description' in node))).toBe(true);
    expect(toolError(await callTool(mcp, 'get_context', { full: 'yes' }), { textOnly: true }).message).toContain('full');
  });

  it('MCP boot returns the agent, keyless endpoint URLs and the full always-load rows, like GET /boot', async () => {
    const mcp = await ctx.mcp(agent);
    const tool = ok<{ agent: string; endpoints: Record<string, string>; always_load: ContextNode[] }>(await callTool(mcp, 'boot'));
    const rest = await ctx.http().get('/boot').set('X-Api-Key', agent.apiKey).expect(200);
    expect(tool).toEqual(rest.body);
    expect(tool.agent).toBe(agent.agentName);
    expect(tool.always_load.map(({ pkid, parent_id, title, description }) => ({ pkid, parent_id, title, description }))).toEqual(nodes);
    expect(tool.endpoints.context).toMatch(new RegExp(`/agents/${agent.agentName}/context$`));
    expect(JSON.stringify(tool)).not.toContain(agent.apiKey);
  });

  it("another tenant's agent is a 404 for the full context and boot shows only the caller's rows", async () => {
    const stranger = await ctx.newUser();
    expectProblem(
      await ctx.http().get(`/agents/${agent.agentName}/context?full=true`).set('X-Api-Key', stranger.apiKey),
      404,
      'Agent not found',
    );
    const mcp = await ctx.mcp(stranger);
    expect(toolError(await callTool(mcp, 'get_context', { agent_name: agent.agentName, full: true }), { textOnly: true }).code).toBe(
      'not_found',
    );
    expect(ok<{ always_load: unknown[] }>(await callTool(mcp, 'boot')).always_load).toEqual([]);
  });
});
