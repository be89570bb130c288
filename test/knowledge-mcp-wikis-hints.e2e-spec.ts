import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Response } from 'supertest';
import type { Method } from './support/agent-requests';
import { perBlock, ThreeUsers, useFixtures } from './support/fixtures';
import { PARENT_NOT_FOUND as PARENT_HINT_NOT_FOUND } from './support/hints';
import * as text from './support/knowledge';
import { callTool as call, ISO, Json, notFound, ok, Outcome, restAs, restError, ToolError, toolError, runNames, expectSameOutcomes } from './support/mcp-client';
import { TestAgent, uniqueName } from './support/test-app';

/**
 * Wikis, hints and nudges as MCP tools, end to end with the official SDK
 * client: the sharing matrix (no share, levels 1, 2, 3) for wikis and hint
 * categories, nudges of another user, and parity of results and stored rows
 * with REST. Expected texts are written out here, never imported from src/.
 *
 * Fixtures: fresh users per block; U1 (agents A1a, A1b), U2 (A2), U3 (A3).
 */

const WIKI_NOT_FOUND = notFound(text.WIKI_NOT_FOUND);
const HINT_NOT_FOUND = notFound(text.HINT_NOT_FOUND);
const PARENT_NOT_FOUND = notFound(PARENT_HINT_NOT_FOUND);
const NUDGE_NOT_FOUND = notFound('Nudge not found');
const NOT_OWNER = notFound(text.NOT_OWNER);
const LEVELS = [0, 1, 2, 3] as const;

