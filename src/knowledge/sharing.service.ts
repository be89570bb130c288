import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AgentCall, Caller } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { PageQuery } from '../common/http/paging';
import { ObjectAccess } from './object-access';
import { KIND_OF_TYPE } from './object-access.repository';
import { HintsRepository } from './hints.repository';
import { ShareDto } from './sharing.dto';
import { SharingRepository, UserNameRow } from './sharing.repository';

export const NOT_OWNER = 'Object not found or you are not the owner';
export const SHARE_NOT_FOUND = 'Share not found';
export const TARGET_NOT_FOUND = 'Target user not found';
export const NOT_A_CATEGORY = 'Only a hint category (a root hint) can be shared';

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
    private readonly shares: SharingRepository,
    private readonly hints: HintsRepository,
  ) {}

  async share(call: AgentCall, input: ShareDto): Promise<{ created: boolean; shared: Record<string, unknown> }> {
    const recipient = await this.recipient(call, input);
    const kind = KIND_OF_TYPE[input.object_type_id];
    const level = input.permission_level ?? 1;
    return this.db.transaction(async (em) => {
      await this.access.requireOwner(em, call.caller.userId, kind, input.object_id, NOT_OWNER);
      if (kind === 'hint') await this.requireCategory(em, input.object_id);
      const { share_id: shareId, created } = await this.shares.upsert(em, call.caller.userId, recipient.id, kind, input.object_id, level);
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
      const share = await this.shares.deleteOfUser(em, call.caller.userId, shareId);
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

  /** The shares the caller's user made, with their recipients. */
  async byMe(caller: Caller, page: PageQuery) {
    const [shares, total] = await this.shares.sharedBy(this.db.manager, caller.userId, page);
    return { shares, total, limit: page.limit, offset: page.offset };
  }

  /** The shares made to the caller's user, with their sharers. */
  async toMe(caller: Caller, page: PageQuery) {
    const [shares, total] = await this.shares.sharedTo(this.db.manager, caller.userId, page);
    return { shares, total, limit: page.limit, offset: page.offset };
  }

  /**
   * The recipient named by id or user name: not the caller's own user; 404 when
   * unknown. A lookup by name is audited (SHARE_NAME_LOOKUP, reason
   * TARGET_NOT_FOUND when no user has the name) whether or not the name
   * exists, in the same statement: the answers (201 or 404) tell whether a
   * name exists, so probing for names stays on record.
   */
  private async recipient(call: AgentCall, input: ShareDto): Promise<UserNameRow> {
    const { caller } = call;
    const byId = input.shared_to_user_id != null;
    const byName = input.shared_to_user_name != null;
    if (byId === byName) {
      const message = 'Give exactly one of shared_to_user_id and shared_to_user_name';
      throw AppError.validation(message, [{ field: 'shared_to_user_id', message }]);
    }
    const user = byId
      ? await this.shares.userById(this.db.manager, input.shared_to_user_id!)
      : await this.shares.userByNameAudited(this.db.manager, call.actor, caller.userId, input.shared_to_user_name!.trim());
    if (user?.id === caller.userId || (byId && input.shared_to_user_id?.toLowerCase() === caller.userId)) {
      throw AppError.validation('Cannot share to yourself', [{ field: byId ? 'shared_to_user_id' : 'shared_to_user_name', message: 'Cannot share to yourself' }]);
    }
    if (!user) throw AppError.notFound(TARGET_NOT_FOUND);
    return user;
  }

  private async requireCategory(em: EntityManager, hintId: number): Promise<void> {
    // Only a category (parent 0) is shared.
    if ((await this.hints.place(em, hintId))?.parent_id !== 0) throw AppError.validation(NOT_A_CATEGORY, [{ field: 'object_id', message: NOT_A_CATEGORY }]);
  }
}
