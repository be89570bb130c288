import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CONFLICTING_CREDENTIALS } from '../src/common/auth/authenticator';
import { useFixtures } from './support/fixtures';
import { toolJson } from './support/mcp-client';
import { TestAgent } from './support/test-app';

/** The tool error of a call with no key at all: it says how to pass one. */
const MCP_KEY_REQUIRED =
  'API key required: pass your agent key as the agent_key argument, or connect with the X-Api-Key or Authorization: Bearer header';

type CallResult = Awaited<ReturnType<Client['callTool']>>;

interface TimeJson {
  utc: string;
  local: string;
  tz: string;
  day: string;
  unix: number;
}

/** "+HH:MM" offset of a zone at an instant, computed independently of the service. */
function offsetAt(instant: Date, tz: string): string {
  const name = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' })
    .formatToParts(instant)
    .find((p) => p.type === 'timeZoneName')?.value;
  const m = /^GMT([+-]\d{2}):(\d{2})$/.exec(name ?? '');
  return m ? `${m[1]}:${m[2]}` : '+00:00';
}

function weekdayAt(instant: Date, tz: string): string {
  return new Intl.DateTimeFormat('en-US', { timeZone: tz, weekday: 'long' }).format(instant);
}

/** Asserts a successful tool result and returns its JSON. */
function ok<T = unknown>(result: CallResult): T {
  expect(result.isError).toBeFalsy();
  const json = toolJson(result);
  expect(result.structuredContent).toEqual(json);
  return json as T;
}

/** Asserts an `isError` tool result and returns its `error` object. */
function toolError(result: CallResult): { code: string; message: string; errors?: { field: string; message: string }[] } {
  expect(result.isError).toBe(true);
  const content = result.content as { type: string; text: string }[];
  expect(content).toHaveLength(1);
  expect(content[0].type).toBe('text');
  const json = toolJson(result) as { error: { code: string; message: string } };
  expect(Object.keys(json)).toEqual(['error']);
  if (result.structuredContent !== undefined) expect(result.structuredContent).toEqual(json);
  return json.error;
}

/** Asserts a local time string carries the expected offset and names the same instant as utc. */
function expectTimeIn(view: TimeJson, tz: string): void {
  expect(view.tz).toBe(tz);
  expect(view.utc).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
  const instant = new Date(view.utc);
  expect(Math.abs(instant.getTime() - Date.now())).toBeLessThan(60_000);
  expect(view.local).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$/);
  expect(view.local.slice(-6)).toBe(offsetAt(instant, tz));
  expect(Date.parse(view.local)).toBe(instant.getTime());
  expect(view.day).toBe(weekdayAt(instant, tz));
  expect(view.unix).toBe(Math.floor(instant.getTime() / 1000));
}

const INITIALIZE = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'supertest', version: '1.0.0' } },
};

