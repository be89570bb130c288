import { Fixtures } from './fixtures';
import { idsOf, knowledgeFixtures, Listed, strayChildrenSql, straySharesSql, strayRows } from './knowledge';
import { TestAgent } from './test-app';

/*
 * Shared by the wikis*.e2e-spec files (LucyAPI wikis, sections and tags): what is a
 * wiki's own on top of knowledge.ts: expected texts (written out here, never
 * imported from src/), object makers and stored-state reads each file's app gets.
 */

export const PARENT_RULE = 'parent_id must be 0 or a section of the same wiki';

export interface ListedWiki extends Listed {
  wiki_id: number;
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

export const wikiIds = (wikis: ListedWiki[]) => idsOf('wiki_id', wikis);
export const sectionIds = (sections: { section_id: number }[]) => idsOf('section_id', sections);
/** Byte order (what the API promises): JavaScript's default sort on ASCII tags. */
export const sorted = (tags: string[]) => [...tags].sort();

/** U1 (A1a, A1b), U2 and U3, wikis, sections and shares as them, and what is stored, for one app. */
export function wikiFixtures(ctx: Fixtures) {
  const { fixture, share, ownedCount, updatedAt, sharesOf, expectKnowledgeAudit, pause } = knowledgeFixtures(ctx, 'wiki', 'wikis', 'wiki_id');

  const createWiki = async (agent: TestAgent, body: Record<string, unknown> = {}): Promise<number> => (await ctx.newWiki(agent, body)).wiki_id;

  const createSection = async (agent: TestAgent, wikiId: number, body: Record<string, unknown>): Promise<number> =>
    (await ctx.newWikiSection(agent, wikiId, body)).section_id;

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
      shares: await sharesOf(wikiId),
    };
  }

  /** Rows that point at nothing: sections whose parent is not in their wiki, tags and shares of deleted objects. */
  const orphans = () =>
    strayRows(ctx, {
      sections: strayChildrenSql('wiki_sections', 'section_id', 'wiki_id'),
      tags: `(SELECT count(*)::int FROM wiki_section_tags t WHERE NOT EXISTS (SELECT 1 FROM wiki_sections s WHERE s.section_id = t.section_id))`,
      shares: straySharesSql('wiki', 'wikis', 'wiki_id'),
    });
  const NO_ORPHANS = { sections: 0, tags: 0, shares: 0 };

  return {
    fixture,
    createWiki,
    createSection,
    share,
    wikiCount: ownedCount,
    wikiUpdatedAt: (wikiId: number) => updatedAt(wikiId),
    sectionUpdatedAt: (sectionId: number) => updatedAt(sectionId, 'wiki_sections', 'section_id'),
    storedTags,
    snapshot,
    orphans,
    NO_ORPHANS,
    expectKnowledgeAudit,
    pause,
  };
}
