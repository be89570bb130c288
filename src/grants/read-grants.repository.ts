import { Injectable } from '@nestjs/common';
import { EntityManager, IsNull, MoreThan } from 'typeorm';
import { auditInsertSql } from '../audit/audit-events.repository';
import type { Actor } from '../common/auth/actor';
import { Params, preparedQuery, SqlExpr } from '../database/sql';
import { MemorySelection, SelectedMemoryRow, selectForMergeSql } from '../memories/scoped-memories.repository';
import type { PurposeClass, Scope } from '../policy/policy.constants';
import { ReadGrantEntity } from './read-grant.entity';

export interface NewGrant {
  tokenHash: string;
  subject: string;
  scope: Scope;
  domain: string | null;
  purpose: string | null;
  purposeClass: PurposeClass;
  maxAgeDays: number | null;
  agentId: string | null;
  ttlHours: number;
}

/** Data access for read grants; every method takes the tenant explicitly. */
@Injectable()
export class ReadGrantsRepository {
  /**
   * A read in one statement (atomic, one round trip): selects the memories the
   * merge will see, issues the grant and records MEMORY_READ with both.
   */
  async selectAndGrant(
    em: EntityManager,
    actor: Actor,
    userId: string,
    selection: MemorySelection,
    g: NewGrant,
  ): Promise<{ memories: SelectedMemoryRow[]; expiresAt: Date }> {
    const p = new Params();
    const picked = selectForMergeSql(p, userId, selection);
    const grant = `INSERT INTO read_grants (user_id, token_hash, subject, scope, domain, purpose, purpose_class, max_age_days,
                                            agent_id, created_at, expires_at)
                   SELECT ${p.add(userId)}, ${p.add(g.tokenHash)}, ${p.add(g.subject)}, ${p.add(g.scope)}, ${p.add(g.domain)},
                          ${p.add(g.purpose)}, ${p.add(g.purposeClass)}, ${p.add(g.maxAgeDays)}::int, ${p.add(g.agentId)},
                          t, t + make_interval(hours => ${p.add(g.ttlHours)}::int)
                     FROM date_trunc('milliseconds', now()) AS t
                   RETURNING id, expires_at`;
    const audit = auditInsertSql(
      actor,
      {
        userId,
        eventType: 'MEMORY_READ',
        subject: g.subject,
        scope: g.scope,
        domain: g.domain,
        purpose: g.purpose,
        purposeClass: g.purposeClass,
        memoryIds: new SqlExpr('(SELECT array_agg(id ORDER BY created_at DESC, id DESC) FROM picked)'),
        grantId: new SqlExpr('(SELECT id FROM granted)'),
      },
      p,
    );
    const rows = await preparedQuery<SelectedMemoryRow & { grant_expires_at: Date | null }>(
      em,
      `WITH picked AS (${picked}), granted AS (${grant}), audit AS (${audit})
       SELECT id, created_ms, value_shape, value_json, NULL::timestamptz AS grant_expires_at FROM picked
       UNION ALL
       SELECT id, NULL, NULL, NULL, expires_at FROM granted`,
      p,
    );
    const grantRow = rows.find((r) => r.grant_expires_at !== null)!;
    return { memories: rows.filter((r) => r !== grantRow), expiresAt: grantRow.grant_expires_at! };
  }

  /**
   * The grant behind a token, locked for the rest of the transaction: `share` for
   * a continue (so a revoke waits for reads in flight), `update` for a revoke.
   */
  findByToken(em: EntityManager, userId: string, tokenHash: string, lock: 'share' | 'update') {
    return em.findOne(ReadGrantEntity, {
      where: { userId, tokenHash },
      lock: { mode: lock === 'share' ? 'pessimistic_read' : 'pessimistic_write' },
    });
  }

  /** A grant by its id (as GET /memory/grants lists it), locked for a revoke. */
  findById(em: EntityManager, userId: string, id: string) {
    return em.findOne(ReadGrantEntity, { where: { userId, id }, lock: { mode: 'pessimistic_write' } });
  }

  async revoke(em: EntityManager, id: string, reason: string): Promise<Date> {
    const rows: [{ revoked_at: Date }[], number] = await em.query(
      `UPDATE read_grants SET revoked_at = now(), revoke_reason = $2 WHERE id = $1 RETURNING revoked_at`,
      [id, reason],
    );
    return rows[0][0].revoked_at;
  }

  /** A subject's grants that are neither revoked nor expired, newest first. */
  listActive(em: EntityManager, userId: string, subject: string): Promise<ReadGrantEntity[]> {
    return em.find(ReadGrantEntity, {
      where: { userId, subject, revokedAt: IsNull(), expiresAt: MoreThan(new Date()) },
      order: { createdAt: 'DESC', id: 'DESC' },
    });
  }

  all(em: EntityManager, userId: string, subject: string): Promise<ReadGrantEntity[]> {
    return em.find(ReadGrantEntity, { where: { userId, subject }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async revokeActive(em: EntityManager, userId: string, subject: string, reason: string): Promise<string[]> {
    const rows: [{ id: string }[], number] = await em.query(
      `UPDATE read_grants SET revoked_at = now(), revoke_reason = $3
        WHERE user_id = $1 AND subject = $2 AND revoked_at IS NULL AND expires_at > now()
        RETURNING id`,
      [userId, subject, reason],
    );
    return rows[0].map((r) => r.id);
  }

  async removeSubject(em: EntityManager, userId: string, subject: string): Promise<number> {
    const rows: [unknown[], number] = await em.query(`DELETE FROM read_grants WHERE user_id = $1 AND subject = $2`, [
      userId,
      subject,
    ]);
    return rows[1];
  }

  async removeExpiredBefore(em: EntityManager, cutoff: Date): Promise<number> {
    const rows: [unknown[], number] = await em.query(`DELETE FROM read_grants WHERE expires_at < $1`, [cutoff]);
    return rows[1];
  }
}
