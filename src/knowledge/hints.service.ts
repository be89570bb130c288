import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AgentCall, Caller } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { pageAndTotal, PageQuery } from '../common/http/paging';
import { lockForTransaction } from '../database/advisory-lock';
import { assignments } from '../database/assignments';
import { KnowledgeAudit } from './knowledge-audit';
import { EDIT, FULL, ObjectAccess, READ } from './object-access';
import { NO_FIELDS } from './projects.service';
import { CreateHintDto, UpdateHintDto } from './hints.dto';

export const HINT_NOT_FOUND = 'Hint not found';
export const PARENT_NOT_FOUND = 'Parent hint not found';

/** The hints the user sees: their own, and every hint of a category shared to them (at the share's level). */
const VISIBLE_HINTS = `
  SELECT h.hint_id, 3 AS level FROM hints h WHERE h.user_id = $1
  UNION ALL
  SELECT h.hint_id, s.permission_level FROM shared_objects s JOIN hints h ON h.hint_category_id = s.hint_id
   WHERE s.shared_to_user_id = $1 AND s.object_type_id = 2`;

const NODE_COLUMNS = 'h.hint_id, h.parent_id, h.title, h.description, h.hint_category_id, h.sort_order, h.created_at, h.updated_at';
const ORDER = 'h.parent_id, h.sort_order, h.hint_id';

/**
 * Hints: a forest of categories (root hints) and their hints, shared by
 * category. A hint added by a sharee belongs to the category's owner.
 */
