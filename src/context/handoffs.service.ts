import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { AuditEventType } from '../audit/audit-event-types';
import { AuditService } from '../audit/audit.service';
import { AgentCall, Caller } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { PageQuery } from '../common/http/paging';
import { AgentAccess, TargetAgent } from './agent-access';
import { CreateHandoffDto, HandoffStatus } from './context.dto';
import { HandoffRow, HandoffsRepository } from './handoffs.repository';

export const HANDOFF_NOT_FOUND = 'Handoff not found';
export const ALREADY_PICKED_UP = 'Handoff not found or already picked up';
export const DELETE_FORBIDDEN = 'Only the named agent may delete its handoffs (or its sender, while it is pending)';

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
    private readonly handoffs: HandoffsRepository,
    private readonly audit: AuditService,
  ) {}

  /** The recipient's handoffs, oldest first (pending by default: a simple job queue). */
  async list(caller: Caller, name: string | undefined, status: HandoffStatus, page: PageQuery) {
    const agent = await this.access.readable(caller, name);
    const [handoffs, total] = await this.handoffs.listForRecipient(this.db.manager, agent.id, status, page);
    return {
      agent: agent.name,
      handoffs,
      total,
      limit: page.limit,
      offset: page.offset,
    };
  }

  async get(caller: Caller, name: string | undefined, id: number): Promise<HandoffRow> {
    const agent = await this.access.readable(caller, name);
    const handoff = await this.handoffs.get(this.db.manager, agent.id, id);
    if (!handoff) throw AppError.notFound(HANDOFF_NOT_FOUND);
    return handoff;
  }

  /** Handoffs the caller created, newest first. */
  async sent(caller: Caller, page: PageQuery) {
    const [handoffs, total] = await this.handoffs.listSent(this.db.manager, caller.agentId, page);
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
      const created = await this.handoffs.insert(em, recipient.userId, recipient.id, call.caller.agentId, input);
      await this.record(em, call, 'HANDOFF_CREATE', recipient, created.handoff_id);
      return { created: { ...created, created_by_agent: call.caller.agentName } };
    });
  }

  /** Marks a pending handoff picked up; concurrent pickups cannot both win. */
  async pickup(call: AgentCall, name: string | undefined, id: number) {
    const agent = await this.access.writable(call.caller, name, 'pickup its handoffs');
    return this.db.transaction(async (em) => {
      const picked = await this.handoffs.pickup(em, agent.id, id);
      if (!picked) throw AppError.notFound(ALREADY_PICKED_UP);
      await this.record(em, call, 'HANDOFF_PICKUP', agent, id);
      return { picked_up: picked };
    });
  }

  async remove(call: AgentCall, name: string | undefined, id: number) {
    const recipient = await this.access.readable(call.caller, name);
    return this.db.transaction(async (em) => {
      const row = await this.handoffs.lockForDelete(em, recipient.id, id);
      const isRecipient = recipient.id === call.caller.agentId;
      const isPendingSender = row && row.created_by_agent_id === call.caller.agentId && row.picked_up_at === null;
      if (!isRecipient && !isPendingSender) throw AppError.forbidden(DELETE_FORBIDDEN);
      if (!row) throw AppError.notFound(HANDOFF_NOT_FOUND);
      await this.handoffs.remove(em, recipient.id, id);
      await this.record(em, call, 'HANDOFF_DELETE', recipient, id);
      return { deleted: id };
    });
  }

  private record(em: EntityManager, call: AgentCall, eventType: AuditEventType, recipient: TargetAgent, id: number) {
    return this.audit.record(em, call.actor, {
      userId: call.caller.userId,
      eventType,
      subject: recipient.name,
      meta: { handoff_id: id },
    });
  }
}
