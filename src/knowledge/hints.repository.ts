import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { pageAndTotal, PageQuery } from '../common/http/paging';
import { lockForTransaction } from '../database/advisory-lock';
import { assignments } from '../database/assignments';
import { visibleObjects } from './object-access.repository';

const VISIBLE_HINTS = visibleObjects('hint', '$1');

const NODE_COLUMNS = 'h.hint_id, h.parent_id, h.title, h.description, h.hint_category_id, h.sort_order, h.created_at, h.updated_at';
const ORDER = 'h.parent_id, h.sort_order, h.hint_id';

export interface HintRow {
  hint_id: number;
  parent_id: number;
  title: string;
  description: string | null;
  hint_category_id: number;
  sort_order: number;
  created_at: Date;
  updated_at: Date;
}

/** A listed hint: the node with the user's access to it. */
export interface HintListRow extends HintRow {
  access: 'owned' | 'shared';
  permission_level: number;
}

/** A listed hint in the compact list: titles only. */
export interface HintTitleRow {
  hint_id: number;
  parent_id: number;
  title: string;
}

export interface HintCreatedRow {
  hint_id: number;
  parent_id: number;
  title: string;
  hint_category_id: number;
}

export interface HintUpdatedRow {
  hint_id: number;
  title: string;
}

/** Where a hint sits: its parent (0 for a category) and its category. */
export interface HintPlaceRow {
  parent_id: number;
  hint_category_id: number;
}

export interface HintFields {
  title?: string;
  description?: string | null;
}

/**
 * Data access for hints: a forest of categories (root hints, their own
 * category) and their hints. The list takes the user (what is visible is
 * visibleObjects()); statements on one hint by id come after the service's
 * access check in the same transaction.
 */
@Injectable()
export class HintsRepository {
  /** A page of the hints the user sees, flat, (parent_id, sort_order, hint_id), and the total; `compact` gives titles only. */
  async page(em: EntityManager, userId: string, page: PageQuery, compact: boolean): Promise<[(HintListRow | HintTitleRow)[], number]> {
    const columns = compact
      ? 'h.hint_id, h.parent_id, h.title'
      : `${NODE_COLUMNS}, CASE WHEN h.user_id = $1 THEN 'owned' ELSE 'shared' END AS access, v.level AS permission_level`;
    const rows: ((HintListRow | HintTitleRow) & { total: string })[] = await em.query(
      `WITH v AS (${VISIBLE_HINTS})
       SELECT count(*) OVER () AS total, ${columns} FROM v JOIN hints h USING (hint_id)
        ORDER BY ${ORDER} LIMIT $2 OFFSET $3`,
      [userId, page.limit, page.offset],
    );
    return pageAndTotal(rows, async () => {
      const [row] = await em.query(`WITH v AS (${VISIBLE_HINTS}) SELECT count(*) AS n FROM v`, [userId]);
      return Number(row.n);
    });
  }

  async node(em: EntityManager, hintId: number): Promise<HintRow | undefined> {
    const rows: HintRow[] = await em.query(`SELECT ${NODE_COLUMNS} FROM hints h WHERE h.hint_id = $1`, [hintId]);
    return rows[0];
  }

  /** A hint's immediate children, in sibling order. */
  children(em: EntityManager, hintId: number): Promise<HintRow[]> {
    return em.query(`SELECT ${NODE_COLUMNS} FROM hints h WHERE h.parent_id = $1 ORDER BY ${ORDER}`, [hintId]);
  }

  /** A root hint owned by the user, its own category (set in the same statement). */
  async insertCategory(em: EntityManager, userId: string, f: HintFields & { title: string }): Promise<HintCreatedRow> {
    const rows: HintCreatedRow[] = await em.query(
      `INSERT INTO hints (hint_id, user_id, parent_id, hint_category_id, title, description)
       OVERRIDING SYSTEM VALUE
       SELECT n.id, $1, 0, n.id, $2, $3 FROM (SELECT nextval(pg_get_serial_sequence('hints', 'hint_id')) AS id) n
       RETURNING hint_id, parent_id, title, hint_category_id`,
      [userId, f.title, f.description ?? null],
    );
    return rows[0];
  }

  /** A hint's parent and category; undefined when the hint does not exist. */
  async place(em: EntityManager, hintId: number): Promise<HintPlaceRow | undefined> {
    const rows: HintPlaceRow[] = await em.query(`SELECT parent_id, hint_category_id FROM hints WHERE hint_id = $1`, [hintId]);
    return rows[0];
  }

  /** Adding hints and deleting subtrees are serialised per category until the transaction ends (no orphans). */
  lockCategory(em: EntityManager, categoryId: number): Promise<void> {
    return lockForTransaction(em, 'hints', String(categoryId));
  }

  /** A child of `parentId`, in its category and owned by its owner; undefined when the parent is gone. */
  async insertChild(em: EntityManager, parentId: number, f: HintFields & { title: string }): Promise<HintCreatedRow | undefined> {
    const rows: HintCreatedRow[] = await em.query(
      `INSERT INTO hints (user_id, parent_id, hint_category_id, title, description)
       SELECT p.user_id, p.hint_id, p.hint_category_id, $2, $3 FROM hints p WHERE p.hint_id = $1
       RETURNING hint_id, parent_id, title, hint_category_id`,
      [parentId, f.title, f.description ?? null],
    );
    return rows[0];
  }

  /** Sets the defined fields (null clears); undefined when the hint is gone. */
  async update(em: EntityManager, hintId: number, f: HintFields): Promise<HintUpdatedRow | undefined> {
    const values: unknown[] = [hintId];
    const sets = assignments({ ...f }, values);
    const rows: [HintUpdatedRow[], number] = await em.query(
      `UPDATE hints SET ${sets.join(', ')}, updated_at = now() WHERE hint_id = $1 RETURNING hint_id, title`,
      values,
    );
    return rows[0][0];
  }

  /** Deletes a hint and its subtree within its category; the number of rows deleted (0 when it was gone). */
  async removeSubtree(em: EntityManager, hintId: number, categoryId: number): Promise<number> {
    const rows: [unknown[], number] = await em.query(
      `WITH RECURSIVE sub AS (
         SELECT hint_id FROM hints WHERE hint_id = $1
         UNION
         SELECT c.hint_id FROM hints c JOIN sub ON c.parent_id = sub.hint_id WHERE c.hint_category_id = $2
       )
       DELETE FROM hints WHERE hint_category_id = $2 AND hint_id IN (SELECT hint_id FROM sub)`,
      [hintId, categoryId],
    );
    return rows[1];
  }
}
