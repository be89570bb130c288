import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { lockForTransaction } from '../database/advisory-lock';

const COLUMNS = 'session_id, started_at, project, notes';

export interface SessionRow {
  session_id: number;
  started_at: Date;
  project: string | null;
  notes: string | null;
}

/** Data access for agents' sessions (conversation starts); every statement names the agent. */
@Injectable()
export class SessionsRepository {
  /** Serialises the session starts of one agent until the transaction ends. */
  async lockStarts(em: EntityManager, agentId: string): Promise<void> {
    await lockForTransaction(em, 'sessions', agentId);
  }

  /** Records a session start, stamped now (clock time, not the transaction's start). */
  async insert(em: EntityManager, userId: string, agentId: string, project: string | null): Promise<SessionRow> {
    const rows: SessionRow[] = await em.query(
      `INSERT INTO sessions (user_id, agent_id, project, started_at) VALUES ($1, $2, $3, clock_timestamp()) RETURNING ${COLUMNS}`,
      [userId, agentId, project],
    );
    return rows[0];
  }

  /** The newest session of an agent, or undefined. */
  async latest(em: EntityManager, agentId: string): Promise<SessionRow | undefined> {
    const rows: SessionRow[] = await em.query(
      `SELECT ${COLUMNS} FROM sessions WHERE agent_id = $1 ORDER BY started_at DESC, session_id DESC LIMIT 1`,
      [agentId],
    );
    return rows[0];
  }

  /** Sets a session's notes; undefined when the agent has no such session. */
  async setNotes(em: EntityManager, agentId: string, sessionId: number, notes: string | null): Promise<SessionRow | undefined> {
    const rows: [SessionRow[], number] = await em.query(
      `UPDATE sessions SET notes = $3, updated_at = now() WHERE agent_id = $1 AND session_id = $2 RETURNING ${COLUMNS}`,
      [agentId, sessionId, notes],
    );
    return rows[0][0];
  }
}
