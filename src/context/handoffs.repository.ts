import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { pageAndTotal, PageQuery } from '../common/http/paging';
import type { HandoffStatus } from './context.dto';

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

export interface HandoffRow {
  handoff_id: number;
  title: string;
  prompt: string;
  created_by_agent: string | null;
  recipient: string;
  created_at: Date;
  picked_up_at: Date | null;
}

export interface HandoffCreatedRow {
  handoff_id: number;
  title: string;
  created_at: Date;
}

export interface HandoffPickedUpRow {
  handoff_id: number;
  title: string;
  picked_up_at: Date;
}

/** Who may still delete a handoff: its sender (null once the sender is gone) while it is pending. */
export interface HandoffDeletionRow {
  created_by_agent_id: string | null;
  picked_up_at: Date | null;
}

/** Data access for handoffs between agents of one user; every statement names the recipient or the sender. */
@Injectable()
export class HandoffsRepository {
  /** A page of the recipient's handoffs with `status`, oldest first, and the total. */
  async listForRecipient(em: EntityManager, agentId: string, status: HandoffStatus, page: PageQuery): Promise<[HandoffRow[], number]> {
    const rows: (HandoffRow & { total: string })[] = await em.query(
      `${selectHandoffs(true)}
        WHERE h.agent_id = $1 ${STATUS_FILTER[status]}
        ORDER BY h.created_at, h.handoff_id LIMIT $2 OFFSET $3`,
      [agentId, page.limit, page.offset],
    );
    return pageAndTotal(rows, () => this.count(em, `h.agent_id = $1 ${STATUS_FILTER[status]}`, agentId));
  }

  /** A page of the handoffs an agent sent, newest first, and the total. */
  async listSent(em: EntityManager, senderId: string, page: PageQuery): Promise<[HandoffRow[], number]> {
    const rows: (HandoffRow & { total: string })[] = await em.query(
      `${selectHandoffs(true)}
        WHERE h.created_by_agent_id = $1
        ORDER BY h.created_at DESC, h.handoff_id DESC LIMIT $2 OFFSET $3`,
      [senderId, page.limit, page.offset],
    );
    return pageAndTotal(rows, () => this.count(em, 'h.created_by_agent_id = $1', senderId));
  }

  /** How many handoffs match `where` (a filter on `h` with one parameter). */
  private async count(em: EntityManager, where: string, param: string): Promise<number> {
    const [row]: { n: string }[] = await em.query(`SELECT count(*) AS n FROM handoffs h WHERE ${where}`, [param]);
    return Number(row.n);
  }

  /** One handoff of the recipient, or undefined. */
  async get(em: EntityManager, agentId: string, handoffId: number): Promise<HandoffRow | undefined> {
    const rows: HandoffRow[] = await em.query(`${selectHandoffs()} WHERE h.agent_id = $1 AND h.handoff_id = $2`, [agentId, handoffId]);
    return rows[0];
  }

  async insert(
    em: EntityManager,
    userId: string,
    agentId: string,
    senderId: string,
    f: { title: string; prompt: string },
  ): Promise<HandoffCreatedRow> {
    const rows: HandoffCreatedRow[] = await em.query(
      `INSERT INTO handoffs (user_id, agent_id, created_by_agent_id, title, prompt)
         VALUES ($1, $2, $3, $4, $5) RETURNING handoff_id, title, created_at`,
      [userId, agentId, senderId, f.title, f.prompt],
    );
    return rows[0];
  }

  /** Marks a pending handoff picked up (a conditional update: one of concurrent pickups wins); undefined otherwise. */
  async pickup(em: EntityManager, agentId: string, handoffId: number): Promise<HandoffPickedUpRow | undefined> {
    const rows: [HandoffPickedUpRow[], number] = await em.query(
      `UPDATE handoffs SET picked_up_at = now(), updated_at = now()
          WHERE agent_id = $1 AND handoff_id = $2 AND picked_up_at IS NULL
          RETURNING handoff_id, title, picked_up_at`,
      [agentId, handoffId],
    );
    return rows[0][0];
  }

  /** The recipient's handoff, locked until the transaction ends (before a delete); undefined when there is none. */
  async lockForDelete(em: EntityManager, agentId: string, handoffId: number): Promise<HandoffDeletionRow | undefined> {
    const rows: HandoffDeletionRow[] = await em.query(
      `SELECT created_by_agent_id, picked_up_at FROM handoffs WHERE agent_id = $1 AND handoff_id = $2 FOR UPDATE`,
      [agentId, handoffId],
    );
    return rows[0];
  }

  async remove(em: EntityManager, agentId: string, handoffId: number): Promise<void> {
    await em.query(`DELETE FROM handoffs WHERE agent_id = $1 AND handoff_id = $2`, [agentId, handoffId]);
  }
}
