import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from '../common/auth/actor';
import { AuditEventEntity } from './audit-event.entity';

export interface AuditEventInput {
  /** Tenant the event belongs to; null for operator events outside any tenant. */
  userId: string | null;
  eventType: string;
  subject?: string | null;
  scope?: string | null;
  domain?: string | null;
  purpose?: string | null;
  purposeClass?: string | null;
  memoryIds?: string[] | null;
  grantId?: string | null;
  reasonCode?: string | null;
  meta?: Record<string, unknown> | null;
}

@Injectable()
export class AuditService {
  /**
   * Records an event with the caller's transaction manager, so the change and its
   * event commit together: if this insert fails, the whole change rolls back.
   */
  async record(em: EntityManager, actor: Actor, event: AuditEventInput): Promise<void> {
    const meta = actor.via === 'agent' ? event.meta : { ...event.meta, actor: actor.via };
    await em.insert(AuditEventEntity, {
      userId: event.userId,
      agentId: actor.agentId,
      requestId: actor.requestId,
      eventType: event.eventType,
      subject: event.subject ?? null,
      scope: event.scope ?? null,
      domain: event.domain ?? null,
      purpose: event.purpose ?? null,
      purposeClass: event.purposeClass ?? null,
      memoryIds: event.memoryIds ?? null,
      grantId: event.grantId ?? null,
      reasonCode: event.reasonCode ?? null,
      meta: meta && Object.keys(meta).length ? meta : null,
    });
  }
}