describe('MCP endpoint (official SDK client over HTTP)', () => {
  const ctx = useFixtures();
  let agent: TestAgent;
  let restWhoami: unknown;
  const connect = (headers: Record<string, string> = {}): Promise<Client> => ctx.connectMcp(headers);

  const admin = () => ({ Authorization: `Bearer ${ctx.adminToken}` });

  beforeAll(async () => {
    agent = await ctx.newUser();
    restWhoami = (await ctx.http().get('/whoami').set('X-Api-Key', agent.apiKey).expect(200)).body;
  });

  describe('initialize and tools/list', () => {
    it('initializes against a server named mnemo with tools', async () => {
      const client = await connect();
      const info = client.getServerVersion();
      expect(info?.name).toBe('mnemo');
      expect(typeof info?.version).toBe('string');
      expect(client.getServerCapabilities()?.tools).toBeDefined();
    });

    it('lists exactly the registered tools, each accepting an optional agent_key string', async () => {
      const client = await connect();
      const { tools } = await client.listTools();
      // Exactly the tools of the live registry (as the manifest reports it), this among them.
      const manifest = await ctx.http().get('/').expect(200);
      const names = tools.map((tool) => tool.name).sort();
      expect(names).toEqual(manifest.body.mcp.tool_names);
      expect(names).toEqual(expect.arrayContaining(['get_time', 'whoami']));
      expect(new Set(names).size).toBe(names.length);
      for (const tool of tools) {
        expect(tool.description).toEqual(expect.any(String));
        expect(tool.inputSchema.type).toBe('object');
        expect(tool.inputSchema.properties?.agent_key).toMatchObject({ type: 'string' });
        expect(tool.inputSchema.required ?? []).not.toContain('agent_key');
      }
      const getTime = tools.find((tool) => tool.name === 'get_time');
      expect(getTime?.inputSchema.properties?.tz).toMatchObject({ type: 'string' });
      expect(getTime?.inputSchema.required ?? []).not.toContain('tz');
    });

    it('needs no key to initialize or list tools', async () => {
      const client = await connect();
      await expect(client.listTools()).resolves.toBeDefined();
    });
  });

  describe('whoami', () => {
    it('with the agent_key argument returns the same JSON as REST /whoami, as text and structuredContent', async () => {
      const client = await connect();
      const result = await client.callTool({ name: 'whoami', arguments: { agent_key: agent.apiKey } });
      expect(ok(result)).toEqual(restWhoami);
      expect(result.structuredContent).toEqual(restWhoami);
      expect(restWhoami).toEqual({
        agent: { id: agent.agentId, name: agent.agentName },
        user: { id: agent.userId, name: agent.userName, timezone: 'UTC' },
      });
    });

    it('with the X-Api-Key header on the connection and no argument', async () => {
      const client = await connect({ 'X-Api-Key': agent.apiKey });
      const result = await client.callTool({ name: 'whoami', arguments: {} });
      expect(ok(result)).toEqual(restWhoami);
      expect(result.structuredContent).toEqual(restWhoami);
    });

    it('with Authorization: Bearer on the connection and no argument', async () => {
      const client = await connect({ Authorization: `Bearer ${agent.apiKey}` });
      const result = await client.callTool({ name: 'whoami' });
      expect(ok(result)).toEqual(restWhoami);
      expect(result.structuredContent).toEqual(restWhoami);
    });

    it('an agent_key argument naming another key than the connection sends is refused: conflicting credentials', async () => {
      const other = await ctx.newUser();
      const connections: Record<string, string>[] = [{ 'X-Api-Key': agent.apiKey }, { Authorization: `Bearer ${agent.apiKey}` }];
      for (const headers of connections) {
        const client = await connect(headers);
        const result = await client.callTool({ name: 'whoami', arguments: { agent_key: other.apiKey } });
        expect(toolError(result)).toEqual({ code: 'unauthorized', message: CONFLICTING_CREDENTIALS });
        expect(JSON.stringify(result)).not.toContain(other.apiKey);
        // The argument did not override the connection, nor the connection the argument.
        const bogus = await client.callTool({ name: 'whoami', arguments: { agent_key: 'mnemo_ak_not-a-real-key' } });
        expect(toolError(bogus)).toEqual({ code: 'unauthorized', message: CONFLICTING_CREDENTIALS });
      }
    });

    it('an agent_key argument naming the same key as the connection is fine', async () => {
      const client = await connect({ 'X-Api-Key': agent.apiKey });
      const result = await client.callTool({ name: 'whoami', arguments: { agent_key: agent.apiKey } });
      expect(ok(result)).toEqual(restWhoami);
    });

    it('an invalid header key is refused whatever the agent_key argument says', async () => {
      const bad = 'mnemo_ak_not-a-real-key';
      const client = await connect({ 'X-Api-Key': bad });
      const same = await client.callTool({ name: 'whoami', arguments: { agent_key: bad } });
      expect(toolError(same)).toEqual({ code: 'unauthorized', message: 'Invalid API key' });
      // A valid argument does not rescue it: two different keys are a conflict.
      const valid = await client.callTool({ name: 'whoami', arguments: { agent_key: agent.apiKey } });
      expect(toolError(valid)).toEqual({ code: 'unauthorized', message: CONFLICTING_CREDENTIALS });
    });

    it('a bad agent_key is a tool error, not a protocol error', async () => {
      const client = await connect();
      const result = await client.callTool({ name: 'whoami', arguments: { agent_key: 'mnemo_ak_not-a-real-key' } });
      expect(result.isError).toBe(true);
      expect(toolJson(result)).toEqual({ error: { code: 'unauthorized', message: 'Invalid API key' } });
      toolError(result);
    });

    it('a bad X-Api-Key header is a tool error too', async () => {
      const client = await connect({ 'X-Api-Key': 'mnemo_ak_not-a-real-key' });
      const result = await client.callTool({ name: 'whoami', arguments: {} });
      expect(toolError(result)).toEqual({ code: 'unauthorized', message: 'Invalid API key' });
    });

    it('no key at all is a tool error: API key required', async () => {
      const client = await connect();
      const result = await client.callTool({ name: 'whoami', arguments: {} });
      expect(toolError(result)).toEqual({ code: 'unauthorized', message: MCP_KEY_REQUIRED });
      const noArgs = await client.callTool({ name: 'whoami' });
      expect(toolError(noArgs)).toEqual({ code: 'unauthorized', message: MCP_KEY_REQUIRED });
    });

    it('a revoked key fails immediately, as argument and as header', async () => {
      const victim = await ctx.newUser();
      const byArgument = await connect();
      const byHeader = await connect({ 'X-Api-Key': victim.apiKey });
      // Used (and cached) first.
      ok(await byArgument.callTool({ name: 'whoami', arguments: { agent_key: victim.apiKey } }));
      ok(await byHeader.callTool({ name: 'whoami', arguments: {} }));

      await ctx
        .http()
        .delete(`/admin/agents/${victim.agentId}/keys/${victim.keyId}`)
        .set(admin())
        .expect(204);

      const afterArgument = await byArgument.callTool({ name: 'whoami', arguments: { agent_key: victim.apiKey } });
      expect(toolError(afterArgument)).toEqual({ code: 'unauthorized', message: 'Invalid API key' });
      const afterHeader = await byHeader.callTool({ name: 'whoami', arguments: {} });
      expect(toolError(afterHeader)).toEqual({ code: 'unauthorized', message: 'Invalid API key' });
      const timeAfter = await byArgument.callTool({ name: 'get_time', arguments: { agent_key: victim.apiKey } });
      expect(toolError(timeAfter).code).toBe('unauthorized');
    });
    it('keys of a deleted agent or user fail immediately', async () => {
      const doomedAgent = await ctx.newUser();
      const doomedUser = await ctx.newUser();
      const client = await connect();
      ok(await client.callTool({ name: 'whoami', arguments: { agent_key: doomedAgent.apiKey } }));
      ok(await client.callTool({ name: 'whoami', arguments: { agent_key: doomedUser.apiKey } }));

      await ctx.http().delete(`/admin/agents/${doomedAgent.agentId}`).set(admin()).expect(204);
      await ctx.http().delete(`/admin/users/${doomedUser.userId}`).set(admin()).expect(204);

      for (const key of [doomedAgent.apiKey, doomedUser.apiKey]) {
        const result = await client.callTool({ name: 'whoami', arguments: { agent_key: key } });
        expect(toolError(result)).toEqual({ code: 'unauthorized', message: 'Invalid API key' });
      }
    });
  });

  describe('get_time', () => {
    it('in an explicit zone: America/Denver', async () => {
      const client = await connect();
      const result = await client.callTool({
        name: 'get_time',
        arguments: { agent_key: agent.apiKey, tz: 'America/Denver' },
      });
      const view = ok<TimeJson>(result);
      expectTimeIn(view, 'America/Denver');
      expect(view.local).toMatch(/-0[67]:00$/);
    });

    it('canonicalises the zone spelling', async () => {
      const client = await connect({ 'X-Api-Key': agent.apiKey });
      const view = ok<TimeJson>(await client.callTool({ name: 'get_time', arguments: { tz: 'america/denver' } }));
      expect(view.tz).toBe('America/Denver');
    });

    it('an unknown zone is a validation_failed tool error', async () => {
      const client = await connect();
      const result = await client.callTool({ name: 'get_time', arguments: { agent_key: agent.apiKey, tz: 'Mars/Base' } });
      const error = toolError(result);
      expect(error.code).toBe('validation_failed');
      expect(error.message).toContain('tz');
      expect(error.message).toContain('IANA');
    });

    it('an argument of the wrong type is a validation_failed tool error naming tz', async () => {
      const client = await connect();
      const result = await client.callTool({ name: 'get_time', arguments: { agent_key: agent.apiKey, tz: 5 } });
      const error = toolError(result);
      expect(error.code).toBe('validation_failed');
      expect(error.errors).toEqual([{ field: 'tz', message: expect.any(String) }]);
      expect(error.message).toMatch(/^tz /);
      expect(error.message).not.toMatch(/ZodError|at .*\.(js|ts):\d+|\[\s*\{/);
    });

    it('authenticates before validating', async () => {
      const client = await connect();
      const result = await client.callTool({ name: 'get_time', arguments: { agent_key: 'mnemo_ak_nope', tz: 5 } });
      expect(toolError(result)).toEqual({ code: 'unauthorized', message: 'Invalid API key' });
    });

    it("without tz uses the caller's user timezone", async () => {
      const tokyo = await ctx.newUser({ timezone: 'Asia/Tokyo' });

      const client = await connect();
      const view = ok<TimeJson>(await client.callTool({ name: 'get_time', arguments: { agent_key: tokyo.apiKey } }));
      expectTimeIn(view, 'Asia/Tokyo');
      expect(view.local).toMatch(/\+09:00$/);

      const viaHeader = await connect({ Authorization: `Bearer ${tokyo.apiKey}` });
      expect(ok<TimeJson>(await viaHeader.callTool({ name: 'get_time' })).tz).toBe('Asia/Tokyo');
    });

    it('an explicit tz wins over the user timezone', async () => {
      const client = await connect({ 'X-Api-Key': agent.apiKey });
      const view = ok<TimeJson>(await client.callTool({ name: 'get_time', arguments: { tz: 'Asia/Tokyo' } }));
      expectTimeIn(view, 'Asia/Tokyo');
    });

    it('needs a key', async () => {
      const client = await connect();
      const result = await client.callTool({ name: 'get_time', arguments: { tz: 'UTC' } });
      expect(toolError(result)).toEqual({ code: 'unauthorized', message: MCP_KEY_REQUIRED });
    });
  });

  describe('arguments no validator could take safely: validation_failed, never internal_error', () => {
    /** `levels` nested arrays around 1, built without recursion. */
    const deep = (levels: number): unknown => JSON.parse('['.repeat(levels) + '1' + ']'.repeat(levels));

    it('an argument nested thousands of levels deep, to a tool with parameters and to one without', async () => {
      const client = await connect({ 'X-Api-Key': agent.apiKey });
      const tz = 'tz nests objects and arrays deeper than 64 levels';
      expect(toolError(await client.callTool({ name: 'get_time', arguments: { tz: deep(2500) } }))).toEqual({
        code: 'validation_failed',
        message: tz,
        errors: [{ field: 'tz', message: tz }],
      });
      expect(toolError(await client.callTool({ name: 'whoami', arguments: { extra: deep(2500) } }))).toEqual(
        expect.objectContaining({ code: 'validation_failed', message: 'extra nests objects and arrays deeper than 64 levels' }),
      );
    });

    it('a string holding a lone UTF-16 surrogate', async () => {
      const client = await connect({ 'X-Api-Key': agent.apiKey });
      expect(toolError(await client.callTool({ name: 'get_time', arguments: { tz: 'America/Denver\ud800' } }))).toEqual(
        expect.objectContaining({ code: 'validation_failed', message: 'tz must be valid Unicode text (it holds a lone surrogate)' }),
      );
    });
  });

  describe('HTTP surface', () => {
    it('answers at /mcp/ (trailing slash)', async () => {
      const res = await ctx
        .http()
        .post('/mcp/')
        .set('Content-Type', 'application/json')
        .set('Accept', 'application/json, text/event-stream')
        .send(INITIALIZE);
      expect(res.status).toBe(200);
      const body = res.headers['content-type']?.startsWith('text/event-stream')
        ? JSON.parse(/^data: (.*)$/m.exec(res.text)?.[1] ?? 'null')
        : res.body;
      expect(body).toMatchObject({ jsonrpc: '2.0', id: 1, result: { serverInfo: { name: 'mnemo' } } });
    });

    it('serves a full SDK session at /mcp/', async () => {
      const client = new Client({ name: 'mnemo-e2e-slash', version: '1.0.0' });
      ctx.onClose(() => client.close());
      await client.connect(
        new StreamableHTTPClientTransport(new URL('/mcp/', ctx.baseUrl), {
          requestInit: { headers: { 'X-Api-Key': agent.apiKey } },
        }),
      );
      expect(client.getServerVersion()?.name).toBe('mnemo');
      expect(ok(await client.callTool({ name: 'whoami' }))).toEqual(restWhoami);
    });

    it('GET /mcp is 405', async () => {
      await ctx.http().get('/mcp').set('Accept', 'text/event-stream').expect(405);
      await ctx.http().get('/mcp').expect(405);
    });

    it('echoes the request id on MCP responses', async () => {
      const res = await ctx
        .http()
        .post('/mcp')
        .set('Content-Type', 'application/json')
        .set('Accept', 'application/json, text/event-stream')
        .set('X-Request-ID', 'mcp-req-42')
        .send(INITIALIZE)
        .expect(200);
      expect(res.headers['x-request-id']).toBe('mcp-req-42');
    });
  });

  describe('logging', () => {
    it('never logs keys passed as agent_key or headers', async () => {
      const logged = await ctx.newUser();
      const badKey = 'mnemo_ak_bad-key-that-must-not-be-logged';
      const start = ctx.logs.length;
      const client = await connect();
      ok(await client.callTool({ name: 'whoami', arguments: { agent_key: logged.apiKey } }));
      ok(await client.callTool({ name: 'get_time', arguments: { agent_key: logged.apiKey, tz: 'UTC' } }));
      toolError(await client.callTool({ name: 'get_time', arguments: { agent_key: logged.apiKey, tz: 5 } }));
      toolError(await client.callTool({ name: 'whoami', arguments: { agent_key: badKey } }));
      const headerClient = await connect({ 'X-Api-Key': logged.apiKey });
      ok(await headerClient.callTool({ name: 'whoami' }));

      // Request lines are written when the response finishes; let them land.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const mcpRequestLines = ctx.logs.slice(start).filter((line) => {
        const entry = JSON.parse(line) as { req?: { path?: string } };
        return entry.req?.path === '/mcp';
      });
      // Two sessions (initialize + initialized each) and five tool calls.
      expect(mcpRequestLines.length).toBeGreaterThanOrEqual(9);
      for (const line of ctx.logs) {
        expect(line).not.toContain(logged.apiKey);
        expect(line).not.toContain(badKey);
      }
    });

    it('logs the calling agent on MCP request lines', async () => {
      const logged = await ctx.newUser();
      const client = await connect();
      ok(await client.callTool({ name: 'whoami', arguments: { agent_key: logged.apiKey } }));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const lines = ctx.logs.map((line) => JSON.parse(line) as { agent?: string; req?: { path?: string } });
      expect(lines.some((l) => l.req?.path === '/mcp' && l.agent === logged.agentName)).toBe(true);
    });
  });
});
