import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AgentCall, Caller } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { pageAndTotal, PageQuery } from '../common/http/paging';
import { assignments } from '../database/assignments';
import { EDIT, ObjectAccess, READ } from './object-access';
import { DocLinks } from '../documents/doc-links';
import { KnowledgeAudit } from './knowledge-audit';
import { NO_FIELDS } from './projects.service';
import { CreateWikiDto, UpdateWikiDto } from './wikis.dto';

export const WIKI_NOT_FOUND = 'Wiki not found';

/** The wikis the user sees: owned (level 3) and shared to them (the share's level). */
const VISIBLE_WIKIS = `
  SELECT wiki_id, 3 AS level FROM wikis WHERE user_id = $1
  UNION ALL
  SELECT wiki_id, permission_level FROM shared_objects WHERE shared_to_user_id = $1 AND object_type_id = 3`;

const WIKI_COLUMNS = `w.wiki_id, w.title, w.description,
  CASE WHEN w.user_id = $1 THEN 'owned' ELSE 'shared' END AS access, v.level AS permission_level, w.created_at, w.updated_at,
  w.user_id AS owner_id`;

interface WikiRow {
  wiki_id: number;
  owner_id: string;
  [column: string]: unknown;
}

/** A section's tags, sorted (byte order, so clients sort the same way). */
export const SECTION_TAGS = (alias: string) =>
  `coalesce((SELECT array_agg(t.tag ORDER BY t.tag COLLATE "C") FROM wiki_section_tags t WHERE t.section_id = ${alias}.section_id), '{}') AS tags`;

