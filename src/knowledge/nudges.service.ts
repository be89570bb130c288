import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AgentCall, Caller } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { pageAndTotal, PageQuery } from '../common/http/paging';
import { assignments } from '../database/assignments';
import { CreateNudgeDto, UpdateNudgeDto } from './nudges.dto';
import { NO_FIELDS } from './projects.service';

export const NUDGE_NOT_FOUND = 'Nudge not found';

const COLUMNS = `nudge_id, title, description, to_char(due_date, 'YYYY-MM-DD') AS due_date, last_reminded, created_at, updated_at`;
/** ASAP (no date) first, then the soonest due. */
export const NUDGE_ORDER = 'due_date ASC NULLS FIRST, nudge_id';

/** Deadline reminders of a user (any of its agents). */
@Injectable()
export class NudgesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
  ) {}

  async list(caller: Caller, page: PageQuery) {
    const rows: { total: string }[] = await this.db.query(
      `SELECT count(*) OVER () AS total, ${COLUMNS} FROM nudges WHERE user_id = $1 ORDER BY ${NUDGE_ORDER} LIMIT $2 OFFSET $3`,
      [caller.userId, page.limit, page.offset],
    );
    const [nudges, total] = await pageAndTotal(rows, async () => {
      const [row] = await this.db.query(`SELECT count(*) AS n FROM nudges WHERE user_id = $1`, [caller.userId]);
      return Number(row.n);
    });
    return { nudges, total, limit: page.limit, offset: page.offset };
  }

  async get(caller: Caller, nudgeId: number) {
    const [nudge] = await this.db.query(`SELECT ${COLUMNS} FROM nudges WHERE user_id = $1 AND nudge_id = $2`, [caller.userId, nudgeId]);
    if (!nudge) throw AppError.notFound(NUDGE_NOT_FOUND);
    return nudge as Record<string, unknown>;
  }

  async create(call: AgentCall, input: CreateNudgeDto) {
    return this.db.transaction(async (em) => {
      const rows: { nudge_id: number }[] = await em.query(
        `INSERT INTO nudges (user_id, title, description, due_date) VALUES ($1, $2, $3, $4)
         RETURNING nudge_id, title, to_char(due_date, 'YYYY-MM-DD') AS due_date, created_at`,
        [call.caller.userId, input.title, input.description ?? null, input.due_date ?? null],
      );
      await this.record(em, call, 'NUDGE_CREATE', rows[0].nudge_id);
      return { created: rows[0] };
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
      const values: unknown[] = [call.caller.userId, nudgeId];
      const sets = assignments(fields, values);
      const rows: [{ nudge_id: number }[], number] = await em.query(
        `UPDATE nudges SET ${sets.join(', ')}, updated_at = now() WHERE user_id = $1 AND nudge_id = $2
         RETURNING nudge_id, title, to_char(due_date, 'YYYY-MM-DD') AS due_date`,
        values,
      );
      if (!rows[0][0]) throw AppError.notFound(NUDGE_NOT_FOUND);
      await this.record(em, call, 'NUDGE_UPDATE', nudgeId);
      return { updated: rows[0][0] };
    });
  }

  async remove(call: AgentCall, nudgeId: number) {
    return this.db.transaction(async (em) => {
      const rows: [unknown[], number] = await em.query(`DELETE FROM nudges WHERE user_id = $1 AND nudge_id = $2`, [call.caller.userId, nudgeId]);
      if (rows[1] === 0) throw AppError.notFound(NUDGE_NOT_FOUND);
      await this.record(em, call, 'NUDGE_DELETE', nudgeId);
      return { deleted: nudgeId };
    });
  }

  private record(em: Parameters<AuditService['record']>[0], call: AgentCall, eventType: string, nudgeId: number) {
    return this.audit.record(em, call.actor, { userId: call.caller.userId, eventType, meta: { nudge_id: nudgeId } });
  }
}

/**
 * Stamps and returns a user's actionable nudges (reading them is the
 * reminder): ASAP ones and those due within 7 days (the user's today in `tz`)
 * when not reminded in the last 24 hours, later ones when not reminded in 7
 * days, and any never reminded. `user` and `tz` are SQL expressions. Two
 * readers at once cannot both get a nudge: the second waits for the first's
 * stamp and then no longer matches.
 */
export const stampActionableNudges = (user: string, tz: string) => `
  UPDATE nudges SET last_reminded = now()
   WHERE user_id = ${user}
     AND (last_reminded IS NULL
          OR ((due_date IS NULL OR due_date < (now() AT TIME ZONE ${tz})::date + 7) AND last_reminded < now() - interval '24 hours')
          OR (due_date >= (now() AT TIME ZONE ${tz})::date + 7 AND last_reminded < now() - interval '7 days'))
  RETURNING nudge_id, title, description, to_char(due_date, 'YYYY-MM-DD') AS due_date, last_reminded`;
