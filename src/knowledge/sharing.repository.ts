import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { auditInsertSql } from '../audit/audit-events.repository';
import type { Actor } from '../common/auth/actor';
import { pageAndTotal, PageQuery } from '../common/http/paging';
import { Params, SqlExpr } from '../database/sql';
import { OBJECTS, ObjectKind } from './object-access.repository';

/** A share with the object's type name and title; `counterpart` is the other user. */
const selectShares = (counterpart: 'shared_to' | 'shared_by') => `
  SELECT count(*) OVER () AS total, s.share_id, s.object_type_id, t.name AS object_type, s.object_id,
         coalesce(p.title, h.title, w.title) AS object_title,
         s.${counterpart}_user_id, u.name AS ${counterpart}_name, s.permission_level
    FROM shared_objects s
    JOIN object_types t ON t.object_type_id = s.object_type_id
    JOIN users u ON u.id = s.${counterpart}_user_id
    LEFT JOIN projects p ON p.project_id = s.project_id
    LEFT JOIN hints h ON h.hint_id = s.hint_id
    LEFT JOIN wikis w ON w.wiki_id = s.wiki_id`;

const SHARES_ORDER = 's.object_type_id, s.object_id, s.share_id';

interface ShareRow {
  share_id: number;
  object_type_id: number;
  object_type: string;
  object_id: number;
  object_title: string;
  permission_level: number;
}

/** A share the user made, with its recipient. */
export interface ShareByMeRow extends ShareRow {
  shared_to_user_id: string;
  shared_to_name: string;
}

/** A share made to the user, with its sharer. */
export interface ShareToMeRow extends ShareRow {
  shared_by_user_id: string;
  shared_by_name: string;
}

export interface ShareUpsertRow {
  share_id: number;
  /** False when an existing share to the same user had its level changed. */
  created: boolean;
}

export interface ShareUsersRow {
  shared_by_user_id: string;
  shared_to_user_id: string;
}

export interface UserNameRow {
  id: string;
  name: string;
}

/** Data access for cross-user shares; every statement names the user it is for. */
@Injectable()
export class SharingRepository {
  /** Shares `kind` `objectId` from `sharedBy` to `sharedTo` at `level`; re-sharing to the same user changes the level (same share id). */
  async upsert(em: EntityManager, sharedBy: string, sharedTo: string, kind: ObjectKind, objectId: number, level: number): Promise<ShareUpsertRow> {
    const o = OBJECTS[kind];
    const rows: ShareUpsertRow[] = await em.query(
      `INSERT INTO shared_objects (shared_by_user_id, shared_to_user_id, object_type_id, ${o.shareColumn}, permission_level)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (shared_to_user_id, object_type_id, object_id)
       DO UPDATE SET permission_level = EXCLUDED.permission_level, updated_at = now()
       RETURNING share_id, (xmax = 0) AS created`,
      [sharedBy, sharedTo, o.typeId, objectId, level],
    );
    return rows[0];
  }

  /** Deletes a share the user made or received; its two users, or undefined when the user has no such share. */
  async deleteOfUser(em: EntityManager, userId: string, shareId: number): Promise<ShareUsersRow | undefined> {
    const rows: [ShareUsersRow[], number] = await em.query(
      `DELETE FROM shared_objects WHERE share_id = $1 AND $2 IN (shared_by_user_id, shared_to_user_id)
       RETURNING shared_by_user_id, shared_to_user_id`,
      [shareId, userId],
    );
    return rows[0][0];
  }

  /** A page of the shares the user made, by (object_type_id, object_id, share_id), and the total. */
  sharedBy(em: EntityManager, userId: string, page: PageQuery): Promise<[ShareByMeRow[], number]> {
    return this.page<ShareByMeRow>(em, `${selectShares('shared_to')} WHERE s.shared_by_user_id = $1`, 's.shared_by_user_id = $1', userId, page);
  }

  /** A page of the shares made to the user, by (object_type_id, object_id, share_id), and the total. */
  sharedTo(em: EntityManager, userId: string, page: PageQuery): Promise<[ShareToMeRow[], number]> {
    return this.page<ShareToMeRow>(em, `${selectShares('shared_by')} WHERE s.shared_to_user_id = $1`, 's.shared_to_user_id = $1', userId, page);
  }

  private async page<T>(em: EntityManager, select: string, where: string, userId: string, page: PageQuery): Promise<[T[], number]> {
    const rows: (T & { total: string })[] = await em.query(`${select} ORDER BY ${SHARES_ORDER} LIMIT $2 OFFSET $3`, [
      userId,
      page.limit,
      page.offset,
    ]);
    return pageAndTotal(rows, async () => {
      const [row] = await em.query(`SELECT count(*) AS n FROM shared_objects s WHERE ${where}`, [userId]);
      return Number(row.n);
    });
  }

  async userById(em: EntityManager, id: string): Promise<UserNameRow | undefined> {
    const rows: UserNameRow[] = await em.query(`SELECT id, name FROM users WHERE id = $1`, [id]);
    return rows[0];
  }

  /**
   * The user named `name` (case-insensitively) and, in the same statement,
   * the SHARE_NAME_LOOKUP event in `userId`'s tenant: the name tried as
   * subject, reason TARGET_NOT_FOUND when no user has it.
   */
  async userByNameAudited(em: EntityManager, actor: Actor, userId: string, name: string): Promise<UserNameRow | undefined> {
    const p = new Params();
    const lookup = `SELECT id, name FROM users WHERE lower(name) = lower(${p.add(name)})`;
    const audit = auditInsertSql(
      actor,
      {
        userId,
        eventType: 'SHARE_NAME_LOOKUP',
        subject: name,
        reasonCode: new SqlExpr(`CASE WHEN EXISTS (SELECT 1 FROM found) THEN NULL ELSE 'TARGET_NOT_FOUND' END`),
      },
      p,
    );
    const rows: UserNameRow[] = await em.query(`WITH found AS (${lookup}), lookup_event AS (${audit}) SELECT id, name FROM found`, p.values);
    return rows[0];
  }
}
