import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { pageAndTotal, PageQuery } from '../common/http/paging';
import { assignments } from '../database/assignments';

const COLUMNS = `nudge_id, title, description, to_char(due_date, 'YYYY-MM-DD') AS due_date, last_reminded, created_at, updated_at`;
/** ASAP (no date) first, then the soonest due. */
export const NUDGE_ORDER = 'due_date ASC NULLS FIRST, nudge_id';

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

export interface NudgeRow {
  nudge_id: number;
  title: string;
  description: string | null;
  /** YYYY-MM-DD; null = ASAP. */
  due_date: string | null;
  last_reminded: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface NudgeCreatedRow {
  nudge_id: number;
  title: string;
  due_date: string | null;
  created_at: Date;
}

export interface NudgeUpdatedRow {
  nudge_id: number;
  title: string;
  due_date: string | null;
}

export interface NudgeFields {
  title?: string;
  description?: string | null;
  /** YYYY-MM-DD; null = ASAP. */
  due_date?: string | null;
}

/** Data access for a user's nudges (deadline reminders); every statement names the user. */
@Injectable()
export class NudgesRepository {
  /** A page of the user's nudges in NUDGE_ORDER, and the total. */
  async page(em: EntityManager, userId: string, page: PageQuery): Promise<[NudgeRow[], number]> {
    const rows: (NudgeRow & { total: string })[] = await em.query(
      `SELECT count(*) OVER () AS total, ${COLUMNS} FROM nudges WHERE user_id = $1 ORDER BY ${NUDGE_ORDER} LIMIT $2 OFFSET $3`,
      [userId, page.limit, page.offset],
    );
    return pageAndTotal(rows, async () => {
      const [row] = await em.query(`SELECT count(*) AS n FROM nudges WHERE user_id = $1`, [userId]);
      return Number(row.n);
    });
  }

  async get(em: EntityManager, userId: string, nudgeId: number): Promise<NudgeRow | undefined> {
    const rows: NudgeRow[] = await em.query(`SELECT ${COLUMNS} FROM nudges WHERE user_id = $1 AND nudge_id = $2`, [userId, nudgeId]);
    return rows[0];
  }

  async insert(em: EntityManager, userId: string, f: NudgeFields & { title: string }): Promise<NudgeCreatedRow> {
    const rows: NudgeCreatedRow[] = await em.query(
      `INSERT INTO nudges (user_id, title, description, due_date) VALUES ($1, $2, $3, $4)
       RETURNING nudge_id, title, to_char(due_date, 'YYYY-MM-DD') AS due_date, created_at`,
      [userId, f.title, f.description ?? null, f.due_date ?? null],
    );
    return rows[0];
  }

  /** Sets the defined fields (null clears); undefined when the user has no such nudge. */
  async update(em: EntityManager, userId: string, nudgeId: number, f: NudgeFields): Promise<NudgeUpdatedRow | undefined> {
    const values: unknown[] = [userId, nudgeId];
    const sets = assignments({ ...f }, values);
    const rows: [NudgeUpdatedRow[], number] = await em.query(
      `UPDATE nudges SET ${sets.join(', ')}, updated_at = now() WHERE user_id = $1 AND nudge_id = $2
       RETURNING nudge_id, title, to_char(due_date, 'YYYY-MM-DD') AS due_date`,
      values,
    );
    return rows[0][0];
  }

  /** Deletes the user's nudge; the number of rows deleted (0 when there was none). */
  async delete(em: EntityManager, userId: string, nudgeId: number): Promise<number> {
    const rows: [unknown[], number] = await em.query(`DELETE FROM nudges WHERE user_id = $1 AND nudge_id = $2`, [userId, nudgeId]);
    return rows[1];
  }
}
