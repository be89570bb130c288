import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Response } from 'supertest';
import { Method, shareNameLookup } from './support/agent-requests';
import { perBlock, ThreeUsers, useFixtures } from './support/fixtures';
import * as text from './support/knowledge';
import { callTool as call, ISO, Json, notFound, NO_FIELDS_ERROR as NO_FIELDS, ok, Outcome, restAs, restError, ToolError, toolError, runNames, expectSameOutcomes } from './support/mcp-client';
import { TestAgent } from './support/test-app';

/**
 * Projects, sections and sharing as MCP tools (spec §4.4 tools 18–27 and 46–49,
 * with the §6 Q15 / §7.2 #17 fix: one service layer, so MCP sees shared
 * objects exactly as REST does), end to end with the official SDK client:
 * tools/list, parity of results and stored state with REST, shared access,
 * and argument validation. Expected texts are written out here, never imported from src/.
 *
 * Fixtures: fresh users per block; U1 (agents A1a, A1b), U2 (A2), U3 (A3).
 */

const PROJECT_NOT_FOUND = notFound(text.PROJECT_NOT_FOUND);
const SECTION_NOT_FOUND = notFound(text.SECTION_NOT_FOUND);
const NOT_OWNER = notFound(text.NOT_OWNER);
const SHARE_NOT_FOUND = notFound(text.SHARE_NOT_FOUND);
const TARGET_NOT_FOUND = notFound(text.TARGET_NOT_FOUND);
const { TYPE_RULE, LEVEL_RULE, SELF, MISSING } = text;

/** Every tool of this issue, with its required arguments (besides the optional agent_key) and all its arguments. */
const TOOLS: Record<string, { required: string[]; properties: string[]; annotation: 'read' | 'write' | 'delete' }> = {
  get_project_statuses: { required: [], properties: [], annotation: 'read' },
  get_projects: { required: [], properties: ['status', 'limit', 'offset'], annotation: 'read' },
  get_project: { required: ['project_id'], properties: ['project_id'], annotation: 'read' },
  get_section: { required: ['project_id', 'section_id'], properties: ['project_id', 'section_id'], annotation: 'read' },
  create_project: { required: ['title'], properties: ['title', 'description', 'status_id'], annotation: 'write' },
  create_section: {
    required: ['project_id', 'title'],
    properties: ['project_id', 'title', 'description', 'parent_id', 'file_path'],
    annotation: 'write',
  },
  update_project: { required: ['project_id'], properties: ['project_id', 'title', 'description', 'status_id'], annotation: 'write' },
  update_section: {
    required: ['project_id', 'section_id'],
    properties: ['project_id', 'section_id', 'title', 'description', 'file_path'],
    annotation: 'write',
  },
  delete_project: { required: ['project_id'], properties: ['project_id'], annotation: 'delete' },
  delete_section: { required: ['project_id', 'section_id'], properties: ['project_id', 'section_id'], annotation: 'delete' },
  share_object: {
    required: ['object_id', 'object_type_id'],
    properties: ['object_type_id', 'object_id', 'shared_to_user_id', 'shared_to_user_name', 'permission_level'],
    annotation: 'write',
  },
  revoke_share: { required: ['share_id'], properties: ['share_id'], annotation: 'delete' },
  get_shared_by_me: { required: [], properties: ['limit', 'offset'], annotation: 'read' },
  get_shared_to_me: { required: [], properties: ['limit', 'offset'], annotation: 'read' },
};

const INTEGER_ARGS = ['project_id', 'section_id', 'status_id', 'parent_id', 'object_type_id', 'object_id', 'permission_level', 'share_id', 'limit', 'offset'];

/** The MCP list of shares, after checking it has exactly the REST shape ({shares, total, limit, offset}). */
function asRestShares(json: Json): Json {
  expect(Object.keys(json).sort()).toEqual(['limit', 'offset', 'shares', 'total']);
  return json;
}

