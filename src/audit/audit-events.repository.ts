import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Actor } from '../common/auth/actor';
import { Params, SqlExpr } from '../database/sql';
import { lockChains } from './audit-chain';
import type { AuditEventType } from './audit-event-types';

export interface AuditEventInput {
  /** Tenant the event belongs to; null for operator events outside any tenant. */
  userId: string | null;
  /** A name, or an expression over a CTE of the same statement (an outcome decided there). */
  eventType: AuditEventType | SqlExpr;
  subject?: string | null;
  scope?: string | null;
  domain?: string | null;
  purpose?: string | null;
  purposeClass?: string | null;
  /** Ids, or an expression over a CTE of the same statement. */
  memoryIds?: string[] | null | SqlExpr;
  grantId?: string | null | SqlExpr;
  reasonCode?: string | null | SqlExpr;
  meta?: Record<string, unknown> | null;
}

/**
 * The INSERT of one event, its values added to `params`: the one way an event
 * is written, alone (AuditEventsRepository.insert) or as a CTE of the
 * statement that makes the change (atomic without a transaction, one round trip).
 */
export function auditInsertSql(actor: Actor, event: AuditEventInput, params: Params): string {
  const meta = actor.via === 'agent' ? event.meta : { ...event.meta, actor: actor.via };
  const memoryIds = Array.isArray(event.memoryIds) && event.memoryIds.length === 0 ? null : event.memoryIds;
  const values = [
    event.userId,
    actor.agentId,
    actor.requestId,
    event.eventType,
    event.subject ?? null,
    event.scope ?? null,
    event.domain ?? null,
    event.purpose ?? null,
    event.purposeClass ?? null,
    memoryIds ?? null,
    event.grantId ?? null,
    event.reasonCode ?? null,
    meta && Object.keys(meta).length ? JSON.stringify(meta) : null,
  ];
  return `INSERT INTO audit_events (user_id, agent_id, request_id, event_type, subject, scope, domain, purpose,
                                    purpose_class, memory_ids, grant_id, reason_code, meta)
          VALUES (${values.map((v) => params.add(v)).join(', ')})`;
}

/** Writes to the audit trail, always with the caller's transaction manager. */
@Injectable()
export class AuditEventsRepository {
  async insert(em: EntityManager, actor: Actor, event: AuditEventInput): Promise<void> {
    const params = new Params();
    await em.query(auditInsertSql(actor, event, params), params.values);
  }

  /** A tenant's events, chain links and anchor, under the chain lock (the sealer links nothing of it meanwhile). */
  async eraseTenant(em: EntityManager, userId: string): Promise<void> {
    await lockChains(em, true);
    await em.query(`DELETE FROM audit_events WHERE user_id = $1`, [userId]);
    await em.query(`DELETE FROM audit_chain WHERE chain_id = $1`, [userId]);
    await em.query(`DELETE FROM audit_chain_anchors WHERE chain_id = $1`, [userId]);
  }
}