@Injectable()
export class HintsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: ObjectAccess,
    private readonly audit: KnowledgeAudit,
  ) {}

  /** Owned and shared hints, flat, (parent_id, sort_order, hint_id); `compact` gives titles only. */
  async list(caller: Caller, page: PageQuery, compact = false) {
    const columns = compact
      ? 'h.hint_id, h.parent_id, h.title'
      : `${NODE_COLUMNS}, CASE WHEN h.user_id = $1 THEN 'owned' ELSE 'shared' END AS access, v.level AS permission_level`;
    const rows: { total: string }[] = await this.db.query(
      `WITH v AS (${VISIBLE_HINTS})
       SELECT count(*) OVER () AS total, ${columns} FROM v JOIN hints h USING (hint_id)
        ORDER BY ${ORDER} LIMIT $2 OFFSET $3`,
      [caller.userId, page.limit, page.offset],
    );
    const [hints, total] = await pageAndTotal(rows, async () => {
      const [row] = await this.db.query(`WITH v AS (${VISIBLE_HINTS}) SELECT count(*) AS n FROM v`, [caller.userId]);
      return Number(row.n);
    });
    return { hints, total, limit: page.limit, offset: page.offset };
  }

  /** A hint and its immediate children. */
  async get(caller: Caller, hintId: number) {
    await this.access.require(this.db.manager, caller.userId, 'hint', hintId, READ);
    const [node] = await this.db.query(`SELECT ${NODE_COLUMNS} FROM hints h WHERE h.hint_id = $1`, [hintId]);
    const children = await this.db.query(`SELECT ${NODE_COLUMNS} FROM hints h WHERE h.parent_id = $1 ORDER BY ${ORDER}`, [hintId]);
    return { node, children };
  }

  /** A category: a root hint owned by the caller's user, its own category (set in the same statement). */
  async createCategory(call: AgentCall, title: string, description: string | null | undefined) {
    return this.db.transaction(async (em) => {
      const rows: { hint_id: number; parent_id: number; title: string; hint_category_id: number }[] = await em.query(
        `INSERT INTO hints (hint_id, user_id, parent_id, hint_category_id, title, description)
         OVERRIDING SYSTEM VALUE
         SELECT n.id, $1, 0, n.id, $2, $3 FROM (SELECT nextval(pg_get_serial_sequence('hints', 'hint_id')) AS id) n
         RETURNING hint_id, parent_id, title, hint_category_id`,
        [call.caller.userId, title, description ?? null],
      );
      await this.audit.record(em, call, call.caller.userId, 'HINT_CREATE', { hint_id: rows[0].hint_id, category: true });
      return { created: rows[0] };
    });
  }

  /** parent_id 0 creates a category; else a child (edit access on the parent's category), owned by the category's owner. */
  async create(call: AgentCall, input: CreateHintDto) {
    const parentId = input.parent_id ?? 0;
    if (parentId === 0) return this.createCategory(call, input.title, input.description);
    return this.db.transaction(async (em) => {
      const { ownerId } = await this.access.require(em, call.caller.userId, 'hint', parentId, EDIT, PARENT_NOT_FOUND);
      const [parent] = await em.query(`SELECT hint_category_id FROM hints WHERE hint_id = $1`, [parentId]);
      if (!parent) throw AppError.notFound(PARENT_NOT_FOUND);
      await this.lockCategory(em, parent.hint_category_id);
      const rows: { hint_id: number; parent_id: number; title: string; hint_category_id: number }[] = await em.query(
        `INSERT INTO hints (user_id, parent_id, hint_category_id, title, description)
         SELECT p.user_id, p.hint_id, p.hint_category_id, $2, $3 FROM hints p WHERE p.hint_id = $1
         RETURNING hint_id, parent_id, title, hint_category_id`,
        [parentId, input.title, input.description ?? null],
      );
      // The parent went between the access check and the lock (its subtree was deleted).
      if (!rows[0]) throw AppError.notFound(PARENT_NOT_FOUND);
      await this.audit.record(em, call, ownerId, 'HINT_CREATE', { hint_id: rows[0].hint_id, parent_id: parentId });
      return { created: rows[0] };
    });
  }

  async update(call: AgentCall, hintId: number, input: UpdateHintDto) {
    const fields = { title: input.title, description: input.description };
    if (Object.values(fields).every((v) => v === undefined)) throw AppError.badRequest(NO_FIELDS);
    return this.db.transaction(async (em) => {
      const { ownerId } = await this.access.require(em, call.caller.userId, 'hint', hintId, EDIT);
      const values: unknown[] = [hintId];
      const sets = assignments(fields, values);
      const rows: [{ hint_id: number; title: string }[], number] = await em.query(
        `UPDATE hints SET ${sets.join(', ')}, updated_at = now() WHERE hint_id = $1 RETURNING hint_id, title`,
        values,
      );
      if (!rows[0][0]) throw AppError.notFound(HINT_NOT_FOUND);
      await this.audit.record(em, call, ownerId, 'HINT_UPDATE', { hint_id: hintId });
      return { updated: rows[0][0] };
    });
  }

  /** A category (with all its hints and shares): owner only. A hint with its subtree: full access to its category. */
  async remove(call: AgentCall, hintId: number) {
    return this.db.transaction(async (em) => {
      const access = await this.access.require(em, call.caller.userId, 'hint', hintId, FULL);
      const [hint] = await em.query(`SELECT parent_id, hint_category_id FROM hints WHERE hint_id = $1`, [hintId]);
      if (!hint) throw AppError.notFound(HINT_NOT_FOUND);
      if (hint.parent_id === 0 && access.ownerId !== call.caller.userId) throw AppError.notFound(HINT_NOT_FOUND);
      await this.lockCategory(em, hint.hint_category_id);
      const rows: [unknown[], number] = await em.query(
        `WITH RECURSIVE sub AS (
           SELECT hint_id FROM hints WHERE hint_id = $1
           UNION
           SELECT c.hint_id FROM hints c JOIN sub ON c.parent_id = sub.hint_id WHERE c.hint_category_id = $2
         )
         DELETE FROM hints WHERE hint_category_id = $2 AND hint_id IN (SELECT hint_id FROM sub)`,
        [hintId, hint.hint_category_id],
      );
      const removed = rows[1];
      if (removed === 0) throw AppError.notFound(HINT_NOT_FOUND);
      await this.audit.record(em, call, access.ownerId, 'HINT_DELETE', { hint_id: hintId, descendants_deleted: removed - 1 });
      return { deleted: hintId, descendants_deleted: removed - 1 };
    });
  }

  /** Adding hints and deleting subtrees are serialised per category (no orphans). */
  private lockCategory(em: EntityManager, categoryId: number): Promise<void> {
    return lockForTransaction(em, 'hints', String(categoryId));
  }
}
