import { randomUUID } from 'node:crypto';
import { newRid, shareNameLookup } from './support/agent-requests';
import { newUsers, perBlock, useFixtures } from './support/fixtures';
import { TYPE_RULE, LEVEL_RULE, OBJECT_RULE, ONE_RECIPIENT, SELF, TARGET_NOT_FOUND, NOT_OWNER, NOT_A_CATEGORY, SHARE_NOT_FOUND, PROJECT_NOT_FOUND, MISSING } from './support/knowledge';
import { expectProblem } from './support/problems';
import { TestAgent, uniqueName } from './support/test-app';

/*
 * Cross-user sharing over REST (spec §1.7, §3.11, §5.9 with the §7.1 #16 fixes):
 * POST /sharing (upsert, recipient by id or user name, validation order),
 * DELETE /sharing/{id} (the sharer revokes, the recipient leaves), the by-me and
 * to-me lists, and the cascades that leave no orphan share rows. Projects go
 * through the API; wikis and hint categories are inserted with SQL.
 * Fixtures: U1 (agents A1a, A1b), U2 (A2), U3 (A3 and its sibling A3b).
 * Expected texts are written out here, never imported from src/.
 */

type Users = Record<'a1a' | 'a1b' | 'a2' | 'a3' | 'a3b', TestAgent>;

interface ShareRow {
  share_id: number;
  shared_by_user_id: string;
  shared_to_user_id: string;
  object_type_id: number;
  project_id: number | null;
  hint_id: number | null;
  wiki_id: number | null;
  object_id: number;
  permission_level: number;
}

interface AuditEvent {
  event_type: string;
  user_id: string;
  agent_id: string | null;
  subject: string | null;
  meta: Record<string, unknown> | null;
}

