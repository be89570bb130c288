import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { AuditEventType } from '../audit/audit-event-types';
import { AuditService } from '../audit/audit.service';
import { AgentCall } from '../common/auth/actor';

/**
 * Audit events of shareable knowledge go to the owner's tenant (whose data
 * changed); the actor is the acting agent, and a sharee's user is named too.
 */
@Injectable()
export class KnowledgeAudit {
  constructor(private readonly audit: AuditService) {}

  record(em: EntityManager, call: AgentCall, ownerId: string, eventType: AuditEventType, meta: Record<string, unknown>): Promise<void> {
    return this.audit.record(em, call.actor, {
      userId: ownerId,
      eventType,
      meta: ownerId === call.caller.userId ? meta : { ...meta, acting_user_id: call.caller.userId },
    });
  }
}
