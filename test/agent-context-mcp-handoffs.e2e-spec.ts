import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ALREADY_PICKED_UP, HANDOFF_NOT_FOUND as HANDOFF_NOT_FOUND_TEXT, Handoff } from './support/agent-context';
import { HandoffList, SessionRow, AGENT_NOT_FOUND, contextTools } from './support/agent-context-mcp';
import { CallResult, Json, ok, toolError, restOk, restError, ISO, notFound } from './support/mcp-client';
import { useFixtures } from './support/fixtures';
import { TestAgent, uniqueName } from './support/test-app';

/**
 * The session and handoff tools over MCP (official SDK client): session gap
 * detection, handoff pickup exactly once (also when clients race), who may delete,
 * and parity with the REST routes.
 *
 * Fixtures: user U1 (agents A1a, A1b, time zone America/Denver), user U2 (agent A2).
 */

describe('Agent context MCP tools: sessions and handoffs', () => {
  const ctx = useFixtures();
  const { key, call, connect, rest, lastSeq, auditOf, agents } = contextTools(ctx);
  const f = agents();

  // ------------------------------------------------------------------------------------------
  describe('session tools', () => {
    it('get_last_session with no sessions → exactly {last_session: null}, as REST', async () => {
      const agent = await ctx.newUser();
      const client = await connect(key(agent));
      const mcp = ok(await call(client, 'get_last_session'));
      expect(mcp).toEqual({ last_session: null });
      expect(restOk(await rest(agent, 'get', '/sessions/last'))).toEqual(mcp);
    });

    it('create_session records a session of the caller; get_last_session returns the newest, as REST', async () => {
      const agent = await ctx.newUser();
      const sib = await ctx.newAgent(agent);
      const client = await connect(key(agent));
      const sibClient = await connect(key(sib));

      const first = ok<{ session_id: number; agent: string; started_at: string; project: string | null }>(
        await call(client, 'create_session', {}),
      );
      expect(first).toEqual({ session_id: expect.any(Number), agent: agent.agentName, started_at: expect.stringMatching(ISO), project: null });
      const viaRest = restOk<Json>(await rest(agent, 'post', '/sessions', {}), 201);
      expect(Object.keys(viaRest).sort()).toEqual(Object.keys(first).sort());
      const second = ok<{ session_id: number; project: string | null }>(await call(client, 'create_session', { project: 'mnemo' }));
      expect(second.project).toBe('mnemo');

      const last = ok<{ agent: string; last_session: SessionRow }>(await call(client, 'get_last_session'));
      expect(last).toEqual(restOk(await rest(agent, 'get', '/sessions/last')));
      expect(last).toEqual({
        agent: agent.agentName,
        last_session: { session_id: second.session_id, started_at: expect.stringMatching(ISO), project: 'mnemo', notes: null },
      });

      // Sessions are per agent: the sibling has none.
      expect(ok(await call(sibClient, 'get_last_session'))).toEqual({ last_session: null });
      const rows: { agent_id: string }[] = await ctx.db.query(`SELECT agent_id FROM sessions WHERE user_id = $1`, [agent.userId]);
      expect(rows.map((r) => r.agent_id)).toEqual([agent.agentId, agent.agentId, agent.agentId]);
    });

    it('update_session_notes sets and clears notes of one’s own session only, as REST', async () => {
      const agent = await ctx.newUser();
      const sib = await ctx.newAgent(agent);
      const client = await connect(key(agent));
      const sibClient = await connect(key(sib));
      const session = ok<{ session_id: number }>(await call(client, 'create_session', { project: 'p' }));

      const set = ok(await call(client, 'update_session_notes', { session_id: session.session_id, notes: 'Shipped it' }));
      expect(set).toEqual({ updated: { session_id: session.session_id, notes: 'Shipped it' } });
      expect(ok<{ last_session: SessionRow }>(await call(client, 'get_last_session')).last_session.notes).toBe('Shipped it');
      expect(restOk(await rest(agent, 'put', `/sessions/${session.session_id}/notes`, { notes: 'Shipped it' }))).toEqual(set);

      expect(ok(await call(client, 'update_session_notes', { session_id: session.session_id, notes: null }))).toEqual({
        updated: { session_id: session.session_id, notes: null },
      });
      expect(ok<{ last_session: SessionRow }>(await call(client, 'get_last_session')).last_session.notes).toBeNull();

      const notYours = { code: 'not_found', message: 'Session not found' };
      expect(toolError(await call(sibClient, 'update_session_notes', { session_id: session.session_id, notes: 'x' }))).toEqual(
        notYours,
      );
      expect(restError(await rest(sib, 'put', `/sessions/${session.session_id}/notes`, { notes: 'x' }), 404)).toEqual(notYours);
      expect(toolError(await call(client, 'update_session_notes', { session_id: 2_000_000_000, notes: 'x' }))).toEqual(notYours);
      // Another user's agent: the same not_found, and its own last session is not this one.
      expect(toolError(await call(f.mcpA2, 'update_session_notes', { session_id: session.session_id, notes: 'x' }))).toEqual(notYours);
      expect(restError(await rest(f.a2, 'put', `/sessions/${session.session_id}/notes`, { notes: 'x' }), 404)).toEqual(notYours);
      const a2Last = ok<{ last_session: SessionRow | null }>(await call(f.mcpA2, 'get_last_session')).last_session;
      expect(a2Last?.session_id).not.toBe(session.session_id);
      expect(ok<{ last_session: SessionRow }>(await call(client, 'get_last_session')).last_session.notes).toBeNull();
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('handoff tools', () => {
    const url = (agent: TestAgent, suffix = '') => `/agents/${agent.agentName}/handoffs${suffix}`;
    const HANDOFF_NOT_FOUND = notFound(HANDOFF_NOT_FOUND_TEXT);
    const ALREADY = notFound(ALREADY_PICKED_UP);

    /** A handoff from `from` to `to` (agent_name, the recipient, is required: to oneself too). */
    async function handoff(from: Client, to: TestAgent, title = uniqueName('handoff')): Promise<number> {
      const args: Json = { agent_name: to.agentName, title, prompt: `Prompt of ${title}` };
      return ok<{ created: { handoff_id: number } }>(await call(from, 'create_handoff', args)).created.handoff_id;
    }

    it('create_handoff for a sibling records the sender; list_handoffs (pending, oldest first) is the REST JSON', async () => {
      const recipient = await ctx.newUser();
      const sender = await ctx.newAgent(recipient);
      const mcpRecipient = await connect(key(recipient));
      const mcpSender = await connect(key(sender));

      const created = ok<{ created: Json }>(
        await call(mcpSender, 'create_handoff', { agent_name: recipient.agentName, title: 'First', prompt: 'Do step 1' }),
      );
      expect(created).toEqual({
        created: { handoff_id: expect.any(Number), title: 'First', created_at: expect.stringMatching(ISO), created_by_agent: sender.agentName },
      });
      const viaRest = restOk<{ created: Json }>(await rest(sender, 'post', url(recipient), { title: 'Second', prompt: 'Do step 2' }), 201);
      expect(Object.keys(viaRest.created).sort()).toEqual(Object.keys(created.created).sort());
      // The recipient must be named: no default to the caller, and nothing is created without it.
      expect(toolError(await call(mcpRecipient, 'create_handoff', { title: 'Third', prompt: 'Prompt of Third' }))).toEqual({
        code: 'validation_failed',
        message: 'agent_name is required',
        errors: [{ field: 'agent_name', message: 'agent_name is required' }],
      });
      const own = await handoff(mcpRecipient, recipient, 'Third'); // to oneself, by name

      const list = ok<HandoffList>(await call(mcpRecipient, 'list_handoffs'));
      expect(list).toEqual(restOk(await rest(recipient, 'get', url(recipient))));
      expect(list.agent).toBe(recipient.agentName);
      expect(list.handoffs.map((h) => h.title)).toEqual(['First', 'Second', 'Third']);
      expect(list.handoffs[0]).toEqual({
        handoff_id: created.created.handoff_id,
        title: 'First',
        prompt: 'Do step 1',
        created_by_agent: sender.agentName,
        recipient: recipient.agentName,
        created_at: created.created.created_at,
        picked_up_at: null,
      });
      expect(list.handoffs[2]).toMatchObject({ handoff_id: own, created_by_agent: recipient.agentName });
      expect(list).toMatchObject({ total: 3, limit: 200, offset: 0 });

      // A sibling lists the recipient's queue with agent_name: the same JSON.
      expect(ok(await call(mcpSender, 'list_handoffs', { agent_name: recipient.agentName }))).toEqual(list);
      expect(ok(await call(mcpSender, 'list_handoffs'))).toMatchObject({ agent: sender.agentName, handoffs: [], total: 0 });

      const one = ok<Handoff>(await call(mcpSender, 'get_handoff', { agent_name: recipient.agentName, handoff_id: own }));
      expect(one).toEqual(restOk(await rest(sender, 'get', url(recipient, `/${own}`))));
      expect(one).toEqual(list.handoffs[2]);
    });

    it('pickup_handoff only by the recipient, exactly once; picked-up handoffs stay readable; status filters', async () => {
      const recipient = await ctx.newUser();
      const sender = await ctx.newAgent(recipient);
      const mcpRecipient = await connect(key(recipient));
      const mcpSender = await connect(key(sender));
      const id = await handoff(mcpSender, recipient, 'Pick me');
      const other = await handoff(mcpSender, recipient, 'Later');

      const forbidden = { code: 'forbidden', message: 'Only the named agent may pickup its handoffs' };
      expect(toolError(await call(mcpSender, 'pickup_handoff', { agent_name: recipient.agentName, handoff_id: id }))).toEqual(forbidden);
      expect(restError(await rest(sender, 'put', url(recipient, `/${id}/pickup`)), 403)).toEqual(forbidden);
      expect(toolError(await call(f.mcpA2, 'pickup_handoff', { agent_name: recipient.agentName, handoff_id: id }))).toEqual(
        AGENT_NOT_FOUND,
      );

      const picked = ok<{ picked_up: { handoff_id: number; title: string; picked_up_at: string } }>(
        await call(mcpRecipient, 'pickup_handoff', { handoff_id: id }),
      );
      expect(picked).toEqual({ picked_up: { handoff_id: id, title: 'Pick me', picked_up_at: expect.stringMatching(ISO) } });
      expect(toolError(await call(mcpRecipient, 'pickup_handoff', { handoff_id: id }))).toEqual(ALREADY);
      expect(restError(await rest(recipient, 'put', url(recipient, `/${id}/pickup`)), 404)).toEqual(ALREADY);
      expect(toolError(await call(mcpRecipient, 'pickup_handoff', { handoff_id: 2_000_000_000 }))).toEqual(ALREADY);
      const viaRest = restOk<{ picked_up: Json }>(await rest(recipient, 'put', url(recipient, `/${other}/pickup`)));
      expect(Object.keys(viaRest.picked_up).sort()).toEqual(Object.keys(picked.picked_up).sort());

      const pending = ok<HandoffList>(await call(mcpRecipient, 'list_handoffs'));
      expect(pending.handoffs).toEqual([]);
      const done = ok<HandoffList>(await call(mcpRecipient, 'list_handoffs', { status: 'picked_up' }));
      expect(done).toEqual(restOk(await rest(recipient, 'get', `${url(recipient)}?status=picked_up`)));
      expect(done.handoffs.map((h) => h.handoff_id)).toEqual([id, other]);
      const all = ok<HandoffList>(await call(mcpSender, 'list_handoffs', { agent_name: recipient.agentName, status: 'all' }));
      expect(all).toEqual(restOk(await rest(sender, 'get', `${url(recipient)}?status=all`)));
      expect(all.total).toBe(2);

      const after = ok<Handoff>(await call(mcpRecipient, 'get_handoff', { handoff_id: id }));
      expect(after).toMatchObject({ handoff_id: id, picked_up_at: picked.picked_up.picked_up_at });
      expect(after).toEqual(restOk(await rest(recipient, 'get', url(recipient, `/${id}`))));
    });

    it('10 parallel pickup_handoff calls through separate MCP clients: exactly one succeeds', async () => {
      const recipient = await ctx.newUser();
      const sender = await ctx.newAgent(recipient);
      const mcpSender = await connect(key(sender));
      const id = await handoff(mcpSender, recipient, 'Race');
      const racers = await Promise.all(Array.from({ length: 10 }, () => connect(key(recipient))));

      const results = await Promise.all(racers.map((c) => call(c, 'pickup_handoff', { handoff_id: id })));
      const winners = results.filter((r) => !r.isError);
      expect(winners).toHaveLength(1);
      expect(ok(winners[0])).toMatchObject({ picked_up: { handoff_id: id, title: 'Race' } });
      for (const loser of results.filter((r) => r.isError)) expect(toolError(loser)).toEqual(ALREADY);

      const events: unknown[] = await ctx.db.query(
        `SELECT 1 FROM audit_events WHERE event_type = 'HANDOFF_PICKUP' AND user_id = $1 AND meta->>'handoff_id' = $2`,
        [recipient.userId, String(id)],
      );
      expect(events).toHaveLength(1);
    });

    it('delete_handoff: the recipient any time, the sender only while pending, nobody else; as REST', async () => {
      const recipient = await ctx.newUser();
      const sender = await ctx.newAgent(recipient);
      const bystander = await ctx.newAgent(recipient);
      const mcpRecipient = await connect(key(recipient));
      const mcpSender = await connect(key(sender));
      const mcpBystander = await connect(key(bystander));
      const forbidden = (res: CallResult) => {
        const error = toolError(res);
        expect(error.code).toBe('forbidden');
        expect(error.message).toMatch(/^Only the named agent may delete its handoffs/);
        return error;
      };

      // Sender, while pending.
      const pending = await handoff(mcpSender, recipient);
      forbidden(await call(mcpBystander, 'delete_handoff', { agent_name: recipient.agentName, handoff_id: pending }));
      expect(toolError(await call(f.mcpA2, 'delete_handoff', { agent_name: recipient.agentName, handoff_id: pending }))).toEqual(
        AGENT_NOT_FOUND,
      );
      expect(ok(await call(mcpSender, 'delete_handoff', { agent_name: recipient.agentName, handoff_id: pending }))).toEqual({
        deleted: pending,
      });
      expect(toolError(await call(mcpRecipient, 'get_handoff', { handoff_id: pending }))).toEqual(HANDOFF_NOT_FOUND);

      // Sender, after pickup: refused; the recipient may still delete it.
      const picked = await handoff(mcpSender, recipient);
      ok(await call(mcpRecipient, 'pickup_handoff', { handoff_id: picked }));
      const senderError = forbidden(await call(mcpSender, 'delete_handoff', { agent_name: recipient.agentName, handoff_id: picked }));
      expect(restError(await rest(sender, 'delete', url(recipient, `/${picked}`)), 403)).toEqual(senderError);
      expect(ok(await call(mcpRecipient, 'delete_handoff', { handoff_id: picked }))).toEqual({ deleted: picked });

      // The recipient, while pending; then gone → not_found.
      const mine = await handoff(mcpSender, recipient);
      expect(ok(await call(mcpRecipient, 'delete_handoff', { agent_name: recipient.agentName, handoff_id: mine }))).toEqual({
        deleted: mine,
      });
      expect(toolError(await call(mcpRecipient, 'delete_handoff', { handoff_id: mine }))).toEqual(HANDOFF_NOT_FOUND);
      expect(restError(await rest(recipient, 'delete', url(recipient, `/${mine}`)), 404)).toEqual(HANDOFF_NOT_FOUND);
      const viaRest = await handoff(mcpSender, recipient);
      expect(restOk(await rest(recipient, 'delete', url(recipient, `/${viaRest}`)))).toEqual({ deleted: viaRest });
    });

    it('another user’s agent or an unknown name → not_found "Agent not found" for every handoff tool', async () => {
      const recipient = await ctx.newUser();
      const mcpRecipient = await connect(key(recipient));
      const id = await handoff(mcpRecipient, recipient);
      const cases: [string, Json][] = [
        ['list_handoffs', {}],
        ['get_handoff', { handoff_id: id }],
        ['create_handoff', { title: 'Intrusion', prompt: 'x' }],
        ['pickup_handoff', { handoff_id: id }],
        ['delete_handoff', { handoff_id: id }],
      ];
      for (const [tool, args] of cases) {
        expect(toolError(await call(f.mcpA2, tool, { agent_name: recipient.agentName, ...args }))).toEqual(AGENT_NOT_FOUND);
        expect(toolError(await call(mcpRecipient, tool, { agent_name: 'nobody-at-all', ...args }))).toEqual(AGENT_NOT_FOUND);
      }
      expect(restError(await rest(f.a2, 'get', url(recipient)), 404)).toEqual(AGENT_NOT_FOUND);
      expect(restError(await rest(f.a2, 'post', url(recipient), { title: 'Intrusion', prompt: 'x' }), 404)).toEqual(AGENT_NOT_FOUND);
      const list = ok<HandoffList>(await call(mcpRecipient, 'list_handoffs', { status: 'all' }));
      expect(list.handoffs.map((h) => h.handoff_id)).toEqual([id]);
      expect(list.handoffs[0].picked_up_at).toBeNull();
    });

    it('a handoff id of another agent under this agent’s name → not_found "Handoff not found"', async () => {
      const ofA1b = await handoff(f.mcpA1b, f.a1b);
      expect(toolError(await call(f.mcpA1a, 'get_handoff', { handoff_id: ofA1b }))).toEqual(HANDOFF_NOT_FOUND);
      expect(restError(await rest(f.a1a, 'get', url(f.a1a, `/${ofA1b}`)), 404)).toEqual(HANDOFF_NOT_FOUND);
      expect(toolError(await call(f.mcpA1a, 'pickup_handoff', { handoff_id: ofA1b }))).toEqual(ALREADY);
      expect(toolError(await call(f.mcpA1a, 'delete_handoff', { handoff_id: ofA1b }))).toEqual(HANDOFF_NOT_FOUND);
      expect(ok<Handoff>(await call(f.mcpA1b, 'get_handoff', { handoff_id: ofA1b })).picked_up_at).toBeNull();
    });

    it('list_sent_handoffs: the caller’s created handoffs, newest first, the REST JSON', async () => {
      const recipient = await ctx.newUser();
      const sender = await ctx.newAgent(recipient);
      const mcpSender = await connect(key(sender));
      const mcpRecipient = await connect(key(recipient));
      expect(ok(await call(mcpSender, 'list_sent_handoffs'))).toEqual({
        agent: sender.agentName,
        handoffs: [],
        total: 0,
        limit: 200,
        offset: 0,
      });
      const first = await handoff(mcpSender, recipient, 'One');
      const second = await handoff(mcpSender, sender, 'Two');
      await handoff(mcpRecipient, sender, 'Not sent by the sender');

      const sent = ok<HandoffList>(await call(mcpSender, 'list_sent_handoffs'));
      expect(sent).toEqual(restOk(await rest(sender, 'get', '/handoffs/sent')));
      expect(sent.agent).toBe(sender.agentName);
      expect(sent.handoffs.map((h) => [h.handoff_id, h.recipient, h.created_by_agent])).toEqual([
        [second, sender.agentName, sender.agentName],
        [first, recipient.agentName, sender.agentName],
      ]);
      expect(sent.total).toBe(2);

      const page = ok<HandoffList>(await call(mcpSender, 'list_sent_handoffs', { limit: 1, offset: 1 }));
      expect(page).toEqual(restOk(await rest(sender, 'get', '/handoffs/sent?limit=1&offset=1')));
      expect(page).toMatchObject({ total: 2, limit: 1, offset: 1 });
      expect(page.handoffs.map((h) => h.handoff_id)).toEqual([first]);

      // It lists the caller's own sent handoffs only: agent_name is not one of its arguments.
      expect(toolError(await call(mcpSender, 'list_sent_handoffs', { agent_name: recipient.agentName }))).toEqual({
        code: 'validation_failed',
        message: 'agent_name is not a known field',
        errors: [{ field: 'agent_name', message: 'agent_name is not a known field' }],
      });
    });

    it('list totals count every match even when offset is past the end (list_handoffs and list_sent_handoffs)', async () => {
      const recipient = await ctx.newUser();
      const sender = await ctx.newAgent(recipient);
      const mcpSender = await connect(key(sender));
      await handoff(mcpSender, recipient);
      await handoff(mcpSender, recipient);

      const queue = ok<HandoffList>(await call(mcpSender, 'list_handoffs', { agent_name: recipient.agentName, offset: 50 }));
      expect(queue).toMatchObject({ handoffs: [], total: 2, offset: 50 });
      const sent = ok<HandoffList>(await call(mcpSender, 'list_sent_handoffs', { offset: 50 }));
      expect(sent).toEqual(restOk(await rest(sender, 'get', '/handoffs/sent?offset=50')));
      expect(sent).toMatchObject({ handoffs: [], total: 2, offset: 50 });
    });

    it('writes are audited as HANDOFF_CREATE|PICKUP|DELETE with the calling agent', async () => {
      const recipient = await ctx.newUser();
      const sender = await ctx.newAgent(recipient);
      const mcpRecipient = await connect(key(recipient));
      const mcpSender = await connect(key(sender));
      const since = await lastSeq();
      const a = await handoff(mcpSender, recipient);
      ok(await call(mcpRecipient, 'pickup_handoff', { handoff_id: a }));
      ok(await call(mcpRecipient, 'delete_handoff', { handoff_id: a }));
      const b = await handoff(mcpSender, recipient);
      ok(await call(mcpSender, 'delete_handoff', { agent_name: recipient.agentName, handoff_id: b }));

      const events = await auditOf(recipient.userId, since);
      expect(events.map((e) => [e.event_type, e.agent_id, e.subject, e.meta])).toEqual([
        ['HANDOFF_CREATE', sender.agentId, recipient.agentName, { handoff_id: a }],
        ['HANDOFF_PICKUP', recipient.agentId, recipient.agentName, { handoff_id: a }],
        ['HANDOFF_DELETE', recipient.agentId, recipient.agentName, { handoff_id: a }],
        ['HANDOFF_CREATE', sender.agentId, recipient.agentName, { handoff_id: b }],
        ['HANDOFF_DELETE', sender.agentId, recipient.agentName, { handoff_id: b }],
      ]);
    });
  });

});
