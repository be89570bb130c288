import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AgentEntity } from './agent.entity';

/** An agent as the agent-scoped routes name it. */
export interface AgentRefRow {
  id: string;
  name: string;
  userId: string;
}

/** Data access for agents (the admin API's and the agent-scoped routes' lookups). */
@Injectable()
export class AgentsRepository {
  /** The user's agent called `name` (already normalised), or undefined: never another user's. */
  async findForUser(em: EntityManager, userId: string, name: string): Promise<AgentRefRow | undefined> {
    const rows: AgentRefRow[] = await em.query(`SELECT id, name, user_id AS "userId" FROM agents WHERE name = $1 AND user_id = $2`, [
      name,
      userId,
    ]);
    return rows[0];
  }

  /** The agent; with `lock`, locked until the transaction ends (a concurrent delete waits, then finds nothing). */
  get(em: EntityManager, id: string, lock = false): Promise<AgentEntity | null> {
    return em.findOne(AgentEntity, { where: { id }, ...(lock && { lock: { mode: 'pessimistic_write' as const } }) });
  }

  /** By name (agent names are unique across users; already normalised). */
  getByName(em: EntityManager, name: string): Promise<AgentEntity | null> {
    return em.findOneBy(AgentEntity, { name });
  }

  /** The user's agents by name. */
  listForUser(em: EntityManager, userId: string): Promise<AgentEntity[]> {
    return em.find(AgentEntity, { where: { userId }, order: { name: 'ASC' } });
  }

  insert(em: EntityManager, userId: string, name: string): Promise<AgentEntity> {
    return em.save(em.create(AgentEntity, { userId, name }));
  }

  /** Deletes the agent; its keys and everything it owns go by cascade. */
  async remove(em: EntityManager, id: string): Promise<void> {
    await em.delete(AgentEntity, { id });
  }
}
