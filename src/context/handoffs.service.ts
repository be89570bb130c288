import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AgentCall, Caller } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { pageAndTotal, PageQuery } from '../common/http/paging';
import { AgentAccess, TargetAgent } from './agent-access';
import { CreateHandoffDto, HandoffStatus } from './context.dto';

export interface HandoffRow {
  handoff_id: number;
  title: string;
  prompt: string;
  created_by_agent: string | null;
  recipient: string;
  created_at: Date;
  picked_up_at: Date | null;
}

export const HANDOFF_NOT_FOUND = 'Handoff not found';
export const ALREADY_PICKED_UP = 'Handoff not found or already picked up';
export const DELETE_FORBIDDEN = 'Only the named agent may delete its handoffs (or its sender, while it is pending)';

/** Handoff rows with sender and recipient names; `total` counts all matches (for paged lists). */
const selectHandoffs = (withTotal = false) =>
  `SELECT ${withTotal ? 'count(*) OVER () AS total, ' : ''}h.handoff_id, h.title, h.prompt,
          s.name AS created_by_agent, r.name AS recipient, h.created_at, h.picked_up_at
     FROM handoffs h
     JOIN agents r ON r.id = h.agent_id
     LEFT JOIN agents s ON s.id = h.created_by_agent_id`;

const STATUS_FILTER: Record<HandoffStatus, string> = {
  pending: 'AND h.picked_up_at IS NULL',
  picked_up: 'AND h.picked_up_at IS NOT NULL',
  all: '',
};

/**
 * Handoffs between agents of one user: any agent lists and creates them for a
 * recipient; only the recipient picks one up (exactly once); the recipient may
 * delete one any time, its sender while it is still pending.
 */
@Injectable()
export class HandoffsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: AgentAccess,
    private readonly audit: AuditService,
  ) {}

  /** The recipient's handoffs, oldest first (pending by default: a simple job queue). */
  async list(caller: Caller, name: string | undefined, status: HandoffStatus, page: PageQuery) {
    const agent = await this.access.readable(caller, name);
    const rows: (HandoffRow & { total: string })[] = await this.db.query(
      `${selectHandoffs(true)}
        WHERE h.agent_id = $1 ${STATUS_FILTER[status]}
        ORDER BY h.created_at, h.handoff_id LIMIT $2 OFFSET $3`,
      [agent.id, page.limit, page.offset],
    );
    const [handoffs, total] = await pageAndTotal(rows, () =>
      this.count(`h.agent_id = $1 ${STATUS_FILTER[status]}`, agent.id),
    );
    return {
      agent: agent.name,
      handoffs,
      total,
      limit: page.limit,
      offset: page.offset,
    };
  }

  /** How many handoffs match `where` (a filter on `h` with one parameter). */
  private async count(where: string, param: string): Promise<number> {
    const [row] = await this.db.query(`SELECT count(*) AS n FROM handoffs h WHERE ${where}`, [param]);
    return Number(row.n);
  }

  async get(caller: Caller, name: string | undefined, id: number): Promise<HandoffRow> {
    const agent = await this.access.readable(caller, name);
    const handoff = await this.find(this.db.manager, agent.id, id);
    if (!handoff) throw AppError.notFound(HANDOFF_NOT_FOUND);
    return handoff;
  }

  /** Handoffs the caller created, newest first. */
  async sent(caller: Caller, page: PageQuery) {
    const rows: (HandoffRow & { total: string })[] = await this.db.query(
      `${selectHandoffs(true)}
        WHERE h.created_by_agent_id = $1
        ORDER BY h.created_at DESC, h.handoff_id DESC LIMIT $2 OFFSET $3`,
      [caller.agentId, page.limit, page.offset],
    );
    const [handoffs, total] = await pageAndTotal(rows, () => this.count('h.created_by_agent_id = $1', caller.agentId));
    return {
      agent: caller.agentName,
      handoffs,
      total,
      limit: page.limit,
      offset: page.offset,
    };
  }

  async create(call: AgentCall, name: string | undefined, input: CreateHandoffDto) {
    const recipient = await this.access.readable(call.caller, name);
    return this.db.transaction(async (em) => {
      const rows: { handoff_id: number; title: string; created_at: Date }[] = await em.query(
        `INSERT INTO handoffs (user_id, agent_id, created_by_agent_id, title, prompt)
         VALUES ($1, $2, $3, $4, $5) RETURNING handoff_id, title, created_at`,
        [recipient.userId, recipient.id, call.caller.agentId, input.title, input.prompt],
      );
      await this.record(em, call, 'HANDOFF_CREATE', recipient, rows[0].handoff_id);
      return { created: { ...rows[0], created_by_agent: call.caller.agentName } };
    });
  }

  /** Marks a pending handoff picked up; a conditional update, so concurrent pickups cannot both win. */
  async pickup(call: AgentCall, name: string | undefined, id: number) {
    const agent = await this.access.writable(call.caller, name, 'pickup its handoffs');
    return this.db.transaction(async (em) => {
      const rows: [{ handoff_id: number; title: string; picked_up_at: Date }[], number] = await em.query(
        `UPDATE handoffs SET picked_up_at = now(), updated_at = now()
          WHERE agent_id = $1 AND handoff_id = $2 AND picked_up_at IS NULL
          RETURNING handoff_id, title, picked_up_at`,
        [agent.id, id],
      );
      const picked = rows[0][0];
      if (!picked) throw AppError.notFound(ALREADY_PICKED_UP);
      await this.record(em, call, 'HANDOFF_PICKUP', agent, id);
      return { picked_up: picked };
    });
  }

  async remove(call: AgentCall, name: string | undefined, id: number) {
    const recipient = await this.access.readable(call.caller, name);
    return this.db.transaction(async (em) => {
      const rows: { created_by_agent_id: string | null; picked_up_at: Date | null }[] = await em.query(
        `SELECT created_by_agent_id, picked_up_at FROM handoffs WHERE agent_id = $1 AND handoff_id = $2 FOR UPDATE`,
        [recipient.id, id],
      );
      const row = rows[0];
      const isRecipient = recipient.id === call.caller.agentId;
      const isPendingSender = row && row.created_by_agent_id === call.caller.agentId && row.picked_up_at === null;
      if (!isRecipient && !isPendingSender) throw AppError.forbidden(DELETE_FORBIDDEN);
      if (!row) throw AppError.notFound(HANDOFF_NOT_FOUND);
      await em.query(`DELETE FROM handoffs WHERE handoff_id = $1`, [id]);
      await this.record(em, call, 'HANDOFF_DELETE', recipient, id);
      return { deleted: id };
    });
  }

  private async find(em: EntityManager, agentId: string, id: number): Promise<HandoffRow | null> {
    const rows: HandoffRow[] = await em.query(`${selectHandoffs()} WHERE h.agent_id = $1 AND h.handoff_id = $2`, [agentId, id]);
    return rows[0] ?? null;
  }

  private record(em: EntityManager, call: AgentCall, eventType: string, recipient: TargetAgent, id: number) {
    return this.audit.record(em, call.actor, {
      userId: call.caller.userId,
      eventType,
      subject: recipient.name,
      meta: { handoff_id: id },
    });
  }
}
