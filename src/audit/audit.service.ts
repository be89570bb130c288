import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from '../common/auth/actor';

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
    await em.query(
      `INSERT INTO audit_events (user_id, agent_id, request_id, event_type, subject, scope, domain, purpose,
                                 purpose_class, memory_ids, grant_id, reason_code, meta)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        event.userId,
        actor.agentId,
        actor.requestId,
        event.eventType,
        event.subject ?? null,
        event.scope ?? null,
        event.domain ?? null,
        event.purpose ?? null,
        event.purposeClass ?? null,
        event.memoryIds?.length ? event.memoryIds : null,
        event.grantId ?? null,
        event.reasonCode ?? null,
        meta && Object.keys(meta).length ? JSON.stringify(meta) : null,
      ],
    );
  }
}