/** Wikis (user-scoped, shareable): headers, the merged owned-and-shared list, tags. */
@Injectable()
export class WikisService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: ObjectAccess,
    private readonly audit: KnowledgeAudit,
    private readonly links: DocLinks,
  ) {}

  async list(caller: Caller, page: PageQuery) {
    const rows: { total: string }[] = await this.db.query(
      `WITH v AS (${VISIBLE_WIKIS})
       SELECT count(*) OVER () AS total, ${WIKI_COLUMNS}
         FROM v JOIN wikis w USING (wiki_id) ORDER BY w.wiki_id LIMIT $2 OFFSET $3`,
      [caller.userId, page.limit, page.offset],
    );
    const [found, total] = await pageAndTotal(rows as (WikiRow & { total: string })[], async () => {
      const [row] = await this.db.query(`WITH v AS (${VISIBLE_WIKIS}) SELECT count(*) AS n FROM v`, [caller.userId]);
      return Number(row.n);
    });
    return { wikis: found.map((w) => this.withDocumentUrl(w)), total, limit: page.limit, offset: page.offset };
  }

  /** A wiki with all its sections (flat, (parent_id, section_id)), each with its tags. */
  async get(caller: Caller, wikiId: number) {
    const rows: WikiRow[] = await this.db.query(
      `WITH v AS (${VISIBLE_WIKIS}) SELECT ${WIKI_COLUMNS} FROM v JOIN wikis w USING (wiki_id) WHERE w.wiki_id = $2`,
      [caller.userId, wikiId],
    );
    if (!rows[0]) throw AppError.notFound(WIKI_NOT_FOUND);
    const sections = await this.db.query(
      `SELECT s.section_id, s.parent_id, s.title, s.description, s.created_at, s.updated_at, ${SECTION_TAGS('s')}
         FROM wiki_sections s WHERE s.wiki_id = $1 ORDER BY s.parent_id, s.section_id`,
      [wikiId],
    );
    return { wiki: this.withDocumentUrl(rows[0]), sections };
  }

  /** The wiki as shown: the owner's id goes into the signed document link only. */
  private withDocumentUrl({ owner_id: ownerId, ...wiki }: WikiRow) {
    return { ...wiki, document_url: this.links.url('wiki', wiki.wiki_id, ownerId) };
  }

  /** The distinct tags used in a wiki, sorted. */
  async tags(caller: Caller, wikiId: number) {
    await this.access.require(this.db.manager, caller.userId, 'wiki', wikiId, READ);
    const rows: { tag: string }[] = await this.db.query(
      `SELECT DISTINCT t.tag COLLATE "C" AS tag FROM wiki_section_tags t JOIN wiki_sections s USING (section_id)
        WHERE s.wiki_id = $1 ORDER BY 1`,
      [wikiId],
    );
    return { wiki_id: wikiId, tags: rows.map((r) => r.tag) };
  }

  /** Sections carrying exactly `tag` (case-sensitive) across the wikis the user sees, by (wiki_id, section_id). */
  async searchTag(caller: Caller, tag: string, page: PageQuery) {
    const rows: { total: string }[] = await this.db.query(
      `WITH v AS (${VISIBLE_WIKIS})
       SELECT count(*) OVER () AS total, w.wiki_id, w.title AS wiki_title, s.section_id, s.title, s.description,
              s.updated_at, ${SECTION_TAGS('s')}
         FROM v JOIN wikis w USING (wiki_id)
         JOIN wiki_sections s ON s.wiki_id = w.wiki_id
        WHERE EXISTS (SELECT 1 FROM wiki_section_tags t WHERE t.section_id = s.section_id AND t.tag = $4)
        ORDER BY w.wiki_id, s.section_id LIMIT $2 OFFSET $3`,
      [caller.userId, page.limit, page.offset, tag],
    );
    const [sections, total] = await pageAndTotal(rows, async () => {
      const [row] = await this.db.query(
        `WITH v AS (${VISIBLE_WIKIS})
         SELECT count(*) AS n FROM v JOIN wiki_sections s USING (wiki_id)
          WHERE EXISTS (SELECT 1 FROM wiki_section_tags t WHERE t.section_id = s.section_id AND t.tag = $2)`,
        [caller.userId, tag],
      );
      return Number(row.n);
    });
    return { tag, sections, total, limit: page.limit, offset: page.offset };
  }

  async create(call: AgentCall, input: CreateWikiDto) {
    return this.db.transaction(async (em) => {
      const rows: { wiki_id: number; title: string }[] = await em.query(
        `INSERT INTO wikis (user_id, title, description) VALUES ($1, $2, $3) RETURNING wiki_id, title`,
        [call.caller.userId, input.title, input.description ?? null],
      );
      await this.audit.record(em, call, call.caller.userId, 'WIKI_CREATE', { wiki_id: rows[0].wiki_id });
      return { created: rows[0] };
    });
  }

  async update(call: AgentCall, wikiId: number, input: UpdateWikiDto) {
    const fields = { title: input.title, description: input.description };
    if (Object.values(fields).every((v) => v === undefined)) throw AppError.badRequest(NO_FIELDS);
    return this.db.transaction(async (em) => {
      const { ownerId } = await this.access.require(em, call.caller.userId, 'wiki', wikiId, EDIT);
      const values: unknown[] = [wikiId];
      const sets = assignments(fields, values);
      const rows: [{ wiki_id: number; title: string }[], number] = await em.query(
        `UPDATE wikis SET ${sets.join(', ')}, updated_at = now() WHERE wiki_id = $1 RETURNING wiki_id, title`,
        values,
      );
      await this.audit.record(em, call, ownerId, 'WIKI_UPDATE', { wiki_id: wikiId });
      return { updated: rows[0][0] };
    });
  }

  /** Owner only: the wiki, its sections, their tags and the shares of it go together. */
  async remove(call: AgentCall, wikiId: number) {
    return this.db.transaction(async (em) => {
      await this.access.requireOwner(em, call.caller.userId, 'wiki', wikiId);
      // Locked first: a section added meanwhile commits before the count (and goes with the wiki).
      await em.query(`SELECT 1 FROM wikis WHERE wiki_id = $1 FOR UPDATE`, [wikiId]);
      const [{ n }] = await em.query(`SELECT count(*)::int AS n FROM wiki_sections WHERE wiki_id = $1`, [wikiId]);
      await em.query(`DELETE FROM wikis WHERE wiki_id = $1`, [wikiId]);
      await this.audit.record(em, call, call.caller.userId, 'WIKI_DELETE', { wiki_id: wikiId, sections_deleted: n });
      return { deleted: wikiId, sections_deleted: n as number };
    });
  }

  requireLevel(em: EntityManager, userId: string, wikiId: number, level: 1 | 2 | 3) {
    return this.access.require(em, userId, 'wiki', wikiId, level);
  }
}
