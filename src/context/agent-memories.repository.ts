import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { assignments } from '../database/assignments';
import { pageAndTotal, PageQuery } from '../common/http/paging';

export interface AgentMemory {
  pkid: number;
  title: string;
  description: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'pkid, title, description, created_at, updated_at';

/** Data access for an agent's flat memories (LucyAPI's `memories`). */
@Injectable()
export class AgentMemoriesRepository {
  async list(em: EntityManager, agentId: string, page: PageQuery): Promise<[AgentMemory[], number]> {
    const rows: (AgentMemory & { total: string })[] = await em.query(
      `SELECT ${COLUMNS}, count(*) OVER () AS total FROM agent_memories WHERE agent_id = $1
        ORDER BY pkid LIMIT $2 OFFSET $3`,
      [agentId, page.limit, page.offset],
    );
    return pageAndTotal(rows, async () => {
      const [row]: { n: string }[] = await em.query(`SELECT count(*) AS n FROM agent_memories WHERE agent_id = $1`, [agentId]);
      return Number(row.n);
    });
  }

  async get(em: EntityManager, agentId: string, pkid: number): Promise<AgentMemory | null> {
    const rows: AgentMemory[] = await em.query(`SELECT ${COLUMNS} FROM agent_memories WHERE agent_id = $1 AND pkid = $2`, [
      agentId,
      pkid,
    ]);
    return rows[0] ?? null;
  }

  async insert(em: EntityManager, userId: string, agentId: string, title: string, description: string | null): Promise<AgentMemory> {
    const rows: AgentMemory[] = await em.query(
      `INSERT INTO agent_memories (user_id, agent_id, title, description) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
      [userId, agentId, title, description],
    );
    return rows[0];
  }

  /** Updates the given fields; null when the memory does not exist. */
  async update(em: EntityManager, agentId: string, pkid: number, f: { title?: string; description?: string | null }): Promise<AgentMemory | null> {
    const values: unknown[] = [agentId, pkid];
    const sets = assignments({ ...f }, values);
    const rows: [AgentMemory[], number] = await em.query(
      `UPDATE agent_memories SET ${sets.join(', ')}, updated_at = now()
        WHERE agent_id = $1 AND pkid = $2 RETURNING ${COLUMNS}`,
      values,
    );
    return rows[0][0] ?? null;
  }

  async remove(em: EntityManager, agentId: string, pkid: number): Promise<boolean> {
    const rows: [unknown[], number] = await em.query(`DELETE FROM agent_memories WHERE agent_id = $1 AND pkid = $2`, [
      agentId,
      pkid,
    ]);
    return rows[1] > 0;
  }
}
