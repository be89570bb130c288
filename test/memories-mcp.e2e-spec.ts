import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { createHash, randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { useFixtures } from './support/fixtures';
import { callTool, Json, keyOf, ok, restOk, toolError } from './support/mcp-client';
import { SCOPE_MESSAGE as SCOPE_RULE, SCOPED_AUDIT_COLUMNS, ScopedAuditRow } from './support/scoped-memories';
import { MATRIX } from './support/scoped-reads';
import { TestAgent } from './support/test-app';

/**
 * MemoryScope v1 through the MCP tools (issue 3, "MCP tools over the same
 * services"), with the official SDK client: every tool end to end, the same
 * results as the REST routes for the same data, errors, tenant isolation, audit.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DAY_MS = 24 * 3600 * 1000;
const NOT_FOUND = { code: 'not_found', message: 'Memory not found' };

/** A purpose class each scope allows (spec §2.1), and one it denies. */
const ALLOWED: Record<string, string> = {
  preferences: 'recommendation',
  constraints: 'task_execution',
  communication: 'ui_rendering',
  accessibility: 'content_generation',
  schedule: 'scheduling',
  attention: 'notification_delivery',
};
const SCOPES = Object.keys(ALLOWED);

/** Memories of every shape (some overlapping), created in this order in every scope. */
const VALUES: unknown[] = [
  { likes: ['Coffee', 'tea', ' pizza '], dislikes: ['milk', 'MILK'] },
  ['no peanuts', 'vegan', 'no peanuts'],
  [{ start: '09:00', end: '17:00', day: 'weekday' }],
  { windows: [{ start: '10:00', end: '14:00', day: 'saturday' }, { day: 'weekday', end: '17:00', start: '09:00' }] },
  { high_contrast: true, Large_Text: false },
  { focus_mode: 'Deep', do_not_disturb: 'Always', level: 2 },
  { Theme: 'Dark', UserTag: 'VIP', favorite_food: 'pizza' },
  { likes: ['COFFEE'], dislikes: ['tea'] },
  { FavoriteFood: 'sushi', 'favorite-food': 'ramen' },
];

/** The fields a merged read returns that depend only on the memories. */
const merged = (r: Json) => ({ summary_text: r.summary_text, summary_struct: r.summary_struct, confidence: r.confidence });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('MemoryScope MCP tools (official SDK client over HTTP)', () => {
  const ctx = useFixtures();
  /** Tenant A: two agents of the same user. */
  let a: TestAgent;
  let a2: TestAgent;
  /** Tenant B: another user. */
  let b: TestAgent;
  let mcpA: Client;
  let mcpA2: Client;
  let mcpB: Client;
  const connect = (headers: Record<string, string> = {}): Promise<Client> => ctx.connectMcp(headers);

  const call = callTool;
  const key = keyOf;

  const rest = {
    create: (agent: TestAgent, body: Json) => ctx.http().post('/memory').set(key(agent)).send(body),
    read: (agent: TestAgent, body: Json) => ctx.http().post('/memory/read').set(key(agent)).send(body),
    continue: (agent: TestAgent, body: Json) => ctx.http().post('/memory/read/continue').set(key(agent)).send(body),
    revoke: (agent: TestAgent, body: Json) => ctx.http().post('/memory/revoke').set(key(agent)).send(body),
    list: (agent: TestAgent, query: Json) =>
      ctx
        .http()
        .get('/memory')
        .query(query as Record<string, string>)
        .set(key(agent)),
    delete: (agent: TestAgent, id: string) => ctx.http().delete(`/memory/${id}`).set(key(agent)),
  };

  async function audit(userId: string, subject: string): Promise<ScopedAuditRow[]> {
    return ctx.db.query(
      `SELECT ${SCOPED_AUDIT_COLUMNS} FROM audit_events WHERE user_id = $1 AND subject = $2 ORDER BY seq`,
      [userId, subject],
    );
  }

  async function memoryExists(id: string): Promise<boolean> {
    const rows: unknown[] = await ctx.db.query(`SELECT 1 FROM scoped_memories WHERE id = $1`, [id]);
    return rows.length === 1;
  }

  /** Creates VALUES in every scope for a subject, through MCP or REST, one after another. */
  async function seed(via: 'mcp' | 'rest', subject: string, domain?: string): Promise<string[]> {
    const ids: string[] = [];
    for (const scope of SCOPES) {
      for (const value_json of VALUES) {
        const body = { user_id: subject, scope, domain, source: 'explicit_user_input', ttl_days: 30, value_json };
        const created =
          via === 'mcp' ? ok(await call(mcpA, 'create_scoped_memory', body)) : restOk(await rest.create(a, body), 201);
        ids.push(created.id as string);
        await sleep(3); // distinct created_at, so "newest" never depends on the random ids
      }
    }
    return ids;
  }

  beforeAll(async () => {
    a = await ctx.newUser();
    b = await ctx.newUser();
    a2 = await ctx.newAgent(a);
    mcpA = await connect(key(a));
    mcpA2 = await connect(key(a2));
    mcpB = await connect(key(b));
  });

  describe('tools/list', () => {
    it('advertises the seven memory tools with their parameters', async () => {
      const { tools } = await mcpA.listTools();
      const byName = new Map(tools.map((tool) => [tool.name, tool]));
      for (const name of [
        'create_scoped_memory',
        'read_scoped_memories',
        'continue_scoped_read',
        'revoke_read_grant',
        'list_scoped_memories',
        'delete_scoped_memory',
        'get_policy',
      ]) {
        expect(byName.get(name)?.inputSchema.properties?.agent_key).toMatchObject({ type: 'string' });
      }
      const create = byName.get('create_scoped_memory')!.inputSchema;
      expect(create.required).toEqual(expect.arrayContaining(['user_id', 'scope', 'source', 'ttl_days', 'value_json']));
      expect(create.properties?.scope).toMatchObject({ enum: SCOPES });
      const read = byName.get('read_scoped_memories')!.inputSchema;
      expect(Object.keys(read.properties ?? {})).toEqual(
        expect.arrayContaining(['user_id', 'scope', 'domain', 'purpose', 'purpose_class', 'max_age_days']),
      );
      expect(byName.get('continue_scoped_read')!.inputSchema.required).toEqual(['revocation_token']);
      // revoke_read_grant takes a revocation_token or a grant_id (exactly one), so neither is required by the schema.
      const revoke = byName.get('revoke_read_grant')!.inputSchema;
      expect(revoke.required).toBeUndefined();
      expect(Object.keys(revoke.properties ?? {}).sort()).toEqual(['agent_key', 'grant_id', 'revocation_token']);
      expect(byName.get('delete_scoped_memory')!.inputSchema.required).toEqual(['id']);
    });
  });

  describe('same results as REST for the same data', () => {
    const viaMcp = `mcp-subject-${randomUUID()}`;
    const viaRest = `rest-subject-${randomUUID()}`;
    let mcpIds: string[];

    beforeAll(async () => {
      mcpIds = await seed('mcp', viaMcp);
      await seed('rest', viaRest);
    });

    it('create_scoped_memory answers like POST /memory', async () => {
      const body = {
        user_id: ' create-subject ',
        scope: 'preferences',
        domain: 'food',
        source: 'user_setting',
        ttl_days: 7,
        value_json: { likes: ['x'] },
      };
      // An unknown field is refused alike through either door, naming it; nothing stored.
      const unknownField = [{ field: 'unknown_field', message: 'unknown_field is not a known field' }];
      expect(toolError(await call(mcpA, 'create_scoped_memory', { ...body, unknown_field: 'refused' }))).toEqual({
        code: 'validation_failed',
        message: 'unknown_field is not a known field',
        errors: unknownField,
      });
      expect(restOk(await rest.create(a, { ...body, unknown_field: 'refused' }), 422)).toMatchObject({
        code: 'validation_failed',
        detail: 'unknown_field is not a known field',
        errors: unknownField,
      });
      expect(await ctx.db.query(`SELECT id FROM scoped_memories WHERE subject = 'create-subject'`)).toEqual([]);

      const viaTool = ok(await call(mcpA, 'create_scoped_memory', body));
      const viaRoute = restOk(await rest.create(a, body), 201);
      for (const created of [viaTool, viaRoute]) {
        expect(Object.keys(created).sort()).toEqual(['created_at', 'domain', 'expires_at', 'id', 'scope', 'user_id']);
        expect(created).toMatchObject({ user_id: 'create-subject', scope: 'preferences', domain: 'food' });
        expect(created.id).toMatch(UUID);
        expect(created.created_at).toMatch(ISO);
        expect(Date.parse(created.expires_at as string) - Date.parse(created.created_at as string)).toBe(7 * DAY_MS);
      }
      // Whitespace-only domain = no domain, through either door.
      const noDomain = { ...body, domain: '   ' };
      expect(ok(await call(mcpA, 'create_scoped_memory', noDomain)).domain).toBeNull();
      expect(restOk(await rest.create(a, noDomain), 201).domain).toBeNull();
    });

    it('stores the same normalized values (list_scoped_memories = GET /memory, same subject)', async () => {
      const viaTool = ok(await call(mcpA, 'list_scoped_memories', { user_id: viaMcp }));
      const viaRoute = restOk(await rest.list(a, { user_id: viaMcp }), 200);
      expect(viaTool).toEqual(viaRoute);
      expect(viaTool.total).toBe(SCOPES.length * VALUES.length);
      expect((viaTool.memories as Json[]).map((m) => m.id).sort()).toEqual([...mcpIds].sort());

      // And the same stored values as the memories written through REST.
      const restList = restOk(await rest.list(a, { user_id: viaRest }), 200);
      const stored = (list: Json) =>
        (list.memories as Json[]).map((m) => [m.scope, m.shape, m.value, m.source, m.ttl_days, m.domain, m.expired]);
      expect(stored(viaTool)).toEqual(stored(restList));

      // The object form of a schedule is stored as its array form.
      const schedule = (viaTool.memories as Json[]).filter((m) => m.scope === 'schedule' && m.shape === 'schedule_windows');
      expect(schedule.map((m) => m.value)).toContainEqual([
        { start: '10:00', end: '14:00', day: 'saturday' },
        { day: 'weekday', end: '17:00', start: '09:00' },
      ]);
    });

    it('list_scoped_memories filters and pages like GET /memory', async () => {
      for (const query of [
        { user_id: viaMcp, scope: 'schedule' },
        { user_id: viaMcp, scope: 'preferences', limit: 3, offset: 2 },
        { user_id: viaMcp, domain: '' },
        { user_id: viaMcp, domain: 'nope' },
        { user_id: viaMcp, include_expired: true, limit: 5 },
      ]) {
        const viaTool = ok(await call(mcpA, 'list_scoped_memories', query));
        const viaRoute = restOk(await rest.list(a, query), 200);
        expect(viaTool).toEqual(viaRoute);
      }
      const page = ok(await call(mcpA, 'list_scoped_memories', { user_id: viaMcp, scope: 'preferences', limit: 3, offset: 2 }));
      expect(page).toMatchObject({ total: VALUES.length, limit: 3, offset: 2 });
      expect(page.memories).toHaveLength(3);
      expect(ok(await call(mcpA, 'list_scoped_memories', { user_id: viaMcp, domain: 'nope' })).total).toBe(0);
    });

    it.each(SCOPES)('read_scoped_memories merges %s like POST /memory/read', async (scope) => {
      const args = { user_id: viaMcp, scope, purpose_class: ALLOWED[scope], purpose: 'e2e comparison' };
      const viaTool = ok(await call(mcpA, 'read_scoped_memories', args));
      const viaRoute = restOk(await rest.read(a, args), 200);
      const restWritten = restOk(await rest.read(a, { ...args, user_id: viaRest }), 200);

      expect(Object.keys(viaTool).sort()).toEqual(['confidence', 'expires_at', 'revocation_token', 'summary_struct', 'summary_text']);
      expect(merged(viaTool)).toEqual(merged(viaRoute));
      expect(JSON.stringify(merged(viaTool))).toBe(JSON.stringify(merged(restWritten)));
      expect(viaTool.confidence).toBe(0.9);
      expect(viaTool.revocation_token).toEqual(expect.any(String));
      expect(viaTool.revocation_token).not.toBe(viaRoute.revocation_token);
      const expiresIn = Date.parse(viaTool.expires_at as string) - Date.now();
      expect(expiresIn).toBeGreaterThan(DAY_MS - 60_000);
      expect(expiresIn).toBeLessThanOrEqual(DAY_MS + 1000);
    });

    it('read_scoped_memories gives the spec’s merge (preferences: newest stance and spelling, settings keys)', async () => {
      const viaTool = ok(
        await call(mcpA, 'read_scoped_memories', { user_id: viaMcp, scope: 'preferences', purpose: 'make recommendations' }),
      );
      expect(viaTool.summary_text).toBe('Likes: 2, Dislikes: 2, Settings: 3');
      expect(viaTool.summary_struct).toEqual({
        likes: ['COFFEE', 'pizza'],
        dislikes: ['milk', 'tea'],
        settings: { theme: 'Dark', usertag: 'vip', favorite_food: 'ramen' },
      });
      const schedule = ok(
        await call(mcpA, 'read_scoped_memories', { user_id: viaMcp, scope: 'schedule', purpose: 'schedule a meeting' }),
      );
      expect(schedule.summary_text).toBe('Schedule: 2 time windows');
      expect(schedule.summary_struct).toEqual({
        windows: [
          { start: '09:00', end: '17:00', day: 'weekday' },
          { start: '10:00', end: '14:00', day: 'saturday' },
        ],
      });
    });

    it('read_scoped_memories of nothing: "No memories found.", confidence 0, still a grant', async () => {
      const args = { user_id: `nobody-${randomUUID()}`, scope: 'attention', purpose: 'display a banner' };
      const viaTool = ok(await call(mcpA, 'read_scoped_memories', args));
      const viaRoute = restOk(await rest.read(a, args), 200);
      expect(merged(viaTool)).toEqual({ summary_text: 'No memories found.', summary_struct: {}, confidence: 0 });
      expect(merged(viaRoute)).toEqual(merged(viaTool));
      expect(ok(await call(mcpA, 'continue_scoped_read', { revocation_token: viaTool.revocation_token }))).toEqual(viaTool);
    });

    it('continue_scoped_read answers like POST /memory/read/continue (same token, same expiry, new memories included)', async () => {
      const subject = `continue-${randomUUID()}`;
      const body = { user_id: subject, scope: 'preferences', source: 'explicit_user_input', ttl_days: 5 };
      ok(await call(mcpA, 'create_scoped_memory', { ...body, value_json: { likes: ['tea'] } }));
      const read = ok(await call(mcpA, 'read_scoped_memories', { user_id: subject, scope: 'preferences', purpose: 'recommend a drink' }));
      expect(read.summary_text).toBe('Likes: 1, Dislikes: 0, Settings: 0');
      const token = read.revocation_token as string;

      await sleep(3);
      ok(await call(mcpA, 'create_scoped_memory', { ...body, value_json: { dislikes: ['Tea'], likes: ['water'] } }));

      const viaTool = ok(await call(mcpA, 'continue_scoped_read', { revocation_token: token }));
      const viaRoute = restOk(await rest.continue(a, { revocation_token: token }), 200);
      expect(viaTool).toEqual(viaRoute);
      expect(viaTool).toEqual({
        summary_text: 'Likes: 1, Dislikes: 1, Settings: 0',
        summary_struct: { likes: ['water'], dislikes: ['Tea'], settings: {} },
        confidence: 0.7,
        revocation_token: token,
        expires_at: read.expires_at,
      });
      // A token issued by REST continues through MCP too.
      const restRead = restOk(await rest.read(a, { user_id: subject, scope: 'preferences', purpose_class: 'recommendation' }), 200);
      const continued = ok(await call(mcpA, 'continue_scoped_read', { revocation_token: restRead.revocation_token }));
      expect(continued).toEqual({ ...merged(viaTool), revocation_token: restRead.revocation_token, expires_at: restRead.expires_at });
      // max_age_days overrides for one call.
      expect(ok(await call(mcpA, 'continue_scoped_read', { revocation_token: token, max_age_days: 1 })).confidence).toBe(0.7);
    });

    it('revoke_read_grant answers like POST /memory/revoke; later continues fail with REVOKED either way', async () => {
      const subject = `revoke-${randomUUID()}`;
      const args = { user_id: subject, scope: 'schedule', purpose: 'calendar sync' };
      const tokenA = ok(await call(mcpA, 'read_scoped_memories', args)).revocation_token as string;
      const tokenB = restOk(await rest.read(a, args), 200).revocation_token as string;

      const viaTool = ok(await call(mcpA, 'revoke_read_grant', { revocation_token: tokenA }));
      const viaRoute = restOk(await rest.revoke(a, { revocation_token: tokenB }), 200);
      for (const revoked of [viaTool, viaRoute]) {
        expect(Object.keys(revoked).sort()).toEqual(['revoked', 'revoked_at']);
        expect(revoked.revoked).toBe(true);
        expect(revoked.revoked_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      }

      const firstRevokedAt = new Map([
        [tokenA, viaTool.revoked_at],
        [tokenB, viaRoute.revoked_at],
      ]);
      for (const token of [tokenA, tokenB]) {
        expect(toolError(await call(mcpA, 'continue_scoped_read', { revocation_token: token }))).toEqual({
          code: 'forbidden',
          message: 'REVOKED',
        });
        const res = await rest.continue(a, { revocation_token: token });
        expect(restOk(res, 403)).toMatchObject({ code: 'forbidden', detail: 'REVOKED' });
        // Already revoked: a conflict saying when the first revoke was, through either door.
        const already = `Grant already revoked at ${firstRevokedAt.get(token) as string}`;
        expect(toolError(await call(mcpA, 'revoke_read_grant', { revocation_token: token }))).toEqual({
          code: 'conflict',
          message: already,
        });
        expect(restOk(await rest.revoke(a, { revocation_token: token }), 409)).toMatchObject({
          code: 'conflict',
          detail: already,
        });
      }
      // An unknown token is still not found, through either door.
      expect(toolError(await call(mcpA, 'revoke_read_grant', { revocation_token: 'no-such-token' }))).toEqual({
        code: 'not_found',
        message: 'Revocation token not found',
      });
      expect(restOk(await rest.revoke(a, { revocation_token: 'no-such-token' }), 404)).toMatchObject({
        code: 'not_found',
        detail: 'Revocation token not found',
      });
      const unknown = { revocation_token: 'no-such-token' };
      expect(toolError(await call(mcpA, 'continue_scoped_read', unknown))).toEqual({
        code: 'not_found',
        message: 'Revocation token not found',
      });
      expect(restOk(await rest.continue(a, unknown), 404).detail).toContain('Revocation token not found');
    });

    it('delete_scoped_memory deletes like DELETE /memory/{id}', async () => {
      const subject = `delete-${randomUUID()}`;
      const body = { user_id: subject, scope: 'communication', source: 'user_setting', ttl_days: 3, value_json: { channel: 'email' } };
      const first = ok(await call(mcpA, 'create_scoped_memory', body)).id as string;
      const second = ok(await call(mcpA, 'create_scoped_memory', body)).id as string;

      expect(ok(await call(mcpA, 'delete_scoped_memory', { id: first }))).toEqual({ deleted: first });
      expect(await memoryExists(first)).toBe(false);
      expect(restOk(await rest.delete(a, first), 404)).toMatchObject({ code: 'not_found', detail: 'Memory not found' });
      expect(toolError(await call(mcpA, 'delete_scoped_memory', { id: first }))).toEqual(NOT_FOUND);

      const res = await rest.delete(a, second);
      expect(res.status).toBe(204);
      expect(toolError(await call(mcpA, 'delete_scoped_memory', { id: second }))).toEqual(NOT_FOUND);
      expect(ok(await call(mcpA, 'list_scoped_memories', { user_id: subject })).total).toBe(0);

      // Upper-case ids name the same memory.
      const third = ok(await call(mcpA, 'create_scoped_memory', body)).id as string;
      expect(ok(await call(mcpA, 'delete_scoped_memory', { id: third.toUpperCase() })).deleted).toBe(third);
      expect(await memoryExists(third)).toBe(false);
    });

    it('get_policy returns what GET /policy returns', async () => {
      const viaTool = ok(await call(mcpA, 'get_policy'));
      const viaRoute = restOk(await ctx.http().get('/policy'), 200);
      expect(viaTool).toEqual(viaRoute);
      expect(viaTool.matrix).toEqual(MATRIX);
      expect(viaTool.scopes).toEqual(SCOPES);
      expect(viaTool.unmatched_purpose).toBe('deny');
    });

    it('accepts the key as the agent_key argument instead of a header', async () => {
      const bare = await connect();
      const viaArgument = ok(await call(bare, 'list_scoped_memories', { agent_key: a.apiKey, user_id: viaMcp, scope: 'attention' }));
      expect(viaArgument).toEqual(restOk(await rest.list(a, { user_id: viaMcp, scope: 'attention' }), 200));
      const keyRequired = {
        code: 'unauthorized',
        message: 'API key required: pass your agent key as the agent_key argument, or connect with the X-Api-Key or Authorization: Bearer header',
      };
      expect(toolError(await call(bare, 'get_policy'))).toEqual(keyRequired);
      expect(toolError(await call(bare, 'create_scoped_memory', { user_id: 'x', scope: 'nope' }))).toEqual(keyRequired);
    });
  });

  describe('policy denials', () => {
    it.each([
      ['schedule', { purpose_class: 'content_generation' }, 'content_generation'],
      ['preferences', { purpose: 'schedule a meeting' }, 'scheduling'],
      ['attention', { purpose: 'generate personalized food recommendations' }, 'content_generation'],
      ['constraints', { purpose: 'render UI' }, 'ui_rendering'],
      ['communication', { purpose_class: 'task_execution', purpose: 'write an email' }, 'task_execution'],
    ])('%s with %j -> forbidden, "Purpose class \'%s\' not allowed…"', async (scope, purpose, purposeClass) => {
      const args = { user_id: 'denied-subject', scope, ...purpose };
      const error = toolError(await call(mcpA, 'read_scoped_memories', args));
      expect(error).toEqual({ code: 'forbidden', message: `Purpose class '${purposeClass}' not allowed for scope '${scope}'` });
      const res = await rest.read(a, args);
      expect(restOk(res, 403)).toMatchObject({ code: 'forbidden', detail: error.message });
    });

    it('a purpose that matches no class is denied (fail closed), naming the six classes', async () => {
      for (const purpose of ['build a report', 'sometimes', '   ']) {
        const error = toolError(await call(mcpA, 'read_scoped_memories', { user_id: 'denied-subject', scope: 'preferences', purpose }));
        expect(error.code).toBe('forbidden');
        for (const pc of Object.values(ALLOWED)) expect(error.message).toContain(pc);
      }
    });

    it('a denial creates no grant and is audited as POLICY_DENIED with the calling agent', async () => {
      const subject = `denied-${randomUUID()}`;
      const grantsBefore: { n: string }[] = await ctx.db.query(`SELECT count(*) AS n FROM read_grants WHERE subject = $1`, [subject]);
      const denied = { user_id: subject, scope: 'attention', domain: 'work', purpose: 'write a poem' };
      toolError(await call(mcpA2, 'read_scoped_memories', denied));
      const grantsAfter: { n: string }[] = await ctx.db.query(`SELECT count(*) AS n FROM read_grants WHERE subject = $1`, [subject]);
      expect(grantsAfter[0].n).toBe(grantsBefore[0].n);
      expect(await audit(a.userId, subject)).toEqual([
        expect.objectContaining({
          event_type: 'MEMORY_READ',
          agent_id: a2.agentId,
          subject,
          scope: 'attention',
          domain: 'work',
          purpose: 'write a poem',
          purpose_class: 'content_generation',
          memory_ids: null,
          grant_id: null,
          reason_code: 'POLICY_DENIED',
        }),
      ]);
    });
  });

  describe('invalid arguments: validation_failed naming the field, as REST', () => {
    const base = {
      user_id: 'subject-1',
      scope: 'preferences',
      source: 'explicit_user_input',
      ttl_days: 30,
      value_json: { likes: ['x'] },
    };

    async function expectInvalid(tool: string, args: Json, field: string, message?: string | RegExp, route?: () => Promise<Response>) {
      const error = toolError(await call(mcpA, tool, args));
      expect(error.code).toBe('validation_failed');
      expect(error.errors?.map((e) => e.field)).toContain(field);
      const fieldMessage = error.errors!.find((e) => e.field === field)!.message;
      if (message !== undefined) expect(fieldMessage).toMatch(message);
      expect(error.message).toContain(fieldMessage);
      if (route) {
        const body = restOk(await route(), 422);
        expect(body).toMatchObject({ code: 'validation_failed', detail: error.message, errors: error.errors });
      }
      return error;
    }

    it.each<[string, Json, string, string | RegExp]>([
      ['scope "nope"', { scope: 'nope' }, 'scope', SCOPE_RULE],
      ['ttl_days 0', { ttl_days: 0 }, 'ttl_days', 'ttl_days must be an integer between 1 and 365'],
      ['ttl_days 366', { ttl_days: 366 }, 'ttl_days', /ttl_days/],
      ['ttl_days 1.5', { ttl_days: 1.5 }, 'ttl_days', /ttl_days/],
      ['value_json [1,2]', { value_json: [1, 2] }, 'value_json', 'value_json does not match any allowed shape'],
      ['value_json []', { value_json: [] }, 'value_json', 'value_json does not match any allowed shape'],
      ['value_json a string', { value_json: 'coffee' }, 'value_json', /value_json/],
      ['likes a string', { value_json: { likes: 'coffee' } }, 'value_json', /likes/],
      ['a window holding an object', { value_json: [{ day: 'mon', at: { h: 9 } }] }, 'value_json', /window/],
      ['object form with an extra key', { value_json: { windows: [{ day: 'mon' }], x: 1 } }, 'value_json', /windows/],
      ['a 2,001-character string', { value_json: ['x'.repeat(2001)] }, 'value_json', /2000|2,000/],
      ['source "chat"', { source: 'chat' }, 'source', 'source must be one of explicit_user_input, user_setting'],
      ['user_id with a space', { user_id: 'a b' }, 'user_id', /user_id/],
      ['user_id empty', { user_id: '' }, 'user_id', /user_id/],
      ['domain with "<"', { domain: '<b>' }, 'domain', /domain/],
    ])('create_scoped_memory: %s', async (_name, override, field, message) => {
      const args = { ...base, ...override };
      await expectInvalid('create_scoped_memory', args, field, message, () => rest.create(a, args));
    });

    it('create_scoped_memory: missing required arguments are named', async () => {
      const error = toolError(await call(mcpA, 'create_scoped_memory', {}));
      expect(error.code).toBe('validation_failed');
      expect(error.errors!.map((e) => e.field).sort()).toEqual(['scope', 'source', 'ttl_days', 'user_id', 'value_json']);
    });

    it.each<[string, Json, string]>([
      ['scope "nope"', { scope: 'nope', purpose: 'make recommendations' }, 'scope'],
      ['max_age_days 0', { max_age_days: 0, purpose: 'make recommendations' }, 'max_age_days'],
      ['no purpose and no purpose_class', {}, 'purpose'],
      ['purpose_class "marketing"', { purpose_class: 'marketing' }, 'purpose_class'],
      ['a 1,001-character purpose', { purpose: 'recommend '.repeat(101) }, 'purpose'],
    ])('read_scoped_memories: %s', async (_name, override, field) => {
      const args = { user_id: 'subject-1', scope: 'preferences', ...override };
      await expectInvalid('read_scoped_memories', args, field, undefined, () => rest.read(a, args));
    });

    it('schema errors take precedence over policy denials', async () => {
      const args = { user_id: 'subject-1', scope: 'nope', purpose: 'write a poem', max_age_days: 0 };
      const error = await expectInvalid('read_scoped_memories', args, 'scope', SCOPE_RULE, () => rest.read(a, args));
      expect(error.errors!.map((e) => e.field)).toContain('max_age_days');
    });

    it('continue_scoped_read, revoke_read_grant, list_scoped_memories and delete_scoped_memory name their fields', async () => {
      await expectInvalid('continue_scoped_read', {}, 'revocation_token', /revocation_token/, () => rest.continue(a, {}));
      await expectInvalid('continue_scoped_read', { revocation_token: 'x', max_age_days: 0 }, 'max_age_days', /max_age_days/, () =>
        rest.continue(a, { revocation_token: 'x', max_age_days: 0 }),
      );
      await expectInvalid('revoke_read_grant', { revocation_token: 42 }, 'revocation_token', /revocation_token/, () =>
        rest.revoke(a, { revocation_token: 42 }),
      );
      await expectInvalid('list_scoped_memories', { user_id: 'a b' }, 'user_id', /user_id/);
      await expectInvalid('list_scoped_memories', { user_id: 'x', scope: 'nope' }, 'scope', SCOPE_RULE);
      await expectInvalid('list_scoped_memories', { user_id: 'x', limit: 0 }, 'limit');
      await expectInvalid('delete_scoped_memory', { id: 'not-a-uuid' }, 'id', 'id must be a UUID');
      await expectInvalid('delete_scoped_memory', {}, 'id');
    });

    it('invalid calls are not audited and store nothing', async () => {
      const subject = `invalid-${randomUUID()}`;
      toolError(await call(mcpA, 'create_scoped_memory', { ...base, user_id: subject, value_json: [1, 2] }));
      const read = { user_id: subject, scope: 'preferences', purpose: 'recommend', max_age_days: 0 };
      toolError(await call(mcpA, 'read_scoped_memories', read));
      expect(await audit(a.userId, subject)).toEqual([]);
      const rows: unknown[] = await ctx.db.query(`SELECT 1 FROM scoped_memories WHERE subject = $1`, [subject]);
      expect(rows).toEqual([]);
    });

    it('a value PostgreSQL cannot store (U+0000) is a validation error, not an internal error', async () => {
      const args = { ...base, user_id: `nul-${randomUUID()}`, value_json: { note: 'a\u0000b' } };
      const error = toolError(await call(mcpA, 'create_scoped_memory', args));
      expect(error.code).toBe('validation_failed');
      expect(restOk(await rest.create(a, args), 422).code).toBe('validation_failed');
    });

    it('a purpose holding U+0000 does not fail the read with an internal error', async () => {
      for (const scope of ['preferences', 'schedule']) {
        // preferences allows content_generation (grant insert), schedule denies it (denial audit).
        const result = await call(mcpA, 'read_scoped_memories', { user_id: 'nul-purpose', scope, purpose: 'write\u0000 it' });
        if (result.isError) expect(toolError(result).code).not.toBe('internal_error');
      }
    });
  });

  describe('tenant isolation through MCP', () => {
    const subject = `shared-${randomUUID()}`;
    let memoryId: string;
    let token: string;
    let readOfA: Json;

    beforeAll(async () => {
      memoryId = ok(
        await call(mcpA, 'create_scoped_memory', {
          user_id: subject,
          scope: 'preferences',
          source: 'explicit_user_input',
          ttl_days: 30,
          value_json: { likes: ['secret'] },
        }),
      ).id as string;
      readOfA = ok(await call(mcpA, 'read_scoped_memories', { user_id: subject, scope: 'preferences', purpose: 'recommend' }));
      token = readOfA.revocation_token as string;
    });

    it("another user cannot continue A's token", async () => {
      expect(toolError(await call(mcpB, 'continue_scoped_read', { revocation_token: token }))).toEqual({
        code: 'not_found',
        message: 'Revocation token not found',
      });
    });

    it("another user cannot revoke A's token, and it still works for A", async () => {
      expect(toolError(await call(mcpB, 'revoke_read_grant', { revocation_token: token }))).toEqual({
        code: 'not_found',
        message: 'Revocation token not found',
      });
      const continued = ok(await call(mcpA, 'continue_scoped_read', { revocation_token: token }));
      expect(continued).toEqual(readOfA);
      const grants: { revoked_at: Date | null }[] = await ctx.db.query(`SELECT revoked_at FROM read_grants WHERE subject = $1`, [subject]);
      expect(grants).toEqual([{ revoked_at: null }]);
    });

    it("another user cannot list A's memories of the same subject", async () => {
      const list = ok(await call(mcpB, 'list_scoped_memories', { user_id: subject }));
      expect(list).toEqual({ memories: [], total: 0, limit: 200, offset: 0 });
      expect(ok(await call(mcpB, 'list_scoped_memories', { user_id: subject, include_expired: true })).total).toBe(0);
    });

    it("another user's read of the same subject sees nothing of A's", async () => {
      const read = ok(await call(mcpB, 'read_scoped_memories', { user_id: subject, scope: 'preferences', purpose: 'recommend' }));
      expect(merged(read)).toEqual({ summary_text: 'No memories found.', summary_struct: {}, confidence: 0 });
      // ...and B's own memories of that subject stay out of A's reads.
      ok(
        await call(mcpB, 'create_scoped_memory', {
          user_id: subject,
          scope: 'preferences',
          source: 'explicit_user_input',
          ttl_days: 30,
          value_json: { likes: ['b-only'] },
        }),
      );
      expect(merged(ok(await call(mcpA, 'continue_scoped_read', { revocation_token: token })))).toEqual(merged(readOfA));
      const readOfB = ok(await call(mcpB, 'read_scoped_memories', { user_id: subject, scope: 'preferences', purpose: 'recommend' }));
      expect((readOfB.summary_struct as Json).likes).toEqual(['b-only']);
    });

    it("another user cannot delete A's memory; it still exists for A", async () => {
      expect(toolError(await call(mcpB, 'delete_scoped_memory', { id: memoryId }))).toEqual({
        code: 'not_found',
        message: 'Memory not found',
      });
      expect(await memoryExists(memoryId)).toBe(true);
      const list = ok(await call(mcpA, 'list_scoped_memories', { user_id: subject }));
      expect((list.memories as Json[]).map((m) => m.id)).toEqual([memoryId]);
      expect(restOk(await rest.list(a, { user_id: subject }), 200).total).toBe(1);
    });

    it("B's failed attempts are not audited in A's trail", async () => {
      const rows = await audit(a.userId, subject);
      expect(rows.every((r) => r.agent_id === a.agentId)).toBe(true);
      const rowsB = await audit(b.userId, subject);
      expect(rowsB.every((r) => r.agent_id === b.agentId)).toBe(true);
      expect(rowsB.map((r) => r.event_type)).not.toContain('MEMORY_REVOKE');
      expect(rowsB.map((r) => r.event_type)).not.toContain('MEMORY_DELETE');
    });

    it('another agent of the same user is the same tenant: it can continue and revoke', async () => {
      const continued = ok(await call(mcpA2, 'continue_scoped_read', { revocation_token: token }));
      expect(merged(continued)).toEqual(merged(readOfA));
      expect(ok(await call(mcpA2, 'revoke_read_grant', { revocation_token: token })).revoked).toBe(true);
      expect(toolError(await call(mcpA, 'continue_scoped_read', { revocation_token: token }))).toEqual({
        code: 'forbidden',
        message: 'REVOKED',
      });
    });
  });

  describe('audit: writes through MCP are recorded with the calling agent', () => {
    it('create, read, continue, list, revoke and delete each leave one event by the agent that called', async () => {
      const subject = `audited-${randomUUID()}`;
      const created = ok(
        await call(mcpA2, 'create_scoped_memory', {
          user_id: subject,
          scope: 'constraints',
          domain: 'food',
          source: 'user_setting',
          ttl_days: 10,
          value_json: ['no peanuts'],
        }),
      );
      const id = created.id as string;
      const read = ok(
        await call(mcpA, 'read_scoped_memories', { user_id: subject, scope: 'constraints', domain: 'food', purpose: 'execute task' }),
      );
      const token = read.revocation_token as string;
      ok(await call(mcpA2, 'continue_scoped_read', { revocation_token: token }));
      ok(await call(mcpA, 'list_scoped_memories', { user_id: subject }));
      ok(await call(mcpA2, 'revoke_read_grant', { revocation_token: token }));
      ok(await call(mcpA, 'delete_scoped_memory', { id }));

      const grants: { id: string; agent_id: string; purpose: string; purpose_class: string; token_hash: string }[] =
        await ctx.db.query(`SELECT id, agent_id, purpose, purpose_class, token_hash FROM read_grants WHERE subject = $1`, [subject]);
      expect(grants).toHaveLength(1);
      const grant = grants[0];
      expect(grant).toMatchObject({ agent_id: a.agentId, purpose: 'execute task', purpose_class: 'task_execution' });
      expect(grant.token_hash).toBe(createHash('sha256').update(token, 'utf8').digest('hex')); // only the hash is stored

      const rows = await audit(a.userId, subject);
      const common = { user_id: a.userId, subject, request_id: expect.any(String) };
      expect(rows).toEqual([
        {
          ...common,
          event_type: 'MEMORY_WRITE',
          agent_id: a2.agentId,
          scope: 'constraints',
          domain: 'food',
          purpose: null,
          purpose_class: null,
          memory_ids: [id],
          grant_id: null,
          reason_code: null,
        },
        {
          ...common,
          event_type: 'MEMORY_READ',
          agent_id: a.agentId,
          scope: 'constraints',
          domain: 'food',
          purpose: 'execute task',
          purpose_class: 'task_execution',
          memory_ids: [id],
          grant_id: grant.id,
          reason_code: null,
        },
        {
          ...common,
          event_type: 'MEMORY_READ',
          agent_id: a2.agentId,
          scope: 'constraints',
          domain: 'food',
          purpose: 'execute task',
          purpose_class: 'task_execution',
          memory_ids: [id],
          grant_id: grant.id,
          reason_code: 'CONTINUE',
        },
        expect.objectContaining({ ...common, event_type: 'MEMORY_LIST', agent_id: a.agentId, memory_ids: [id] }),
        expect.objectContaining({
          ...common,
          event_type: 'MEMORY_REVOKE',
          agent_id: a2.agentId,
          scope: 'constraints',
          domain: 'food',
          grant_id: grant.id,
        }),
        expect.objectContaining({
          ...common,
          event_type: 'MEMORY_DELETE',
          agent_id: a.agentId,
          scope: 'constraints',
          domain: 'food',
          memory_ids: [id],
        }),
      ]);
      // Each tool call is its own request.
      expect(new Set(rows.map((r) => r.request_id)).size).toBe(rows.length);
    });
  });
});
