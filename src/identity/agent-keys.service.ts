import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor, Caller } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { generateAgentKey, sha256Hex } from '../common/credentials';
import { AgentKeyCache, CachedKey } from './agent-key-cache';
import { AgentKeysRepository } from './agent-keys.repository';
import { AgentEntity } from './agent.entity';
import { AgentsRepository } from './agents.repository';

/** last_used_at / last_seen_at are written at most this often per key and instance. */
const TOUCH_INTERVAL_MS = 60_000;
/** Longer strings cannot be keys; they are refused before hashing. */
const MAX_KEY_LENGTH = 256;

@Injectable()
export class AgentKeysService {
  private readonly logger = new Logger(AgentKeysService.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly keys: AgentKeysRepository,
    private readonly agents: AgentsRepository,
    private readonly audit: AuditService,
    private readonly cache: AgentKeyCache,
  ) {}

  async issue(agentId: string, label: string | null, actor: Actor): Promise<{ id: string; api_key: string }> {
    return this.db.transaction(async (em) => {
      const agent = await this.agents.get(em, agentId);
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
    const key = await this.keys.insert(em, agent.id, sha256Hex(apiKey), label);
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
      const agent = await this.agents.get(em, agentId);
      // Locked: of two concurrent revokes, the second sees the first's revoked_at and records nothing.
      const key = agent && (await this.keys.get(em, agentId, keyId, true));
      if (!agent || !key) throw AppError.notFound('Key not found');
      if (key.revokedAt) return;
      await this.keys.revoke(em, agentId, keyId);
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
      const row = await this.keys.findLive(this.db.manager, hash);
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
      await this.keys.touch(this.db.manager, entry.caller.agentId, entry.caller.keyId);
    } catch (err) {
      // Bookkeeping only: a failed write must not fail the request.
      this.logger.warn({ err }, 'Could not record key use');
    }
  }
}
