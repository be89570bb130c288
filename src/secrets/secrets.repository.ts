import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { auditInsertSql } from '../audit/audit-events.repository';
import type { Actor } from '../common/auth/actor';
import { Params, preparedQuery, SqlExpr } from '../database/sql';

/** Why a read is refused, decided in the read's own statement. */
export type ReadDenial = 'NOT_FOUND' | 'WRITE_ONLY' | 'NOT_A_READER';

/** A secret without its value. */
export interface SecretMetaRow {
  key: string;
  created_at: Date;
  updated_at: Date;
  /** Reader agent names, or null when every agent of the user may read. */
  readers: string[] | null;
  write_only: boolean;
}

export interface SecretBlobRow {
  user_id: string;
  key: string;
  encrypted_value: Buffer;
}

export interface SecretWrite {
  blob: Buffer;
  /** Reader agent ids (null: every agent), applied unless `keepReaders`. */
  readerIds: string[] | null;
  keepReaders: boolean;
  writeOnly: boolean;
  keepWriteOnly: boolean;
  /** The SECRET_WRITE event's meta (key ids and settings; never the value). */
  auditMeta: Record<string, unknown>;
}

/** Names of the readers, or null when every agent of the user may read. */
const READER_NAMES = `CASE WHEN s.reader_agent_ids IS NULL THEN NULL
  ELSE coalesce((SELECT array_agg(a.name ORDER BY a.name) FROM agents a WHERE a.id = ANY (s.reader_agent_ids)), '{}') END`;
const META_COLUMNS = `s.key, s.created_at, s.updated_at, ${READER_NAMES} AS readers, s.write_only`;

/** The vault's rows: encrypted values, readers, write-only flags; every method takes the tenant. */
@Injectable()
export class SecretsRepository {
  list(em: EntityManager, userId: string, limit: number, offset: number): Promise<(SecretMetaRow & { total: string })[]> {
    return em.query(`SELECT ${META_COLUMNS}, count(*) OVER () AS total FROM secrets s WHERE s.user_id = $1 ORDER BY s.key LIMIT $2 OFFSET $3`, [
      userId,
      limit,
      offset,
    ]);
  }

  async count(em: EntityManager, userId: string): Promise<number> {
    const [row]: { n: number }[] = await em.query(`SELECT count(*)::int AS n FROM secrets WHERE user_id = $1`, [userId]);
    return row.n;
  }

  /**
   * One statement: looks the secret up, decides whether `agentId` may read it,
   * and records the decision (SECRET_READ or SECRET_READ_DENIED with the reason).
   * The blob comes back only when allowed.
   */
  async readAudited(em: EntityManager, actor: Actor, userId: string, agentId: string, key: string): Promise<{ denied: ReadDenial | null; blob: Buffer | null }> {
    const p = new Params();
    const audit = auditInsertSql(
      actor,
      {
        userId,
        eventType: new SqlExpr(`(SELECT CASE WHEN denied IS NULL THEN 'SECRET_READ' ELSE 'SECRET_READ_DENIED' END FROM outcome)`),
        subject: key,
        reasonCode: new SqlExpr('(SELECT denied FROM outcome)'),
      },
      p,
    );
    const [row] = await preparedQuery<{ denied: ReadDenial | null; blob: Buffer | null }>(
      em,
      `WITH s AS (SELECT encrypted_value, write_only, reader_agent_ids IS NULL OR ${p.add(agentId)}::uuid = ANY (reader_agent_ids) AS reader
                    FROM secrets WHERE user_id = ${p.add(userId)} AND key = ${p.add(key)}),
            outcome AS (SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM s) THEN 'NOT_FOUND'
                                    WHEN (SELECT write_only FROM s) THEN 'WRITE_ONLY'
                                    WHEN NOT (SELECT reader FROM s) THEN 'NOT_A_READER' END AS denied),
            audit AS (${audit})
       SELECT o.denied, s.encrypted_value AS blob FROM outcome o LEFT JOIN s ON o.denied IS NULL`,
      p,
    );
    return row;
  }