describe('Knowledge MCP tools: wikis, hints, nudges (official SDK client over HTTP)', () => {
  const ctx = useFixtures();

  /** An MCP client for `agent` (one per agent, authenticated by its X-Api-Key header). */
  const mcp = (agent: TestAgent): Promise<Client> => ctx.mcp(agent);

  /** The tool's successful result as `agent`. */
  async function run<T = Json>(agent: TestAgent, tool: string, args: Json = {}): Promise<T> {
    return ok<T>(await call(await mcp(agent), tool, args));
  }

  const rest = (agent: TestAgent, method: Method, path: string, body?: object): Promise<Response> => restAs(ctx, agent, method, path, body);
  const users = () => ctx.threeUsers();

  /** Row counts of every knowledge table: a refused call must leave them all as they were. */
  async function counts(): Promise<unknown> {
    const [row] = await ctx.db.query(
      `SELECT (SELECT count(*)::int FROM wikis) AS wikis, (SELECT count(*)::int FROM wiki_sections) AS sections,
              (SELECT count(*)::int FROM wiki_section_tags) AS tags, (SELECT count(*)::int FROM hints) AS hints,
              (SELECT count(*)::int FROM shared_objects) AS shares, (SELECT count(*)::int FROM nudges) AS nudges`,
    );
    return row as unknown;
  }

  /** Calls `tool` as `agent`, expects the isError `expected`, and that `snapshot` (and every table's count) did not change. */
  async function refused(agent: TestAgent, tool: string, args: Json, expected: ToolError, snapshot: () => Promise<unknown>): Promise<void> {
    const before = { rows: await snapshot(), counts: await counts() };
    const error = toolError(await call(await mcp(agent), tool, args));
    expect({ tool, args, error }).toEqual({ tool, args, error: expected });
    expect({ tool, after: { rows: await snapshot(), counts: await counts() } }).toEqual({ tool, after: before });
  }

  /** The last audit event an agent caused. */
  async function lastAuditOf(agent: TestAgent): Promise<unknown> {
    const [row] = await ctx.db.query(
      `SELECT event_type, user_id, meta FROM audit_events WHERE agent_id = $1 ORDER BY seq DESC LIMIT 1`,
      [agent.agentId],
    );
    return row as unknown;
  }

  // ------------------------------------------------------------------------------------------
  describe('wiki sharing matrix over MCP', () => {
    for (const level of LEVELS) {
      describe(level === 0 ? "U2 without a share on U1's wiki" : `U2 with a level-${level} share on U1's wiki`, () => {
        const u = perBlock(users);
        let wid: number;
        let root: number;
        let child: number;
        let spare: number;
        let tag: string;

        /** The wiki's rows: header, sections with their tags, shares. */
        const snapshot = async () => ({
          wiki: await ctx.db.query(`SELECT user_id, title, description, updated_at FROM wikis WHERE wiki_id = $1`, [wid]),
          sections: await ctx.db.query(
            `SELECT s.section_id, s.parent_id, s.title, s.description, s.updated_at,
                    coalesce((SELECT array_agg(g.tag ORDER BY g.tag COLLATE "C") FROM wiki_section_tags g WHERE g.section_id = s.section_id), '{}') AS tags
               FROM wiki_sections s WHERE s.wiki_id = $1 ORDER BY s.section_id`,
            [wid],
          ),
          shares: await ctx.db.query(`SELECT shared_to_user_id, permission_level FROM shared_objects WHERE wiki_id = $1 ORDER BY share_id`, [wid]),
        });

        beforeAll(async () => {
          tag = uniqueName('wtag');
          wid = (await run<{ created: { wiki_id: number } }>(u.a1a, 'create_wiki', { title: 'Matrix wiki', description: 'of U1' })).created.wiki_id;
          root = (await run<{ created: { section_id: number } }>(u.a1a, 'create_wiki_section', { wiki_id: wid, title: 'Root', tags: [tag, 'ops'] })).created
            .section_id;
          child = (
            await run<{ created: { section_id: number } }>(u.a1a, 'create_wiki_section', { wiki_id: wid, title: 'Child', parent_id: root, tags: ['ops'] })
          ).created.section_id;
          spare = (await run<{ created: { section_id: number } }>(u.a1a, 'create_wiki_section', { wiki_id: wid, title: 'Spare' })).created.section_id;
          if (level > 0) {
            const shared = await run<{ shared: Json }>(u.a1a, 'share_object', {
              object_type_id: 3,
              object_id: wid,
              shared_to_user_id: u.a2.userId,
              permission_level: level,
            });
            expect(shared.shared).toMatchObject({ object_type_id: 3, object_id: wid, shared_to_user_id: u.a2.userId, permission_level: level });
          }
        });

        it(`get_wiki, get_wiki_section, get_wiki_tags ${level >= 1 ? 'answer the wiki' : 'are isError "Wiki not found"'}`, async () => {
          if (level === 0) {
            await refused(u.a2, 'get_wiki', { wiki_id: wid }, WIKI_NOT_FOUND, snapshot);
            await refused(u.a2, 'get_wiki_section', { wiki_id: wid, section_id: root }, WIKI_NOT_FOUND, snapshot);
            await refused(u.a2, 'get_wiki_tags', { wiki_id: wid }, WIKI_NOT_FOUND, snapshot);
            return;
          }
          const got = await run<{ wiki: Json; sections: Json[] }>(u.a2, 'get_wiki', { wiki_id: wid });
          expect(got.wiki).toEqual({
            wiki_id: wid,
            title: 'Matrix wiki',
            description: 'of U1',
            access: 'shared',
            permission_level: level,
            created_at: expect.stringMatching(ISO),
            updated_at: expect.stringMatching(ISO),
            document_url: expect.stringContaining(`/doc/wikis/${wid}?`),
          });
          expect(got.sections.map((s) => [s.section_id, s.parent_id, s.title, s.tags])).toEqual([
            [root, 0, 'Root', [tag, 'ops'].sort()],
            [spare, 0, 'Spare', []],
            [child, root, 'Child', ['ops']],
          ]);
          const section = await run<{ section: Json; children: Json[] }>(u.a2, 'get_wiki_section', { wiki_id: wid, section_id: root });
          expect(section.section).toMatchObject({ section_id: root, parent_id: 0, title: 'Root', tags: [tag, 'ops'].sort() });
          expect(section.children.map((s) => s.section_id)).toEqual([child]);
          expect(await run(u.a2, 'get_wiki_tags', { wiki_id: wid })).toEqual({ wiki_id: wid, tags: ['ops', tag].sort() });
        });

        it(`search_wiki_tag ${level >= 1 ? 'finds' : 'does not find'} the tagged section of U1's wiki`, async () => {
          const owner = await run<{ sections: Json[]; total: number }>(u.a1b, 'search_wiki_tag', { tag });
          expect(owner.sections.map((s) => s.section_id)).toEqual([root]);
          const found = await run(u.a2, 'search_wiki_tag', { tag });
          const sections =
            level >= 1
              ? [{ wiki_id: wid, wiki_title: 'Matrix wiki', section_id: root, title: 'Root', description: null, updated_at: expect.stringMatching(ISO), tags: [tag, 'ops'].sort() }]
              : [];
          expect(found).toEqual({ tag, sections, total: sections.length, limit: 200, offset: 0 });
        });

        it(`update_wiki ${level >= 2 ? 'updates the header (owned by U1, audited in its tenant)' : 'is isError "Wiki not found" and changes nothing'}`, async () => {
          const args = { wiki_id: wid, title: 'Renamed by U2', description: null };
          if (level < 2) return refused(u.a2, 'update_wiki', args, WIKI_NOT_FOUND, snapshot);
          expect(await run(u.a2, 'update_wiki', args)).toEqual({ updated: { wiki_id: wid, title: 'Renamed by U2' } });
          expect(await ctx.db.query(`SELECT user_id, title, description FROM wikis WHERE wiki_id = $1`, [wid])).toEqual([
            { user_id: u.a1a.userId, title: 'Renamed by U2', description: null },
          ]);
          expect(await lastAuditOf(u.a2)).toEqual({ event_type: 'WIKI_UPDATE', user_id: u.a1a.userId, meta: { wiki_id: wid, acting_user_id: u.a2.userId } });
        });

        it(`create_wiki_section ${level >= 2 ? 'adds a tagged section under a parent' : 'is isError "Wiki not found" and stores nothing'}`, async () => {
          const args = { wiki_id: wid, title: 'By U2', parent_id: root, tags: ['u2', 'u2'] };
          if (level < 2) return refused(u.a2, 'create_wiki_section', args, WIKI_NOT_FOUND, snapshot);
          const created = await run<{ created: { section_id: number } }>(u.a2, 'create_wiki_section', args);
          expect(created).toEqual({ created: { section_id: expect.any(Number), parent_id: root, title: 'By U2', tags: ['u2'] } });
          const rows = await ctx.db.query(
            `SELECT s.wiki_id, s.parent_id, s.title, array_agg(g.tag) AS tags
               FROM wiki_sections s JOIN wiki_section_tags g USING (section_id) WHERE s.section_id = $1 GROUP BY s.section_id`,
            [created.created.section_id],
          );
          expect(rows).toEqual([{ wiki_id: wid, parent_id: root, title: 'By U2', tags: ['u2'] }]);
        });

        it(`update_wiki_section ${level >= 2 ? 'updates a section and replaces its tags' : 'is isError "Wiki not found" and changes nothing'}`, async () => {
          const args = { wiki_id: wid, section_id: child, title: 'Child by U2', tags: ['edited'] };
          if (level < 2) return refused(u.a2, 'update_wiki_section', args, WIKI_NOT_FOUND, snapshot);
          expect(await run(u.a2, 'update_wiki_section', args)).toEqual({ updated: { section_id: child, title: 'Child by U2', tags: ['edited'] } });
          const [row] = (await snapshot()).sections.filter((s: Json) => s.section_id === child);
          expect(row).toMatchObject({ parent_id: root, title: 'Child by U2', tags: ['edited'] });
        });

        it(`delete_wiki_section ${level >= 3 ? 'deletes a section' : 'is isError "Wiki not found" and deletes nothing'}`, async () => {
          const args = { wiki_id: wid, section_id: spare };
          if (level < 3) return refused(u.a2, 'delete_wiki_section', args, WIKI_NOT_FOUND, snapshot);
          expect(await run(u.a2, 'delete_wiki_section', args)).toEqual({ deleted: spare, descendants_deleted: 0 });
          expect(await ctx.db.query(`SELECT 1 FROM wiki_sections WHERE section_id = $1`, [spare])).toEqual([]);
          expect(await lastAuditOf(u.a2)).toEqual({
            event_type: 'WIKI_SECTION_DELETE',
            user_id: u.a1a.userId,
            meta: { wiki_id: wid, section_id: spare, descendants_deleted: 0, acting_user_id: u.a2.userId },
          });
        });

        it('delete_wiki and share_object stay the owner’s: U2 is refused, U3 gets no share; the owner then deletes the wiki', async () => {
          await refused(u.a2, 'delete_wiki', { wiki_id: wid }, WIKI_NOT_FOUND, snapshot);
          await refused(
            u.a2,
            'share_object',
            { object_type_id: 3, object_id: wid, shared_to_user_id: u.a3.userId, permission_level: 1 },
            NOT_OWNER,
            snapshot,
          );
          expect(await ctx.db.query(`SELECT 1 FROM shared_objects WHERE shared_to_user_id = $1`, [u.a3.userId])).toEqual([]);
          expect(toolError(await call(await mcp(u.a3), 'get_wiki', { wiki_id: wid }))).toEqual(WIKI_NOT_FOUND);

          const sections = (await snapshot()).sections.length;
          expect(await run(u.a1b, 'delete_wiki', { wiki_id: wid })).toEqual({ deleted: wid, sections_deleted: sections });
          expect(await ctx.db.query(`SELECT 1 FROM wikis WHERE wiki_id = $1`, [wid])).toEqual([]);
          expect(await ctx.db.query(`SELECT 1 FROM shared_objects WHERE wiki_id = $1`, [wid])).toEqual([]);
        });
      });
    }
  });

  // ------------------------------------------------------------------------------------------
  describe('hint sharing matrix over MCP', () => {
    for (const level of LEVELS) {
      describe(level === 0 ? "U2 without a share on U1's category" : `U2 with a level-${level} share on U1's category`, () => {
        const u = perBlock(users);
        let cat: number;
        let a: number;
        let a1: number;
        let b: number;

        /** The category's hints and shares, and U2's own hints. */
        const snapshot = async () => ({
          hints: await ctx.db.query(
            `SELECT hint_id, user_id, parent_id, hint_category_id, title, description, sort_order, updated_at
               FROM hints WHERE hint_category_id = $1 ORDER BY hint_id`,
            [cat],
          ),
          shares: await ctx.db.query(`SELECT shared_to_user_id, permission_level FROM shared_objects WHERE hint_id = $1 ORDER BY share_id`, [cat]),
          ofU2: await ctx.db.query(`SELECT hint_id FROM hints WHERE user_id = $1`, [u.a2.userId]),
        });

        const hintId = async (args: Json) => (await run<{ created: { hint_id: number } }>(u.a1a, 'create_hint', args)).created.hint_id;

        beforeAll(async () => {
          cat = (await run<{ created: { hint_id: number } }>(u.a1a, 'create_hint_category', { title: 'Matrix category', description: 'of U1' })).created.hint_id;
          a = await hintId({ parent_id: cat, title: 'A' });
          a1 = await hintId({ parent_id: a, title: 'A1' });
          b = await hintId({ parent_id: cat, title: 'B' });
          if (level > 0) {
            const shared = await run<{ shared: Json }>(u.a1a, 'share_object', {
              object_type_id: 2,
              object_id: cat,
              shared_to_user_name: u.a2.userName,
              permission_level: level,
            });
            expect(shared.shared).toMatchObject({ object_type_id: 2, object_id: cat, shared_to_user_id: u.a2.userId, permission_level: level });
          }
        });

        it(`get_hint ${level >= 1 ? 'answers a hint of the category and its children' : 'is isError "Hint not found"'}`, async () => {
          if (level === 0) {
            await refused(u.a2, 'get_hint', { hint_id: cat }, HINT_NOT_FOUND, snapshot);
            await refused(u.a2, 'get_hint', { hint_id: a }, HINT_NOT_FOUND, snapshot);
            return;
          }
          const root = await run<{ node: Json; children: Json[] }>(u.a2, 'get_hint', { hint_id: cat });
          expect(root.node).toEqual({
            hint_id: cat,
            parent_id: 0,
            title: 'Matrix category',
            description: 'of U1',
            hint_category_id: cat,
            sort_order: 0,
            created_at: expect.stringMatching(ISO),
            updated_at: expect.stringMatching(ISO),
          });
          expect(root.children.map((h) => h.hint_id)).toEqual([a, b]);
          const node = await run<{ node: Json; children: Json[] }>(u.a2, 'get_hint', { hint_id: a });
          expect(node.node).toMatchObject({ hint_id: a, parent_id: cat, title: 'A', hint_category_id: cat });
          expect(node.children.map((h) => h.hint_id)).toEqual([a1]);
        });

        it(`get_hints ${level >= 1 ? "lists the shared category's hints (access 'shared')" : 'lists nothing of U1'}`, async () => {
          const listed = await run<{ hints: Json[]; total: number }>(u.a2, 'get_hints');
          if (level === 0) {
            expect(listed).toEqual({ hints: [], total: 0, limit: 200, offset: 0 });
            return;
          }
          expect(listed.hints.map((h) => [h.hint_id, h.parent_id, h.title, h.access, h.permission_level])).toEqual([
            [cat, 0, 'Matrix category', 'shared', level],
            [a, cat, 'A', 'shared', level],
            [b, cat, 'B', 'shared', level],
            [a1, a, 'A1', 'shared', level],
          ]);
          expect(listed.total).toBe(4);
        });

        it(`create_hint under a hint of the category ${level >= 2 ? 'adds a hint owned by U1' : 'is isError "Parent hint not found" and stores nothing'}`, async () => {
          const args = { parent_id: a, title: 'By U2', description: 'from U2' };
          if (level < 2) return refused(u.a2, 'create_hint', args, PARENT_NOT_FOUND, snapshot);
          const created = await run<{ created: { hint_id: number } }>(u.a2, 'create_hint', args);
          expect(created).toEqual({ created: { hint_id: expect.any(Number), parent_id: a, title: 'By U2', hint_category_id: cat } });
          expect(await ctx.db.query(`SELECT user_id, parent_id, hint_category_id, description FROM hints WHERE hint_id = $1`, [created.created.hint_id])).toEqual([
            { user_id: u.a1a.userId, parent_id: a, hint_category_id: cat, description: 'from U2' },
          ]);
          expect((await snapshot()).ofU2).toEqual([]);
          expect(await lastAuditOf(u.a2)).toEqual({
            event_type: 'HINT_CREATE',
            user_id: u.a1a.userId,
            meta: { hint_id: created.created.hint_id, parent_id: a, acting_user_id: u.a2.userId },
          });
        });

        it(`update_hint ${level >= 2 ? 'updates a hint of the category' : 'is isError "Hint not found" and changes nothing'}`, async () => {
          const args = { hint_id: a, title: 'A by U2', description: 'edited' };
          if (level < 2) return refused(u.a2, 'update_hint', args, HINT_NOT_FOUND, snapshot);
          expect(await run(u.a2, 'update_hint', args)).toEqual({ updated: { hint_id: a, title: 'A by U2' } });
          expect(await ctx.db.query(`SELECT user_id, title, description FROM hints WHERE hint_id = $1`, [a])).toEqual([
            { user_id: u.a1a.userId, title: 'A by U2', description: 'edited' },
          ]);
        });

        it(`delete_hint of a non-root hint ${level >= 3 ? 'deletes it' : 'is isError "Hint not found" and deletes nothing'}`, async () => {
          if (level < 3) return refused(u.a2, 'delete_hint', { hint_id: a1 }, HINT_NOT_FOUND, snapshot);
          expect(await run(u.a2, 'delete_hint', { hint_id: a1 })).toEqual({ deleted: a1, descendants_deleted: 0 });
          expect(await ctx.db.query(`SELECT 1 FROM hints WHERE hint_id = $1`, [a1])).toEqual([]);
          expect(await ctx.db.query(`SELECT 1 FROM hints WHERE hint_id = ANY($1)`, [[cat, a, b]])).toHaveLength(3);
        });

        it('delete_hint of the root and share_object stay the owner’s; the owner then deletes the category with its shares', async () => {
          await refused(u.a2, 'delete_hint', { hint_id: cat }, HINT_NOT_FOUND, snapshot);
          await refused(
            u.a2,
            'share_object',
            { object_type_id: 2, object_id: cat, shared_to_user_id: u.a3.userId, permission_level: 1 },
            NOT_OWNER,
            snapshot,
          );
          expect(toolError(await call(await mcp(u.a3), 'get_hint', { hint_id: cat }))).toEqual(HINT_NOT_FOUND);

          const hints = (await snapshot()).hints.length;
          expect(await run(u.a1b, 'delete_hint', { hint_id: cat })).toEqual({ deleted: cat, descendants_deleted: hints - 1 });
          expect(await ctx.db.query(`SELECT 1 FROM hints WHERE hint_category_id = $1`, [cat])).toEqual([]);
          expect(await ctx.db.query(`SELECT 1 FROM shared_objects WHERE hint_id = $1`, [cat])).toEqual([]);
        });
      });
    }
  });

  // ------------------------------------------------------------------------------------------
  describe('nudges of another user over MCP', () => {
    const u = perBlock(users);
    let nid: number;

    const snapshot = async () =>
      ctx.db.query(`SELECT user_id, title, description, to_char(due_date, 'YYYY-MM-DD') AS due_date, last_reminded, updated_at FROM nudges WHERE nudge_id = $1`, [
        nid,
      ]);

    beforeAll(async () => {
      nid = (await run<{ created: { nudge_id: number } }>(u.a1a, 'create_nudge', { title: 'Renew the certificate', due_date: '2031-05-06' })).created
        .nudge_id;
    });

    it('get_nudge, update_nudge and delete_nudge on U1’s nudge by U2 are isError "Nudge not found" and change nothing', async () => {
      await refused(u.a2, 'get_nudge', { nudge_id: nid }, NUDGE_NOT_FOUND, snapshot);
      await refused(u.a2, 'update_nudge', { nudge_id: nid, title: 'Hijacked', clear_due_date: true }, NUDGE_NOT_FOUND, snapshot);
      await refused(u.a2, 'update_nudge', { nudge_id: nid, description: null }, NUDGE_NOT_FOUND, snapshot);
      await refused(u.a2, 'delete_nudge', { nudge_id: nid }, NUDGE_NOT_FOUND, snapshot);
      expect(await run(u.a2, 'get_nudges')).toEqual({ nudges: [], total: 0, limit: 200, offset: 0 });
      expect(await snapshot()).toEqual([
        { user_id: u.a1a.userId, title: 'Renew the certificate', description: null, due_date: '2031-05-06', last_reminded: null, updated_at: expect.any(Date) },
      ]);
      expect(await ctx.db.query(`SELECT 1 FROM audit_events WHERE agent_id = $1 AND event_type LIKE 'NUDGE_%'`, [u.a2.agentId])).toEqual([]);
    });

    it('the same tools work for U1’s own sibling agent (so the refusals above are about the user)', async () => {
      expect(await run(u.a1b, 'get_nudge', { nudge_id: nid })).toMatchObject({ nudge_id: nid, title: 'Renew the certificate', due_date: '2031-05-06' });
      expect(await run(u.a1b, 'update_nudge', { nudge_id: nid, clear_due_date: true })).toEqual({
        updated: { nudge_id: nid, title: 'Renew the certificate', due_date: null },
      });
      expect(await run(u.a1b, 'delete_nudge', { nudge_id: nid })).toEqual({ deleted: nid });
      expect(await snapshot()).toEqual([]);
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('parity with REST', () => {
    interface Run {
      users: ThreeUsers;
      outcomes: [string, Outcome][];
      state: unknown;
      audit: Json[];
    }

    /** The REST route of a tool, called with the tool's arguments. */
    async function viaRest(agent: TestAgent, tool: string, args: Json): Promise<Outcome> {
      const { wiki_id: wikiId, section_id: sectionId, hint_id: hintId, nudge_id: nudgeId, tag, ...body } = args;
      const [w, s, h, n] = [wikiId, sectionId, hintId, nudgeId].map(String);
      const query = new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)])).toString();
      const routes: Record<string, [Method, string, object | undefined, number]> = {
        get_wikis: ['get', `/wikis?${query}`, undefined, 200],
        create_wiki: ['post', '/wikis', body, 201],
        get_wiki: ['get', `/wikis/${w}`, undefined, 200],
        update_wiki: ['put', `/wikis/${w}`, body, 200],
        get_wiki_tags: ['get', `/wikis/${w}/tags`, undefined, 200],
        search_wiki_tag: ['get', `/wikis/tags/${encodeURIComponent(String(tag))}?${query}`, undefined, 200],
        create_wiki_section: ['post', `/wikis/${w}/sections`, body, 201],
        get_wiki_section: ['get', `/wikis/${w}/sections/${s}`, undefined, 200],
        update_wiki_section: ['put', `/wikis/${w}/sections/${s}`, body, 200],
        delete_wiki_section: ['delete', `/wikis/${w}/sections/${s}`, undefined, 200],
        share_object: ['post', '/sharing', body, 201],
        create_hint_category: ['post', '/hint_categories', body, 201],
        create_hint: ['post', '/hints', body, 201],
        get_hints: ['get', `/hints?${query}`, undefined, 200],
        get_hint: ['get', `/hints/${h}`, undefined, 200],
        update_hint: ['put', `/hints/${h}`, body, 200],
        delete_hint: ['delete', `/hints/${h}`, undefined, 200],
        create_nudge: ['post', '/nudges', body, 201],
        get_nudges: ['get', `/nudges?${query}`, undefined, 200],
        get_nudge: ['get', `/nudges/${n}`, undefined, 200],
        update_nudge: ['put', `/nudges/${n}`, body, 200],
        delete_nudge: ['delete', `/nudges/${n}`, undefined, 200],
      };
      const [method, path, reqBody, status] = routes[tool];
      const res = await rest(agent, method, path, reqBody);
      if (res.status >= 400) return { error: restError(res) };
      expect({ tool, status: res.status }).toEqual({ tool, status });
      // share_object answers the REST body and says whether the share was created (REST 201) or updated (REST 200).
      if (tool === 'share_object') return { ok: { ...(res.body as Json), created: res.status === 201 } };
      return { ok: res.body };
    }

    /** The tool through MCP: its structuredContent (checked equal to its text). */
    async function viaMcp(agent: TestAgent, tool: string, args: Json): Promise<Outcome> {
      const result = await call(await mcp(agent), tool, args);
      if (result.isError) return { error: toolError(result) };
      return { ok: ok(result) };
    }

    /**
     * One sequence: U1 builds a tagged wiki and shares it to U2 at level 2; U2
     * edits a section and reads; U1 builds a hint category and shares it at
     * level 2; U2 adds and edits hints; U1 creates, updates and deletes nudges.
     */
    async function scenario(via: (agent: TestAgent, tool: string, args: Json) => Promise<Outcome>): Promise<Run> {
      const u = await users();
      const [{ seq: since }] = await ctx.db.query(`SELECT coalesce(max(seq), 0)::text AS seq FROM audit_events`);
      const outcomes: [string, Outcome][] = [];
      const step = async (agent: TestAgent, tool: string, args: Json = {}): Promise<Json> => {
        const outcome = await via(agent, tool, args);
        outcomes.push([tool, outcome]);
        return ('ok' in outcome ? outcome.ok : {}) as Json;
      };
      const created = (json: Json, id: string) => (json.created as Json)[id] as number;

      const wid = created(await step(u.a1a, 'create_wiki', { title: '  Parity wiki  ', description: 'd' }), 'wiki_id'); // 0
      const root = created(await step(u.a1a, 'create_wiki_section', { wiki_id: wid, title: 'Root', tags: ['b', 'a', 'a'] }), 'section_id'); // 1
      const child = created(
        await step(u.a1b, 'create_wiki_section', { wiki_id: wid, title: 'Child', description: 'c', parent_id: root, tags: ['x'] }),
        'section_id',
      ); // 2
      await step(u.a1a, 'update_wiki_section', { wiki_id: wid, section_id: child, tags: ['y', 'x'] }); // 3
      await step(u.a1a, 'update_wiki', { wiki_id: wid, description: null }); // 4
      await step(u.a1a, 'share_object', { object_type_id: 3, object_id: wid, shared_to_user_id: u.a2.userId, permission_level: 2 }); // 5
      await step(u.a2, 'update_wiki_section', { wiki_id: wid, section_id: root, title: 'Root by U2', tags: ['a'] }); // 6
      await step(u.a2, 'get_wiki', { wiki_id: wid }); // 7
      await step(u.a2, 'get_wiki_section', { wiki_id: wid, section_id: root }); // 8
      await step(u.a2, 'get_wiki_tags', { wiki_id: wid }); // 9
      await step(u.a2, 'search_wiki_tag', { tag: 'y' }); // 10
      await step(u.a2, 'delete_wiki_section', { wiki_id: wid, section_id: child }); // 11: level 2 is not enough
      await step(u.a2, 'get_wikis'); // 12
      const cat = created(await step(u.a1a, 'create_hint_category', { title: 'Cat', description: 'cd' }), 'hint_id'); // 13
      const hint = created(await step(u.a1a, 'create_hint', { parent_id: cat, title: 'Child hint' }), 'hint_id'); // 14
      await step(u.a1a, 'share_object', { object_type_id: 2, object_id: cat, shared_to_user_name: u.a2.userName, permission_level: 2 }); // 15
      await step(u.a2, 'create_hint', { parent_id: hint, title: 'By U2' }); // 16
      await step(u.a2, 'update_hint', { hint_id: hint, description: 'edited' }); // 17
      await step(u.a2, 'get_hint', { hint_id: cat }); // 18
      await step(u.a2, 'get_hints'); // 19
      await step(u.a2, 'delete_hint', { hint_id: cat }); // 20: the root is the owner's
      const nudge = created(await step(u.a1a, 'create_nudge', { title: 'N', due_date: '2030-01-02' }), 'nudge_id'); // 21
      await step(u.a1a, 'update_nudge', { nudge_id: nudge, clear_due_date: true, description: 'nd' }); // 22
      await step(u.a1b, 'get_nudge', { nudge_id: nudge }); // 23
      const other = created(await step(u.a1a, 'create_nudge', { title: 'N2' }), 'nudge_id'); // 24
      await step(u.a1a, 'delete_nudge', { nudge_id: other }); // 25
      await step(u.a1a, 'get_nudges'); // 26

      const state = await stored(u);
      const audit: Json[] = await ctx.db.query(
        `SELECT event_type, user_id, agent_id, subject, reason_code, meta FROM audit_events
          WHERE seq > $1 AND user_id IN ($2, $3, $4) ORDER BY seq`,
        [since, u.a1a.userId, u.a2.userId, u.a3.userId],
      );
      return { users: u, outcomes, state, audit };
    }

    /** U1's stored wikis, sections (parents by title), hints (parents and categories by title), shares and nudges, and U2's hints. */
    async function stored(u: ThreeUsers): Promise<unknown> {
      return {
        wikis: await ctx.db.query(`SELECT user_id, title, description FROM wikis WHERE user_id IN ($1, $2) ORDER BY title`, [u.a1a.userId, u.a2.userId]),
        sections: await ctx.db.query(
          `SELECT s.title, s.description, coalesce(p.title, '(top)') AS parent,
                  coalesce((SELECT array_agg(g.tag ORDER BY g.tag COLLATE "C") FROM wiki_section_tags g WHERE g.section_id = s.section_id), '{}') AS tags
             FROM wiki_sections s JOIN wikis w ON w.wiki_id = s.wiki_id LEFT JOIN wiki_sections p ON p.section_id = s.parent_id
            WHERE w.user_id IN ($1, $2) ORDER BY s.title`,
          [u.a1a.userId, u.a2.userId],
        ),
        hints: await ctx.db.query(
          `SELECT h.user_id, h.title, h.description, h.sort_order, coalesce(p.title, '(top)') AS parent, c.title AS category
             FROM hints h JOIN hints c ON c.hint_id = h.hint_category_id LEFT JOIN hints p ON p.hint_id = h.parent_id
            WHERE h.user_id IN ($1, $2) ORDER BY h.title`,
          [u.a1a.userId, u.a2.userId],
        ),
        shares: await ctx.db.query(
          `SELECT s.shared_by_user_id, s.shared_to_user_id, s.object_type_id, s.permission_level, coalesce(w.title, h.title) AS object_title
             FROM shared_objects s LEFT JOIN wikis w ON w.wiki_id = s.wiki_id LEFT JOIN hints h ON h.hint_id = s.hint_id
            WHERE $1 IN (s.shared_by_user_id, s.shared_to_user_id) ORDER BY s.share_id`,
          [u.a1a.userId],
        ),
        nudges: await ctx.db.query(
          `SELECT user_id, title, description, to_char(due_date, 'YYYY-MM-DD') AS due_date FROM nudges WHERE user_id IN ($1, $2) ORDER BY title`,
          [u.a1a.userId, u.a2.userId],
        ),
      };
    }

    /**
     * Replaces a run's ids (by kind, numbered in order of appearance; `context`, a
     * tool name or an event type, tells a hint's parent_id from a section's),
     * user and agent ids and names, times, and document links (their path only).
     */
    function normalize(run: Run, value: unknown, context: string): unknown {
      const { label, rename } = runNames({ ...run.users });
      const kindOf = (key: string, where: string, parent: Json): string | undefined => {
        const hintish = where.includes('hint');
        const byKey: Record<string, string | undefined> = {
          wiki_id: 'W',
          section_id: 'S',
          hint_id: 'H',
          hint_category_id: 'H',
          nudge_id: 'N',
          share_id: 'SH',
          parent_id: hintish ? 'H' : 'S',
          deleted: hintish ? 'H' : where.includes('nudge') ? 'N' : where.includes('section') ? 'S' : 'W',
          object_id: ({ 1: 'P', 2: 'H', 3: 'W' } as Record<number, string>)[parent.object_type_id as number],
        };
        return byKey[key];
      };
      const walk = (v: unknown, where: string, key?: string, parent: Json = {}): unknown => {
        if (Array.isArray(v)) return v.map((x) => walk(x, where));
        if (v && typeof v === 'object' && !(v instanceof Date)) {
          const obj = v as Json;
          return Object.fromEntries(Object.entries(obj).map(([k, x]) => [k, walk(x, where, k, obj)]));
        }
        const kind = key ? kindOf(key, where, parent) : undefined;
        if (typeof v === 'number' && kind && v !== 0) return label(kind, v);
        if (typeof v === 'string' && key === 'document_url') {
          const path = /^\/doc\/wikis\/(\d+)$/.exec(new URL(v).pathname);
          expect({ document_url: v, path: path !== null }).toEqual({ document_url: v, path: true });
          return `/doc/wikis/${label('W', Number(path![1]))}`;
        }
        if (typeof v === 'string' && key && ['created_at', 'updated_at', 'last_reminded'].includes(key)) {
          expect(v).toMatch(ISO);
          return '<time>';
        }
        if (typeof v === 'string') return rename(v);
        return v;
      };
      if (context === 'outcomes') return (value as [string, Outcome][]).map(([tool, o]) => [tool, walk(o, tool)]);
      if (context === 'audit') return (value as Json[]).map((e) => walk(e, String(e.event_type).toLowerCase()));
      return walk(value, context);
    }

    /** The scenario run once through REST, then once through MCP, each by fresh users. */
    const runs = perBlock(async () => ({ viaRestRun: await scenario(viaRest), viaMcpRun: await scenario(viaMcp) }));

    it('every step gives the same result (or the same error) through MCP as through REST', () => {
      expectSameOutcomes(normalize(runs.viaRestRun, runs.viaRestRun.outcomes, 'outcomes') as [string, Outcome][], normalize(runs.viaMcpRun, runs.viaMcpRun.outcomes, 'outcomes') as [string, Outcome][]);
    });

    it('the sequence did what it should (so the parity above is not parity of failures)', () => {
      const outcomes = normalize(runs.viaMcpRun, runs.viaMcpRun.outcomes, 'outcomes') as [string, Outcome][];
      const errors = outcomes.flatMap(([tool, o], i) => ('error' in o ? [[i, tool, o.error]] : []));
      expect(errors).toEqual([
        [11, 'delete_wiki_section', WIKI_NOT_FOUND],
        [20, 'delete_hint', HINT_NOT_FOUND],
      ]);
      const result = (i: number) => (outcomes[i][1] as { ok: Json }).ok;
      expect(result(0)).toEqual({ created: { wiki_id: 'W1', title: 'Parity wiki' } });
      expect(result(1)).toEqual({ created: { section_id: 'S1', parent_id: 0, title: 'Root', tags: ['b', 'a'] } });
      expect(result(2)).toEqual({ created: { section_id: 'S2', parent_id: 'S1', title: 'Child', tags: ['x'] } });
      expect(result(3)).toEqual({ updated: { section_id: 'S2', title: 'Child', tags: ['y', 'x'] } });
      expect(result(5)).toEqual({
        shared: { share_id: 'SH1', object_type_id: 3, object_id: 'W1', shared_to_user_id: 'a2-user', shared_to_name: 'a2-name', permission_level: 2 },
        created: true,
      });
      expect(result(6)).toEqual({ updated: { section_id: 'S1', title: 'Root by U2', tags: ['a'] } });
      expect(result(7)).toEqual({
        wiki: {
          wiki_id: 'W1',
          title: 'Parity wiki',
          description: null,
          access: 'shared',
          permission_level: 2,
          created_at: '<time>',
          updated_at: '<time>',
          document_url: '/doc/wikis/W1',
        },
        sections: [
          { section_id: 'S1', parent_id: 0, title: 'Root by U2', description: null, created_at: '<time>', updated_at: '<time>', tags: ['a'] },
          { section_id: 'S2', parent_id: 'S1', title: 'Child', description: 'c', created_at: '<time>', updated_at: '<time>', tags: ['x', 'y'] },
        ],
      });
      expect(result(8)).toMatchObject({ section: { section_id: 'S1', title: 'Root by U2' }, children: [{ section_id: 'S2' }] });
      expect(result(9)).toEqual({ wiki_id: 'W1', tags: ['a', 'x', 'y'] });
      expect(result(10)).toEqual({
        tag: 'y',
        sections: [{ wiki_id: 'W1', wiki_title: 'Parity wiki', section_id: 'S2', title: 'Child', description: 'c', updated_at: '<time>', tags: ['x', 'y'] }],
        total: 1,
        limit: 200,
        offset: 0,
      });
      expect(result(12)).toEqual({ wikis: [(result(7).wiki as Json)], total: 1, limit: 200, offset: 0 });
      expect(result(13)).toEqual({ created: { hint_id: 'H1', parent_id: 0, title: 'Cat', hint_category_id: 'H1' } });
      expect(result(16)).toEqual({ created: { hint_id: 'H3', parent_id: 'H2', title: 'By U2', hint_category_id: 'H1' } });
      expect(result(17)).toEqual({ updated: { hint_id: 'H2', title: 'Child hint' } });
      expect((result(19).hints as Json[]).map((h) => [h.hint_id, h.access, h.permission_level])).toEqual([
        ['H1', 'shared', 2],
        ['H2', 'shared', 2],
        ['H3', 'shared', 2],
      ]);
      expect(result(21)).toEqual({ created: { nudge_id: 'N1', title: 'N', due_date: '2030-01-02', created_at: '<time>' } });
      expect(result(22)).toEqual({ updated: { nudge_id: 'N1', title: 'N', due_date: null } });
      expect(result(23)).toEqual({
        nudge_id: 'N1',
        title: 'N',
        description: 'nd',
        due_date: null,
        last_reminded: null,
        created_at: '<time>',
        updated_at: '<time>',
      });
      expect(result(25)).toEqual({ deleted: 'N2' });
      expect(result(26)).toEqual({ nudges: [result(23)], total: 1, limit: 200, offset: 0 });
    });

    it('leaves the same stored rows (wikis, sections, tags, hints, shares, nudges) through MCP as through REST', () => {
      const mcpState = normalize(runs.viaMcpRun, runs.viaMcpRun.state, 'state');
      expect(mcpState).toEqual(normalize(runs.viaRestRun, runs.viaRestRun.state, 'state'));
      expect(mcpState).toEqual({
        wikis: [{ user_id: 'a1-user', title: 'Parity wiki', description: null }],
        sections: [
          { title: 'Child', description: 'c', parent: 'Root by U2', tags: ['x', 'y'] },
          { title: 'Root by U2', description: null, parent: '(top)', tags: ['a'] },
        ],
        hints: [
          { user_id: 'a1-user', title: 'By U2', description: null, sort_order: 0, parent: 'Child hint', category: 'Cat' },
          { user_id: 'a1-user', title: 'Cat', description: 'cd', sort_order: 0, parent: '(top)', category: 'Cat' },
          { user_id: 'a1-user', title: 'Child hint', description: 'edited', sort_order: 0, parent: 'Cat', category: 'Cat' },
        ],
        shares: [
          { shared_by_user_id: 'a1-user', shared_to_user_id: 'a2-user', object_type_id: 3, permission_level: 2, object_title: 'Parity wiki' },
          { shared_by_user_id: 'a1-user', shared_to_user_id: 'a2-user', object_type_id: 2, permission_level: 2, object_title: 'Cat' },
        ],
        nudges: [{ user_id: 'a1-user', title: 'N', description: 'nd', due_date: null }],
      });
    });

    it('records the same audit events (owner tenant, acting agent, meta) through MCP as through REST', () => {
      const mcpAudit = normalize(runs.viaMcpRun, runs.viaMcpRun.audit, 'audit') as Json[];
      expect(mcpAudit).toEqual(normalize(runs.viaRestRun, runs.viaRestRun.audit, 'audit'));
      expect(mcpAudit.map((e) => [e.event_type, e.user_id, e.agent_id])).toEqual([
        ['WIKI_CREATE', 'a1-user', 'a1a-agent'],
        ['WIKI_SECTION_CREATE', 'a1-user', 'a1a-agent'],
        ['WIKI_SECTION_CREATE', 'a1-user', 'a1b-agent'],
        ['WIKI_SECTION_UPDATE', 'a1-user', 'a1a-agent'],
        ['WIKI_UPDATE', 'a1-user', 'a1a-agent'],
        ['SHARE_CREATE', 'a1-user', 'a1a-agent'],
        ['WIKI_SECTION_UPDATE', 'a1-user', 'a2-agent'],
        ['HINT_CREATE', 'a1-user', 'a1a-agent'],
        ['HINT_CREATE', 'a1-user', 'a1a-agent'],
        ['SHARE_NAME_LOOKUP', 'a1-user', 'a1a-agent'],
        ['SHARE_CREATE', 'a1-user', 'a1a-agent'],
        ['HINT_CREATE', 'a1-user', 'a2-agent'],
        ['HINT_UPDATE', 'a1-user', 'a2-agent'],
        ['NUDGE_CREATE', 'a1-user', 'a1a-agent'],
        ['NUDGE_UPDATE', 'a1-user', 'a1a-agent'],
        ['NUDGE_CREATE', 'a1-user', 'a1a-agent'],
        ['NUDGE_DELETE', 'a1-user', 'a1a-agent'],
      ]);
      // Step 15 shares by user name: its lookup (the name tried, found) comes before SHARE_CREATE.
      expect(mcpAudit[9]).toEqual({ event_type: 'SHARE_NAME_LOOKUP', user_id: 'a1-user', agent_id: 'a1a-agent', subject: 'a2-name', reason_code: null, meta: null });
      expect(mcpAudit[11].meta).toEqual({ hint_id: 'H3', parent_id: 'H2', acting_user_id: 'a2-user' });
    });
  });
});
