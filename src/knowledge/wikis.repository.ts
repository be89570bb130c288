import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { pageAndTotal, PageQuery } from '../common/http/paging';
import { assignments } from '../database/assignments';
import { visibleObjects } from './object-access.repository';

const VISIBLE_WIKIS = visibleObjects('wiki', '$1');

const WIKI_COLUMNS = `w.wiki_id, w.title, w.description,
  CASE WHEN w.user_id = $1 THEN 'owned' ELSE 'shared' END AS access, v.level AS permission_level, w.created_at, w.updated_at,
  w.user_id AS owner_id`;

/** A section's tags, sorted (byte order, so clients sort the same way). */
export const SECTION_TAGS = (alias: string) =>
  `coalesce((SELECT array_agg(t.tag ORDER BY t.tag COLLATE "C") FROM wiki_section_tags t WHERE t.section_id = ${alias}.section_id), '{}') AS tags`;

const SECTION_COLUMNS = `s.section_id, s.parent_id, s.title, s.description, s.created_at, s.updated_at, ${SECTION_TAGS('s')}`;

/** A wiki as the user sees it; owner_id goes into the signed document link only. */
export interface WikiRow {
  wiki_id: number;
  title: string;
  description: string | null;
  access: 'owned' | 'shared';
  permission_level: number;
  created_at: Date;
  updated_at: Date;
  owner_id: string;
}

export interface WikiHeaderRow {
  wiki_id: number;
  title: string;
}

export interface WikiFields {
  title?: string;
  description?: string | null;
}

export interface WikiSectionRow {
  section_id: number;
  parent_id: number;
  title: string;
  description: string | null;
  created_at: Date;
  updated_at: Date;
  tags: string[];
}

/** A section found by tag, with its wiki. */
export interface WikiTaggedSectionRow {
  wiki_id: number;
  wiki_title: string;
  section_id: number;
  title: string;
  description: string | null;
  updated_at: Date;
  tags: string[];
}

export interface WikiSectionCreatedRow {
  section_id: number;
  parent_id: number;
  title: string;
}

export interface WikiSectionUpdatedRow {
  section_id: number;
  title: string;
}

/**
 * Data access for wikis, their sections and tags. Lists take the user (what
 * is visible is visibleObjects()); statements on one wiki by id come after
 * the service's access check in the same transaction.
 */
@Injectable()
export class WikisRepository {
  /** A page of the wikis the user sees, by wiki_id, and the total. */
  async page(em: EntityManager, userId: string, page: PageQuery): Promise<[WikiRow[], number]> {
    const rows: (WikiRow & { total: string })[] = await em.query(
      `WITH v AS (${VISIBLE_WIKIS})
       SELECT count(*) OVER () AS total, ${WIKI_COLUMNS}
         FROM v JOIN wikis w USING (wiki_id) ORDER BY w.wiki_id LIMIT $2 OFFSET $3`,
      [userId, page.limit, page.offset],
    );
    return pageAndTotal(rows, async () => {
      const [row] = await em.query(`WITH v AS (${VISIBLE_WIKIS}) SELECT count(*) AS n FROM v`, [userId]);
      return Number(row.n);
    });
  }

  /** One wiki the user sees; undefined when it is not visible to them. */
  async get(em: EntityManager, userId: string, wikiId: number): Promise<WikiRow | undefined> {
    const rows: WikiRow[] = await em.query(
      `WITH v AS (${VISIBLE_WIKIS}) SELECT ${WIKI_COLUMNS} FROM v JOIN wikis w USING (wiki_id) WHERE w.wiki_id = $2`,
      [userId, wikiId],
    );
    return rows[0];
  }

  /** All of a wiki's sections, flat, (parent_id, section_id), each with its tags. */
  sections(em: EntityManager, wikiId: number): Promise<WikiSectionRow[]> {
    return em.query(
      `SELECT s.section_id, s.parent_id, s.title, s.description, s.created_at, s.updated_at, ${SECTION_TAGS('s')}
         FROM wiki_sections s WHERE s.wiki_id = $1 ORDER BY s.parent_id, s.section_id`,
      [wikiId],
    );
  }

  /** The distinct tags used in a wiki, in byte order. */
  async tags(em: EntityManager, wikiId: number): Promise<string[]> {
    const rows: { tag: string }[] = await em.query(
      `SELECT DISTINCT t.tag COLLATE "C" AS tag FROM wiki_section_tags t JOIN wiki_sections s USING (section_id)
        WHERE s.wiki_id = $1 ORDER BY 1`,
      [wikiId],
    );
    return rows.map((r) => r.tag);
  }

