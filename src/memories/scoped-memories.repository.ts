import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { Scope, Source } from '../policy/policy.constants';
import type { MergeInput } from './merge';
import type { Json, Shape } from './memory-value';
import { ScopedMemoryEntity } from './scoped-memory.entity';

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

const domainClause = (domain: string | null, param: string) => (domain === null ? 'domain IS NULL' : `domain = ${param}`);

/**
 * Data access for scoped memories. Every method takes the tenant explicitly and
 * runs on the caller's EntityManager (so it joins the caller's transaction).
 */
@Injectable()
export class ScopedMemoriesRepository {
  /** Inserts one memory; times are millisecond-precise so that API and merge order agree. */
  async insert(em: EntityManager, userId: string, m: NewMemory): Promise<ScopedMemoryEntity> {
    const rows: Record<string, unknown>[] = await em.query(
      `INSERT INTO scoped_memories (user_id, subject, scope, domain, value_json, value_shape, source, ttl_days,
                                    created_by_agent_id, created_at, expires_at)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, t, t + make_interval(days => $8)
         FROM date_trunc('milliseconds', now()) AS t
       RETURNING id, created_at, expires_at`,
      [userId, m.subject, m.scope, m.domain, JSON.stringify(m.value), m.shape, m.source, m.ttlDays, m.agentId],
    );
    const row = rows[0];
    return Object.assign(new ScopedMemoryEntity(), {
      id: row.id as string,
      userId,
      subject: m.subject,
      scope: m.scope,
      domain: m.domain,
      value: m.value,
      shape: m.shape,
      source: m.source,
      ttlDays: m.ttlDays,
      createdByAgentId: m.agentId,
      createdAt: row.created_at as Date,
      expiresAt: row.expires_at as Date,
    });
  }

  /** The newest live memories of one (subject, scope, domain): one ordered index range scan. */
  async selectForMerge(em: EntityManager, userId: string, s: MemorySelection): Promise<MergeInput[]> {
    const rows: { id: string; created_at: Date; value_shape: Shape; value_json: Json }[] = await em.query(
      `SELECT id, created_at, value_shape, value_json
         FROM scoped_memories
        WHERE user_id = $1 AND subject = $2 AND scope = $3 AND ${domainClause(s.domain, '$6')}
          AND expires_at > now()
          AND ($4::int IS NULL OR created_at >= now() - make_interval(days => $4::int))
        ORDER BY created_at DESC, id DESC
        LIMIT $5`,
      s.domain === null
        ? [userId, s.subject, s.scope, s.maxAgeDays, s.limit]
        : [userId, s.subject, s.scope, s.maxAgeDays, s.limit, s.domain],
    );
    return rows.map((r) => ({ id: r.id, createdAt: r.created_at, shape: r.value_shape, value: r.value_json }));
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
