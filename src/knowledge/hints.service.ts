import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AgentCall, Caller } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { PageQuery } from '../common/http/paging';
import { KnowledgeAudit } from './knowledge-audit';
import { ObjectAccess } from './object-access';
import { NO_FIELDS } from './projects.service';
import { CreateHintDto, UpdateHintDto } from './hints.dto';
import { HintsRepository } from './hints.repository';

export const HINT_NOT_FOUND = 'Hint not found';
export const PARENT_NOT_FOUND = 'Parent hint not found';

/**
 * Hints: a forest of categories (root hints) and their hints, shared by
 * category. A hint added by a sharee belongs to the category's owner. Adding
 * hints and deleting subtrees are serialised per category (no orphans).
 */
@Injectable()
export class HintsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: ObjectAccess,
    private readonly audit: KnowledgeAudit,
    private readonly hints: HintsRepository,
  ) {}

  /** Owned and shared hints, flat, (parent_id, sort_order, hint_id); `compact` gives titles only. */
  async list(caller: Caller, page: PageQuery, compact = false) {
    const [hints, total] = await this.hints.page(this.db.manager, caller.userId, page, compact);
    return { hints, total, limit: page.limit, offset: page.offset };
  }

  /** A hint and its immediate children. */
  async get(caller: Caller, hintId: number) {
    await this.access.require(this.db.manager, caller.userId, 'hint', hintId, 'read');
    const node = await this.hints.node(this.db.manager, hintId);
    const children = await this.hints.children(this.db.manager, hintId);
    return { node, children };
  }

  /** A category: a root hint owned by the caller's user, its own category (set in the same statement). */
  async createCategory(call: AgentCall, title: string, description: string | null | undefined) {
    return this.db.transaction(async (em) => {
      const created = await this.hints.insertCategory(em, call.caller.userId, { title, description });
      await this.audit.record(em, call, call.caller.userId, 'HINT_CREATE', { hint_id: created.hint_id, category: true });
      return { created };
    });
  }

  /** parent_id 0 creates a category; else a child (edit access on the parent's category), owned by the category's owner. */
  async create(call: AgentCall, input: CreateHintDto) {
    const parentId = input.parent_id ?? 0;
    if (parentId === 0) return this.createCategory(call, input.title, input.description);
    return this.db.transaction(async (em) => {
      const { ownerId } = await this.access.require(em, call.caller.userId, 'hint', parentId, 'edit', PARENT_NOT_FOUND);
      const categoryId = (await this.hints.place(em, parentId))?.hint_category_id;
      if (categoryId === undefined) throw AppError.notFound(PARENT_NOT_FOUND);
      await this.hints.lockCategory(em, categoryId);
      const created = await this.hints.insertChild(em, parentId, input);
      // The parent went between the access check and the lock (its subtree was deleted).
      if (!created) throw AppError.notFound(PARENT_NOT_FOUND);
      await this.audit.record(em, call, ownerId, 'HINT_CREATE', { hint_id: created.hint_id, parent_id: parentId });
      return { created };
    });
  }

  async update(call: AgentCall, hintId: number, input: UpdateHintDto) {
    const fields = { title: input.title, description: input.description };
    if (Object.values(fields).every((v) => v === undefined)) throw AppError.badRequest(NO_FIELDS);
    return this.db.transaction(async (em) => {
      const { ownerId } = await this.access.require(em, call.caller.userId, 'hint', hintId, 'edit');
      const updated = await this.hints.update(em, hintId, fields);
      if (!updated) throw AppError.notFound(HINT_NOT_FOUND);
      await this.audit.record(em, call, ownerId, 'HINT_UPDATE', { hint_id: hintId });
      return { updated };
    });
  }

  /** A category (with all its hints and shares): owner only. A hint with its subtree: full access to its category. */
  async remove(call: AgentCall, hintId: number) {
    return this.db.transaction(async (em) => {
      const access = await this.access.require(em, call.caller.userId, 'hint', hintId, 'full');
      const hint = await this.hints.place(em, hintId);
      if (!hint) throw AppError.notFound(HINT_NOT_FOUND);
      if (hint.parent_id === 0 && access.ownerId !== call.caller.userId) throw AppError.notFound(HINT_NOT_FOUND);
      await this.hints.lockCategory(em, hint.hint_category_id);
      const removed = await this.hints.removeSubtree(em, hintId, hint.hint_category_id);
      if (removed === 0) throw AppError.notFound(HINT_NOT_FOUND);
      await this.audit.record(em, call, access.ownerId, 'HINT_DELETE', { hint_id: hintId, descendants_deleted: removed - 1 });
      return { deleted: hintId, descendants_deleted: removed - 1 };
    });
  }
}
