import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AgentCall, Caller } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { SessionRow, SessionsRepository } from './sessions.repository';

/** Conversation starts of the calling agent (only its own): how agents detect time away. */
@Injectable()
export class SessionsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly sessions: SessionsRepository,
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
    await this.sessions.lockStarts(em, call.caller.agentId);
    const previous = (await this.sessions.latest(em, call.caller.agentId)) ?? null;
    const session = await this.sessions.insert(em, call.caller.userId, call.caller.agentId, project);
    await this.audit.record(em, call.actor, {
      userId: call.caller.userId,
      eventType: 'SESSION_CREATE',
      subject: call.caller.agentName,
      meta: { session_id: session.session_id },
    });
    return { session, previous };
  }

  async last(caller: Caller) {
    const session = await this.sessions.latest(this.db.manager, caller.agentId);
    return session ? { agent: caller.agentName, last_session: session } : { last_session: null };
  }

  async setNotes(call: AgentCall, sessionId: number, notes: string | null) {
    return this.db.transaction(async (em) => {
      const session = await this.sessions.setNotes(em, call.caller.agentId, sessionId, notes);
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
