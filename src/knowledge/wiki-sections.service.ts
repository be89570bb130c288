import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AgentCall, Caller } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { assignments } from '../database/assignments';
import { KnowledgeAudit } from './knowledge-audit';
import { EDIT, FULL, READ } from './object-access';
import { NO_FIELDS } from './projects.service';
import { SECTION_NOT_FOUND, SectionTree, sectionTrees } from './section-tree';
import { CreateWikiSectionDto, UpdateWikiSectionDto } from './wikis.dto';
import { SECTION_TAGS, WikisService } from './wikis.service';

const TREE: SectionTree = {
  table: 'wiki_sections',
  ownerColumn: 'wiki_id',
  objectTable: 'wikis',
  parentRule: 'parent_id must be 0 or a section of the same wiki',
};

const COLUMNS = `s.section_id, s.parent_id, s.title, s.description, s.created_at, s.updated_at, ${SECTION_TAGS('s')}`;

/** Tags in request order, each once (the set is case-sensitive). */
const distinct = (tags: string[]) => [...new Set(tags)];

/** A wiki's tagged section tree: read with level 1, written with level 2, subtrees deleted with level 3. */
@Injectable()
export class WikiSectionsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly wikis: WikisService,
    private readonly audit: KnowledgeAudit,
  ) {}

  /** A section and its immediate children, each with its tags. */
  async get(caller: Caller, wikiId: number, sectionId: number) {
    await this.wikis.requireLevel(this.db.manager, caller.userId, wikiId, READ);
    const [section] = await this.db.query(`SELECT ${COLUMNS} FROM wiki_sections s WHERE s.wiki_id = $1 AND s.section_id = $2`, [
      wikiId,
      sectionId,
    ]);
    if (!section) throw AppError.notFound(SECTION_NOT_FOUND);
    const children = await this.db.query(
      `SELECT ${COLUMNS} FROM wiki_sections s WHERE s.wiki_id = $1 AND s.parent_id = $2 ORDER BY s.section_id`,
      [wikiId, sectionId],
    );
    return { section, children };
  }

  async create(call: AgentCall, wikiId: number, input: CreateWikiSectionDto) {
    return this.db.transaction(async (em) => {
      const { ownerId } = await this.wikis.requireLevel(em, call.caller.userId, wikiId, EDIT);
      const parentId = input.parent_id ?? 0;
      await sectionTrees.requireParent(em, TREE, wikiId, parentId);
      const rows: { section_id: number; parent_id: number; title: string }[] = await em.query(
        `INSERT INTO wiki_sections (wiki_id, parent_id, title, description) VALUES ($1, $2, $3, $4)
         RETURNING section_id, parent_id, title`,
        [wikiId, parentId, input.title, input.description ?? null],
      );
      const tags = distinct(input.tags ?? []);
      await this.replaceTags(em, rows[0].section_id, tags);
      await sectionTrees.touch(em, TREE, wikiId);
      await this.audit.record(em, call, ownerId, 'WIKI_SECTION_CREATE', { wiki_id: wikiId, section_id: rows[0].section_id });
      return { created: { ...rows[0], tags } };
    });
  }

  /** Updates fields; `tags` replaces the set (`[]` clears it), absent or null leaves it. */
  async update(call: AgentCall, wikiId: number, sectionId: number, input: UpdateWikiSectionDto) {
    const fields = { title: input.title, description: input.description };
    const tags = input.tags === undefined || input.tags === null ? undefined : distinct(input.tags);
    if (tags === undefined && Object.values(fields).every((v) => v === undefined)) throw AppError.badRequest(NO_FIELDS);
    return this.db.transaction(async (em) => {
      const { ownerId } = await this.wikis.requireLevel(em, call.caller.userId, wikiId, EDIT);
      const values: unknown[] = [wikiId, sectionId];
      const sets = [...assignments(fields, values), 'updated_at = now()'];
      const rows: [{ section_id: number; title: string }[], number] = await em.query(
        `UPDATE wiki_sections SET ${sets.join(', ')} WHERE wiki_id = $1 AND section_id = $2 RETURNING section_id, title`,
        values,
      );
      if (!rows[0][0]) throw AppError.notFound(SECTION_NOT_FOUND);
      if (tags !== undefined) await this.replaceTags(em, sectionId, tags);
      await sectionTrees.touch(em, TREE, wikiId);
      await this.audit.record(em, call, ownerId, 'WIKI_SECTION_UPDATE', { wiki_id: wikiId, section_id: sectionId });
      return { updated: { ...rows[0][0], ...(tags !== undefined ? { tags } : {}) } };
    });
  }

  /** Deletes a section with its subtree and their tags (level 3). */
  async remove(call: AgentCall, wikiId: number, sectionId: number) {
    return this.db.transaction(async (em) => {
      const { ownerId } = await this.wikis.requireLevel(em, call.caller.userId, wikiId, FULL);
      const removed = await sectionTrees.removeSubtree(em, TREE, wikiId, sectionId);
      await sectionTrees.touch(em, TREE, wikiId);
      await this.audit.record(em, call, ownerId, 'WIKI_SECTION_DELETE', {
        wiki_id: wikiId,
        section_id: sectionId,
        descendants_deleted: removed - 1,
      });
      return { deleted: sectionId, descendants_deleted: removed - 1 };
    });
  }

  private async replaceTags(em: EntityManager, sectionId: number, tags: string[]): Promise<void> {
    await em.query(`DELETE FROM wiki_section_tags WHERE section_id = $1`, [sectionId]);
    if (tags.length) {
      await em.query(`INSERT INTO wiki_section_tags (section_id, tag) SELECT $1, unnest($2::varchar[])`, [sectionId, tags]);
    }
  }
}
