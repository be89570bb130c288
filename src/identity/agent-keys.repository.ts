import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { AgentKeyEntity } from './agent-key.entity';

/** A live key with its agent and user: what authentication resolves a key hash to. */
export interface KeyOwnerRow {
  key_id: string;
  agent_id: string;
  agent_name: string;
  user_id: string;
  user_name: string;
  timezone: string;
}

/** Data access for agent keys; only the SHA-256 of a key is ever stored or looked up. */
@Injectable()
export class AgentKeysRepository {
  insert(em: EntityManager, agentId: string, keyHash: string, label: string | null): Promise<AgentKeyEntity> {
    return em.save(em.create(AgentKeyEntity, { agentId, keyHash, label }));
  }

  /** One key of the agent (revoked or not), or null; with `lock`, locked until the transaction ends. */
  get(em: EntityManager, agentId: string, keyId: string, lock = false): Promise<AgentKeyEntity | null> {
    return em.findOne(AgentKeyEntity, { where: { id: keyId, agentId }, ...(lock && { lock: { mode: 'pessimistic_write' as const } }) });
  }

  /** The keys of these agents, oldest first. */
  listForAgents(em: EntityManager, agentIds: string[]): Promise<AgentKeyEntity[]> {
    return em.find(AgentKeyEntity, { where: { agentId: In(agentIds) }, order: { createdAt: 'ASC' } });
  }

  /** Stamps the key revoked now. */
  async revoke(em: EntityManager, agentId: string, keyId: string): Promise<void> {
    await em.update(AgentKeyEntity, { id: keyId, agentId }, { revokedAt: () => 'now()' });
  }

  /** The unrevoked key with this hash, its agent and user; undefined when there is none. */
  async findLive(em: EntityManager, keyHash: string): Promise<KeyOwnerRow | undefined> {
    const rows: KeyOwnerRow[] = await em.query(
      `SELECT k.id AS key_id, a.id AS agent_id, a.name AS agent_name,
                u.id AS user_id, u.name AS user_name, u.timezone
           FROM agent_keys k
           JOIN agents a ON a.id = k.agent_id
           JOIN users u ON u.id = a.user_id
          WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
      [keyHash],
    );
    return rows[0];
  }

  /** Records that the key was used and its agent seen, now. */
  async touch(em: EntityManager, agentId: string, keyId: string): Promise<void> {
    await em.query(
      `WITH k AS (UPDATE agent_keys SET last_used_at = now() WHERE id = $1)
         UPDATE agents SET last_seen_at = now() WHERE id = $2`,
      [keyId, agentId],
    );
  }
}
