import { EntityManager } from 'typeorm';
import { AppError } from '../common/errors/app-error';
import { lockForTransaction } from '../database/advisory-lock';

/** A tree of sections under one object (a project's or a wiki's); parent 0 = top level. */
export interface SectionTree {
  table: 'project_sections' | 'wiki_sections';
  /** The column naming the object the sections belong to. */
  ownerColumn: 'project_id' | 'wiki_id';
  /** The object's table, whose updated_at moves with its sections. */
  objectTable: 'projects' | 'wikis';
  parentRule: string;
}

export const SECTION_NOT_FOUND = 'Section not found';

/**
 * Tree operations shared by project and wiki sections. Adding under a parent
 * and deleting subtrees take a per-object lock, so a section added while its
 * parent's subtree is deleted goes with it or is refused: never an orphan.
 */
export const sectionTrees = {
  lock(em: EntityManager, tree: SectionTree, objectId: number): Promise<void> {
    return lockForTransaction(em, tree.table, String(objectId));
  },

  async exists(em: EntityManager, tree: SectionTree, objectId: number, sectionId: number): Promise<boolean> {
    const rows: unknown[] = await em.query(`SELECT 1 FROM ${tree.table} WHERE ${tree.ownerColumn} = $1 AND section_id = $2`, [
      objectId,
      sectionId,
    ]);
    return rows.length > 0;
  },

  /** Locks the tree and checks a non-zero parent is a section of the same object (422 otherwise). */
  async requireParent(em: EntityManager, tree: SectionTree, objectId: number, parentId: number): Promise<void> {
    if (parentId === 0) return;
    await this.lock(em, tree, objectId);
    if (!(await this.exists(em, tree, objectId, parentId))) {
      throw AppError.validation(tree.parentRule, [{ field: 'parent_id', message: tree.parentRule }]);
    }
  },

  /** Deletes a section and its subtree within the object; the number of rows deleted (404 when none). */
  async removeSubtree(em: EntityManager, tree: SectionTree, objectId: number, sectionId: number): Promise<number> {
    await this.lock(em, tree, objectId);
    const rows: [unknown[], number] = await em.query(
      `WITH RECURSIVE sub AS (
         SELECT section_id FROM ${tree.table} WHERE ${tree.ownerColumn} = $1 AND section_id = $2
         UNION
         SELECT c.section_id FROM ${tree.table} c JOIN sub ON c.parent_id = sub.section_id WHERE c.${tree.ownerColumn} = $1
       )
       DELETE FROM ${tree.table} WHERE ${tree.ownerColumn} = $1 AND section_id IN (SELECT section_id FROM sub)`,
      [objectId, sectionId],
    );
    if (rows[1] === 0) throw AppError.notFound(SECTION_NOT_FOUND);
    return rows[1];
  },

  /** An object's updated_at moves with its sections. */
  async touch(em: EntityManager, tree: SectionTree, objectId: number): Promise<void> {
    await em.query(`UPDATE ${tree.objectTable} SET updated_at = now() WHERE ${tree.ownerColumn} = $1`, [objectId]);
  },
};
