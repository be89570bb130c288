import { AGENT_NOT_FOUND, CONTEXT_KEYS, ISO_UTC, Kind, alBase, memBase, baseOf, agentContext } from './support/agent-context';
import { newRid } from './support/agent-requests';
import { perBlock, useFixtures } from './support/fixtures';
import { expectProblem } from './support/problems';
import { TestAgent, uniqueName } from './support/test-app';

/*
 * GET /agents/{name}/context and GET /boot (issue 4; spec §3.5, §5.2–§5.3), over
 * HTTP against real PostgreSQL: the manifest, the session it starts, its freshness
 * after writes (rendered once per version), and the boot document's URLs.
 * Fixtures: user U1 with agents A1a and A1b, user U2 with agent A2.
 */

describe('LucyAPI agent-scoped API: the context manifest and boot', () => {
  const ctx = useFixtures();
  const { fixture, createNode, createMemory, rowCount } = agentContext(ctx);
  const { as, expectAudited } = ctx;

  // ---------------------------------------------------------------------------
  describe('GET /agents/{name}/context', () => {
    const f = perBlock(fixture);
    let al: { pkid: number; parent_id: number; title: string }[];
    let mems: { pkid: number; title: string }[];
    let prefs: { pkid: number; title: string }[];

    beforeAll(async () => {
      const root = await createNode('always_load', f.a1a, { title: 'Identity', description: 'Long identity text', sort_order: 1 });
      const first = await createNode('always_load', f.a1a, { title: 'First root', description: 'x' });
      const child = await createNode('always_load', f.a1a, { title: 'Voice', parent_id: root, description: 'y' });
      al = [
        { pkid: first, parent_id: 0, title: 'First root' },
        { pkid: root, parent_id: 0, title: 'Identity' },
        { pkid: child, parent_id: root, title: 'Voice' },
      ];
      const m1 = await createMemory(f.a1a, { title: 'Has a dog named Rex', description: 'beagle' });
      const m2 = await createMemory(f.a1a, { title: 'Lives in Denver' });
      mems = [
        { pkid: m1, title: 'Has a dog named Rex' },
        { pkid: m2, title: 'Lives in Denver' },
      ];
      const food = await createNode('preferences', f.a1a, { title: 'Food', description: 'Spicy', sort_order: 1 });
      const books = await createNode('preferences', f.a1a, { title: 'Books' });
      await createNode('preferences', f.a1a, { title: 'Chili', parent_id: food });
      prefs = [
        { pkid: books, title: 'Books' },
        { pkid: food, title: 'Food' },
      ];
      // A1b's own data must not leak into A1a's context.
      await createNode('always_load', f.a1b, { title: 'A1b identity' });
      await createMemory(f.a1b, { title: 'A1b memory' });
      await createNode('preferences', f.a1b, { title: 'A1b pref' });
    });

    it('has exactly agent, time, always_load (no descriptions), memories, preferences_manifest, projects_manifest, last_session, pending_handoffs, hints_compact, actionable_nudges', async () => {
      const res = await as(f.a1a, 'get', `/agents/${f.a1a.agentName}/context`).expect(200);
      expect(Object.keys(res.body).sort()).toEqual(CONTEXT_KEYS);
      expect(res.body.agent).toBe(f.a1a.agentName);
      expect(res.body.always_load).toEqual(al);
      expect(res.body.memories).toEqual(mems);
      expect(res.body.preferences_manifest).toEqual(prefs);
      expect(res.body.projects_manifest).toEqual([]);
      expect(res.body.last_session).toBeNull();
      expect(res.body.pending_handoffs).toEqual([]);
      expect(res.text).not.toContain('Long identity text');
      expect(res.text).not.toContain('beagle');
    });

    it('time is the /time object in the user’s time zone (America/Denver)', async () => {
      const before = Date.now();
      const res = await as(f.a1a, 'get', `/agents/${f.a1a.agentName}/context`).expect(200);
      const after = Date.now();
      const time = res.body.time as { utc: string; local: string; tz: string; day: string; unix: number };
      const reference = await as(f.a1a, 'get', '/time').expect(200);
      expect(Object.keys(time).sort()).toEqual(Object.keys(reference.body).sort());
      expect(time.tz).toBe('America/Denver');
      expect(reference.body.tz).toBe('America/Denver');
      const utc = Date.parse(time.utc);
      expect(utc).toBeGreaterThanOrEqual(before - 2_000);
      expect(utc).toBeLessThanOrEqual(after + 2_000);
      expect(time.unix).toBe(Math.floor(utc / 1000));
      expect(time.local).toMatch(/-0[67]:00$/);
      expect(Date.parse(time.local)).toBe(utc);
      const weekday = new Intl.DateTimeFormat('en-US', { timeZone: 'America/Denver', weekday: 'long' }).format(new Date(utc));
      expect(time.day).toBe(weekday);

      // A sibling sees the same user's zone; another user's agent has its own.
      expect((await as(f.a1b, 'get', `/agents/${f.a1a.agentName}/context`).expect(200)).body.time.tz).toBe('America/Denver');
      const utcUser = await ctx.newUser({ timezone: 'Asia/Tokyo' });
      const tokyo = await as(utcUser, 'get', `/agents/${utcUser.agentName}/context`).expect(200);
      expect(tokyo.body.time.tz).toBe('Asia/Tokyo');
      expect(tokyo.body.time.local).toMatch(/\+09:00$/);
    });

    it('a sibling reads the same context; another user’s agent and an unknown name get 404', async () => {
      const own = await as(f.a1a, 'get', `/agents/${f.a1a.agentName}/context`).expect(200);
      const theirs = await as(f.a1b, 'get', `/agents/${f.a1a.agentName}/context`).expect(200);
      const { time: _a, ...ownRest } = own.body;
      const { time: _b, ...theirRest } = theirs.body;
      expect(theirRest).toEqual(ownRest);
      expectProblem(await as(f.a2, 'get', `/agents/${f.a1a.agentName}/context`), 404, AGENT_NOT_FOUND);
      expectProblem(await as(f.a1a, 'get', `/agents/${uniqueName('ghost')}/context`), 404, AGENT_NOT_FOUND);
    });

    it('lists pending handoffs (with their sender) and the last session of the named agent', async () => {
      const h = await as(f.a1b, 'post', `/agents/${f.a1a.agentName}/handoffs`, { title: 'Continue the migration', prompt: 'Step 3' }).expect(201);
      const id = h.body.created.handoff_id as number;
      const s = await as(f.a1a, 'post', '/sessions', { project: 'mnemo' }).expect(201);

      const res = await as(f.a1a, 'get', `/agents/${f.a1a.agentName}/context`).expect(200);
      expect(res.body.pending_handoffs).toEqual([
        expect.objectContaining({ handoff_id: id, title: 'Continue the migration', created_by_agent: f.a1b.agentName }),
      ]);
      expect(res.body.last_session).toMatchObject({ session_id: s.body.session_id, project: 'mnemo' });
      expect(Math.abs(Date.parse(res.body.last_session.started_at) - Date.parse(s.body.started_at))).toBeLessThanOrEqual(1);

      await as(f.a1a, 'put', `/agents/${f.a1a.agentName}/handoffs/${id}/pickup`).expect(200);
      expect((await as(f.a1a, 'get', `/agents/${f.a1a.agentName}/context`).expect(200)).body.pending_handoffs).toEqual([]);
      // A1b's context is about A1b: no session, no handoffs.
      const b = await as(f.a1b, 'get', `/agents/${f.a1b.agentName}/context`).expect(200);
      expect(b.body).toMatchObject({ agent: f.a1b.agentName, last_session: null, pending_handoffs: [] });
      expect(b.body.always_load.map((n: { title: string }) => n.title)).toEqual(['A1b identity']);
    });

    it('?start_session=true records a session start for the caller and reports previous_session with gap_seconds', async () => {
      const g = await fixture();
      const ctxPath = `/agents/${g.a1a.agentName}/context`;
      // Without the flag, no session is recorded.
      const plain = await as(g.a1b, 'get', ctxPath).expect(200);
      expect(plain.body).not.toHaveProperty('previous_session');
      await as(g.a1b, 'get', `${ctxPath}?start_session=false`).expect(200);
      expect(await rowCount('sessions', g.a1b)).toBe(0);

      // The very first start: previous_session is null; the session is the caller's (A1b), not A1a's.
      const rid1 = newRid('start-1');
      const first = await as(g.a1b, 'get', `${ctxPath}?start_session=true`, undefined, rid1).expect(200);
      expect(first.body.agent).toBe(g.a1a.agentName);
      expect(first.body).toHaveProperty('previous_session', null);
      expect(await rowCount('sessions', g.a1b)).toBe(1);
      expect(await rowCount('sessions', g.a1a)).toBe(0);
      await expectAudited(rid1, 'SESSION_CREATE', g.a1b);
      const [firstSession] = await ctx.db.query(`SELECT session_id FROM sessions WHERE agent_id = $1`, [g.a1b.agentId]);
      const firstId = firstSession.session_id as number;
      expect(first.body.session).toEqual({ session_id: firstId, started_at: expect.stringMatching(ISO_UTC) });

      // An hour away.
      await ctx.db.query(`UPDATE sessions SET started_at = now() - interval '3600 seconds' WHERE session_id = $1`, [firstId]);
      const second = await as(g.a1b, 'get', `${ctxPath}?start_session=true`).expect(200);
      expect(second.body.previous_session).toMatchObject({ session_id: firstId });
      expect(second.body.previous_session.gap_seconds).toBeGreaterThanOrEqual(3598);
      expect(second.body.previous_session.gap_seconds).toBeLessThanOrEqual(3602);
      expect(await rowCount('sessions', g.a1b)).toBe(2);

      // Right away again: the previous one is the session just started, a gap of about zero.
      const third = await as(g.a1b, 'get', `${ctxPath}?start_session=true`).expect(200);
      expect(third.body.previous_session.session_id).not.toBe(firstId);
      expect(third.body.previous_session.gap_seconds).toBeGreaterThanOrEqual(0);
      expect(third.body.previous_session.gap_seconds).toBeLessThanOrEqual(5);

      // The caller's last session is what /sessions/last reports; A1a still has none.
      const last = await as(g.a1b, 'get', '/sessions/last').expect(200);
      expect(last.body.last_session.session_id).not.toBe(firstId);
      expect((await as(g.a1a, 'get', '/sessions/last').expect(200)).body).toEqual({ last_session: null });
      expect((await as(g.a1a, 'get', ctxPath).expect(200)).body.last_session).toBeNull();
    });
  });

  describe('session starts at once', () => {
    it('five parallel ?start_session=true: each reports a different previous session, with gap_seconds >= 0', async () => {
      const f = await fixture();
      const ctxPath = `/agents/${f.a1a.agentName}/context?start_session=true`;
      await as(f.a1a, 'get', ctxPath).expect(200);
      const bodies = (await Promise.all(Array.from({ length: 5 }, () => as(f.a1a, 'get', ctxPath)))).map((r) => {
        expect(r.status).toBe(200);
        return r.body as { session: { session_id: number }; previous_session: { session_id: number; gap_seconds: number } };
      });
      const previous = bodies.map((b) => b.previous_session.session_id);
      expect(new Set(previous).size).toBe(5);
      for (const b of bodies) expect(b.previous_session.gap_seconds).toBeGreaterThanOrEqual(0);
      // The starts form one chain: each previous session is the first one or another call's session.
      const started = new Set(bodies.map((b) => b.session.session_id));
      expect(previous.filter((id) => !started.has(id))).toHaveLength(1);
    });
  });

  // ---------------------------------------------------------------------------
  describe('the context after writes (its manifest is rendered once per version)', () => {
    type Entry = { pkid: number; parent_id?: number; title: string };

    it('shows every change to always-load, memories and preference roots at once, whoever reads and however it was written', async () => {
      const f = await fixture();
      const ctxPath = `/agents/${f.a1a.agentName}/context`;
      const read = async (agent: TestAgent = f.a1a) => (await as(agent, 'get', ctxPath).expect(200)).body as Record<string, Entry[]>;
      const put = (kind: Kind, pkid: number, body: Record<string, unknown>) =>
        as(f.a1a, 'put', `${baseOf(kind)(f.a1a.agentName)}/${pkid}`, body).expect(200);
      const del = (path: string) => as(f.a1a, 'delete', path).expect(200);

      expect(await read()).toMatchObject({ always_load: [], memories: [], preferences_manifest: [] });

      // Always-load: create, nest, rename, move, reorder, delete.
      const r = await createNode('always_load', f.a1a, { title: 'R' });
      expect((await read()).always_load).toEqual([{ pkid: r, parent_id: 0, title: 'R' }]);
      const c = await createNode('always_load', f.a1a, { title: 'C', parent_id: r });
      expect((await read(f.a1b)).always_load).toEqual([
        { pkid: r, parent_id: 0, title: 'R' },
        { pkid: c, parent_id: r, title: 'C' },
      ]);
      await put('always_load', c, { title: 'C renamed' });
      expect((await read()).always_load[1]).toEqual({ pkid: c, parent_id: r, title: 'C renamed' });
      await put('always_load', c, { parent_id: 0 });
      expect((await read()).always_load.map((n) => [n.pkid, n.parent_id])).toEqual([[r, 0], [c, 0]]);
      await put('always_load', r, { sort_order: 5 });
      expect((await read()).always_load.map((n) => n.pkid)).toEqual([c, r]);
      await del(`${alBase(f.a1a.agentName)}/${r}`);
      expect((await read()).always_load).toEqual([{ pkid: c, parent_id: 0, title: 'C renamed' }]);

      // Memories: create, rename, delete.
      const m = await createMemory(f.a1a, { title: 'Likes tea' });
      expect((await read()).memories).toEqual([{ pkid: m, title: 'Likes tea' }]);
      await as(f.a1a, 'put', `${memBase(f.a1a.agentName)}/${m}`, { title: 'Likes green tea' }).expect(200);
      expect((await read()).memories).toEqual([{ pkid: m, title: 'Likes green tea' }]);
      const m2 = await createMemory(f.a1a, { title: 'Second' });
      await del(`${memBase(f.a1a.agentName)}/${m}`);
      expect((await read()).memories).toEqual([{ pkid: m2, title: 'Second' }]);

      // Preferences: only roots are listed; a root moved under another leaves the manifest.
      const food = await createNode('preferences', f.a1a, { title: 'Food' });
      const books = await createNode('preferences', f.a1a, { title: 'Books' });
      expect((await read()).preferences_manifest).toEqual([
        { pkid: food, title: 'Food' },
        { pkid: books, title: 'Books' },
      ]);
      await put('preferences', books, { parent_id: food });
      expect((await read()).preferences_manifest).toEqual([{ pkid: food, title: 'Food' }]);
      await put('preferences', food, { title: 'Cooking' });
      expect((await read()).preferences_manifest).toEqual([{ pkid: food, title: 'Cooking' }]);

      // Written outside the API (SQL, another instance): the next read shows it too.
      await ctx.db.query(`UPDATE agent_memories SET title = 'Edited in SQL' WHERE pkid = $1`, [m2]);
      await ctx.db.query(`DELETE FROM always_load WHERE pkid = $1`, [c]);
      const after = await read();
      expect(after.memories).toEqual([{ pkid: m2, title: 'Edited in SQL' }]);
      expect(after.always_load).toEqual([]);
    });

    it('a description-only change leaves the manifest version alone; a title change moves it', async () => {
      const f = await fixture();
      const version = async () =>
        ((await ctx.db.query(`SELECT context_version FROM agents WHERE id = $1`, [f.a1a.agentId]))[0] as { context_version: string })
          .context_version;
      const m = await createMemory(f.a1a, { title: 'Fact', description: 'old' });
      const before = await version();
      await as(f.a1a, 'put', `${memBase(f.a1a.agentName)}/${m}`, { description: 'new' }).expect(200);
      expect(await version()).toBe(before);
      await as(f.a1a, 'put', `${memBase(f.a1a.agentName)}/${m}`, { title: 'Fact 2' }).expect(200);
      expect(Number(await version())).toBeGreaterThan(Number(before));
    });
  });

  // ---------------------------------------------------------------------------
  describe('GET /boot (PUBLIC_BASE_URL=https://mnemo.example.com)', () => {
    const BASE = 'https://mnemo.example.com';
    const b = useFixtures({ env: { PUBLIC_BASE_URL: BASE, MNEMO_ALLOW_QUERY_KEYS: 'true' } });
    let agent: TestAgent;
    let other: TestAgent;
    let nodes: number[];

    beforeAll(async () => {
      agent = await b.newUser({ agentName: uniqueName('booter') });
      other = await b.newAgent(agent, uniqueName('boot-sibling'));
      const r = (await b.newAlwaysLoad(agent, { title: 'Identity', description: 'Full identity text', sort_order: 1 })).pkid;
      const r0 = (await b.newAlwaysLoad(agent, { title: 'Rules', description: 'Rule text' })).pkid;
      const c = (await b.newAlwaysLoad(agent, { title: 'Voice', parent_id: r })).pkid;
      nodes = [r0, r, c];
      await b.newAlwaysLoad(other, { title: 'Sibling identity', description: 'not for booter' });
    });

    function checkUrls(endpoints: Record<string, unknown>, name: string): void {
      expect(Object.keys(endpoints).length).toBeGreaterThan(0);
      for (const [key, value] of Object.entries(endpoints)) {
        expect({ key, type: typeof value }).toEqual({ key, type: 'string' });
        const url = value as string;
        expect(url.startsWith(`${BASE}/`)).toBe(true);
        expect(url).not.toContain('?');
        expect(url).not.toMatch(/agent_key|api_key/i);
        const parsed = new URL(url.replace(/\{[a-z_]+\}/g, '1'));
        expect(parsed.origin).toBe(BASE);
        expect(parsed.search).toBe('');
      }
      expect(endpoints).toMatchObject({
        time: `${BASE}/time`,
        context: `${BASE}/agents/${name}/context`,
        always_load: `${BASE}/agents/${name}/context/always_load`,
        always_load_item: `${BASE}/agents/${name}/context/always_load/{pkid}`,
        memories: `${BASE}/agents/${name}/memories`,
        memory_item: `${BASE}/agents/${name}/memories/{pkid}`,
        preferences: `${BASE}/agents/${name}/preferences`,
        preference_item: `${BASE}/agents/${name}/preferences/{pkid}`,
        session_start: `${BASE}/sessions`,
        session_last: `${BASE}/sessions/last`,
      });
    }

    it('answers {agent, endpoints, always_load}: absolute URLs on PUBLIC_BASE_URL without any key, and full always-load rows', async () => {
      const res = await b.http().get('/boot').set('X-Api-Key', agent.apiKey).expect(200);
      expect(Object.keys(res.body).sort()).toEqual(['agent', 'always_load', 'endpoints']);
      expect(res.body.agent).toBe(agent.agentName);
      checkUrls(res.body.endpoints, agent.agentName);
      expect(res.text).not.toContain(agent.apiKey);

      expect(res.body.always_load.map((n: { pkid: number }) => n.pkid)).toEqual(nodes);
      expect(res.body.always_load[0]).toMatchObject({ pkid: nodes[0], parent_id: 0, title: 'Rules', description: 'Rule text', sort_order: 0 });
      expect(res.body.always_load[1]).toMatchObject({ pkid: nodes[1], parent_id: 0, title: 'Identity', description: 'Full identity text', sort_order: 1 });
      expect(res.body.always_load[2]).toMatchObject({ pkid: nodes[2], parent_id: nodes[1], title: 'Voice', description: null });
      expect(res.text).not.toContain('not for booter');
    });

    it('never puts the key in a URL, even when the key came as ?agent_key=', async () => {
      const res = await b.http().get(`/boot?agent_key=${encodeURIComponent(agent.apiKey)}`).expect(200);
      expect(res.body.agent).toBe(agent.agentName);
      checkUrls(res.body.endpoints, agent.agentName);
      expect(res.text).not.toContain(agent.apiKey);
      expect(res.text).not.toContain(encodeURIComponent(agent.apiKey));

      const viaBearer = await b.http().get('/boot').set('Authorization', `Bearer ${agent.apiKey}`).expect(200);
      expect(viaBearer.text).not.toContain(agent.apiKey);
    });

    it('describes the calling agent: its own name in URLs and its own always-load rows', async () => {
      const res = await b.http().get('/boot').set('X-Api-Key', other.apiKey).expect(200);
      expect(res.body.agent).toBe(other.agentName);
      checkUrls(res.body.endpoints, other.agentName);
      expect(res.text).not.toContain(other.apiKey);
      expect(res.text).not.toContain(agent.agentName);
      expect(res.body.always_load).toEqual([
        expect.objectContaining({ parent_id: 0, title: 'Sibling identity', description: 'not for booter' }),
      ]);
    });
  });
});
