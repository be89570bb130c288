import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AgentCall, Caller } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { pageAndTotal, PageQuery } from '../common/http/paging';
import { Params, SqlExpr } from '../database/sql';
import { KIND_OF_TYPE, OBJECTS, ObjectAccess } from './object-access';
import { ShareDto } from './sharing.dto';

export const NOT_OWNER = 'Object not found or you are not the owner';
export const SHARE_NOT_FOUND = 'Share not found';
export const TARGET_NOT_FOUND = 'Target user not found';
export const NOT_A_CATEGORY = 'Only a hint category (a root hint) can be shared';

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

/**
 * Cross-user shares of projects, hint categories and wikis. Only the owner
 * shares (re-sharing to the same user changes the level, same share id) and
 * revokes; the recipient may leave a share.
 */
@Injectable()
export class SharingService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: ObjectAccess,
    private readonly audit: AuditService,
  ) {}

  async share(call: AgentCall, input: ShareDto): Promise<{ created: boolean; shared: Record<string, unknown> }> {
    const recipient = await this.recipient(call, input);
    const kind = KIND_OF_TYPE[input.object_type_id];
    const level = input.permission_level ?? 1;
    return this.db.transaction(async (em) => {
      await this.access.requireOwner(em, call.caller.userId, kind, input.object_id, NOT_OWNER);
      if (kind === 'hint') await this.requireCategory(em, input.object_id);
      const rows: { share_id: number; created: boolean }[] = await em.query(
        `INSERT INTO shared_objects (shared_by_user_id, shared_to_user_id, object_type_id, ${OBJECTS[kind].shareColumn}, permission_level)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (shared_to_user_id, object_type_id, object_id)
         DO UPDATE SET permission_level = EXCLUDED.permission_level, updated_at = now()
         RETURNING share_id, (xmax = 0) AS created`,
        [call.caller.userId, recipient.id, input.object_type_id, input.object_id, level],
      );
      const { share_id: shareId, created } = rows[0];
      await this.audit.record(em, call.actor, {
        userId: call.caller.userId,
        eventType: created ? 'SHARE_CREATE' : 'SHARE_UPDATE',
        subject: recipient.name,
        meta: { share_id: shareId, object_type_id: input.object_type_id, object_id: input.object_id, permission_level: level },
      });
      return {
        created,
        shared: {
          share_id: shareId,
          object_type_id: input.object_type_id,
          object_id: input.object_id,
          shared_to_user_id: recipient.id,
          shared_to_name: recipient.name,
          permission_level: level,
        },
      };
    });
  }

  /** The sharer revokes a share; the recipient leaves it. Anyone else: 404. */
  async remove(call: AgentCall, shareId: number): Promise<{ revoked: number } | { left: number }> {
    return this.db.transaction(async (em) => {
      const rows: [{ shared_by_user_id: string; shared_to_user_id: string }[], number] = await em.query(
        `DELETE FROM shared_objects WHERE share_id = $1 AND $2 IN (shared_by_user_id, shared_to_user_id)
         RETURNING shared_by_user_id, shared_to_user_id`,
        [shareId, call.caller.userId],
      );
      const share = rows[0][0];
      if (!share) throw AppError.notFound(SHARE_NOT_FOUND);
      const bySharer = share.shared_by_user_id === call.caller.userId;
      // In the sharer's tenant (whose object it is), also when the recipient leaves.
      await this.audit.record(em, call.actor, {
        userId: share.shared_by_user_id,
        eventType: 'SHARE_REVOKE',
        meta: bySharer ? { share_id: shareId, by: 'sharer' } : { share_id: shareId, by: 'recipient', acting_user_id: call.caller.userId },
      });
      return bySharer ? { revoked: shareId } : { left: shareId };
    });
  }

  async byMe(caller: Caller, page: PageQuery) {
    return this.list(`${selectShares('shared_to')} WHERE s.shared_by_user_id = $1`, 's.shared_by_user_id = $1', caller, page);
  }

  async toMe(caller: Caller, page: PageQuery) {
    return this.list(`${selectShares('shared_by')} WHERE s.shared_to_user_id = $1`, 's.shared_to_user_id = $1', caller, page);
  }

  private async list(select: string, where: string, caller: Caller, page: PageQuery) {
    const rows: { total: string }[] = await this.db.query(
      `${select} ORDER BY s.object_type_id, s.object_id, s.share_id LIMIT $2 OFFSET $3`,
      [caller.userId, page.limit, page.offset],
    );
    const [shares, total] = await pageAndTotal(rows, async () => {
      const [row] = await this.db.query(`SELECT count(*) AS n FROM shared_objects s WHERE ${where}`, [caller.userId]);
      return Number(row.n);
    });
    return { shares, total, limit: page.limit, offset: page.offset };
  }

  /**
   * The recipient named by id or user name: not the caller's own user; 404 when
   * unknown. A lookup by name is audited whether or not the name exists, in the
   * same statement: the answers (201 or 404) tell whether a name exists, so
   * probing for names stays on record.
   */
  private async recipient(call: AgentCall, input: ShareDto): Promise<{ id: string; name: string }> {
    const { caller } = call;
    const byId = input.shared_to_user_id != null;
    const byName = input.shared_to_user_name != null;
    if (byId === byName) {
      const message = 'Give exactly one of shared_to_user_id and shared_to_user_name';
      throw AppError.validation(message, [{ field: 'shared_to_user_id', message }]);
    }
    const rows: { id: string; name: string }[] = byId
      ? await this.db.query(`SELECT id, name FROM users WHERE id = $1`, [input.shared_to_user_id])
      : await this.findByNameAudited(call, input.shared_to_user_name!.trim());
    const user = rows[0];
    if (user?.id === caller.userId || (byId && input.shared_to_user_id?.toLowerCase() === caller.userId)) {
      throw AppError.validation('Cannot share to yourself', [{ field: byId ? 'shared_to_user_id' : 'shared_to_user_name', message: 'Cannot share to yourself' }]);
    }
    if (!user) throw AppError.notFound(TARGET_NOT_FOUND);
    return user;
  }

  /** SHARE_NAME_LOOKUP: the name tried as subject; reason TARGET_NOT_FOUND when no user has it. */
  private findByNameAudited(call: AgentCall, name: string): Promise<{ id: string; name: string }[]> {
    const p = new Params();
    const lookup = `SELECT id, name FROM users WHERE lower(name) = lower(${p.add(name)})`;
    const audit = this.audit.insertSql(call.actor, {
      userId: call.caller.userId,
      eventType: 'SHARE_NAME_LOOKUP',
      subject: name,
      reasonCode: new SqlExpr(`CASE WHEN EXISTS (SELECT 1 FROM found) THEN NULL ELSE 'TARGET_NOT_FOUND' END`),
    }, p);
    return this.db.query(`WITH found AS (${lookup}), lookup_event AS (${audit}) SELECT id, name FROM found`, p.values);
  }

  private async requireCategory(em: EntityManager, hintId: number): Promise<void> {
    const [row] = await em.query(`SELECT parent_id FROM hints WHERE hint_id = $1`, [hintId]);
    if (row.parent_id !== 0) throw AppError.validation(NOT_A_CATEGORY, [{ field: 'object_id', message: NOT_A_CATEGORY }]);
  }
}