describe('Knowledge MCP tools: projects, sections, sharing (official SDK client over HTTP)', () => {
  const ctx = useFixtures();

  /** An MCP client for `agent` (one per agent, authenticated by its X-Api-Key header). */
  const mcp = (agent: TestAgent): Promise<Client> => ctx.mcp(agent);
  const rest = (agent: TestAgent, method: Method, path: string, body?: object): Promise<Response> => restAs(ctx, agent, method, path, body);
  const users = () => ctx.threeUsers();
  const lastSeq = ctx.lastAuditSeq;

  /** The REST route of a tool, called with the tool's arguments. */
  async function viaRest(agent: TestAgent, tool: string, args: Json): Promise<Outcome> {
    const { project_id: projectId, section_id: sectionId, share_id: shareIdArg, ...body } = args;
    const [pid, sid, shareId] = [projectId, sectionId, shareIdArg].map(String);
    const query = new URLSearchParams(Object.entries(args).map(([k, v]): [string, string] => [k, String(v)])).toString();
    const routes: Record<string, [Method, string, object | undefined, number]> = {
      get_project_statuses: ['get', '/project-statuses', undefined, 200],
      get_projects: ['get', `/projects?${query}`, undefined, 200],
      get_project: ['get', `/projects/${pid}`, undefined, 200],
      get_section: ['get', `/projects/${pid}/sections/${sid}`, undefined, 200],
      create_project: ['post', '/projects', body, 201],
      create_section: ['post', `/projects/${pid}/sections`, body, 201],
      update_project: ['put', `/projects/${pid}`, body, 200],
      update_section: ['put', `/projects/${pid}/sections/${sid}`, body, 200],
      delete_project: ['delete', `/projects/${pid}`, undefined, 200],
      delete_section: ['delete', `/projects/${pid}/sections/${sid}`, undefined, 200],
      share_object: ['post', '/sharing', body, 201],
      revoke_share: ['delete', `/sharing/${shareId}`, undefined, 200],
      get_shared_by_me: ['get', `/sharing/by-me?${query}`, undefined, 200],
      get_shared_to_me: ['get', `/sharing/to-me?${query}`, undefined, 200],
    };
    const [method, path, reqBody, status] = routes[tool];
    const res = await rest(agent, method, path, reqBody);
    if (res.status >= 400) return { error: restError(res, res.status) };
    // A share answers 201 when created, 200 when an existing one is updated: share_object says which as `created`.
    if (tool === 'share_object') {
      expect({ tool, status: [200, 201].includes(res.status) }).toEqual({ tool, status: true });
      return { ok: { ...(res.body as Json), created: res.status === 201 } };
    }
    expect({ tool, status: res.status }).toEqual({ tool, status });
    return { ok: res.body };
  }

  /** The tool through MCP, its result in the REST shape. */
  async function viaMcp(agent: TestAgent, tool: string, args: Json): Promise<Outcome> {
    const result = await call(await mcp(agent), tool, args);
    if (result.isError) return { error: toolError(result) };
    const json = ok(result);
    if (tool === 'get_shared_by_me' || tool === 'get_shared_to_me') return { ok: asRestShares(json) };
    return { ok: json };
  }

  // ------------------------------------------------------------------------------------------
  describe('tools/list', () => {
    it('advertises every project and sharing tool with its parameters, the optional agent_key, and annotations', async () => {
      const u = await users();
      const { tools } = await (await mcp(u.a1a)).listTools();
      const byName = new Map(tools.map((tool) => [tool.name, tool]));
      for (const [name, spec] of Object.entries(TOOLS)) {
        const tool = byName.get(name);
        expect({ name, present: tool !== undefined }).toEqual({ name, present: true });
        expect(tool!.description).toEqual(expect.any(String));
        expect(tool!.inputSchema.type).toBe('object');
        const properties = (tool!.inputSchema.properties ?? {}) as Record<string, Json>;
        expect({ name, properties: Object.keys(properties).sort() }).toEqual({ name, properties: ['agent_key', ...spec.properties].sort() });
        expect({ name, required: [...(tool!.inputSchema.required ?? [])].sort() }).toEqual({ name, required: spec.required });
        expect(properties.agent_key).toMatchObject({ type: 'string' });
        for (const arg of spec.properties.filter((p) => INTEGER_ARGS.includes(p))) {
          expect({ name, arg, schema: properties[arg] }).toEqual({ name, arg, schema: expect.objectContaining({ type: 'integer' }) });
        }
        const hints = tool!.annotations ?? {};
        expect({ name, readOnly: hints.readOnlyHint, destructive: hints.destructiveHint ?? false }).toEqual({
          name,
          readOnly: spec.annotation === 'read',
          destructive: spec.annotation === 'delete',
        });
      }
      const props = (name: string) => byName.get(name)!.inputSchema.properties as Record<string, Json>;
      for (const arg of ['shared_to_user_id', 'shared_to_user_name']) expect(props('share_object')[arg]).toMatchObject({ type: 'string' });
      expect(props('get_projects').status).toMatchObject({ type: 'string' });
      expect(props('create_project').title).toMatchObject({ type: 'string' });
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('parity with REST', () => {
    interface Run {
      users: ThreeUsers;
      outcomes: [string, Outcome][];
      sharedState: unknown;
      finalState: unknown;
      audit: unknown[];
    }

    /**
     * One sequence of operations: U1 creates a project with a section tree,
     * updates it, shares it to U2 at level 2; U2 edits, adds, lists, is refused a
     * delete; U1 deletes a section and revokes; U2 has lost access.
     */
    async function scenario(run: (agent: TestAgent, tool: string, args: Json) => Promise<Outcome>): Promise<Run> {
      const u = await users();
      const since = await lastSeq();
      const outcomes: [string, Outcome][] = [];
      const step = async (agent: TestAgent, tool: string, args: Json = {}): Promise<Json> => {
        const outcome = await run(agent, tool, args);
        outcomes.push([tool, outcome]);
        return ('ok' in outcome ? outcome.ok : {}) as Json;
      };

      await step(u.a1a, 'get_project_statuses');
      const created = await step(u.a1a, 'create_project', { title: '  Parity  ', description: 'About parity', status_id: 2 });
      const pid = (created.created as Json).project_id as number;
      const root = ((await step(u.a1a, 'create_section', { project_id: pid, title: 'Root', description: 'r', file_path: 'src/a.ts' })).created as Json)
        .section_id as number;
      const child = ((await step(u.a1a, 'create_section', { project_id: pid, title: 'Child', parent_id: root })).created as Json).section_id as number;
      const grandchild = ((await step(u.a1b, 'create_section', { project_id: pid, title: 'Grandchild', parent_id: child })).created as Json)
        .section_id as number;
      await step(u.a1a, 'create_section', { project_id: pid, title: 'Orphan?', parent_id: MISSING });
      await step(u.a1a, 'update_project', { project_id: pid, title: 'Parity 2', description: null, status_id: 4 });
      await step(u.a1a, 'update_section', { project_id: pid, section_id: child, description: 'c', file_path: null });
      await step(u.a1a, 'update_section', { project_id: pid, section_id: MISSING, title: 'x' });
      await step(u.a2, 'get_project', { project_id: pid });
      const shared = await step(u.a1a, 'share_object', { object_type_id: 1, object_id: pid, shared_to_user_name: u.a2.userName, permission_level: 1 });
      const shareId = (shared.shared as Json).share_id as number;
      await step(u.a1a, 'share_object', { object_type_id: 1, object_id: pid, shared_to_user_id: u.a2.userId, permission_level: 2 });
      await step(u.a2, 'update_section', { project_id: pid, section_id: root, title: 'Root by U2' });
      await step(u.a2, 'update_project', { project_id: pid, description: 'By U2' });
      await step(u.a2, 'create_section', { project_id: pid, title: 'By U2', parent_id: root });
      await step(u.a2, 'delete_section', { project_id: pid, section_id: grandchild });
      await step(u.a2, 'delete_project', { project_id: pid });
      await step(u.a2, 'get_projects');
      await step(u.a2, 'get_projects', { status: 'evolving', limit: 5 });
      await step(u.a2, 'get_project', { project_id: pid });
      await step(u.a2, 'get_section', { project_id: pid, section_id: root });
      await step(u.a2, 'get_shared_to_me');
      await step(u.a1a, 'get_shared_by_me');
      await step(u.a1b, 'get_shared_by_me', { limit: 1, offset: 3 });
      const sharedState = await state(u, pid);
      await step(u.a1a, 'delete_section', { project_id: pid, section_id: child });
      await step(u.a1a, 'revoke_share', { share_id: shareId });
      await step(u.a2, 'get_project', { project_id: pid });
      await step(u.a2, 'get_shared_to_me');
      await step(u.a2, 'revoke_share', { share_id: shareId });
      await step(u.a1a, 'get_project', { project_id: pid });
      const finalState = await state(u, pid);
      const audit = await ctx.db.query(
        `SELECT event_type, user_id, agent_id, subject, reason_code, meta FROM audit_events
          WHERE seq > $1 AND user_id IN ($2, $3, $4) ORDER BY seq`,
        [since, u.a1a.userId, u.a2.userId, u.a3.userId],
      );
      return { users: u, outcomes, sharedState, finalState, audit };
    }

    /** The stored rows of the project, its sections (parents by title) and its shares, without ids and times. */
    async function state(u: ThreeUsers, pid: number): Promise<unknown> {
      const [project] = await ctx.db.query(`SELECT user_id, title, description, status_id FROM projects WHERE project_id = $1`, [pid]);
      const sections = await ctx.db.query(
        `SELECT s.title, s.description, s.file_path, coalesce(p.title, '(top)') AS parent
           FROM project_sections s LEFT JOIN project_sections p ON p.section_id = s.parent_id
          WHERE s.project_id = $1 ORDER BY s.title`,
        [pid],
      );
      const shares = await ctx.db.query(
        `SELECT shared_by_user_id, shared_to_user_id, object_type_id, project_id = $1 AS this_project, permission_level
           FROM shared_objects WHERE shared_by_user_id = $2 OR shared_to_user_id = $2 ORDER BY share_id`,
        [pid, u.a1a.userId],
      );
      return { project, sections, shares };
    }

    /** Replaces a run's ids (by kind, numbered in order of appearance), user and agent ids and names, and times. */
    function normalize(run: Run, value: unknown): unknown {
      const ID_KIND: Record<string, string> = {
        project_id: 'P',
        object_id: 'P',
        section_id: 'S',
        parent_id: 'S',
        share_id: 'H',
        revoked: 'H',
        left: 'H',
        deleted: 'S',
      };
      const { label, rename } = runNames({ ...run.users });
      const walk = (v: unknown, key?: string): unknown => {
        if (Array.isArray(v)) return v.map((x) => walk(x));
        if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, k)]));
        if (typeof v === 'number' && key && ID_KIND[key] && v !== 0 && v !== MISSING) return label(ID_KIND[key], v);
        // Signed document links (when the service adds them) name the project; expiry and signature vary.
        const link = typeof v === 'string' && key === 'document_url' ? /\/projects\/(\d+)\?/.exec(v) : null;
        if (link) return `document link of ${label('P', Number(link[1]))}`;
        if (typeof v === 'string' && (key === 'created_at' || key === 'updated_at')) {
          expect(v).toMatch(ISO);
          return '<time>';
        }
        if (typeof v === 'string') return rename(v);
        return v;
      };
      return walk(value);
    }

    /** The scenario run once through REST, then once through MCP, each by fresh users. */
    const runs = perBlock(async () => ({ viaRestRun: await scenario(viaRest), viaMcpRun: await scenario(viaMcp) }));

    it('every step gives the same result (or the same error) through MCP as through REST', () => {
      expectSameOutcomes(normalize(runs.viaRestRun, runs.viaRestRun.outcomes) as [string, Outcome][], normalize(runs.viaMcpRun, runs.viaMcpRun.outcomes) as [string, Outcome][]);
    });

    it('the sequence did what it should (so the parity above is not parity of failures)', () => {
      const outcomes = normalize(runs.viaMcpRun, runs.viaMcpRun.outcomes) as [string, Outcome][];
      const errors = outcomes.flatMap(([tool, o], i) => ('error' in o ? [[i, tool, o.error]] : []));
      expect(errors).toEqual([
        [5, 'create_section', { code: 'validation_failed', message: 'parent_id must be 0 or a section of the same project', errors: [{ field: 'parent_id', message: 'parent_id must be 0 or a section of the same project' }] }],
        [8, 'update_section', SECTION_NOT_FOUND],
        [9, 'get_project', PROJECT_NOT_FOUND],
        [15, 'delete_section', PROJECT_NOT_FOUND],
        [16, 'delete_project', PROJECT_NOT_FOUND],
        [26, 'get_project', PROJECT_NOT_FOUND],
        [28, 'revoke_share', SHARE_NOT_FOUND],
      ]);
      const result = (i: number) => (outcomes[i][1] as { ok: Json }).ok;
      expect(result(1)).toEqual({ created: { project_id: 'P1', title: 'Parity', status: 'active', status_label: 'Active' } });
      expect(result(10)).toEqual({
        shared: { share_id: 'H1', object_type_id: 1, object_id: 'P1', shared_to_user_id: 'a2-user', shared_to_name: 'a2-name', permission_level: 1 },
        created: true,
      });
      expect(result(11)).toEqual({ shared: { ...(result(10).shared as Json), permission_level: 2 }, created: false });
      expect(result(17)).toEqual({
        projects: [
          expect.objectContaining({
            project_id: 'P1',
            title: 'Parity 2',
            description: 'By U2',
            status: 'evolving',
            status_label: 'Evolving',
            access: 'shared',
            permission_level: 2,
            created_at: '<time>',
            updated_at: '<time>',
          }),
        ],
        total: 1,
        limit: 200,
        offset: 0,
      });
      expect(result(18)).toEqual({ ...result(17), limit: 5 });
      expect(result(19)).toMatchObject({ project: { project_id: 'P1', access: 'shared', permission_level: 2 } });
      expect((result(19).sections as Json[]).map((s) => s.title)).toEqual(['Root by U2', 'Child', 'By U2', 'Grandchild']);
      expect(result(20)).toMatchObject({ section: { section_id: 'S1', title: 'Root by U2' } });
      expect((result(20).children as Json[]).map((s) => s.title)).toEqual(['Child', 'By U2']);
      expect(result(21)).toEqual({
        shares: [
          {
            share_id: 'H1',
            object_type_id: 1,
            object_type: 'project',
            object_id: 'P1',
            object_title: 'Parity 2',
            shared_by_user_id: 'a1-user',
            shared_by_name: 'a1-name',
            permission_level: 2,
          },
        ],
        total: 1,
        limit: 200,
        offset: 0,
      });
      expect(result(23)).toEqual({ shares: [], total: 1, limit: 1, offset: 3 });
      expect(result(24)).toEqual({ deleted: 'S2', descendants_deleted: 1 });
      expect(result(25)).toEqual({ revoked: 'H1' });
      expect(result(27)).toEqual({ shares: [], total: 0, limit: 200, offset: 0 });
    });

    it('leaves the same stored rows (projects, sections, shares) through MCP as through REST', () => {
      expect(normalize(runs.viaMcpRun, runs.viaMcpRun.sharedState)).toEqual(normalize(runs.viaRestRun, runs.viaRestRun.sharedState));
      expect(normalize(runs.viaMcpRun, runs.viaMcpRun.finalState)).toEqual(normalize(runs.viaRestRun, runs.viaRestRun.finalState));
      expect(normalize(runs.viaMcpRun, runs.viaMcpRun.sharedState)).toEqual({
        project: { user_id: 'a1-user', title: 'Parity 2', description: 'By U2', status_id: 4 },
        sections: [
          { title: 'By U2', description: null, file_path: null, parent: 'Root by U2' },
          { title: 'Child', description: 'c', file_path: null, parent: 'Root by U2' },
          { title: 'Grandchild', description: null, file_path: null, parent: 'Child' },
          { title: 'Root by U2', description: 'r', file_path: 'src/a.ts', parent: '(top)' },
        ],
        shares: [{ shared_by_user_id: 'a1-user', shared_to_user_id: 'a2-user', object_type_id: 1, this_project: true, permission_level: 2 }],
      });
      expect(normalize(runs.viaMcpRun, runs.viaMcpRun.finalState)).toEqual({
        project: { user_id: 'a1-user', title: 'Parity 2', description: 'By U2', status_id: 4 },
        sections: [
          { title: 'By U2', description: null, file_path: null, parent: 'Root by U2' },
          { title: 'Root by U2', description: 'r', file_path: 'src/a.ts', parent: '(top)' },
        ],
        shares: [],
      });
    });

    it('records the same audit events (owner tenant, acting agent, meta) through MCP as through REST', () => {
      const mcpAudit = normalize(runs.viaMcpRun, runs.viaMcpRun.audit) as Json[];
      expect(mcpAudit).toEqual(normalize(runs.viaRestRun, runs.viaRestRun.audit));
      expect(mcpAudit.map((e) => [e.event_type, e.user_id, e.agent_id])).toEqual([
        ['PROJECT_CREATE', 'a1-user', 'a1a-agent'],
        ['PROJECT_SECTION_CREATE', 'a1-user', 'a1a-agent'],
        ['PROJECT_SECTION_CREATE', 'a1-user', 'a1a-agent'],
        ['PROJECT_SECTION_CREATE', 'a1-user', 'a1b-agent'],
        ['PROJECT_UPDATE', 'a1-user', 'a1a-agent'],
        ['PROJECT_SECTION_UPDATE', 'a1-user', 'a1a-agent'],
        ['SHARE_NAME_LOOKUP', 'a1-user', 'a1a-agent'],
        ['SHARE_CREATE', 'a1-user', 'a1a-agent'],
        ['SHARE_UPDATE', 'a1-user', 'a1a-agent'],
        ['PROJECT_SECTION_UPDATE', 'a1-user', 'a2-agent'],
        ['PROJECT_UPDATE', 'a1-user', 'a2-agent'],
        ['PROJECT_SECTION_CREATE', 'a1-user', 'a2-agent'],
        ['PROJECT_SECTION_DELETE', 'a1-user', 'a1a-agent'],
        ['SHARE_REVOKE', 'a1-user', 'a1a-agent'],
      ]);
      // The share by user name: its lookup (the name tried, found) comes before SHARE_CREATE.
      expect(mcpAudit[6]).toEqual({ event_type: 'SHARE_NAME_LOOKUP', user_id: 'a1-user', agent_id: 'a1a-agent', subject: 'a2-name', reason_code: null, meta: null });
      expect(mcpAudit[9].meta).toEqual({ project_id: 'P1', section_id: 'S1', acting_user_id: 'a2-user' });
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('shared objects through MCP, exactly as REST', () => {
    const u = perBlock(users);
    let pid: number;
    let sid: number;
    let shareId: number;

    beforeAll(async () => {
      pid = ok<{ created: { project_id: number } }>(await call(await mcp(u.a1a), 'create_project', { title: 'Of U1' })).created.project_id;
      sid = ok<{ created: { section_id: number } }>(await call(await mcp(u.a1a), 'create_section', { project_id: pid, title: 'S' })).created.section_id;
    });

    /** The project's stored rows, to prove refused calls changed nothing. */
    async function snapshot(): Promise<unknown> {
      return {
        project: await ctx.db.query(`SELECT title, description, status_id, updated_at FROM projects WHERE project_id = $1`, [pid]),
        sections: await ctx.db.query(`SELECT section_id, parent_id, title, description, file_path, updated_at FROM project_sections WHERE project_id = $1 ORDER BY section_id`, [pid]),
        shares: await ctx.db.query(`SELECT share_id, permission_level FROM shared_objects WHERE project_id = $1 ORDER BY share_id`, [pid]),
      };
    }

    const onProject = () =>
      [
        ['get_project', { project_id: pid }],
        ['get_section', { project_id: pid, section_id: sid }],
        ['create_section', { project_id: pid, title: 'Intruder' }],
        ['update_project', { project_id: pid, title: 'Intruder' }],
        ['update_section', { project_id: pid, section_id: sid, title: 'Intruder' }],
        ['delete_section', { project_id: pid, section_id: sid }],
        ['delete_project', { project_id: pid }],
      ] as [string, Json][];

    it('without a share every project tool is isError not_found "Project not found" (as REST), and changes nothing', async () => {
      const before = await snapshot();
      const client = await mcp(u.a2);
      for (const [tool, args] of onProject()) {
        expect({ tool, error: toolError(await call(client, tool, args)) }).toEqual({ tool, error: PROJECT_NOT_FOUND });
        expect({ tool, rest: await viaRest(u.a2, tool, args) }).toEqual({ tool, rest: { error: PROJECT_NOT_FOUND } });
      }
      expect(toolError(await call(client, 'share_object', { object_type_id: 1, object_id: pid, shared_to_user_id: u.a3.userId }))).toEqual(NOT_OWNER);
      const listed = ok<{ projects: { project_id: number }[]; total: number }>(await call(client, 'get_projects'));
      expect(listed).toEqual({ projects: [], total: 0, limit: 200, offset: 0 });
      expect(await snapshot()).toEqual(before);
    });

    it("with a level-2 share U2 sees U1's project in get_projects (access 'shared') and reads it as REST does", async () => {
      shareId = ok<{ shared: { share_id: number } }>(
        await call(await mcp(u.a1a), 'share_object', { object_type_id: 1, object_id: pid, shared_to_user_id: u.a2.userId, permission_level: 2 }),
      ).shared.share_id;
      const client = await mcp(u.a2);
      const listed = ok<{ projects: Json[] }>(await call(client, 'get_projects'));
      expect(listed.projects).toEqual([expect.objectContaining({ project_id: pid, title: 'Of U1', access: 'shared', permission_level: 2 })]);
      expect({ ok: listed }).toEqual(await viaRest(u.a2, 'get_projects', {}));
      expect(await viaMcp(u.a2, 'get_project', { project_id: pid })).toEqual(await viaRest(u.a2, 'get_project', { project_id: pid }));
      expect(await viaMcp(u.a2, 'get_section', { project_id: pid, section_id: sid })).toEqual(
        await viaRest(u.a2, 'get_section', { project_id: pid, section_id: sid }),
      );
      // The owner's view of the same project: owned, level 3.
      const owned = ok<{ project: Json }>(await call(await mcp(u.a1b), 'get_project', { project_id: pid }));
      expect(owned.project).toMatchObject({ access: 'owned', permission_level: 3 });
      // A third user still sees nothing.
      expect(toolError(await call(await mcp(u.a3), 'get_project', { project_id: pid }))).toEqual(PROJECT_NOT_FOUND);
    });

    it('at level 2 U2 edits the header and sections and adds sections, but deletes neither sections nor the project', async () => {
      const client = await mcp(u.a2);
      expect(ok(await call(client, 'update_project', { project_id: pid, description: 'Edited by U2' }))).toEqual({
        updated: { project_id: pid, title: 'Of U1', status: 'planning', status_label: 'Planning' },
      });
      expect(ok(await call(client, 'update_section', { project_id: pid, section_id: sid, title: 'S by U2' }))).toEqual({
        updated: { section_id: sid, title: 'S by U2' },
      });
      const added = ok<{ created: { section_id: number } }>(await call(client, 'create_section', { project_id: pid, title: 'New', parent_id: sid }));
      expect(added).toEqual({ created: { section_id: expect.any(Number), parent_id: sid, title: 'New' } });
      expect(toolError(await call(client, 'delete_section', { project_id: pid, section_id: added.created.section_id }))).toEqual(PROJECT_NOT_FOUND);
      expect(toolError(await call(client, 'delete_project', { project_id: pid }))).toEqual(PROJECT_NOT_FOUND);
      expect(toolError(await call(client, 'share_object', { object_type_id: 1, object_id: pid, shared_to_user_id: u.a3.userId }))).toEqual(NOT_OWNER);
      const [row] = await ctx.db.query(`SELECT user_id, description FROM projects WHERE project_id = $1`, [pid]);
      expect(row).toEqual({ user_id: u.a1a.userId, description: 'Edited by U2' });
      const sections = await ctx.db.query(`SELECT title FROM project_sections WHERE project_id = $1 ORDER BY section_id`, [pid]);
      expect(sections).toEqual([{ title: 'S by U2' }, { title: 'New' }]);
    });

    it('at level 3 (re-shared through MCP) U2 deletes sections but still not the project', async () => {
      const reshared = ok<{ shared: Json; created: boolean }>(
        await call(await mcp(u.a1a), 'share_object', { object_type_id: 1, object_id: pid, shared_to_user_name: u.a2.userName, permission_level: 3 }),
      );
      expect(reshared.shared).toMatchObject({ share_id: shareId, permission_level: 3 });
      expect(reshared.created).toBe(false);
      const client = await mcp(u.a2);
      expect(ok(await call(client, 'delete_section', { project_id: pid, section_id: sid }))).toEqual({ deleted: sid, descendants_deleted: 1 });
      expect(toolError(await call(client, 'delete_project', { project_id: pid }))).toEqual(PROJECT_NOT_FOUND);
      expect(await ctx.db.query(`SELECT 1 FROM projects WHERE project_id = $1`, [pid])).toHaveLength(1);
    });

    it('the lists through MCP are the REST lists; a third user cannot revoke; U2 leaves with revoke_share and loses access', async () => {
      const byMe = ok<Json>(await call(await mcp(u.a1b), 'get_shared_by_me'));
      expect({ ok: asRestShares(byMe) }).toEqual(await viaRest(u.a1a, 'get_shared_by_me', {}));
      expect(byMe.shares).toEqual([expect.objectContaining({ share_id: shareId, shared_to_user_id: u.a2.userId, permission_level: 3 })]);
      const toMe = ok<Json>(await call(await mcp(u.a2), 'get_shared_to_me', { limit: 1 }));
      expect({ ok: asRestShares(toMe) }).toEqual(await viaRest(u.a2, 'get_shared_to_me', { limit: 1 }));
      expect(toMe).toEqual({ shares: [expect.objectContaining({ share_id: shareId, shared_by_name: u.a1a.userName })], total: 1, limit: 1, offset: 0 });

      expect(toolError(await call(await mcp(u.a3), 'revoke_share', { share_id: shareId }))).toEqual(SHARE_NOT_FOUND);
      expect(ok(await call(await mcp(u.a2), 'revoke_share', { share_id: shareId }))).toEqual({ left: shareId });
      expect(toolError(await call(await mcp(u.a2), 'get_project', { project_id: pid }))).toEqual(PROJECT_NOT_FOUND);
      expect(ok(await call(await mcp(u.a2), 'get_projects'))).toEqual({ projects: [], total: 0, limit: 200, offset: 0 });
      expect(toolError(await call(await mcp(u.a1a), 'revoke_share', { share_id: shareId }))).toEqual(SHARE_NOT_FOUND);
    });

    it('an agent_key argument names the caller on a connection without headers; shared access follows that caller', async () => {
      await call(await mcp(u.a1a), 'share_object', { object_type_id: 1, object_id: pid, shared_to_user_id: u.a3.userId });
      const anonymous = await ctx.connectMcp();
      const seen = ok<{ project: Json }>(await call(anonymous, 'get_project', { project_id: pid, agent_key: u.a3.apiKey }));
      expect(seen.project).toMatchObject({ project_id: pid, access: 'shared', permission_level: 1 });
      expect(toolError(await call(anonymous, 'get_project', { project_id: pid, agent_key: u.a2.apiKey }))).toEqual(PROJECT_NOT_FOUND);
      expect(toolError(await call(anonymous, 'get_project', { project_id: pid }))).toEqual({
        code: 'unauthorized',
        message: 'API key required: pass your agent key as the agent_key argument, or connect with the X-Api-Key or Authorization: Bearer header',
      });
    });

    it('deleting the project through MCP deletes its shares', async () => {
      expect(ok(await call(await mcp(u.a1a), 'delete_project', { project_id: pid }))).toEqual({ deleted: pid, sections_deleted: 0 });
      expect(await ctx.db.query(`SELECT 1 FROM shared_objects WHERE project_id = $1`, [pid])).toEqual([]);
      expect(ok(await call(await mcp(u.a3), 'get_shared_to_me'))).toEqual({ shares: [], total: 0, limit: 200, offset: 0 });
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('argument validation', () => {
    const u = perBlock(users);
    let pid: number;
    let sid: number;
    let shareId: number;
    let since: string;
    let before: unknown;

    const counts = async () => {
      const [row] = await ctx.db.query(
        `SELECT (SELECT count(*)::int FROM projects) AS projects, (SELECT count(*)::int FROM project_sections) AS sections,
                (SELECT count(*)::int FROM shared_objects) AS shares,
                (SELECT string_agg(title || coalesce(description, ''), ',' ORDER BY project_id) FROM projects) AS titles`,
      );
      return row as unknown;
    };

    beforeAll(async () => {
      pid = ok<{ created: { project_id: number } }>(await call(await mcp(u.a1a), 'create_project', { title: 'Valid' })).created.project_id;
      sid = ok<{ created: { section_id: number } }>(await call(await mcp(u.a1a), 'create_section', { project_id: pid, title: 'S' })).created.section_id;
      shareId = ok<{ shared: { share_id: number } }>(
        await call(await mcp(u.a1a), 'share_object', { object_type_id: 1, object_id: pid, shared_to_user_id: u.a2.userId }),
      ).shared.share_id;
      since = await lastSeq();
      before = await counts();
    });

    async function invalid(tool: string, args: Json, field: string, message?: string): Promise<ToolError> {
      const error = toolError(await call(await mcp(u.a1a), tool, args));
      expect({ tool, args, code: error.code }).toEqual({ tool, args, code: 'validation_failed' });
      expect(error.message).toContain(field);
      expect({ tool, args, fields: error.errors?.map((e) => e.field) }).toEqual({ tool, args, fields: [field] });
      if (message !== undefined) expect(error.errors).toEqual([{ field, message }]);
      return error;
    }

    it('bad ids (0, -1, 2147483648, "1", 1.5, null) → validation_failed naming the field, a missing one "<field> is required", for every id argument of every tool', async () => {
      // Only the arguments the tool takes: any other is refused as unknown.
      const valid = (tool: string): Json =>
        Object.fromEntries(Object.entries({ project_id: pid, section_id: sid, share_id: shareId, title: 'T' }).filter(([arg]) => TOOLS[tool].properties.includes(arg)));
      const ID_TOOLS: [string, string][] = [
        ['get_project', 'project_id'],
        ['get_section', 'project_id'],
        ['get_section', 'section_id'],
        ['create_section', 'project_id'],
        ['update_project', 'project_id'],
        ['update_section', 'project_id'],
        ['update_section', 'section_id'],
        ['delete_project', 'project_id'],
        ['delete_section', 'project_id'],
        ['delete_section', 'section_id'],
        ['revoke_share', 'share_id'],
      ];
      for (const [tool, field] of ID_TOOLS) {
        for (const bad of [0, -1, 2_147_483_648, '1', 1.5, null]) {
          await invalid(tool, { ...valid(tool), [field]: bad }, field, `${field} must be a positive integer`);
        }
        const { [field]: _omitted, ...without } = valid(tool);
        await invalid(tool, without, field, `${field} is required`);
      }
      for (const bad of [0, -1, 2_147_483_648, '1']) {
        await invalid('share_object', { object_type_id: 1, object_id: bad, shared_to_user_id: u.a2.userId }, 'object_id', 'object_id must be a positive integer');
      }
    });

    it('a bad id is refused with the rule of the REST path id, naming the argument (REST names the path parameter)', async () => {
      const restBad = restError(await rest(u.a1a, 'get', '/projects/2147483648'), 422);
      expect(restBad).toEqual({ code: 'validation_failed', message: 'id must be a positive integer', errors: [{ field: 'id', message: 'id must be a positive integer' }] });
      expect(toolError(await call(await mcp(u.a1a), 'get_project', { project_id: 2_147_483_648 }))).toEqual({
        code: 'validation_failed',
        message: 'project_id must be a positive integer',
        errors: [{ field: 'project_id', message: 'project_id must be a positive integer' }],
      });
    });

    it('update_project / update_section with no fields → bad_request "No fields to update" (before existence), as REST', async () => {
      const client = await mcp(u.a1a);
      expect(toolError(await call(client, 'update_project', { project_id: pid }))).toEqual(NO_FIELDS);
      expect(toolError(await call(client, 'update_project', { project_id: MISSING }))).toEqual(NO_FIELDS);
      expect(toolError(await call(client, 'update_section', { project_id: pid, section_id: sid }))).toEqual(NO_FIELDS);
      expect(toolError(await call(client, 'update_section', { project_id: pid, section_id: MISSING }))).toEqual(NO_FIELDS);
      expect(await viaRest(u.a1a, 'update_project', { project_id: pid })).toEqual({ error: NO_FIELDS });
      expect(await viaRest(u.a1a, 'update_section', { project_id: pid, section_id: sid })).toEqual({ error: NO_FIELDS });
      // The refusal comes before the access check too: a user without access gets the same.
      expect(toolError(await call(await mcp(u.a3), 'update_project', { project_id: pid }))).toEqual(NO_FIELDS);
    });

    it('share_object refusals are the REST ones, in the same order', async () => {
      const args = { object_type_id: 1, object_id: pid, shared_to_user_id: u.a2.userId, permission_level: 1 };
      const cases: [Json, ToolError][] = [
        [{ ...args, object_type_id: 4 }, { code: 'validation_failed', message: TYPE_RULE, errors: [{ field: 'object_type_id', message: TYPE_RULE }] }],
        [{ ...args, object_type_id: 0, permission_level: 0 }, { code: 'validation_failed', message: `${TYPE_RULE}; ${LEVEL_RULE}`, errors: [{ field: 'object_type_id', message: TYPE_RULE }, { field: 'permission_level', message: LEVEL_RULE }] }],
        [{ ...args, permission_level: 4 }, { code: 'validation_failed', message: LEVEL_RULE, errors: [{ field: 'permission_level', message: LEVEL_RULE }] }],
        [{ ...args, shared_to_user_id: u.a1a.userId, object_id: MISSING }, { code: 'validation_failed', message: SELF, errors: [{ field: 'shared_to_user_id', message: SELF }] }],
        [{ ...args, shared_to_user_id: undefined, shared_to_user_name: u.a1a.userName.toUpperCase() }, { code: 'validation_failed', message: SELF, errors: [{ field: 'shared_to_user_name', message: SELF }] }],
        [{ ...args, shared_to_user_id: '00000000-0000-4000-8000-000000000000', object_id: MISSING }, TARGET_NOT_FOUND],
        [{ ...args, object_id: MISSING }, NOT_OWNER],
        [{ ...args, object_type_id: 3 }, NOT_OWNER],
      ];
      for (const [caseArgs, expected] of cases) {
        const body = JSON.parse(JSON.stringify(caseArgs)) as Json;
        expect({ args: body, mcp: toolError(await call(await mcp(u.a1a), 'share_object', body)) }).toEqual({ args: body, mcp: expected });
        expect({ args: body, rest: await viaRest(u.a1a, 'share_object', body) }).toEqual({ args: body, rest: { error: expected } });
      }
      await invalid('share_object', { object_type_id: 1, object_id: pid }, 'shared_to_user_id');
      await invalid('share_object', { ...args, shared_to_user_id: 'bob' }, 'shared_to_user_id', 'shared_to_user_id must be a UUID');
    });

    it('other wrong types and ranges name their field, as the REST bodies do', async () => {
      await invalid('create_project', {}, 'title');
      await invalid('create_project', { title: '   ' }, 'title');
      await invalid('create_project', { title: 'x'.repeat(501) }, 'title');
      await invalid('create_project', { title: 'T', status_id: 0 }, 'status_id');
      await invalid('create_project', { title: 'T', status_id: 99 }, 'status_id');
      await invalid('update_project', { project_id: pid, title: null }, 'title');
      await invalid('update_project', { project_id: pid, status_id: 'active' }, 'status_id');
      await invalid('create_section', { project_id: pid, title: 'T', parent_id: -1 }, 'parent_id');
      await invalid('update_section', { project_id: pid, section_id: sid, file_path: 5 }, 'file_path');
      await invalid('get_projects', { limit: 0 }, 'limit');
      await invalid('get_shared_by_me', { offset: -1 }, 'offset');
      await invalid('get_shared_to_me', { limit: 1001 }, 'limit');
      expect(toolError(await call(await mcp(u.a1a), 'create_project', { title: 'T', status_id: 99 }))).toEqual(
        (await viaRest(u.a1a, 'create_project', { title: 'T', status_id: 99 }) as { error: ToolError }).error,
      );
    });

    // Last in this block (tests run in order): the refused calls above stored nothing, and audited only the lookups by name.
    it('none of the refused calls above stored anything; only the shares by user name audited their lookup (MCP and REST)', async () => {
      expect(await counts()).toEqual(before);
      const events = await ctx.db.query(
        `SELECT event_type, user_id, agent_id, subject, reason_code FROM audit_events WHERE seq > $1 AND user_id IN ($2, $3, $4) ORDER BY seq`,
        [since, u.a1a.userId, u.a2.userId, u.a3.userId],
      );
      // "share_object refusals": the share to yourself by (upper-cased) name, once through MCP and once through REST.
      const selfByName = shareNameLookup(u.a1a, u.a1a.userName.toUpperCase(), true);
      expect(events).toEqual([selfByName, selfByName]);
    });
  });
});