  /** One statement: creates or replaces the secret and records SECRET_WRITE; `created` tells which. */
  async upsertAudited(em: EntityManager, actor: Actor, userId: string, key: string, w: SecretWrite): Promise<SecretMetaRow & { created: boolean }> {
    const p = new Params();
    const [u, k] = [p.add(userId), p.add(key)];
    const [readers, keepReaders] = [p.add(w.readerIds), p.add(w.keepReaders)];
    const [writeOnly, keepWriteOnly] = [p.add(w.writeOnly), p.add(w.keepWriteOnly)];
    const audit = auditInsertSql(actor, { userId, eventType: 'SECRET_WRITE', subject: key, meta: w.auditMeta }, p);
    const [row] = await preparedQuery<SecretMetaRow & { created: boolean }>(
      em,
      `WITH s AS (
         INSERT INTO secrets AS s (user_id, key, encrypted_value, reader_agent_ids, write_only)
         VALUES (${u}, ${k}, ${p.add(w.blob)}, ${readers}::uuid[], ${writeOnly})
         ON CONFLICT (user_id, key) DO UPDATE SET
           encrypted_value = EXCLUDED.encrypted_value,
           reader_agent_ids = CASE WHEN ${keepReaders} THEN s.reader_agent_ids ELSE EXCLUDED.reader_agent_ids END,
           write_only = CASE WHEN ${keepWriteOnly} THEN s.write_only ELSE EXCLUDED.write_only END,
           updated_at = now()
         RETURNING s.*, (xmax = 0) AS created),
       audit AS (${audit})
       SELECT ${META_COLUMNS}, s.created FROM s`,
      p,
    );
    return row;
  }

  /** The user's agents among `names` (the secret's readers). */
  agentsNamed(em: EntityManager, userId: string, names: string[]): Promise<{ id: string; name: string }[]> {
    return em.query(`SELECT id, name FROM agents WHERE user_id = $1 AND name = ANY ($2)`, [userId, names]);
  }

  /** Deletes the secret; false when there was none. */
  async remove(em: EntityManager, userId: string, key: string): Promise<boolean> {
    const [, count]: [unknown, number] = await em.query(`DELETE FROM secrets WHERE user_id = $1 AND key = $2`, [userId, key]);
    return count > 0;
  }

  /** The next 100 secrets after `after` (by user, key) not under key `keyId`, locked for the rewrap. */
  notUnderKey(em: EntityManager, after: [string, string], keyId: number): Promise<SecretBlobRow[]> {
    return em.query(
      `SELECT user_id, key, encrypted_value FROM secrets
        WHERE (user_id, key) > ($1, $2)
          AND (CASE WHEN length(encrypted_value) >= 2 THEN get_byte(encrypted_value, 1) END) IS DISTINCT FROM $3
        ORDER BY user_id, key LIMIT 100 FOR UPDATE`,
      [after[0], after[1], keyId],
    );
  }

  async replaceBlob(em: EntityManager, userId: string, key: string, blob: Buffer): Promise<void> {
    await em.query(`UPDATE secrets SET encrypted_value = $3 WHERE user_id = $1 AND key = $2`, [userId, key, blob]);
  }

  /** Creates or replaces a value (readers and write-only kept); true when created. */
  async upsertValue(em: EntityManager, userId: string, key: string, blob: Buffer): Promise<boolean> {
    const [row]: { created: boolean }[] = await em.query(
      `INSERT INTO secrets AS s (user_id, key, encrypted_value) VALUES ($1, $2, $3)
       ON CONFLICT (user_id, key) DO UPDATE SET encrypted_value = EXCLUDED.encrypted_value, updated_at = now()
       RETURNING (xmax = 0) AS created`,
      [userId, key, blob],
    );
    return row.created;
  }
}
