import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AgentCall, Caller } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { KnowledgeAudit } from './knowledge-audit';
import { ObjectAccess } from './object-access';
import { NO_FIELDS } from './projects.service';
import { SECTION_NOT_FOUND, SectionTree, SectionTrees } from './section-tree';
import { CreateWikiSectionDto, UpdateWikiSectionDto } from './wikis.dto';
import { WikisRepository } from './wikis.repository';

const TREE: SectionTree = {
  kind: 'wiki',
  parentRule: 'parent_id must be 0 or a section of the same wiki',
};

/** Tags in request order, each once (the set is case-sensitive). */
const distinct = (tags: string[]) => [...new Set(tags)];

/** A wiki's tagged section tree: read with level 1, written with level 2, subtrees deleted with level 3. */
@Injectable()
export class WikiSectionsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: ObjectAccess,
    private readonly audit: KnowledgeAudit,
    private readonly wikis: WikisRepository,
    private readonly trees: SectionTrees,
  ) {}

  /** A section and its immediate children, each with its tags. */
  async get(caller: Caller, wikiId: number, sectionId: number) {
    await this.access.require(this.db.manager, caller.userId, 'wiki', wikiId, 'read');
    const section = await this.wikis.section(this.db.manager, wikiId, sectionId);
    if (!section) throw AppError.notFound(SECTION_NOT_FOUND);
    const children = await this.wikis.children(this.db.manager, wikiId, sectionId);
    return { section, children };
  }

  async create(call: AgentCall, wikiId: number, input: CreateWikiSectionDto) {
    return this.db.transaction(async (em) => {
      const { ownerId } = await this.access.require(em, call.caller.userId, 'wiki', wikiId, 'edit');
      const parentId = input.parent_id ?? 0;
      await this.trees.requireParent(em, TREE, wikiId, parentId);
      const created = await this.wikis.insertSection(em, wikiId, parentId, input);
      const tags = distinct(input.tags ?? []);
      await this.wikis.replaceTags(em, created.section_id, tags);
      await this.trees.touch(em, TREE, wikiId);
      await this.audit.record(em, call, ownerId, 'WIKI_SECTION_CREATE', { wiki_id: wikiId, section_id: created.section_id });
      return { created: { ...created, tags } };
    });
  }

  /** Updates fields; `tags` replaces the set (`[]` clears it), absent or null leaves it. */
  async update(call: AgentCall, wikiId: number, sectionId: number, input: UpdateWikiSectionDto) {
    const fields = { title: input.title, description: input.description };
    const tags = input.tags === undefined || input.tags === null ? undefined : distinct(input.tags);
    if (tags === undefined && Object.values(fields).every((v) => v === undefined)) throw AppError.badRequest(NO_FIELDS);
    return this.db.transaction(async (em) => {
      const { ownerId } = await this.access.require(em, call.caller.userId, 'wiki', wikiId, 'edit');
      const updated = await this.wikis.updateSection(em, wikiId, sectionId, fields);
      if (!updated) throw AppError.notFound(SECTION_NOT_FOUND);
      if (tags !== undefined) await this.wikis.replaceTags(em, sectionId, tags);
      await this.trees.touch(em, TREE, wikiId);
      await this.audit.record(em, call, ownerId, 'WIKI_SECTION_UPDATE', { wiki_id: wikiId, section_id: sectionId });
      return { updated: { ...updated, ...(tags !== undefined ? { tags } : {}) } };
    });
  }

  /** Deletes a section with its subtree and their tags (level 3). */
  async remove(call: AgentCall, wikiId: number, sectionId: number) {
    return this.db.transaction(async (em) => {
      const { ownerId } = await this.access.require(em, call.caller.userId, 'wiki', wikiId, 'full');
      const removed = await this.trees.removeSubtree(em, TREE, wikiId, sectionId);
      await this.trees.touch(em, TREE, wikiId);
      await this.audit.record(em, call, ownerId, 'WIKI_SECTION_DELETE', {
        wiki_id: wikiId,
        section_id: sectionId,
        descendants_deleted: removed - 1,
      });
      return { deleted: sectionId, descendants_deleted: removed - 1 };
    });
  }
}
