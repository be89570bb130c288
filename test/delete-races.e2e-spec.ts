import { useFixtures } from './support/fixtures';

/*
 * Concurrent deletes and revokes of one object: exactly one succeeds and exactly one
 * audit event is written; the others answer as if it were already gone.
 */

const RACERS = 6;

describe('concurrent deletes and revokes', () => {
  const ctx = useFixtures();
  const admin = () => ({ Authorization: `Bearer ${ctx.adminToken}` });
  const statuses = (responses: { status: number }[]) => responses.map((r) => r.status).sort();
  const events = async (type: string, field: string, value: string | number): Promise<number> => {
    const rows: { n: number }[] = await ctx.db.query(
      `SELECT count(*)::int AS n FROM audit_events WHERE event_type = $1 AND meta->>'${field}' = $2`,
      [type, String(value)],
    );
    return rows[0].n;
  };

  it('DELETE /admin/agents/{agent} at once: one 204, the rest 404, one AGENT_DELETE', async () => {
    const owner = await ctx.newUser();
    const doomed = await ctx.newAgent(owner);
    const responses = await Promise.all(
      Array.from({ length: RACERS }, () => ctx.http().delete(`/admin/agents/${doomed.agentId}`).set(admin())),
    );
    expect(statuses(responses)).toEqual([204, ...Array<number>(RACERS - 1).fill(404)]);
    expect(await events('AGENT_DELETE', 'agent_id', doomed.agentId)).toBe(1);
  });

  it('revoking one key at once: every call 204 (revoking again changes nothing), one KEY_REVOKE', async () => {
    const agent = await ctx.newUser();
    const key = await ctx.http().post(`/admin/agents/${agent.agentId}/keys`).set(admin()).send({}).expect(201);
    const responses = await Promise.all(
      Array.from({ length: RACERS }, () => ctx.http().delete(`/admin/agents/${agent.agentId}/keys/${key.body.id}`).set(admin())),
    );
    expect(statuses(responses)).toEqual(Array<number>(RACERS).fill(204));
    expect(await events('KEY_REVOKE', 'key_id', key.body.id)).toBe(1);
  });

  it.each(['project', 'wiki'] as const)('DELETE of one %s at once: one 200, the rest 404, one delete event', async (kind) => {
    const owner = await ctx.newUser();
    const id = kind === 'project' ? (await ctx.newProject(owner)).project_id : (await ctx.newWiki(owner)).wiki_id;
    const responses = await Promise.all(
      Array.from({ length: RACERS }, () => ctx.http().delete(`/${kind}s/${id}`).set('X-Api-Key', owner.apiKey)),
    );
    expect(statuses(responses)).toEqual([200, ...Array<number>(RACERS - 1).fill(404)]);
    expect(await events(`${kind.toUpperCase()}_DELETE`, `${kind}_id`, id)).toBe(1);
  });
});
