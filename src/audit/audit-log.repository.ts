import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { isoUtc } from '../database/json-sql';
import { Params, preparedQuery } from '../database/sql';

/** An audit event as the page query returns it (seq as text: bigint; meta as jsonb's own text). */
export interface AuditEventRow {
  seq: string;
  meta: string | null;
  [column: string]: unknown;
}

export interface AuditPageFilter {
  /** Events below this seq. */
  cursor?: string;
  eventType?: string;
  /** An agent name, lower-cased by the DTO. */
  agent?: string;
  subject?: string;
  since?: Date;
  until?: Date;
  limit: number;
}

/** The tenant's audit events as pages, newest first. */
@Injectable()
export class AuditLogRepository {
  page(em: EntityManager, userId: string, f: AuditPageFilter): Promise<AuditEventRow[]> {
    const p = new Params();
    const user = p.add(userId);
    const where = [`e.user_id = ${user}`];
    if (f.cursor) where.push(`e.seq < ${p.add(f.cursor)}::bigint`);
    if (f.eventType !== undefined) where.push(`e.event_type = ${p.add(f.eventType)}`);
    if (f.agent !== undefined) where.push(`e.agent_id = (SELECT id FROM agents WHERE user_id = ${user} AND lower(name) = ${p.add(f.agent)})`);
    if (f.subject !== undefined) where.push(`e.subject = ${p.add(f.subject)}`);
    if (f.since) where.push(`e.occurred_at >= ${p.add(f.since)}`);
    if (f.until) where.push(`e.occurred_at < ${p.add(f.until)}`);
    return preparedQuery<AuditEventRow>(
      em,
      `SELECT e.seq, ${isoUtc('e.occurred_at')} AS occurred_at, e.event_type, a.name AS agent, e.request_id, e.subject,
              e.scope, e.domain, e.purpose, e.purpose_class, e.memory_ids, e.grant_id, e.reason_code, e.meta::text AS meta
         FROM audit_events e LEFT JOIN agents a ON a.id = e.agent_id
        WHERE ${where.join(' AND ')} ORDER BY e.seq DESC LIMIT ${p.add(f.limit)}`,
      p,
    );
  }
}
