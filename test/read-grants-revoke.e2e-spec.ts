import { newRid } from './support/agent-requests';
import { perBlock, useFixtures } from './support/fixtures';
import { callTool, ISO, toolJson } from './support/mcp-client';
import { expectProblem } from './support/problems';
import { uniqueName } from './support/test-app';

/**
 * Revoking a read grant by the id GET /memory/grants lists (not only by its
 * token), and an already revoked grant answered as such (409 saying since
 * when) instead of a 404 (issue 15), over REST and MCP.
 */

const ctx = useFixtures();
const { as, audit } = ctx;
const a = perBlock(() => ctx.newUser());
const other = perBlock(() => ctx.newUser());

/** A subject with one memory, read once: the read's token and its grant's id (from GET /memory/grants). */
async function readGrant(agent = a): Promise<{ subject: string; token: string; grantId: string }> {
  const subject = uniqueName('s');
  await as(agent, 'post', '/memory', { user_id: subject, scope: 'preferences', source: 'explicit_user_input', ttl_days: 30, value_json: { likes: ['tea'] } }).expect(201);
  const read = await as(agent, 'post', '/memory/read', { user_id: subject, scope: 'preferences', purpose_class: 'recommendation' }).expect(200);
  const grants = await as(agent, 'get', `/memory/grants?user_id=${subject}`).expect(200);
  expect(grants.body.grants).toHaveLength(1);
  return { subject, token: read.body.revocation_token as string, grantId: grants.body.grants[0].id as string };
}

describe('POST /memory/revoke by grant id', () => {
  it('revokes the grant the id names: 200, audited, continue then fails with REVOKED, the grant leaves the list', async () => {
    const g = await readGrant();
    const rid = newRid();
    const res = await as(a, 'post', '/memory/revoke', { grant_id: g.grantId.toUpperCase() }, rid).expect(200);
    expect(res.body).toEqual({ revoked: true, revoked_at: expect.stringMatching(ISO) });
    expect(await audit(rid)).toEqual([{ event_type: 'MEMORY_REVOKE', agent_id: a.agentId, user_id: a.userId }]);
    expectProblem(await as(a, 'post', '/memory/read/continue', { revocation_token: g.token }), 403, 'REVOKED');
    expect((await as(a, 'get', `/memory/grants?user_id=${g.subject}`).expect(200)).body).toEqual({ grants: [] });
  });

  it('an already revoked grant is a 409 saying since when (by id and by token), nothing audited', async () => {
    const g = await readGrant();
    const first = await as(a, 'post', '/memory/revoke', { revocation_token: g.token }).expect(200);
    for (const body of [{ grant_id: g.grantId }, { revocation_token: g.token }]) {
      const rid = newRid();
      expectProblem(await as(a, 'post', '/memory/revoke', body, rid), 409, `Grant already revoked at ${first.body.revoked_at}`);
      expect(await audit(rid)).toEqual([]);
    }
  });

  it('an unknown id is a 404 "Grant not found"; another tenant\'s grant id too, and it stays active', async () => {
    expectProblem(await as(a, 'post', '/memory/revoke', { grant_id: '00000000-0000-4000-8000-000000000000' }), 404, 'Grant not found');
    const theirs = await readGrant(other);
    expectProblem(await as(a, 'post', '/memory/revoke', { grant_id: theirs.grantId }), 404, 'Grant not found');
    const still = await as(other, 'post', '/memory/read/continue', { revocation_token: theirs.token });
    expect(still.status).toBe(200);
  });

  it('exactly one of revocation_token and grant_id: 422 otherwise', async () => {
    const g = await readGrant();
    expectProblem(await as(a, 'post', '/memory/revoke', {}), 422, 'Give revocation_token or grant_id');
    expectProblem(await as(a, 'post', '/memory/revoke', { revocation_token: g.token, grant_id: g.grantId }), 422, 'Give revocation_token or grant_id, not both');
    expectProblem(await as(a, 'post', '/memory/revoke', { grant_id: 'not-a-uuid' }), 422, 'grant_id must be a UUID');
    await as(a, 'post', '/memory/read/continue', { revocation_token: g.token }).expect(200);
  });
});

describe('MCP revoke_read_grant', () => {
  it('by grant_id, then again: the conflict error', async () => {
    const g = await readGrant();
    const mcp = await ctx.mcp(a);
    const res = await callTool(mcp, 'revoke_read_grant', { grant_id: g.grantId });
    expect(res.isError).toBeFalsy();
    const revoked = toolJson(res) as { revoked: boolean; revoked_at: string };
    expect(revoked).toEqual({ revoked: true, revoked_at: expect.stringMatching(ISO) });
    const again = await callTool(mcp, 'revoke_read_grant', { grant_id: g.grantId });
    expect(again.isError).toBe(true);
    expect(toolJson(again)).toEqual({ error: { code: 'conflict', message: `Grant already revoked at ${revoked.revoked_at}` } });
  });
});
