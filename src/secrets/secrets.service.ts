import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor, AgentCall, Caller } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { PageQuery, pageAndTotal } from '../common/http/paging';
import { validationFailed } from '../common/http/validation';
import { KeyRing } from './key-ring';
import { decryptSecret, encryptSecret, SecretDecryptError } from './secret-cipher';
import { PutSecretDto, SecretMetaDto } from './secrets.dto';
import { SecretBlobRow, SecretsRepository } from './secrets.repository';
import { DeletedKeyDto } from '../common/http/deleted.dto';

/** DI token of the vault's KeyRing (null: no key configured, the vault is sealed). */
export const SECRET_KEY_RING = Symbol('SECRET_KEY_RING');

export const SECRET_NOT_FOUND = 'Secret not found';
export const SECRET_UNDECRYPTABLE = 'Secret could not be decrypted';
const SEALED = 'Secrets are unavailable: no encryption key is configured (set SECRETS_KEYS or SECRETS_KEY_FILE)';

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
    private readonly secrets: SecretsRepository,
    private readonly audit: AuditService,
    @Inject(SECRET_KEY_RING) private readonly ring: KeyRing | null,
  ) {}

  private unsealed(): KeyRing {
    if (!this.ring) throw AppError.unavailable(SEALED);
    return this.ring;
  }

  async list(caller: Caller, page: PageQuery) {
    const rows = await this.secrets.list(this.db.manager, caller.userId, page.limit, page.offset);
    const [secrets, total] = await pageAndTotal(rows, () => this.secrets.count(this.db.manager, caller.userId));
    return { secrets, total, limit: page.limit, offset: page.offset };
  }

  /**
   * The value, if the caller may read it. Looking the secret up, deciding and
   * auditing the decision are one statement; the value is decrypted after.
   */
  async get(call: AgentCall, key: string): Promise<{ key: string; value: string }> {
    const ring = this.unsealed();
    const { userId, agentId } = call.caller;
    const row = await this.secrets.readAudited(this.db.manager, call.actor, userId, agentId, key);
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
    const row = await this.secrets.upsertAudited(this.db.manager, call.actor, userId, key, {
      blob: encryptSecret(ring, userId, key, input.value),
      readerIds,
      keepReaders: input.readers === undefined,
      writeOnly: input.write_only ?? false,
      keepWriteOnly: input.write_only === undefined,
      auditMeta: {
        key_id: ring.newest.id,
        ...(input.readers !== undefined ? { readers: input.readers } : {}),
        ...(input.write_only !== undefined ? { write_only: input.write_only } : {}),
      },
    });
    const { created, ...saved } = row;
    return { created, saved };
  }

  /** Agent names → ids, all of them agents of the user (422 naming the first that is not). */
  private async readerIds(userId: string, names: string[]): Promise<string[]> {
    const unique = [...new Set(names)];
    const rows = await this.secrets.agentsNamed(this.db.manager, userId, unique);
    const unknown = unique.find((name) => !rows.some((r) => r.name === name));
    if (unknown !== undefined) throw validationFailed([{ field: 'readers', message: `readers: your user has no agent named '${unknown}'` }]);
    return rows.map((r) => r.id);
  }

  async remove(call: AgentCall, key: string): Promise<DeletedKeyDto> {
    await this.db.transaction(async (em) => {
      if (!(await this.secrets.remove(em, call.caller.userId, key))) throw AppError.notFound(SECRET_NOT_FOUND);
      await this.audit.record(em, call.actor, { userId: call.caller.userId, eventType: 'SECRET_DELETE', subject: key });
    });
    return { deleted: key };
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
        const rows = await this.secrets.notUnderKey(em, after, newest);
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

  private async rewrapOne(em: EntityManager, ring: KeyRing, actor: Actor, row: SecretBlobRow): Promise<boolean> {
    const from = row.encrypted_value.length >= 2 ? row.encrypted_value[1] : null;
    let value: string;
    try {
      value = decryptSecret(ring, row.user_id, row.key, row.encrypted_value);
    } catch (err) {
      if (!(err instanceof SecretDecryptError)) throw err;
      await this.audit.record(em, actor, { userId: row.user_id, eventType: 'SECRET_DECRYPT_FAILED', subject: row.key, reasonCode: err.reason, meta: { key_id: err.keyId } });
      return false;
    }
    await this.secrets.replaceBlob(em, row.user_id, row.key, encryptSecret(ring, row.user_id, row.key, value));
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
        if (await this.secrets.upsertValue(em, userId, key, encryptSecret(ring, userId, key, value))) created += 1;
        await this.audit.record(em, actor, { userId, eventType: 'SECRET_WRITE', subject: key, meta: { key_id: ring.newest.id, imported_from: 'lucyapi' } });
      }
      return { created, replaced: entries.length - created };
    });
  }
}