describe('Sharing (REST): POST /sharing, DELETE /sharing/{id}, GET /sharing/by-me and /sharing/to-me', () => {
  const ctx = useFixtures();
  const { as, expectAudited, expectNotAudited, expectOnlyShareNameLookup } = ctx;

  /** Fresh users, so the lists of one test hold only that test's shares. */
  const users = (): Promise<Users> => newUsers(ctx, [['a1a', 'a1b'], ['a2'], ['a3', 'a3b']]);

  const createProject = async (agent: TestAgent, title = uniqueName('project')): Promise<number> => (await ctx.newProject(agent, { title })).project_id;

  async function insertWiki(owner: TestAgent, title = uniqueName('wiki')): Promise<number> {
    const [row] = await ctx.db.query(`INSERT INTO wikis (user_id, title) VALUES ($1, $2) RETURNING wiki_id`, [owner.userId, title]);
    return row.wiki_id as number;
  }

  /** A hint category: a root hint whose hint_category_id is its own id (one statement, for the CHECK). */
  async function insertCategory(owner: TestAgent, title = uniqueName('category')): Promise<number> {
    const [row] = await ctx.db.query(
      `WITH id AS (SELECT nextval(pg_get_serial_sequence('hints', 'hint_id'))::int AS v)
       INSERT INTO hints (hint_id, user_id, parent_id, hint_category_id, title) OVERRIDING SYSTEM VALUE
       SELECT v, $1, 0, v, $2 FROM id RETURNING hint_id`,
      [owner.userId, title],
    );
    return row.hint_id as number;
  }

  async function insertHint(owner: TestAgent, categoryId: number, parentId: number, title = uniqueName('hint')): Promise<number> {
    const [row] = await ctx.db.query(
      `INSERT INTO hints (user_id, parent_id, hint_category_id, title) VALUES ($1, $2, $3, $4) RETURNING hint_id`,
      [owner.userId, parentId, categoryId, title],
    );
    return row.hint_id as number;
  }

  function share(agent: TestAgent, body: unknown, rid = newRid('share')) {
    return as(agent, 'post', '/sharing', body, rid);
  }

  async function shareOk(agent: TestAgent, body: Record<string, unknown>): Promise<number> {
    const res = await share(agent, body);
    expect({ status: res.status, body: res.body }).toEqual({ status: 201, body: { shared: expect.objectContaining({ share_id: expect.any(Number) }) } });
    return res.body.shared.share_id as number;
  }

  async function shareRows(where = 'TRUE', params: unknown[] = []): Promise<ShareRow[]> {
    return ctx.db.query(
      `SELECT share_id, shared_by_user_id, shared_to_user_id, object_type_id, project_id, hint_id, wiki_id, object_id, permission_level
         FROM shared_objects WHERE ${where} ORDER BY share_id`,
      params,
    );
  }

  async function shareCount(): Promise<number> {
    const [row] = await ctx.db.query(`SELECT count(*)::int AS n FROM shared_objects`);
    return row.n as number;
  }

  async function auditEvents(rid: string): Promise<AuditEvent[]> {
    return ctx.db.query(`SELECT event_type, user_id, agent_id, subject, meta FROM audit_events WHERE request_id = $1 ORDER BY seq`, [rid]);
  }

  // ------------------------------------------------------------------------------------------
  describe('POST /sharing', () => {
    const u = perBlock(users);

    it('a new share → 201 {shared}, stored once and audited SHARE_CREATE; sharing again at another level → 200, same share_id, level updated, SHARE_UPDATE', async () => {
      const projectId = await createProject(u.a1a);
      const rid1 = newRid('create');
      const first = await share(u.a1a, { object_type_id: 1, object_id: projectId, shared_to_user_id: u.a2.userId, permission_level: 2 }, rid1);
      expect(first.status).toBe(201);
      expect(first.body).toEqual({
        shared: {
          share_id: expect.any(Number),
          object_type_id: 1,
          object_id: projectId,
          shared_to_user_id: u.a2.userId,
          shared_to_name: u.a2.userName,
          permission_level: 2,
        },
      });
      const shareId = first.body.shared.share_id as number;
      expect(await shareRows('project_id = $1', [projectId])).toEqual([
        {
          share_id: shareId,
          shared_by_user_id: u.a1a.userId,
          shared_to_user_id: u.a2.userId,
          object_type_id: 1,
          project_id: projectId,
          hint_id: null,
          wiki_id: null,
          object_id: projectId,
          permission_level: 2,
        },
      ]);
      expect(await auditEvents(rid1)).toEqual([
        {
          event_type: 'SHARE_CREATE',
          user_id: u.a1a.userId,
          agent_id: u.a1a.agentId,
          subject: u.a2.userName,
          meta: { share_id: shareId, object_type_id: 1, object_id: projectId, permission_level: 2 },
        },
      ]);

      const rid2 = newRid('update');
      const again = await share(u.a1a, { object_type_id: 1, object_id: projectId, shared_to_user_id: u.a2.userId, permission_level: 3 }, rid2);
      expect({ status: again.status, body: again.body }).toEqual({
        status: 200,
        body: { shared: { ...first.body.shared, permission_level: 3 } },
      });
      const rows = await shareRows('project_id = $1', [projectId]);
      expect(rows.map((r) => [r.share_id, r.permission_level])).toEqual([[shareId, 3]]);
      expect(await auditEvents(rid2)).toEqual([
        {
          event_type: 'SHARE_UPDATE',
          user_id: u.a1a.userId,
          agent_id: u.a1a.agentId,
          subject: u.a2.userName,
          meta: { share_id: shareId, object_type_id: 1, object_id: projectId, permission_level: 3 },
        },
      ]);
    });

    it('permission_level defaults to 1, also when re-sharing without it (the level goes back to 1)', async () => {
      const projectId = await createProject(u.a1a);
      const res = await share(u.a1a, { object_type_id: 1, object_id: projectId, shared_to_user_id: u.a3.userId }).expect(201);
      expect(res.body.shared.permission_level).toBe(1);
      await share(u.a1a, { object_type_id: 1, object_id: projectId, shared_to_user_id: u.a3.userId, permission_level: 3 }).expect(200);
      const back = await share(u.a1a, { object_type_id: 1, object_id: projectId, shared_to_user_id: u.a3.userId }).expect(200);
      expect(back.body.shared).toEqual({ ...res.body.shared, permission_level: 1 });
      expect((await shareRows('project_id = $1', [projectId])).map((r) => r.permission_level)).toEqual([1]);
    });

    it('the recipient may be named by user name, case-insensitively and trimmed; the answer carries the stored id and name; the lookup is audited before the share', async () => {
      const projectId = await createProject(u.a1a);
      const rid = newRid('by-name');
      const res = await share(
        u.a1a,
        {
          object_type_id: 1,
          object_id: projectId,
          shared_to_user_name: `  ${u.a2.userName.toUpperCase()} `,
          permission_level: 1,
        },
        rid,
      );
      expect({ status: res.status, body: res.body }).toEqual({
        status: 201,
        body: {
          shared: {
            share_id: expect.any(Number),
            object_type_id: 1,
            object_id: projectId,
            shared_to_user_id: u.a2.userId,
            shared_to_name: u.a2.userName,
            permission_level: 1,
          },
        },
      });
      // SHARE_NAME_LOOKUP (the name as tried, trimmed; found) first, then SHARE_CREATE naming the stored user.
      expect(
        await ctx.db.query(`SELECT event_type, user_id, agent_id, subject, reason_code FROM audit_events WHERE request_id = $1 ORDER BY seq`, [rid]),
      ).toEqual([
        shareNameLookup(u.a1a, u.a2.userName.toUpperCase(), true),
        { event_type: 'SHARE_CREATE', user_id: u.a1a.userId, agent_id: u.a1a.agentId, subject: u.a2.userName, reason_code: null },
      ]);
      // By id afterwards: the same share (upsert on recipient and object), whatever named the recipient.
      const byId = await share(u.a1a, { object_type_id: 1, object_id: projectId, shared_to_user_id: u.a2.userId.toUpperCase(), permission_level: 2 });
      expect({ status: byId.status, share_id: byId.body.shared.share_id }).toEqual({ status: 200, share_id: res.body.shared.share_id });
    });

    it('each recipient of one object has their own share; the same object id of another type is another share', async () => {
      const projectId = await createProject(u.a1a);
      const toU2 = await shareOk(u.a1a, { object_type_id: 1, object_id: projectId, shared_to_user_id: u.a2.userId });
      const toU3 = await shareOk(u.a1a, { object_type_id: 1, object_id: projectId, shared_to_user_id: u.a3.userId });
      expect(toU3).not.toBe(toU2);
      expect((await shareRows('project_id = $1', [projectId])).map((r) => r.shared_to_user_id)).toEqual([u.a2.userId, u.a3.userId]);

      // A project and a wiki with the same numeric id (inserted so; both identities then moved past it).
      const [{ id }] = await ctx.db.query(
        `SELECT greatest((SELECT max(project_id) FROM projects), (SELECT max(wiki_id) FROM wikis), 0) + 1 AS id`,
      );
      await ctx.db.query(`INSERT INTO projects (project_id, user_id, title) OVERRIDING SYSTEM VALUE VALUES ($1, $2, 'Same id')`, [id, u.a1a.userId]);
      await ctx.db.query(`INSERT INTO wikis (wiki_id, user_id, title) OVERRIDING SYSTEM VALUE VALUES ($1, $2, 'Same id')`, [id, u.a1a.userId]);
      for (const [table, column] of [['projects', 'project_id'], ['wikis', 'wiki_id']]) {
        await ctx.db.query(`SELECT setval(pg_get_serial_sequence('${table}', '${column}'), (SELECT max(${column}) FROM ${table}))`);
      }
      const projectShare = await shareOk(u.a1a, { object_type_id: 1, object_id: id, shared_to_user_id: u.a2.userId, permission_level: 1 });
      const wikiShare = await shareOk(u.a1a, { object_type_id: 3, object_id: id, shared_to_user_id: u.a2.userId, permission_level: 3 });
      expect(await shareRows('shared_to_user_id = $1 AND object_id = $2', [u.a2.userId, id])).toEqual([
        expect.objectContaining({ share_id: projectShare, object_type_id: 1, project_id: id, wiki_id: null, permission_level: 1 }),
        expect.objectContaining({ share_id: wikiShare, object_type_id: 3, project_id: null, wiki_id: id, permission_level: 3 }),
      ]);
    });

    it('parallel first shares of one object to one user: exactly one 201, the others 200 with the same share_id; one row', async () => {
      const projectId = await createProject(u.a1a);
      const results = await Promise.all(
        [1, 2, 3, 1, 2, 3].map((level) => share(u.a1a, { object_type_id: 1, object_id: projectId, shared_to_user_id: u.a3.userId, permission_level: level })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
      expect(new Set(results.map((r) => r.body.shared.share_id as number)).size).toBe(1);
      expect(await shareRows('project_id = $1', [projectId])).toHaveLength(1);
    });

    it('a wiki (type 3) and a hint category (type 2) are shared into their own columns', async () => {
      const wikiId = await insertWiki(u.a1a);
      const categoryId = await insertCategory(u.a1a);
      const wikiShare = await share(u.a1a, { object_type_id: 3, object_id: wikiId, shared_to_user_id: u.a2.userId, permission_level: 2 });
      expect({ status: wikiShare.status, body: wikiShare.body }).toEqual({
        status: 201,
        body: {
          shared: {
            share_id: expect.any(Number),
            object_type_id: 3,
            object_id: wikiId,
            shared_to_user_id: u.a2.userId,
            shared_to_name: u.a2.userName,
            permission_level: 2,
          },
        },
      });
      const hintShare = await share(u.a1a, { object_type_id: 2, object_id: categoryId, shared_to_user_id: u.a2.userId, permission_level: 3 });
      expect({ status: hintShare.status, object_type_id: hintShare.body.shared?.object_type_id }).toEqual({ status: 201, object_type_id: 2 });
      expect(await shareRows('wiki_id = $1 OR hint_id = $2', [wikiId, categoryId])).toEqual([
        expect.objectContaining({ share_id: wikiShare.body.shared.share_id, object_type_id: 3, wiki_id: wikiId, project_id: null, hint_id: null, object_id: wikiId }),
        expect.objectContaining({ share_id: hintShare.body.shared.share_id, object_type_id: 2, hint_id: categoryId, project_id: null, wiki_id: null, object_id: categoryId }),
      ]);
    });

    it("a sibling agent shares its user's objects (user-scoped); the event names the acting agent", async () => {
      const projectId = await createProject(u.a1a);
      const rid = newRid('sibling');
      await share(u.a1b, { object_type_id: 1, object_id: projectId, shared_to_user_id: u.a2.userId }, rid).expect(201);
      await expectAudited(rid, 'SHARE_CREATE', u.a1b);
      expect((await shareRows('project_id = $1', [projectId])).map((r) => r.shared_by_user_id)).toEqual([u.a1a.userId]);
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('POST /sharing refusals, in check order; none stores anything or audits anything but a lookup by name', () => {
    const u = perBlock(users);
    let projectId: number;
    let foreignProjectId: number;
    let sharedToMeProjectId: number;
    let categoryId: number;
    let childHintId: number;
    let foreignCategoryId: number;
    let foreignChildId: number;
    let wikiId: number;
    let before: number;
    const rids: string[] = [];
    /** Refusals of shares by user name: each records its SHARE_NAME_LOOKUP event (and nothing else). */
    const lookups: { rid: string; agent: TestAgent; name: string; found: boolean }[] = [];

    beforeAll(async () => {
      projectId = await createProject(u.a1a);
      foreignProjectId = await createProject(u.a2);
      sharedToMeProjectId = await createProject(u.a2);
      await shareOk(u.a2, { object_type_id: 1, object_id: sharedToMeProjectId, shared_to_user_id: u.a1a.userId, permission_level: 3 });
      categoryId = await insertCategory(u.a1a);
      childHintId = await insertHint(u.a1a, categoryId, categoryId);
      foreignCategoryId = await insertCategory(u.a2);
      foreignChildId = await insertHint(u.a2, foreignCategoryId, foreignCategoryId);
      wikiId = await insertWiki(u.a1a);
      before = await shareCount();
    });

    /** A refused POST /sharing by `agent` (A1a by default), remembering its request id. */
    async function refused(body: unknown, status: number, detail: string | RegExp, agent: TestAgent = u.a1a) {
      const rid = newRid('refused');
      rids.push(rid);
      const res = await share(agent, body, rid);
      expectProblem(res, status, detail);
      return res;
    }

    /** A refused share naming the recipient by user name, past validation: its lookup of `name` (trimmed) is audited. */
    async function refusedByName(body: Record<string, unknown> & { shared_to_user_name: string }, found: boolean, status: number, detail: string, agent: TestAgent = u.a1a) {
      const rid = newRid('refused-by-name');
      lookups.push({ rid, agent, name: body.shared_to_user_name.trim(), found });
      const res = await share(agent, body, rid);
      expectProblem(res, status, detail);
      return res;
    }

    const valid = () => ({ object_type_id: 1, object_id: projectId, shared_to_user_id: u.a2.userId, permission_level: 1 });

    it(`object_type_id 0, 4, 'x', '1', null → 422 "${TYPE_RULE}"; missing → 422 "object_type_id is required"`, async () => {
      for (const objectTypeId of [0, 4, 'x', '1', null]) {
        const res = await refused({ ...valid(), object_type_id: objectTypeId }, 422, TYPE_RULE);
        expect(res.body.errors).toEqual([{ field: 'object_type_id', message: TYPE_RULE }]);
      }
      const { object_type_id: _omitted, ...withoutType } = valid();
      const missing = await refused(withoutType, 422, 'object_type_id is required');
      expect(missing.body.errors).toEqual([{ field: 'object_type_id', message: 'object_type_id is required' }]);
    });

    it(`permission_level 0, 4, '2' → 422 "${LEVEL_RULE}"`, async () => {
      for (const level of [0, 4, '2', 1.5]) {
        const res = await refused({ ...valid(), permission_level: level }, 422, LEVEL_RULE);
        expect(res.body.errors).toEqual([{ field: 'permission_level', message: LEVEL_RULE }]);
      }
    });

    it('the type is reported before the level, and both before the recipient and the object', async () => {
      const res = await refused(
        { object_type_id: 9, permission_level: 9, object_id: MISSING, shared_to_user_id: u.a1a.userId },
        422,
        `${TYPE_RULE}; ${LEVEL_RULE}`,
      );
      expect(res.body.errors).toEqual([
        { field: 'object_type_id', message: TYPE_RULE },
        { field: 'permission_level', message: LEVEL_RULE },
      ]);
      await refused({ ...valid(), permission_level: 0, shared_to_user_id: u.a1a.userId, object_id: MISSING }, 422, LEVEL_RULE);
    });

    it(`object_id 0, -1, 2147483648, 'x', 1.5 → 422 "${OBJECT_RULE}"; missing → 422 "object_id is required"`, async () => {
      for (const objectId of [0, -1, 2_147_483_648, 'x', 1.5]) {
        const res = await refused({ ...valid(), object_id: objectId }, 422, OBJECT_RULE);
        expect(res.body.errors).toEqual([{ field: 'object_id', message: OBJECT_RULE }]);
      }
      const { object_id: _omitted, ...withoutObject } = valid();
      const missing = await refused(withoutObject, 422, 'object_id is required');
      expect(missing.body.errors).toEqual([{ field: 'object_id', message: 'object_id is required' }]);
    });

    it('a recipient id that is no UUID, or a user name that is no string → 422 naming the field', async () => {
      const byId = await refused({ ...valid(), shared_to_user_id: 'bob' }, 422, 'shared_to_user_id must be a UUID');
      expect(byId.body.errors).toEqual([{ field: 'shared_to_user_id', message: 'shared_to_user_id must be a UUID' }]);
      const { shared_to_user_id: _id, ...noRecipient } = valid();
      const byName = await refused({ ...noRecipient, shared_to_user_name: 42 }, 422, /shared_to_user_name/);
      expect(byName.body.errors.map((e: { field: string }) => e.field)).toEqual(['shared_to_user_name']);
    });

    it('neither or both of shared_to_user_id and shared_to_user_name → 422', async () => {
      const { shared_to_user_id: _id, ...noRecipient } = valid();
      const neither = await refused(noRecipient, 422, ONE_RECIPIENT);
      expect(neither.body.errors).toEqual([{ field: 'shared_to_user_id', message: ONE_RECIPIENT }]);
      await refused({ ...valid(), shared_to_user_name: u.a2.userName }, 422, ONE_RECIPIENT);
      // Both naming different users, or one of them unknown: still the same refusal, nothing looked up.
      await refused({ ...valid(), shared_to_user_name: u.a3.userName }, 422, ONE_RECIPIENT);
      await refused({ ...valid(), shared_to_user_id: randomUUID(), shared_to_user_name: 'nobody-at-all' }, 422, ONE_RECIPIENT);
    });

    it(`to yourself, by id (any case), by name (any case), or from a sibling agent → 422 "${SELF}", before the object check`, async () => {
      const { shared_to_user_id: _id, ...noRecipient } = valid();
      const byId = await refused({ ...valid(), shared_to_user_id: u.a1a.userId }, 422, SELF);
      expect(byId.body.errors).toEqual([{ field: 'shared_to_user_id', message: SELF }]);
      await refused({ ...valid(), shared_to_user_id: u.a1a.userId.toUpperCase() }, 422, SELF);
      const byName = await refusedByName({ ...noRecipient, shared_to_user_name: u.a1a.userName }, true, 422, SELF);
      expect(byName.body.errors).toEqual([{ field: 'shared_to_user_name', message: SELF }]);
      await refusedByName({ ...noRecipient, shared_to_user_name: u.a1a.userName.toUpperCase() }, true, 422, SELF);
      await refused({ ...valid(), shared_to_user_id: u.a1a.userId }, 422, SELF, u.a1b);
      // Self comes before "not the owner": a missing object or a foreign one does not change the answer.
      await refused({ ...valid(), object_id: MISSING, shared_to_user_id: u.a1a.userId }, 422, SELF);
      await refusedByName({ ...valid(), object_id: foreignProjectId, shared_to_user_name: u.a1a.userName, shared_to_user_id: undefined }, true, 422, SELF);
    });

    it(`an unknown recipient (id or name) → 404 "${TARGET_NOT_FOUND}", before the object check`, async () => {
      const { shared_to_user_id: _id, ...noRecipient } = valid();
      await refused({ ...valid(), shared_to_user_id: randomUUID() }, 404, TARGET_NOT_FOUND);
      await refusedByName({ ...noRecipient, shared_to_user_name: uniqueName('nobody') }, false, 404, TARGET_NOT_FOUND);
      await refusedByName({ ...noRecipient, shared_to_user_name: ` ${uniqueName('nobody')}\t` }, false, 404, TARGET_NOT_FOUND);
      await refusedByName({ ...noRecipient, shared_to_user_name: '' }, false, 404, TARGET_NOT_FOUND);
      await refused({ ...valid(), object_id: MISSING, shared_to_user_id: randomUUID() }, 404, TARGET_NOT_FOUND);
    });

    it(`an object the caller's user does not own → 404 "${NOT_OWNER}": missing, foreign, or only shared to it (even at level 3)`, async () => {
      await refused({ ...valid(), object_id: MISSING }, 404, NOT_OWNER);
      await refused({ ...valid(), object_id: foreignProjectId }, 404, NOT_OWNER);
      await refused({ ...valid(), object_id: sharedToMeProjectId, shared_to_user_id: u.a3.userId }, 404, NOT_OWNER);
      // Sharing it back to its owner is the same refusal (the owner is not the caller).
      await refused({ ...valid(), object_id: sharedToMeProjectId, shared_to_user_id: u.a2.userId }, 404, NOT_OWNER);
      await refused({ ...valid(), object_type_id: 2, object_id: foreignCategoryId }, 404, NOT_OWNER);
      await refused({ ...valid(), object_type_id: 2, object_id: foreignChildId }, 404, NOT_OWNER);
      // The right id with the wrong type: no wiki has the project's id (wiki and project ids are both fresh here).
      await refused({ ...valid(), object_type_id: 3, object_id: MISSING }, 404, NOT_OWNER);
      // Another user's agent asking for A1a's objects.
      await refused({ ...valid(), shared_to_user_id: u.a3.userId }, 404, NOT_OWNER, u.a2);
      await refused({ ...valid(), object_type_id: 3, object_id: wikiId, shared_to_user_id: u.a3.userId }, 404, NOT_OWNER, u.a2);
    });

    it(`a hint that is not a category root → 422 "${NOT_A_CATEGORY}"`, async () => {
      const res = await refused({ ...valid(), object_type_id: 2, object_id: childHintId }, 422, NOT_A_CATEGORY);
      expect(res.body.errors).toEqual([{ field: 'object_id', message: NOT_A_CATEGORY }]);
      const grandchild = await insertHint(u.a1a, categoryId, childHintId);
      await refused({ ...valid(), object_type_id: 2, object_id: grandchild }, 422, NOT_A_CATEGORY);
    });

    it('a body that is not a JSON object → 422', async () => {
      await refused([valid()], 422, /JSON object/);
      await refused('share', 422, /JSON object/);
    });

    // Last in this block (tests run in order).
    it('none of the refused requests stored a share; only those naming the recipient by name recorded an event, their SHARE_NAME_LOOKUP', async () => {
      expect(rids.length).toBeGreaterThan(40);
      expect(lookups).toHaveLength(6);
      expect(await shareCount()).toBe(before);
      for (const rid of rids) await expectNotAudited(rid);
      for (const { rid, agent, name, found } of lookups) await expectOnlyShareNameLookup(rid, agent, name, found);
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('what a share grants follows its level (and the re-shared level at once)', () => {
    it('level 1 reads, level 2 edits, level 3 deletes sections; never the project; nothing without a share', async () => {
      const u = await users();
      const projectId = await createProject(u.a1a, 'Shared project');
      const sectionId = (await as(u.a1a, 'post', `/projects/${projectId}/sections`, { title: 'S' }).expect(201)).body.created.section_id as number;

      expectProblem(await as(u.a2, 'get', `/projects/${projectId}`), 404, PROJECT_NOT_FOUND);
      const shareId = await shareOk(u.a1a, { object_type_id: 1, object_id: projectId, shared_to_user_id: u.a2.userId, permission_level: 1 });

      const read = await as(u.a2, 'get', `/projects/${projectId}`).expect(200);
      expect(read.body.project).toMatchObject({ project_id: projectId, access: 'shared', permission_level: 1 });
      expectProblem(await as(u.a2, 'put', `/projects/${projectId}`, { title: 'By U2' }), 404, PROJECT_NOT_FOUND);
      expectProblem(await as(u.a2, 'post', `/projects/${projectId}/sections`, { title: 'By U2' }), 404, PROJECT_NOT_FOUND);
      // U3 has no share: nothing at all.
      expectProblem(await as(u.a3, 'get', `/projects/${projectId}`), 404, PROJECT_NOT_FOUND);

      await share(u.a1a, { object_type_id: 1, object_id: projectId, shared_to_user_id: u.a2.userId, permission_level: 2 }).expect(200);
      await as(u.a2, 'put', `/projects/${projectId}`, { title: 'By U2' }).expect(200);
      await as(u.a2, 'post', `/projects/${projectId}/sections`, { title: 'By U2' }).expect(201);
      expectProblem(await as(u.a2, 'delete', `/projects/${projectId}/sections/${sectionId}`), 404, PROJECT_NOT_FOUND);

      await share(u.a1a, { object_type_id: 1, object_id: projectId, shared_to_user_id: u.a2.userId, permission_level: 3 }).expect(200);
      await as(u.a2, 'delete', `/projects/${projectId}/sections/${sectionId}`).expect(200);
      expectProblem(await as(u.a2, 'delete', `/projects/${projectId}`), 404, PROJECT_NOT_FOUND);

      const [row] = await ctx.db.query(`SELECT title, user_id FROM projects WHERE project_id = $1`, [projectId]);
      expect(row).toEqual({ title: 'By U2', user_id: u.a1a.userId });
      expect((await shareRows('share_id = $1', [shareId])).map((r) => r.permission_level)).toEqual([3]);
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('DELETE /sharing/{id}', () => {
    const u = perBlock(users);

    async function sharedProject(level = 2): Promise<{ projectId: number; shareId: number }> {
      const projectId = await createProject(u.a1a);
      const shareId = await shareOk(u.a1a, { object_type_id: 1, object_id: projectId, shared_to_user_id: u.a2.userId, permission_level: level });
      return { projectId, shareId };
    }

    it('by the sharer → {revoked: id}, audited SHARE_REVOKE; the recipient then gets 404 on the project; again → 404', async () => {
      const { projectId, shareId } = await sharedProject();
      await as(u.a2, 'get', `/projects/${projectId}`).expect(200);
      const rid = newRid('revoke');
      const res = await as(u.a1a, 'delete', `/sharing/${shareId}`, undefined, rid);
      expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { revoked: shareId } });
      expect(await auditEvents(rid)).toEqual([
        { event_type: 'SHARE_REVOKE', user_id: u.a1a.userId, agent_id: u.a1a.agentId, subject: null, meta: { share_id: shareId, by: 'sharer' } },
      ]);
      expect(await shareRows('share_id = $1', [shareId])).toEqual([]);
      expectProblem(await as(u.a2, 'get', `/projects/${projectId}`), 404, PROJECT_NOT_FOUND);
      expectProblem(await as(u.a2, 'put', `/projects/${projectId}`, { title: 'x' }), 404, PROJECT_NOT_FOUND);
      const listed = await as(u.a2, 'get', '/projects').expect(200);
      expect(listed.body.projects.map((p: { project_id: number }) => p.project_id)).not.toContain(projectId);

      const rid2 = newRid('revoke-again');
      expectProblem(await as(u.a1a, 'delete', `/sharing/${shareId}`, undefined, rid2), 404, SHARE_NOT_FOUND);
      await expectNotAudited(rid2);
      // The project itself is untouched.
      await as(u.a1a, 'get', `/projects/${projectId}`).expect(200);
    });

    it("a sibling of the sharer revokes too (the share is the user's)", async () => {
      const { shareId } = await sharedProject();
      const rid = newRid('sibling-revoke');
      const res = await as(u.a1b, 'delete', `/sharing/${shareId}`, undefined, rid).expect(200);
      expect(res.body).toEqual({ revoked: shareId });
      await expectAudited(rid, 'SHARE_REVOKE', u.a1b);
      expect(await shareRows('share_id = $1', [shareId])).toEqual([]);
    });

    it("by the recipient → {left: id} (audited in the sharer's tenant, naming the recipient); the recipient loses access, the owner keeps the project", async () => {
      const { projectId, shareId } = await sharedProject();
      const rid = newRid('leave');
      const res = await as(u.a2, 'delete', `/sharing/${shareId}`, undefined, rid);
      expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { left: shareId } });
      expect(await auditEvents(rid)).toEqual([
        {
          event_type: 'SHARE_REVOKE',
          user_id: u.a1a.userId,
          agent_id: u.a2.agentId,
          subject: null,
          meta: { share_id: shareId, by: 'recipient', acting_user_id: u.a2.userId },
        },
      ]);
      expect(await shareRows('share_id = $1', [shareId])).toEqual([]);
      expectProblem(await as(u.a2, 'get', `/projects/${projectId}`), 404, PROJECT_NOT_FOUND);
      await as(u.a1a, 'get', `/projects/${projectId}`).expect(200);
      expectProblem(await as(u.a1a, 'delete', `/sharing/${shareId}`), 404, SHARE_NOT_FOUND);
    });

    it(`by a third user, or a sibling agent of a third user → 404 "${SHARE_NOT_FOUND}"; the share stays and nothing is audited`, async () => {
      const { projectId, shareId } = await sharedProject();
      for (const agent of [u.a3, u.a3b]) {
        const rid = newRid('third');
        expectProblem(await as(agent, 'delete', `/sharing/${shareId}`, undefined, rid), 404, SHARE_NOT_FOUND);
        await expectNotAudited(rid);
      }
      expect(await shareRows('share_id = $1', [shareId])).toEqual([expect.objectContaining({ share_id: shareId, permission_level: 2 })]);
      await as(u.a2, 'get', `/projects/${projectId}`).expect(200);
    });

    it('a missing share → 404; an id that is no positive integer → 422 naming id', async () => {
      expectProblem(await as(u.a1a, 'delete', `/sharing/${MISSING}`), 404, SHARE_NOT_FOUND);
      for (const bad of ['0', '-1', 'x', '2147483648', '1.5']) {
        const res = await as(u.a1a, 'delete', `/sharing/${bad}`);
        expectProblem(res, 422, 'id must be a positive integer');
      }
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('GET /sharing/by-me and /sharing/to-me', () => {
    const u = perBlock(users);
    let p1: number;
    let p2: number;
    let wikiId: number;
    let categoryId: number;
    const ids: Record<string, number> = {};
    const titles = { p1: uniqueName('Alpha'), p2: uniqueName('Beta'), wiki: uniqueName('Wiki'), category: uniqueName('Category') };

    beforeAll(async () => {
      p1 = await createProject(u.a1a, titles.p1);
      p2 = await createProject(u.a1a, titles.p2);
      wikiId = await insertWiki(u.a1a, titles.wiki);
      categoryId = await insertCategory(u.a1a, titles.category);
      // Shared in an order unlike the list order (type, object id, then share id).
      ids.wikiU2 = await shareOk(u.a1a, { object_type_id: 3, object_id: wikiId, shared_to_user_id: u.a2.userId, permission_level: 2 });
      ids.p2U2 = await shareOk(u.a1a, { object_type_id: 1, object_id: p2, shared_to_user_id: u.a2.userId, permission_level: 3 });
      ids.p1U3 = await shareOk(u.a1a, { object_type_id: 1, object_id: p1, shared_to_user_id: u.a3.userId, permission_level: 1 });
      ids.catU2 = await shareOk(u.a1a, { object_type_id: 2, object_id: categoryId, shared_to_user_id: u.a2.userId, permission_level: 1 });
      ids.p1U2 = await shareOk(u.a1a, { object_type_id: 1, object_id: p1, shared_to_user_id: u.a2.userId, permission_level: 2 });
      // A share made to U1, which belongs in U1's to-me list only.
      ids.u2p = await shareOk(u.a2, { object_type_id: 1, object_id: await createProject(u.a2, 'Of U2'), shared_to_user_id: u.a1a.userId });
    });

    const byMeRow = (shareId: number, type: [number, string], objectId: number, title: string, to: TestAgent, level: number) => ({
      share_id: shareId,
      object_type_id: type[0],
      object_type: type[1],
      object_id: objectId,
      object_title: title,
      shared_to_user_id: to.userId,
      shared_to_name: to.userName,
      permission_level: level,
    });

    const toMeRow = (shareId: number, type: [number, string], objectId: number, title: string, by: TestAgent, level: number) => ({
      share_id: shareId,
      object_type_id: type[0],
      object_type: type[1],
      object_id: objectId,
      object_title: title,
      shared_by_user_id: by.userId,
      shared_by_name: by.userName,
      permission_level: level,
    });

    const PROJECT: [number, string] = [1, 'project'];
    const HINT: [number, string] = [2, 'hint'];
    const WIKI: [number, string] = [3, 'wiki'];

    const allByU1 = () => [
      byMeRow(ids.p1U3, PROJECT, p1, titles.p1, u.a3, 1),
      byMeRow(ids.p1U2, PROJECT, p1, titles.p1, u.a2, 2),
      byMeRow(ids.p2U2, PROJECT, p2, titles.p2, u.a2, 3),
      byMeRow(ids.catU2, HINT, categoryId, titles.category, u.a2, 1),
      byMeRow(ids.wikiU2, WIKI, wikiId, titles.wiki, u.a2, 2),
    ];

    it('by-me: every share the user made, with type name, title, recipient id and name, by (object_type_id, object_id)', async () => {
      const res = await as(u.a1a, 'get', '/sharing/by-me').expect(200);
      expect(res.body).toEqual({ shares: allByU1(), total: 5, limit: 200, offset: 0 });
    });

    it("a sibling agent sees its user's by-me list (user-scoped)", async () => {
      const res = await as(u.a1b, 'get', '/sharing/by-me').expect(200);
      expect(res.body).toEqual({ shares: allByU1(), total: 5, limit: 200, offset: 0 });
    });

    it('to-me: the shares made to the user, with the sharer id and name; each user sees only their own', async () => {
      const u2 = await as(u.a2, 'get', '/sharing/to-me').expect(200);
      expect(u2.body).toEqual({
        shares: [
          toMeRow(ids.p1U2, PROJECT, p1, titles.p1, u.a1a, 2),
          toMeRow(ids.p2U2, PROJECT, p2, titles.p2, u.a1a, 3),
          toMeRow(ids.catU2, HINT, categoryId, titles.category, u.a1a, 1),
          toMeRow(ids.wikiU2, WIKI, wikiId, titles.wiki, u.a1a, 2),
        ],
        total: 4,
        limit: 200,
        offset: 0,
      });
      const u3 = await as(u.a3b, 'get', '/sharing/to-me').expect(200);
      expect(u3.body).toEqual({ shares: [toMeRow(ids.p1U3, PROJECT, p1, titles.p1, u.a1a, 1)], total: 1, limit: 200, offset: 0 });
      const u1 = await as(u.a1a, 'get', '/sharing/to-me').expect(200);
      expect(u1.body.shares).toEqual([expect.objectContaining({ share_id: ids.u2p, shared_by_user_id: u.a2.userId, shared_by_name: u.a2.userName, object_title: 'Of U2' })]);
      expect(u1.body.total).toBe(1);
      // U3 made no shares; U2 made one.
      expect((await as(u.a3, 'get', '/sharing/by-me').expect(200)).body).toEqual({ shares: [], total: 0, limit: 200, offset: 0 });
      expect((await as(u.a2, 'get', '/sharing/by-me').expect(200)).body.total).toBe(1);
    });

    it('a re-share changes the listed level in place (same share, same position)', async () => {
      await share(u.a1a, { object_type_id: 1, object_id: p2, shared_to_user_id: u.a2.userId, permission_level: 1 }).expect(200);
      const res = await as(u.a1a, 'get', '/sharing/by-me').expect(200);
      const expected = allByU1();
      expected[2] = { ...expected[2], permission_level: 1 };
      expect(res.body.shares).toEqual(expected);
      await share(u.a1a, { object_type_id: 1, object_id: p2, shared_to_user_id: u.a2.userId, permission_level: 3 }).expect(200);
    });

    it('paged with limit/offset; total counts every share, also with the offset past the end', async () => {
      const page = await as(u.a1a, 'get', '/sharing/by-me?limit=2&offset=1').expect(200);
      expect(page.body).toEqual({ shares: allByU1().slice(1, 3), total: 5, limit: 2, offset: 1 });
      const last = await as(u.a1a, 'get', '/sharing/by-me?limit=2&offset=4').expect(200);
      expect(last.body).toEqual({ shares: allByU1().slice(4), total: 5, limit: 2, offset: 4 });
      const past = await as(u.a1a, 'get', '/sharing/by-me?offset=50').expect(200);
      expect(past.body).toEqual({ shares: [], total: 5, limit: 200, offset: 50 });
      const pastToMe = await as(u.a2, 'get', '/sharing/to-me?limit=1&offset=10').expect(200);
      expect(pastToMe.body).toEqual({ shares: [], total: 4, limit: 1, offset: 10 });
    });

    it('bad paging → 422 naming the parameter', async () => {
      for (const [query, field] of [
        ['limit=0', 'limit'],
        ['limit=1001', 'limit'],
        ['offset=-1', 'offset'],
        ['limit=x', 'limit'],
      ]) {
        const res = await as(u.a1a, 'get', `/sharing/to-me?${query}`);
        expectProblem(res, 422);
        expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual([field]);
      }
    });

    it('lists need an agent key (401 without one)', async () => {
      for (const path of ['/sharing/by-me', '/sharing/to-me']) {
        expectProblem(await ctx.http().get(path), 401);
      }
      expectProblem(await ctx.http().post('/sharing').send({ object_type_id: 1, object_id: p1, shared_to_user_id: u.a2.userId }), 401);
      expectProblem(await ctx.http().delete(`/sharing/${ids.p1U2}`), 401);
      expect(await shareRows('share_id = $1', [ids.p1U2])).toHaveLength(1);
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('cascades: no orphan share rows', () => {
    const u = perBlock(users);

    it('DELETE /projects/{id} deletes the shares of the project (and only those)', async () => {
      const projectId = await createProject(u.a1a);
      const keptId = await createProject(u.a1a);
      await shareOk(u.a1a, { object_type_id: 1, object_id: projectId, shared_to_user_id: u.a2.userId, permission_level: 2 });
      await shareOk(u.a1a, { object_type_id: 1, object_id: projectId, shared_to_user_id: u.a3.userId });
      const kept = await shareOk(u.a1a, { object_type_id: 1, object_id: keptId, shared_to_user_id: u.a2.userId });
      // A recipient with level 3 still cannot delete it.
      await share(u.a1a, { object_type_id: 1, object_id: projectId, shared_to_user_id: u.a3.userId, permission_level: 3 }).expect(200);
      expectProblem(await as(u.a3, 'delete', `/projects/${projectId}`), 404, PROJECT_NOT_FOUND);
      expect(await shareRows('project_id = $1', [projectId])).toHaveLength(2);

      await as(u.a1a, 'delete', `/projects/${projectId}`).expect(200);
      expect(await shareRows('project_id = $1 OR object_id = $1 AND object_type_id = 1', [projectId])).toEqual([]);
      expect((await shareRows('project_id = $1', [keptId])).map((r) => r.share_id)).toEqual([kept]);
      const toMe = await as(u.a2, 'get', '/sharing/to-me').expect(200);
      expect(toMe.body.shares.map((s: { object_id: number }) => s.object_id)).toEqual([keptId]);
      expect(toMe.body.total).toBe(1);
      const byMe = await as(u.a1a, 'get', '/sharing/by-me').expect(200);
      expect(byMe.body.shares.map((s: { share_id: number }) => s.share_id)).toEqual([kept]);
    });

    it('deleting a wiki row deletes the shares of the wiki', async () => {
      const wikiId = await insertWiki(u.a1a);
      const shareId = await shareOk(u.a1a, { object_type_id: 3, object_id: wikiId, shared_to_user_id: u.a2.userId });
      expect((await shareRows('wiki_id = $1', [wikiId])).map((r) => r.share_id)).toEqual([shareId]);
      await ctx.db.query(`DELETE FROM wikis WHERE wiki_id = $1`, [wikiId]);
      expect(await shareRows('share_id = $1', [shareId])).toEqual([]);
    });

    it('deleting a hint category root deletes its hints (hint_category_id cascade) and its shares; deleting a child leaves the share', async () => {
      const categoryId = await insertCategory(u.a1a);
      const child = await insertHint(u.a1a, categoryId, categoryId);
      const grandchild = await insertHint(u.a1a, categoryId, child);
      const other = await insertHint(u.a1a, categoryId, categoryId);
      const otherCategory = await insertCategory(u.a1a);
      const otherChild = await insertHint(u.a1a, otherCategory, otherCategory);
      const shareId = await shareOk(u.a1a, { object_type_id: 2, object_id: categoryId, shared_to_user_id: u.a2.userId, permission_level: 2 });

      await ctx.db.query(`DELETE FROM hints WHERE hint_id = $1`, [other]);
      expect((await shareRows('hint_id = $1', [categoryId])).map((r) => r.share_id)).toEqual([shareId]);

      await ctx.db.query(`DELETE FROM hints WHERE hint_id = $1`, [categoryId]);
      const left: { hint_id: number }[] = await ctx.db.query(`SELECT hint_id FROM hints WHERE hint_id = ANY($1) ORDER BY hint_id`, [
        [categoryId, child, grandchild, otherCategory, otherChild],
      ]);
      expect(left.map((r) => r.hint_id)).toEqual([otherCategory, otherChild]);
      expect(await shareRows('share_id = $1', [shareId])).toEqual([]);
      expect((await as(u.a2, 'get', '/sharing/to-me').expect(200)).body.shares.map((s: { share_id: number }) => s.share_id)).not.toContain(shareId);
    });

    it('no share row anywhere points at a missing object', async () => {
      const [row] = await ctx.db.query(`
        SELECT count(*)::int AS n FROM shared_objects s
         WHERE (s.project_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM projects p WHERE p.project_id = s.project_id))
            OR (s.hint_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM hints h WHERE h.hint_id = s.hint_id))
            OR (s.wiki_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM wikis w WHERE w.wiki_id = s.wiki_id))`);
      expect(row.n).toBe(0);
      // And the audit trail of this app holds SHARE_* events only of the kinds above (and the lookups by name).
      const kinds: { event_type: string }[] = await ctx.db.query(`SELECT DISTINCT event_type FROM audit_events WHERE event_type LIKE 'SHARE%' ORDER BY 1`);
      expect(kinds.map((k) => k.event_type)).toEqual(['SHARE_CREATE', 'SHARE_NAME_LOOKUP', 'SHARE_REVOKE', 'SHARE_UPDATE']);
    });
  });
});
