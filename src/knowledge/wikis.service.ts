import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AgentCall, Caller } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { PageQuery } from '../common/http/paging';
import { ObjectAccess } from './object-access';
import { SignedLinks } from '../common/signed-links';
import { KnowledgeAudit } from './knowledge-audit';
import { NO_FIELDS } from './projects.service';
import { CreateWikiDto, UpdateWikiDto } from './wikis.dto';
import { WikiRow, WikisRepository } from './wikis.repository';
import { SectionTreesRepository } from './section-trees.repository';

export const WIKI_NOT_FOUND = 'Wiki not found';

/** Wikis (user-scoped, shareable): headers, the merged owned-and-shared list, tags. */
@Injectable()
export class WikisService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: ObjectAccess,
    private readonly audit: KnowledgeAudit,
    private readonly links: SignedLinks,
    private readonly wikis: WikisRepository,
    private readonly trees: SectionTreesRepository,
  ) {}

  async list(caller: Caller, page: PageQuery) {
    const [found, total] = await this.wikis.page(this.db.manager, caller.userId, page);
    return { wikis: found.map((w) => this.withDocumentUrl(w)), total, limit: page.limit, offset: page.offset };
  }

  /** A wiki with all its sections (flat, (parent_id, section_id)), each with its tags. */
  async get(caller: Caller, wikiId: number) {
    const wiki = await this.wikis.get(this.db.manager, caller.userId, wikiId);
    if (!wiki) throw AppError.notFound(WIKI_NOT_FOUND);
    const sections = await this.wikis.sections(this.db.manager, wikiId);
    return { wiki: this.withDocumentUrl(wiki), sections };
  }

  /** The wiki as shown: the owner's id goes into the signed document link only. */
  private withDocumentUrl({ owner_id: ownerId, ...wiki }: WikiRow) {
    return { ...wiki, document_url: this.links.url('wiki', wiki.wiki_id, ownerId) };
  }

  /** The distinct tags used in a wiki, sorted. */
  async tags(caller: Caller, wikiId: number) {
    await this.access.require(this.db.manager, caller.userId, 'wiki', wikiId, 'read');
    const tags = await this.wikis.tags(this.db.manager, wikiId);
    return { wiki_id: wikiId, tags };
  }

  /** Sections carrying exactly `tag` (case-sensitive) across the wikis the user sees, by (wiki_id, section_id). */
  async searchTag(caller: Caller, tag: string, page: PageQuery) {
    const [sections, total] = await this.wikis.searchTag(this.db.manager, caller.userId, tag, page);
    return { tag, sections, total, limit: page.limit, offset: page.offset };
  }

  async create(call: AgentCall, input: CreateWikiDto) {
    return this.db.transaction(async (em) => {
      const created = await this.wikis.insert(em, call.caller.userId, input);
      await this.audit.record(em, call, call.caller.userId, 'WIKI_CREATE', { wiki_id: created.wiki_id });
      return { created };
    });
  }

  async update(call: AgentCall, wikiId: number, input: UpdateWikiDto) {
    const fields = { title: input.title, description: input.description };
    if (Object.values(fields).every((v) => v === undefined)) throw AppError.badRequest(NO_FIELDS);
    return this.db.transaction(async (em) => {
      const { ownerId } = await this.access.require(em, call.caller.userId, 'wiki', wikiId, 'edit');
      const updated = await this.wikis.update(em, wikiId, fields);
      await this.audit.record(em, call, ownerId, 'WIKI_UPDATE', { wiki_id: wikiId });
      return { updated };
    });
  }

  /** Owner only: the wiki, its sections, their tags and the shares of it go together. */
  async remove(call: AgentCall, wikiId: number) {
    return this.db.transaction(async (em) => {
      await this.access.requireOwner(em, call.caller.userId, 'wiki', wikiId);
      const sectionsDeleted = await this.trees.deleteObject(em, 'wiki', wikiId);
      if (sectionsDeleted === null) throw AppError.notFound(WIKI_NOT_FOUND);
      await this.audit.record(em, call, call.caller.userId, 'WIKI_DELETE', { wiki_id: wikiId, sections_deleted: sectionsDeleted });
      return { deleted: wikiId, sections_deleted: sectionsDeleted };
    });
  }
}
