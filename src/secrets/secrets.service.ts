import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor, AgentCall, Caller } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { PageQuery, pageAndTotal } from '../common/http/paging';
import { validationFailed } from '../common/http/validation';
import { Params, Sql, SqlExpr } from '../database/sql';
import { KeyRing } from './key-ring';
import { decryptSecret, encryptSecret, SecretDecryptError } from './secret-cipher';
import { PutSecretDto, SecretMetaDto } from './secrets.dto';

/** DI token of the vault's KeyRing (null: no key configured, the vault is sealed). */
export const SECRET_KEY_RING = Symbol('SECRET_KEY_RING');

export const SECRET_NOT_FOUND = 'Secret not found';
export const SECRET_UNDECRYPTABLE = 'Secret could not be decrypted';
const SEALED = 'Secrets are unavailable: no encryption key is configured (set SECRETS_KEYS or SECRETS_KEY_FILE)';

type ReadDenial = 'NOT_FOUND' | 'WRITE_ONLY' | 'NOT_A_READER';

/** Names of the readers, or null when every agent of the user may read. */
const READER_NAMES = `CASE WHEN s.reader_agent_ids IS NULL THEN NULL
  ELSE coalesce((SELECT array_agg(a.name ORDER BY a.name) FROM agents a WHERE a.id = ANY (s.reader_agent_ids)), '{}') END`;
const META_COLUMNS = `s.key, s.created_at, s.updated_at, ${READER_NAMES} AS readers, s.write_only`;

/**
 * The user-scoped secrets vault. Values are AES-256-GCM blobs bound to their
 * row; any agent of the user may write; reading is limited to the secret's
 * readers and never allowed for write-only secrets. Every read (allowed or
 * not), write and delete is audited; values never reach logs or audit rows.
 */
