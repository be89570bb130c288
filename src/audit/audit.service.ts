import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from '../common/auth/actor';
import { Params, SqlExpr } from '../database/sql';
import { lockChains } from './audit-chain';

export interface AuditEventInput {
  /** Tenant the event belongs to; null for operator events outside any tenant. */
  userId: string | null;
  /** A name, or an expression over a CTE of the same statement (an outcome decided there). */
  eventType: string | SqlExpr;
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

@Injectable()
export class AuditService {
  /**
   * Records an event with the caller's transaction manager, so the change and its
   * event commit together: if this insert fails, the whole change rolls back.
   */
  async record(em: EntityManager, actor: Actor, event: AuditEventInput): Promise<void> {
    const params = new Params();
    await em.query(this.insertSql(actor, event, params), params.values);
  }

  /**
   * The INSERT of one event, its values added to `params`: lets a change and its
   * event be one statement (atomic without a transaction, one round trip).
   */
  insertSql(actor: Actor, event: AuditEventInput, params: Params): string {
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

  /**
   * Erases a tenant's trail with the tenant (an operator's user deletion): its
   * events, its chain links and anchor, under the chain lock so that the sealer
   * does not link an event of it meanwhile.
   */
  async eraseTenant(em: EntityManager, userId: string): Promise<void> {
    await lockChains(em, true);
    await em.query(`DELETE FROM audit_events WHERE user_id = $1`, [userId]);
    await em.query(`DELETE FROM audit_chain WHERE chain_id = $1`, [userId]);
    await em.query(`DELETE FROM audit_chain_anchors WHERE chain_id = $1`, [userId]);
  }
}
