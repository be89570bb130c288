import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { assignments } from '../database/assignments';
import { pageAndTotal, PageQuery } from '../common/http/paging';
import { lockForTransaction } from '../database/advisory-lock';

/** The two per-agent trees; same columns, separate tables (as LucyAPI). */
export type TreeKind = 'always_load' | 'preferences';

export interface TreeNode {
  pkid: number;
  parent_id: number;
  title: string;
  description: string | null;
  sort_order: number;
  created_at: Date;
  updated_at: Date;
}

/** A root as the manifest lists it. */
export interface TreeRootRow {
  pkid: number;
  title: string;
  sort_order: number;
}

export interface NodeFields {
  title?: string;
  description?: string | null;
  parent_id?: number;
  sort_order?: number;
}

const COLUMNS = 'pkid, parent_id, title, description, sort_order, created_at, updated_at';
/** Siblings in order: sort_order, then pkid; a flat list groups them by parent. */
const FLAT_ORDER = 'parent_id, sort_order, pkid';

/** Data access for the agent trees. Every method names the agent; the table comes from a fixed set. */
@Injectable()
export class AgentTreesRepository {
  async list(em: EntityManager, kind: TreeKind, agentId: string, page: PageQuery): Promise<[TreeNode[], number]> {
    const rows: (TreeNode & { total: string })[] = await em.query(
      `SELECT ${COLUMNS}, count(*) OVER () AS total FROM ${kind}
        WHERE agent_id = $1 ORDER BY ${FLAT_ORDER} LIMIT $2 OFFSET $3`,
      [agentId, page.limit, page.offset],
    );
    return pageAndTotal(rows, async () => {
      const [row]: { n: string }[] = await em.query(`SELECT count(*) AS n FROM ${kind} WHERE agent_id = $1`, [agentId]);
      return Number(row.n);
    });
  }

  /** A page of the roots, in sibling order, as the manifest shows them. */
  async roots(em: EntityManager, kind: TreeKind, agentId: string, page: PageQuery): Promise<[TreeRootRow[], number]> {
    const rows: (TreeRootRow & { total: string })[] = await em.query(
      `SELECT pkid, title, sort_order, count(*) OVER () AS total FROM ${kind}
        WHERE agent_id = $1 AND parent_id = 0 ORDER BY sort_order, pkid LIMIT $2 OFFSET $3`,
      [agentId, page.limit, page.offset],
    );
    return pageAndTotal(rows, async () => {
      const [row]: { n: string }[] = await em.query(`SELECT count(*) AS n FROM ${kind} WHERE agent_id = $1 AND parent_id = 0`, [agentId]);
      return Number(row.n);
    });
  }

  /** Every node of the agent's tree, in sibling order (to build the nested tree). */
  async all(em: EntityManager, kind: TreeKind, agentId: string): Promise<TreeNode[]> {
    const rows: TreeNode[] = await em.query(`SELECT ${COLUMNS} FROM ${kind} WHERE agent_id = $1 ORDER BY ${FLAT_ORDER}`, [agentId]);
    return rows;
  }

  async node(em: EntityManager, kind: TreeKind, agentId: string, pkid: number, lock = false): Promise<TreeNode | null> {
    const rows: TreeNode[] = await em.query(
      `SELECT ${COLUMNS} FROM ${kind} WHERE agent_id = $1 AND pkid = $2${lock ? ' FOR UPDATE' : ''}`,
      [agentId, pkid],
    );
    return rows[0] ?? null;
  }

  /** Immediate children, in sibling order; `parentId` 0 gives the roots. */
  async children(em: EntityManager, kind: TreeKind, agentId: string, parentId: number): Promise<TreeNode[]> {
    const rows: TreeNode[] = await em.query(
      `SELECT ${COLUMNS} FROM ${kind} WHERE agent_id = $1 AND parent_id = $2 ORDER BY sort_order, pkid`,
      [agentId, parentId],
    );
    return rows;
  }

  async insert(em: EntityManager, kind: TreeKind, userId: string, agentId: string, f: Required<NodeFields>): Promise<TreeNode> {
    const rows: TreeNode[] = await em.query(
      `INSERT INTO ${kind} (user_id, agent_id, parent_id, title, description, sort_order)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
      [userId, agentId, f.parent_id, f.title, f.description, f.sort_order],
    );
    return rows[0];
  }

  async update(em: EntityManager, kind: TreeKind, agentId: string, pkid: number, f: NodeFields): Promise<TreeNode> {
    const values: unknown[] = [agentId, pkid];
    const sets = assignments({ ...f }, values);
    const rows: [TreeNode[], number] = await em.query(
      `UPDATE ${kind} SET ${sets.join(', ')}, updated_at = now()
        WHERE agent_id = $1 AND pkid = $2 RETURNING ${COLUMNS}`,
      values,
    );
    return rows[0][0];
  }

  /**
   * Serialises structural changes (adding under a parent, moves, subtree
   * deletes) to one agent's tree until the transaction ends. Without it a
   * child added while its parent's subtree is deleted is left orphaned, and two
   * crossing moves can both pass the cycle check.
   */
  async lockTree(em: EntityManager, kind: TreeKind, agentId: string): Promise<void> {
    await lockForTransaction(em, kind, agentId);
  }

  /** Whether `candidate` is `pkid` itself or lies under it (moving `pkid` there would make a cycle). */
  async isWithinSubtree(em: EntityManager, kind: TreeKind, agentId: string, pkid: number, candidate: number): Promise<boolean> {
    const rows: unknown[] = await em.query(
      `WITH RECURSIVE sub AS (
         SELECT pkid FROM ${kind} WHERE agent_id = $1 AND pkid = $2
         UNION
         SELECT t.pkid FROM ${kind} t JOIN sub ON t.parent_id = sub.pkid WHERE t.agent_id = $1
       )
       SELECT 1 FROM sub WHERE pkid = $3`,
      [agentId, pkid, candidate],
    );
    return rows.length > 0;
  }

  /** Deletes a node and everything under it, within this agent's tree only; returns how many rows went. */
  async removeSubtree(em: EntityManager, kind: TreeKind, agentId: string, pkid: number): Promise<number> {
    const rows: [unknown[], number] = await em.query(
      `WITH RECURSIVE sub AS (
         SELECT pkid FROM ${kind} WHERE agent_id = $1 AND pkid = $2
         UNION
         SELECT t.pkid FROM ${kind} t JOIN sub ON t.parent_id = sub.pkid WHERE t.agent_id = $1
       )
       DELETE FROM ${kind} WHERE agent_id = $1 AND pkid IN (SELECT pkid FROM sub)`,
      [agentId, pkid],
    );
    return rows[1];
  }
}
