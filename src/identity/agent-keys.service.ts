import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor, Caller } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { AgentKeyCache, CachedKey } from './agent-key-cache';
import { AgentKeyEntity } from './agent-key.entity';
import { AgentEntity } from './agent.entity';
import { generateAgentKey, sha256Hex } from './credentials';

/** last_used_at / last_seen_at are written at most this often per key and instance. */
const TOUCH_INTERVAL_MS = 60_000;
/** Longer strings cannot be keys; they are refused before hashing. */
const MAX_KEY_LENGTH = 256;

interface KeyRow {
  key_id: string;
  agent_id: string;
  agent_name: string;
  user_id: string;
  user_name: string;
  timezone: string;
}

@Injectable()
export class AgentKeysService {
  private readonly logger = new Logger(AgentKeysService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly cache: AgentKeyCache,
  ) {}

  async issue(agentId: string, label: string | null, actor: Actor): Promise<{ id: string; api_key: string }> {
    return this.db.transaction(async (em) => {
      const agent = await em.findOneBy(AgentEntity, { id: agentId });
      if (!agent) throw AppError.notFound('Agent not found');
      return this.issueWith(em, agent, label, actor);
    });
  }

  /** Issues a key inside the caller's transaction (used when an agent is created). */
  async issueWith(
    em: EntityManager,
    agent: AgentEntity,
    label: string | null,
    actor: Actor,
  ): Promise<{ id: string; api_key: string }> {
    const apiKey = generateAgentKey();
    const key = await em.save(em.create(AgentKeyEntity, { agentId: agent.id, keyHash: sha256Hex(apiKey), label }));
    await this.audit.record(em, actor, {
      userId: agent.userId,
      eventType: 'KEY_CREATE',
      subject: agent.name,
      meta: { agent_id: agent.id, key_id: key.id },
    });
    return { id: key.id, api_key: apiKey };
  }

  /** Revokes a key; it fails on this instance at once. Revoking twice keeps the first time. */
  async revoke(agentId: string, keyId: string, actor: Actor): Promise<void> {
    await this.db.transaction(async (em) => {
      const agent = await em.findOneBy(AgentEntity, { id: agentId });
      const key = agent && (await em.findOneBy(AgentKeyEntity, { id: keyId, agentId }));
      if (!agent || !key) throw AppError.notFound('Key not found');
      if (key.revokedAt) return;
      await em.update(AgentKeyEntity, { id: keyId }, { revokedAt: () => 'now()' });
      await this.audit.record(em, actor, {
        userId: agent.userId,
        eventType: 'KEY_REVOKE',
        subject: agent.name,
        meta: { agent_id: agent.id, key_id: key.id },
      });
    });
    this.cache.forget((c) => c.keyId === keyId);
  }

  /** Resolves a presented key to its agent and user, or throws 401 "Invalid API key". */
  async authenticate(apiKey: string): Promise<Caller> {
    if (apiKey.length > MAX_KEY_LENGTH) throw AppError.unauthorized('Invalid API key');
    const hash = sha256Hex(apiKey);
    let entry = this.cache.get(hash);
    if (!entry) {
      const generation = this.cache.currentGeneration();
      const rows: KeyRow[] = await this.db.query(
        `SELECT k.id AS key_id, a.id AS agent_id, a.name AS agent_name,
                u.id AS user_id, u.name AS user_name, u.timezone
           FROM agent_keys k
           JOIN agents a ON a.id = k.agent_id
           JOIN users u ON u.id = a.user_id
          WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
        [hash],
      );
      const row = rows[0];
      if (!row) throw AppError.unauthorized('Invalid API key');
      entry = {
        caller: {
          keyId: row.key_id,
          agentId: row.agent_id,
          agentName: row.agent_name,
          userId: row.user_id,
          userName: row.user_name,
          timeZone: row.timezone,
        },
        touchedAt: 0,
      };
      this.cache.set(hash, entry, generation);
    }
    await this.touch(entry);
    return entry.caller;
  }

  private async touch(entry: CachedKey): Promise<void> {
    const now = Date.now();
    if (now - entry.touchedAt < TOUCH_INTERVAL_MS) return;
    entry.touchedAt = now;
    try {
      await this.db.query(
        `WITH k AS (UPDATE agent_keys SET last_used_at = now() WHERE id = $1)
         UPDATE agents SET last_seen_at = now() WHERE id = $2`,
        [entry.caller.keyId, entry.caller.agentId],
      );
    } catch (err) {
      // Bookkeeping only: a failed write must not fail the request.
      this.logger.warn({ err }, 'Could not record key use');
    }
  }
}
