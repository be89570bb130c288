import { Fixtures } from './fixtures';
import { ThreeUsers } from './fixtures';
import { TestAgent } from './test-app';

/*
 * Shared by the wikis*.e2e-spec files (LucyAPI wikis, sections and tags): expected
 * texts (written out here, never imported from src/), and the fixture users, object
 * makers and stored-state reads each file's app gets.
 */

export const WIKI_NOT_FOUND = 'Wiki not found';
export const SECTION_NOT_FOUND = 'Section not found';
export const NO_FIELDS = 'No fields to update';
export const NOT_OWNER = 'Object not found or you are not the owner';
export const PARENT_RULE = 'parent_id must be 0 or a section of the same wiki';
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
/** An id no test creates (PostgreSQL integer maximum). */
export const MISSING = 2_147_483_647;

export type Fixture = ThreeUsers;

export interface ListedWiki {
  wiki_id: number;
  title: string;
  description: string | null;
  access: 'owned' | 'shared';
  permission_level: number;
  created_at: string;
  updated_at: string;
}

export interface Section {
  section_id: number;
  parent_id: number;
  title: string;
  description: string | null;
  created_at: string;
  updated_at: string;
  tags: string[];
}

export interface TaggedSection {
  wiki_id: number;
  wiki_title: string;
  section_id: number;
  title: string;
  description: string | null;
  updated_at: string;
  tags: string[];
}

export const wikiIds = (wikis: ListedWiki[]) => wikis.map((w) => w.wiki_id);
export const sectionIds = (sections: { section_id: number }[]) => sections.map((s) => s.section_id);
/** Byte order (what the API promises): JavaScript's default sort on ASCII tags. */
export const sorted = (tags: string[]) => [...tags].sort();

/** U1 (A1a, A1b), U2 and U3, wikis, sections and shares as them, and what is stored, for one app. */
export function wikiFixtures(ctx: Fixtures) {
  /** U1 with A1a and A1b; U2 with A2; U3 with A3. */
  const fixture = (): Promise<Fixture> => ctx.threeUsers();

  const createWiki = async (agent: TestAgent, body: Record<string, unknown> = {}): Promise<number> => (await ctx.newWiki(agent, body)).wiki_id;

  const createSection = async (agent: TestAgent, wikiId: number, body: Record<string, unknown>): Promise<number> =>
    (await ctx.newWikiSection(agent, wikiId, body)).section_id;

  const share = async (owner: TestAgent, to: TestAgent, wikiId: number, level: number): Promise<number> =>
    (await ctx.share(owner, 'wiki', wikiId, to.userName, level)).share_id;

  async function wikiCount(agent: TestAgent): Promise<number> {
    const [row] = await ctx.db.query(`SELECT count(*)::int AS n FROM wikis WHERE user_id = $1`, [agent.userId]);
    return row.n as number;
  }

  async function wikiUpdatedAt(wikiId: number): Promise<number> {
    const [row] = await ctx.db.query(`SELECT updated_at FROM wikis WHERE wiki_id = $1`, [wikiId]);
    return (row.updated_at as Date).getTime();
  }

  async function sectionUpdatedAt(sectionId: number): Promise<number> {
    const [row] = await ctx.db.query(`SELECT updated_at FROM wiki_sections WHERE section_id = $1`, [sectionId]);
    return (row.updated_at as Date).getTime();
  }

  /** A section's stored tags, in byte order. */
  async function storedTags(sectionId: number): Promise<string[]> {
    const rows: { tag: string }[] = await ctx.db.query(`SELECT tag FROM wiki_section_tags WHERE section_id = $1 ORDER BY tag COLLATE "C"`, [sectionId]);
    return rows.map((r) => r.tag);
  }

  /** Everything stored about a wiki: header, sections, their tags and the shares of it. */
  async function snapshot(wikiId: number) {
    return {
      wiki: await ctx.db.query(`SELECT wiki_id, user_id, title, description, created_at, updated_at FROM wikis WHERE wiki_id = $1`, [wikiId]),
      sections: await ctx.db.query(
        `SELECT section_id, parent_id, title, description, created_at, updated_at FROM wiki_sections WHERE wiki_id = $1 ORDER BY section_id`,
        [wikiId],
      ),
      tags: await ctx.db.query(
        `SELECT t.section_id, t.tag FROM wiki_section_tags t JOIN wiki_sections s USING (section_id)
          WHERE s.wiki_id = $1 ORDER BY t.section_id, t.tag COLLATE "C"`,
        [wikiId],
      ),
      shares: await ctx.db.query(
        `SELECT share_id, shared_by_user_id, shared_to_user_id, permission_level, updated_at FROM shared_objects WHERE wiki_id = $1 ORDER BY share_id`,
        [wikiId],
      ),
    };
  }

  /** Rows that point at nothing: sections whose parent is not in their wiki, tags and shares of deleted objects. */
  async function orphans() {
    const [row] = await ctx.db.query(`
      SELECT
        (SELECT count(*)::int FROM wiki_sections c
          WHERE c.parent_id <> 0
            AND NOT EXISTS (SELECT 1 FROM wiki_sections p WHERE p.section_id = c.parent_id AND p.wiki_id = c.wiki_id)) AS sections,
        (SELECT count(*)::int FROM wiki_section_tags t WHERE NOT EXISTS (SELECT 1 FROM wiki_sections s WHERE s.section_id = t.section_id)) AS tags,
        (SELECT count(*)::int FROM shared_objects o
          WHERE o.object_type_id = 3 AND NOT EXISTS (SELECT 1 FROM wikis w WHERE w.wiki_id = o.object_id)) AS shares`);
    return row as { sections: number; tags: number; shares: number };
  }
  const NO_ORPHANS = { sections: 0, tags: 0, shares: 0 };

  /**
   * The one audit event of a request: in the owner's tenant, by the acting agent;
   * a sharee's user is named as meta.acting_user_id.
   */
  async function expectKnowledgeAudit(rid: string, eventType: string, acting: TestAgent, owner: TestAgent, meta: Record<string, unknown>): Promise<void> {
    const rows = await ctx.db.query(`SELECT event_type, agent_id, user_id, meta FROM audit_events WHERE request_id = $1 ORDER BY seq`, [rid]);
    const expectedMeta = acting.userId === owner.userId ? meta : { ...meta, acting_user_id: acting.userId };
    expect(rows).toEqual([{ event_type: eventType, agent_id: acting.agentId, user_id: owner.userId, meta: expectedMeta }]);
  }

  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  return { fixture, createWiki, createSection, share, wikiCount, wikiUpdatedAt, sectionUpdatedAt, storedTags, snapshot, orphans, NO_ORPHANS, expectKnowledgeAudit, pause };
}
