import { newRid } from './support/agent-requests';
import { perBlock, useFixtures } from './support/fixtures';
import { callTool, toolJson } from './support/mcp-client';
import { expectProblem } from './support/problems';

/**
 * Errors that say how to fix the call (issue 15): a missing field is
 * "required", an unknown body field or tool argument is named in a 422 and
 * nothing is stored, a body that is not JSON is a 415, and a key sent the
 * wrong way (or the admin token on an agent route) is answered with the
 * header to send. Expected texts are written out here.
 */

const ctx = useFixtures();
const { as, audit } = ctx;
const a = perBlock(() => ctx.newUser());

interface Problem {
  detail: string;
  errors?: { field: string; message: string }[];
}

async function projectCount(): Promise<number> {
  const [{ n }] = await ctx.db.query(`SELECT count(*)::int AS n FROM projects WHERE user_id = $1`, [a.userId]);
  return n as number;
}

describe('a missing field is required', () => {
  it('POST /projects without title: "title is required", nothing stored', async () => {
    const rid = newRid();
    const res = await as(a, 'post', '/projects', { description: 'no title' }, rid);
    expectProblem(res, 422, 'title is required');
    expect((res.body as Problem).errors).toEqual([{ field: 'title', message: 'title is required' }]);
    expect(await projectCount()).toBe(0);
    expect(await audit(rid)).toEqual([]);
  });

  it('a present but bad value keeps its rule', async () => {
    expectProblem(await as(a, 'post', '/projects', { title: '' }), 422, /^title must be 1-500 characters/);
  });

  it('a conditional requirement keeps its own wording', async () => {
    const res = await as(a, 'post', '/memory/read', { user_id: 'u1', scope: 'preferences' });
    expectProblem(res, 422, 'purpose is required unless purpose_class is given');
  });

  it('MCP: the same message for a missing argument', async () => {
    const res = await callTool(await ctx.mcp(a), 'create_project', {});
    expect(res.isError).toBe(true);
    expect(toolJson(res)).toEqual({
      error: { code: 'validation_failed', message: 'title is required', errors: [{ field: 'title', message: 'title is required' }] },
    });
  });
});

describe('unknown fields are named, not dropped', () => {
  it('REST body: 422 naming each unknown field, nothing stored', async () => {
    const rid = newRid();
    const res = await as(a, 'post', '/projects', { title: 'P', colour: 'red', nested: { x: 1 } }, rid);
    expectProblem(res, 422);
    expect((res.body as Problem).errors).toEqual([
      { field: 'colour', message: 'colour is not a known field' },
      { field: 'nested', message: 'nested is not a known field' },
    ]);
    expect(await projectCount()).toBe(0);
    expect(await audit(rid)).toEqual([]);
  });

  it('MCP arguments: the same 422, nothing stored', async () => {
    const res = await callTool(await ctx.mcp(a), 'create_project', { title: 'P', colour: 'red' });
    expect(res.isError).toBe(true);
    expect(toolJson(res)).toEqual({
      error: { code: 'validation_failed', message: 'colour is not a known field', errors: [{ field: 'colour', message: 'colour is not a known field' }] },
    });
    expect(await projectCount()).toBe(0);
  });

  it('unknown query parameters are still ignored (caches and proxies add them)', async () => {
    const res = await as(a, 'get', '/projects?limit=5&_=1733300000');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ limit: 5 });
  });
});

describe('a body that is not JSON is a 415', () => {
  it.each([
    ['text/plain', 'title=P'],
    ['application/x-www-form-urlencoded', 'title=P'],
  ])('%s: 415 saying to send JSON, nothing stored', async (type, body) => {
    const res = await ctx.http().post('/projects').set('X-Api-Key', a.apiKey).set('Content-Type', type).send(body);
    expectProblem(res, 415, 'Send the request body as JSON, with Content-Type: application/json');
    expect(await projectCount()).toBe(0);
  });

  it('a JSON body still works (the control)', async () => {
    const res = await as(a, 'post', '/projects', { title: 'JSON' });
    expect(res.status).toBe(201);
    await as(a, 'delete', `/projects/${res.body.created.project_id}`).expect(200);
  });
});

describe('a key sent the wrong way says which header to send', () => {
  const whoami = () => ctx.http().get('/whoami');

  it('no credentials at all', async () => {
    expectProblem(await whoami(), 401, 'API key required: send it as X-Api-Key: <key> or Authorization: Bearer <key>');
  });

  it('Authorization without the Bearer scheme', async () => {
    expectProblem(await whoami().set('Authorization', a.apiKey), 401, 'Authorization must be "Bearer <agent key>" (or send the key as X-Api-Key: <key>)');
  });

  it.each(['Api-Key', 'X-API-Token', 'apikey'])('a look-alike header (%s)', async (header) => {
    const res = await whoami().set(header, a.apiKey);
    expectProblem(res, 401, `Send the agent key as X-Api-Key: <key> or Authorization: Bearer <key> (not ${header.toLowerCase()})`);
  });

  it('the admin token on an agent route', async () => {
    const res = await whoami().set('Authorization', `Bearer ${ctx.adminToken}`);
    expectProblem(res, 401, 'This route takes an agent key, not the admin token: create an agent (POST /admin/users/{user}/agents) and send its key');
    expect(res.text).not.toContain(ctx.adminToken);
  });

  it('MCP without a key mentions agent_key', async () => {
    const res = await callTool(await ctx.connectMcp(), 'whoami');
    expect(res.isError).toBe(true);
    expect(toolJson(res)).toEqual({
      error: {
        code: 'unauthorized',
        message: 'API key required: pass your agent key as the agent_key argument, or connect with the X-Api-Key or Authorization: Bearer header',
      },
    });
  });
});
