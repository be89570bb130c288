import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { AuditEventType } from '../audit/audit-event-types';
import { AuditService } from '../audit/audit.service';
import { AgentCall, Caller } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { PageQuery } from '../common/http/paging';
import { CreateNudgeDto, UpdateNudgeDto } from './nudges.dto';
import { NudgesRepository } from './nudges.repository';
import { NO_FIELDS } from './projects.service';

export const NUDGE_NOT_FOUND = 'Nudge not found';

/** Deadline reminders of a user (any of its agents). */
@Injectable()
export class NudgesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly nudges: NudgesRepository,
  ) {}

  async list(caller: Caller, page: PageQuery) {
    const [nudges, total] = await this.nudges.page(this.db.manager, caller.userId, page);
    return { nudges, total, limit: page.limit, offset: page.offset };
  }

  async get(caller: Caller, nudgeId: number) {
    const nudge = await this.nudges.get(this.db.manager, caller.userId, nudgeId);
    if (!nudge) throw AppError.notFound(NUDGE_NOT_FOUND);
    return nudge;
  }

  async create(call: AgentCall, input: CreateNudgeDto) {
    return this.db.transaction(async (em) => {
      const created = await this.nudges.insert(em, call.caller.userId, input);
      await this.record(em, call, 'NUDGE_CREATE', created.nudge_id);
      return { created };
    });
  }

  /** `due_date: null` or `clear_due_date: true` makes it ASAP; a date replaces it; absent keeps it. */
  async update(call: AgentCall, nudgeId: number, input: UpdateNudgeDto) {
    if (input.clear_due_date === true && typeof input.due_date === 'string') {
      const message = 'Give due_date or clear_due_date, not both';
      throw AppError.validation(message, [{ field: 'clear_due_date', message }]);
    }
    const dueDate = input.clear_due_date === true ? null : input.due_date;
    const fields = { title: input.title, description: input.description, due_date: dueDate };
    if (Object.values(fields).every((v) => v === undefined)) throw AppError.badRequest(NO_FIELDS);
    return this.db.transaction(async (em) => {
      const updated = await this.nudges.update(em, call.caller.userId, nudgeId, fields);
      if (!updated) throw AppError.notFound(NUDGE_NOT_FOUND);
      await this.record(em, call, 'NUDGE_UPDATE', nudgeId);
      return { updated };
    });
  }

  async remove(call: AgentCall, nudgeId: number) {
    return this.db.transaction(async (em) => {
      const removed = await this.nudges.delete(em, call.caller.userId, nudgeId);
      if (removed === 0) throw AppError.notFound(NUDGE_NOT_FOUND);
      await this.record(em, call, 'NUDGE_DELETE', nudgeId);
      return { deleted: nudgeId };
    });
  }

  private record(em: EntityManager, call: AgentCall, eventType: AuditEventType, nudgeId: number) {
    return this.audit.record(em, call.actor, { userId: call.caller.userId, eventType, meta: { nudge_id: nudgeId } });
  }
}
