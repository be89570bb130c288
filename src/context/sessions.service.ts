import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AgentCall, Caller } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { lockForTransaction } from '../database/advisory-lock';

export interface SessionRow {
  session_id: number;
  started_at: Date;
  project: string | null;
  notes: string | null;
}

const COLUMNS = 'session_id, started_at, project, notes';

/** Conversation starts of the calling agent (only its own): how agents detect time away. */
@Injectable()
export class SessionsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
  ) {}

  async create(call: AgentCall, project: string | null | undefined) {
    return this.db.transaction(async (em) => {
      const { session } = await this.start(em, call, project ?? null);
      return { session_id: session.session_id, agent: call.caller.agentName, started_at: session.started_at, project: session.project };
    });
  }

  /**
   * Records a session start of the caller inside the caller's transaction (also
   * used by the context's start_session) and returns the session before it.
   * Starts of one agent are serialised and stamped when recorded, so two at
   * once never report the same previous session or a negative gap.
   */
  async start(em: EntityManager, call: AgentCall, project: string | null): Promise<{ session: SessionRow; previous: SessionRow | null }> {
    await lockForTransaction(em, 'sessions', call.caller.agentId);
    const previous = await this.latest(em, call.caller.agentId);
    const rows: SessionRow[] = await em.query(
      `INSERT INTO sessions (user_id, agent_id, project, started_at) VALUES ($1, $2, $3, clock_timestamp()) RETURNING ${COLUMNS}`,
      [call.caller.userId, call.caller.agentId, project],
    );
    await this.audit.record(em, call.actor, {
      userId: call.caller.userId,
      eventType: 'SESSION_CREATE',
      subject: call.caller.agentName,
      meta: { session_id: rows[0].session_id },
    });
    return { session: rows[0], previous };
  }

  /** The newest session of an agent, or null. */
  async latest(em: EntityManager, agentId: string): Promise<SessionRow | null> {
    const rows: SessionRow[] = await em.query(
      `SELECT ${COLUMNS} FROM sessions WHERE agent_id = $1 ORDER BY started_at DESC, session_id DESC LIMIT 1`,
      [agentId],
    );
    return rows[0] ?? null;
  }

  async last(caller: Caller) {
    const session = await this.latest(this.db.manager, caller.agentId);
    return session ? { agent: caller.agentName, last_session: session } : { last_session: null };
  }

  async setNotes(call: AgentCall, sessionId: number, notes: string | null) {
    return this.db.transaction(async (em) => {
      const rows: [SessionRow[], number] = await em.query(
        `UPDATE sessions SET notes = $3, updated_at = now() WHERE agent_id = $1 AND session_id = $2 RETURNING ${COLUMNS}`,
        [call.caller.agentId, sessionId, notes],
      );
      const session = rows[0][0];
      if (!session) throw AppError.notFound('Session not found');
      await this.audit.record(em, call.actor, {
        userId: call.caller.userId,
        eventType: 'SESSION_UPDATE',
        subject: call.caller.agentName,
        meta: { session_id: sessionId },
      });
      return { updated: { session_id: session.session_id, notes: session.notes } };
    });
  }
}