@Injectable()
export class SecretsService {
  private readonly logger = new Logger('Secrets');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly sql: Sql,
    private readonly audit: AuditService,
    @Inject(SECRET_KEY_RING) private readonly ring: KeyRing | null,
  ) {}

  private unsealed(): KeyRing {
    if (!this.ring) throw AppError.unavailable(SEALED);
    return this.ring;
  }

  async list(caller: Caller, page: PageQuery) {
    const rows: (SecretMetaDto & { total: string })[] = await this.db.query(
      `SELECT ${META_COLUMNS}, count(*) OVER () AS total
         FROM secrets s WHERE s.user_id = $1 ORDER BY s.key LIMIT $2 OFFSET $3`,
      [caller.userId, page.limit, page.offset],
    );
    const [secrets, total] = await pageAndTotal(rows, async () => {
      const [row] = await this.db.query(`SELECT count(*)::int AS n FROM secrets WHERE user_id = $1`, [caller.userId]);
      return row.n as number;
    });
    return { secrets, total, limit: page.limit, offset: page.offset };
  }

  /**
   * The value, if the caller may read it. Looking the secret up, deciding and
   * auditing the decision are one statement; the value is decrypted after.
   */
  async get(call: AgentCall, key: string): Promise<{ key: string; value: string }> {
    const ring = this.unsealed();
    const { userId, agentId } = call.caller;
    const p = new Params();
    const audit = this.audit.insertSql(
      call.actor,
      {
        userId,
        eventType: new SqlExpr(`(SELECT CASE WHEN denied IS NULL THEN 'SECRET_READ' ELSE 'SECRET_READ_DENIED' END FROM outcome)`),
        subject: key,
        reasonCode: new SqlExpr('(SELECT denied FROM outcome)'),
      },
      p,
    );
    const [row] = await this.sql.query<{ denied: ReadDenial | null; blob: Buffer | null }>(
      `WITH s AS (SELECT encrypted_value, write_only, reader_agent_ids IS NULL OR ${p.add(agentId)}::uuid = ANY (reader_agent_ids) AS reader
                    FROM secrets WHERE user_id = ${p.add(userId)} AND key = ${p.add(key)}),
            outcome AS (SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM s) THEN 'NOT_FOUND'
                                    WHEN (SELECT write_only FROM s) THEN 'WRITE_ONLY'
                                    WHEN NOT (SELECT reader FROM s) THEN 'NOT_A_READER' END AS denied),
            audit AS (${audit})
       SELECT o.denied, s.encrypted_value AS blob FROM outcome o LEFT JOIN s ON o.denied IS NULL`,
      p,
    );
    if (row.denied === 'NOT_FOUND') throw AppError.notFound(SECRET_NOT_FOUND);
    if (row.denied === 'WRITE_ONLY') {
      throw AppError.forbidden(`Secret '${key}' is write-only: only the service itself uses it, it is never returned`);
    }
    if (row.denied === 'NOT_A_READER') {
      throw AppError.forbidden(`Agent '${call.caller.agentName}' is not among the readers of secret '${key}'`);
    }
    return { key, value: await this.decryptOrFail(ring, call.actor, userId, key, row.blob!) };
  }

  /**
   * Decrypts, or records SECRET_DECRYPT_FAILED (committed on its own: the failure
   * must stay on record although the request fails) and answers a generic 500.
   */
  private async decryptOrFail(ring: KeyRing, actor: Actor, userId: string, key: string, blob: Buffer): Promise<string> {
    try {
      return decryptSecret(ring, userId, key, blob);
    } catch (err) {
      if (!(err instanceof SecretDecryptError)) throw err;
      this.logger.error({ reason: err.reason, keyId: err.keyId, userId, secret: key, requestId: actor.requestId }, 'Secret could not be decrypted');
      await this.audit.record(this.db.manager, actor, {
        userId,
        eventType: 'SECRET_DECRYPT_FAILED',
        subject: key,
        reasonCode: err.reason,
        meta: { key_id: err.keyId },
      });
      throw new AppError(500, 'internal_error', SECRET_UNDECRYPTABLE);
    }
  }

  /** Creates or replaces a secret; `created` tells which (201 or 200). */
  async put(call: AgentCall, key: string, input: PutSecretDto): Promise<{ created: boolean; saved: SecretMetaDto }> {
    const ring = this.unsealed();
    const { userId } = call.caller;
    const readerIds = input.readers ? await this.readerIds(userId, input.readers) : null;
    const blob = encryptSecret(ring, userId, key, input.value);
    const p = new Params();
    const [u, k] = [p.add(userId), p.add(key)];
    const [readers, keepReaders] = [p.add(readerIds), p.add(input.readers === undefined)];
    const [writeOnly, keepWriteOnly] = [p.add(input.write_only ?? false), p.add(input.write_only === undefined)];
    const audit = this.audit.insertSql(
      call.actor,
      {
        userId,
        eventType: 'SECRET_WRITE',
        subject: key,
        meta: { key_id: ring.newest.id, ...(input.readers !== undefined ? { readers: input.readers } : {}), ...(input.write_only !== undefined ? { write_only: input.write_only } : {}) },
      },
      p,
    );
    const [row] = await this.sql.query<SecretMetaDto & { created: boolean }>(
      `WITH s AS (
         INSERT INTO secrets AS s (user_id, key, encrypted_value, reader_agent_ids, write_only)
         VALUES (${u}, ${k}, ${p.add(blob)}, ${readers}::uuid[], ${writeOnly})
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
    const { created, ...saved } = row;
    return { created, saved };
  }

  /** Agent names → ids, all of them agents of the user (422 naming the first that is not). */
  private async readerIds(userId: string, names: string[]): Promise<string[]> {
    const unique = [...new Set(names)];
    const rows: { id: string; name: string }[] = await this.db.query(`SELECT id, name FROM agents WHERE user_id = $1 AND name = ANY ($2)`, [
      userId,
      unique,
    ]);
    const unknown = unique.find((name) => !rows.some((r) => r.name === name));
    if (unknown !== undefined) throw validationFailed([{ field: 'readers', message: `readers: your user has no agent named '${unknown}'` }]);
    return rows.map((r) => r.id);
  }

  async remove(call: AgentCall, key: string): Promise<void> {
    await this.db.transaction(async (em) => {
      const [, count]: [unknown, number] = await em.query(`DELETE FROM secrets WHERE user_id = $1 AND key = $2`, [call.caller.userId, key]);
      if (count === 0) throw AppError.notFound(SECRET_NOT_FOUND);
      await this.audit.record(em, call.actor, { userId: call.caller.userId, eventType: 'SECRET_DELETE', subject: key });
    });
  }

  /**
   * Re-encrypts every secret not under the newest key with the newest key. The
   * values stay in this process; each rewrap is audited with the key ids only.
   */
  async rewrap(actor: Actor): Promise<{ rewrapped: number; failed: number }> {
    const ring = this.unsealed();
    const newest = ring.newest.id;
    let rewrapped = 0;
    let failed = 0;
    let after: [string, string] = ['00000000-0000-0000-0000-000000000000', ''];
    for (;;) {
      const batch = await this.db.transaction(async (em) => {
        const rows: { user_id: string; key: string; encrypted_value: Buffer }[] = await em.query(
          `SELECT user_id, key, encrypted_value FROM secrets
            WHERE (user_id, key) > ($1, $2)
              AND (CASE WHEN length(encrypted_value) >= 2 THEN get_byte(encrypted_value, 1) END) IS DISTINCT FROM $3
            ORDER BY user_id, key LIMIT 100 FOR UPDATE`,
          [after[0], after[1], newest],
        );
        for (const row of rows) {
          const outcome = await this.rewrapOne(em, ring, actor, row);
          if (outcome) rewrapped += 1;
          else failed += 1;
        }
        return rows;
      });
      if (batch.length === 0) return { rewrapped, failed };
      const last = batch[batch.length - 1];
      after = [last.user_id, last.key];
    }
  }

  private async rewrapOne(em: EntityManager, ring: KeyRing, actor: Actor, row: { user_id: string; key: string; encrypted_value: Buffer }): Promise<boolean> {
    const from = row.encrypted_value.length >= 2 ? row.encrypted_value[1] : null;
    let value: string;
    try {
      value = decryptSecret(ring, row.user_id, row.key, row.encrypted_value);
    } catch (err) {
      if (!(err instanceof SecretDecryptError)) throw err;
      await this.audit.record(em, actor, { userId: row.user_id, eventType: 'SECRET_DECRYPT_FAILED', subject: row.key, reasonCode: err.reason, meta: { key_id: err.keyId } });
      return false;
    }
    await em.query(`UPDATE secrets SET encrypted_value = $3 WHERE user_id = $1 AND key = $2`, [
      row.user_id,
      row.key,
      encryptSecret(ring, row.user_id, row.key, value),
    ]);
    await this.audit.record(em, actor, { userId: row.user_id, eventType: 'SECRET_REWRAP', subject: row.key, meta: { from_key_id: from, to_key_id: ring.newest.id } });
    return true;
  }

  /**
   * Stores already-decrypted values (the LucyAPI importer) for one user in one
   * transaction: all or nothing. Returns how many were new and how many replaced.
   */
  async importValues(userId: string, entries: { key: string; value: string }[], actor: Actor): Promise<{ created: number; replaced: number }> {
    const ring = this.unsealed();
    return this.db.transaction(async (em) => {
      let created = 0;
      for (const { key, value } of entries) {
        const [row]: { created: boolean }[] = await em.query(
          `INSERT INTO secrets AS s (user_id, key, encrypted_value) VALUES ($1, $2, $3)
           ON CONFLICT (user_id, key) DO UPDATE SET encrypted_value = EXCLUDED.encrypted_value, updated_at = now()
           RETURNING (xmax = 0) AS created`,
          [userId, key, encryptSecret(ring, userId, key, value)],
        );
        if (row.created) created += 1;
        await this.audit.record(em, actor, { userId, eventType: 'SECRET_WRITE', subject: key, meta: { key_id: ring.newest.id, imported_from: 'lucyapi' } });
      }
      return { created, replaced: entries.length - created };
    });
  }
}
