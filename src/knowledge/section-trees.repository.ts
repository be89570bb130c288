import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { lockForTransaction } from '../database/advisory-lock';

/** The objects that hold a tree of sections; parent 0 = top level. */
export type SectionTreeKind = 'project' | 'wiki';

interface SectionTable {
  table: 'project_sections' | 'wiki_sections';
  /** The column naming the object the sections belong to. */
  ownerColumn: 'project_id' | 'wiki_id';
  /** The object's table, whose updated_at moves with its sections. */
  objectTable: 'projects' | 'wikis';
}

const TABLES: Record<SectionTreeKind, SectionTable> = {
  project: { table: 'project_sections', ownerColumn: 'project_id', objectTable: 'projects' },
  wiki: { table: 'wiki_sections', ownerColumn: 'wiki_id', objectTable: 'wikis' },
};

/**
 * The tree statements shared by project and wiki sections (each feature's own
 * columns are in its repository). Statements on one object by id: the service
 * has checked the caller's access to it in the same transaction.
 */
@Injectable()
export class SectionTreesRepository {
  /** Serialises adding under a parent and deleting subtrees in one object's tree until the transaction ends. */
  lock(em: EntityManager, kind: SectionTreeKind, objectId: number): Promise<void> {
    return lockForTransaction(em, TABLES[kind].table, String(objectId));
  }

  /**
   * Deletes the object with its whole tree (sections, tags and shares go by
   * cascade); returns how many sections went, or null when a concurrent delete
   * took it first. The row is locked first, so a section added meanwhile
   * commits before the count (and goes with it).
   */
  async deleteObject(em: EntityManager, kind: SectionTreeKind, objectId: number): Promise<number | null> {
    const tree = TABLES[kind];
    const locked: unknown[] = await em.query(`SELECT 1 FROM ${tree.objectTable} WHERE ${tree.ownerColumn} = $1 FOR UPDATE`, [objectId]);
    if (locked.length === 0) return null;
    const [{ n }]: { n: number }[] = await em.query(`SELECT count(*)::int AS n FROM ${tree.table} WHERE ${tree.ownerColumn} = $1`, [objectId]);
    await em.query(`DELETE FROM ${tree.objectTable} WHERE ${tree.ownerColumn} = $1`, [objectId]);
    return n;
  }

  async exists(em: EntityManager, kind: SectionTreeKind, objectId: number, sectionId: number): Promise<boolean> {
    const tree = TABLES[kind];
    const rows: unknown[] = await em.query(`SELECT 1 FROM ${tree.table} WHERE ${tree.ownerColumn} = $1 AND section_id = $2`, [
      objectId,
      sectionId,
    ]);
    return rows.length > 0;
  }

  /** Deletes a section and its subtree within the object; the number of rows deleted (0 when there was no such section). */
  async removeSubtree(em: EntityManager, kind: SectionTreeKind, objectId: number, sectionId: number): Promise<number> {
    const tree = TABLES[kind];
    const rows: [unknown[], number] = await em.query(
      `WITH RECURSIVE sub AS (
         SELECT section_id FROM ${tree.table} WHERE ${tree.ownerColumn} = $1 AND section_id = $2
         UNION
         SELECT c.section_id FROM ${tree.table} c JOIN sub ON c.parent_id = sub.section_id WHERE c.${tree.ownerColumn} = $1
       )
       DELETE FROM ${tree.table} WHERE ${tree.ownerColumn} = $1 AND section_id IN (SELECT section_id FROM sub)`,
      [objectId, sectionId],
    );
    return rows[1];
  }

  /** Moves the object's updated_at (it moves with its sections). */
  async touch(em: EntityManager, kind: SectionTreeKind, objectId: number): Promise<void> {
    const tree = TABLES[kind];
    await em.query(`UPDATE ${tree.objectTable} SET updated_at = now() WHERE ${tree.ownerColumn} = $1`, [objectId]);
  }
}
