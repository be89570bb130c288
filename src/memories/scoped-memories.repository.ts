import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { auditInsertSql } from '../audit/audit-events.repository';
import type { Actor } from '../common/auth/actor';
import type { Scope, Source } from '../policy/policy.constants';
import { Params, preparedQuery, SqlExpr } from '../database/sql';
import type { MergeInput } from './merge';
import type { Json, Shape } from './memory-value';
import { ScopedMemoryEntity } from './scoped-memory.entity';

/** Live memories are at most 365 days old, so any larger max_age_days selects the same. */
const MAX_AGE_DAYS_CAP = 36_500;

/** Which memories a merged read sees. `domain: null` means domain-less memories only. */
export interface MemorySelection {
  subject: string;
  scope: Scope;
  domain: string | null;
  maxAgeDays: number | null;
  limit: number;
}

export interface NewMemory {
  subject: string;
  scope: Scope;
  domain: string | null;
  shape: Shape;
  value: Json;
  source: Source;
  ttlDays: number;
  agentId: string | null;
}

export interface MemoryListQuery {
  subject: string;
  scope?: Scope;
  domain?: string | null;
  includeExpired: boolean;
  limit: number;
  offset: number;
}

/** One stored memory's row as the write returns it. */
export interface InsertedMemoryRow {
  id: string;
  created_at: Date;
  expires_at: Date;
}

/** A selected memory's row (the merge's input); the time as epoch milliseconds, cheaper to read than a timestamp. */
export interface SelectedMemoryRow {
  id: string;
  created_ms: number;
  value_shape: Shape;
  value_json: Json;
}

export function toMergeInput(r: SelectedMemoryRow): MergeInput {
  return { id: r.id, createdAt: new Date(r.created_ms), shape: r.value_shape, value: r.value_json };
}

/**
 * SELECT the newest live memories of one (subject, scope, domain), newest first
 * (max_age_days capped: a huge one would put the cutoff out of the timestamp range):
 * an ordered index range scan that stops after `limit` rows.
 */
export function selectForMergeSql(p: Params, userId: string, s: MemorySelection): string {
  const maxAge = p.add(s.maxAgeDays);
  return `SELECT id, created_at, (extract(epoch FROM created_at) * 1000)::float8 AS created_ms, value_shape, value_json
            FROM scoped_memories
           WHERE user_id = ${p.add(userId)} AND subject = ${p.add(s.subject)} AND scope = ${p.add(s.scope)}
             AND ${s.domain === null ? 'domain IS NULL' : `domain = ${p.add(s.domain)}`}
             AND expires_at > now()
             AND (${maxAge}::int IS NULL OR created_at >= now() - make_interval(days => least(${maxAge}::int, ${MAX_AGE_DAYS_CAP})))
           ORDER BY created_at DESC, id DESC
           LIMIT ${p.add(s.limit)}`;
}

/**
 * Data access for scoped memories. Every method takes the tenant explicitly.
 */
@Injectable()
export class ScopedMemoriesRepository {
  /**
   * Stores one memory and its MEMORY_WRITE event in one statement (atomic, one
   * round trip). Times are millisecond-precise, so API and merge order agree.
   */
  async insertAudited(em: EntityManager, actor: Actor, userId: string, m: NewMemory): Promise<InsertedMemoryRow> {
    const p = new Params();
    const ttl = p.add(m.ttlDays);
    const insert = `INSERT INTO scoped_memories (user_id, subject, scope, domain, value_json, value_shape, source, ttl_days,
                                                 created_by_agent_id, created_at, expires_at)
                    SELECT ${p.add(userId)}, ${p.add(m.subject)}, ${p.add(m.scope)}, ${p.add(m.domain)},
                           ${p.add(JSON.stringify(m.value))}, ${p.add(m.shape)}, ${p.add(m.source)}, ${ttl}::int,
                           ${p.add(m.agentId)}, t, t + make_interval(days => ${ttl}::int)
                      FROM date_trunc('milliseconds', now()) AS t
                    RETURNING id, created_at, expires_at`;
    const audit = auditInsertSql(
      actor,
      {
        userId,
        eventType: 'MEMORY_WRITE',
        subject: m.subject,
        scope: m.scope,
        domain: m.domain,
        memoryIds: new SqlExpr('ARRAY[(SELECT id FROM written)]'),
      },
      p,
    );
    const [row] = await preparedQuery<InsertedMemoryRow>(
      em,
      `WITH written AS (${insert}), audit AS (${audit}) SELECT id, created_at, expires_at FROM written`,
      p,
    );
    return row;
  }

  /** The merge input of a selection, inside the caller's transaction. */
  async selectForMerge(em: EntityManager, userId: string, s: MemorySelection): Promise<MergeInput[]> {
    const p = new Params();
    const rows: SelectedMemoryRow[] = await em.query(selectForMergeSql(p, userId, s), p.values);
    return rows.map(toMergeInput);
  }

  async list(em: EntityManager, userId: string, q: MemoryListQuery): Promise<[ScopedMemoryEntity[], number]> {
    const qb = em
      .createQueryBuilder(ScopedMemoryEntity, 'm')
      .where('m.userId = :userId AND m.subject = :subject', { userId, subject: q.subject });
    if (q.scope) qb.andWhere('m.scope = :scope', { scope: q.scope });
    if (q.domain !== undefined) {
      if (q.domain === null) qb.andWhere('m.domain IS NULL');
      else qb.andWhere('m.domain = :domain', { domain: q.domain });
    }
    if (!q.includeExpired) qb.andWhere('m.expiresAt > now()');
    return qb.orderBy('m.createdAt', 'DESC').addOrderBy('m.id', 'DESC').take(q.limit).skip(q.offset).getManyAndCount();
  }

  /** Every memory of a subject, oldest first (export). */
  all(em: EntityManager, userId: string, subject: string): Promise<ScopedMemoryEntity[]> {
    return em.find(ScopedMemoryEntity, { where: { userId, subject }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async remove(em: EntityManager, userId: string, id: string): Promise<ScopedMemoryEntity | null> {
    const rows: [Record<string, unknown>[], number] = await em.query(
      `DELETE FROM scoped_memories WHERE user_id = $1 AND id = $2 RETURNING id, subject, scope, domain`,
      [userId, id],
    );
    const row = rows[0][0];
    return row ? Object.assign(new ScopedMemoryEntity(), row) : null;
  }

  async removeSubject(em: EntityManager, userId: string, subject: string): Promise<string[]> {
    const rows: [{ id: string }[], number] = await em.query(
      `DELETE FROM scoped_memories WHERE user_id = $1 AND subject = $2 RETURNING id`,
      [userId, subject],
    );
    return rows[0].map((r) => r.id);
  }

  /** Deletes memories expired before `cutoff` (all tenants: retention is a service-wide rule). */
  async removeExpiredBefore(em: EntityManager, cutoff: Date): Promise<number> {
    const rows: [unknown[], number] = await em.query(`DELETE FROM scoped_memories WHERE expires_at < $1`, [cutoff]);
    return rows[1];
  }
}