  /** A page of the sections carrying exactly `tag` in the wikis the user sees, by (wiki_id, section_id), and the total. */
  async searchTag(em: EntityManager, userId: string, tag: string, page: PageQuery): Promise<[WikiTaggedSectionRow[], number]> {
    const rows: (WikiTaggedSectionRow & { total: string })[] = await em.query(
      `WITH v AS (${VISIBLE_WIKIS})
       SELECT count(*) OVER () AS total, w.wiki_id, w.title AS wiki_title, s.section_id, s.title, s.description,
              s.updated_at, ${SECTION_TAGS('s')}
         FROM v JOIN wikis w USING (wiki_id)
         JOIN wiki_sections s ON s.wiki_id = w.wiki_id
        WHERE EXISTS (SELECT 1 FROM wiki_section_tags t WHERE t.section_id = s.section_id AND t.tag = $4)
        ORDER BY w.wiki_id, s.section_id LIMIT $2 OFFSET $3`,
      [userId, page.limit, page.offset, tag],
    );
    return pageAndTotal(rows, async () => {
      const [row] = await em.query(
        `WITH v AS (${VISIBLE_WIKIS})
         SELECT count(*) AS n FROM v JOIN wiki_sections s USING (wiki_id)
          WHERE EXISTS (SELECT 1 FROM wiki_section_tags t WHERE t.section_id = s.section_id AND t.tag = $2)`,
        [userId, tag],
      );
      return Number(row.n);
    });
  }

  async insert(em: EntityManager, userId: string, f: WikiFields & { title: string }): Promise<WikiHeaderRow> {
    const rows: WikiHeaderRow[] = await em.query(
      `INSERT INTO wikis (user_id, title, description) VALUES ($1, $2, $3) RETURNING wiki_id, title`,
      [userId, f.title, f.description ?? null],
    );
    return rows[0];
  }

  /** Sets the defined fields (null clears); undefined when the wiki is gone. */
  async update(em: EntityManager, wikiId: number, f: WikiFields): Promise<WikiHeaderRow | undefined> {
    const values: unknown[] = [wikiId];
    const sets = assignments({ ...f }, values);
    const rows: [WikiHeaderRow[], number] = await em.query(
      `UPDATE wikis SET ${sets.join(', ')}, updated_at = now() WHERE wiki_id = $1 RETURNING wiki_id, title`,
      values,
    );
    return rows[0][0];
  }

  async section(em: EntityManager, wikiId: number, sectionId: number): Promise<WikiSectionRow | undefined> {
    const rows: WikiSectionRow[] = await em.query(`SELECT ${SECTION_COLUMNS} FROM wiki_sections s WHERE s.wiki_id = $1 AND s.section_id = $2`, [
      wikiId,
      sectionId,
    ]);
    return rows[0];
  }

  /** A section's immediate children, in section_id order, each with its tags. */
  children(em: EntityManager, wikiId: number, parentId: number): Promise<WikiSectionRow[]> {
    return em.query(`SELECT ${SECTION_COLUMNS} FROM wiki_sections s WHERE s.wiki_id = $1 AND s.parent_id = $2 ORDER BY s.section_id`, [
      wikiId,
      parentId,
    ]);
  }

  async insertSection(em: EntityManager, wikiId: number, parentId: number, f: WikiFields & { title: string }): Promise<WikiSectionCreatedRow> {
    const rows: WikiSectionCreatedRow[] = await em.query(
      `INSERT INTO wiki_sections (wiki_id, parent_id, title, description) VALUES ($1, $2, $3, $4)
       RETURNING section_id, parent_id, title`,
      [wikiId, parentId, f.title, f.description ?? null],
    );
    return rows[0];
  }

  /** Sets the defined fields (null clears) and moves updated_at; undefined when the wiki has no such section. */
  async updateSection(em: EntityManager, wikiId: number, sectionId: number, f: WikiFields): Promise<WikiSectionUpdatedRow | undefined> {
    const values: unknown[] = [wikiId, sectionId];
    const sets = [...assignments({ ...f }, values), 'updated_at = now()'];
    const rows: [WikiSectionUpdatedRow[], number] = await em.query(
      `UPDATE wiki_sections SET ${sets.join(', ')} WHERE wiki_id = $1 AND section_id = $2 RETURNING section_id, title`,
      values,
    );
    return rows[0][0];
  }

  /** Replaces a section's tag set (`[]` clears it). */
  async replaceTags(em: EntityManager, sectionId: number, tags: string[]): Promise<void> {
    await em.query(`DELETE FROM wiki_section_tags WHERE section_id = $1`, [sectionId]);
    if (tags.length) {
      await em.query(`INSERT INTO wiki_section_tags (section_id, tag) SELECT $1, unnest($2::varchar[])`, [sectionId, tags]);
    }
  }
}
