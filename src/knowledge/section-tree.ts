import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppError } from '../common/errors/app-error';
import { SectionTreeKind, SectionTreesRepository } from './section-trees.repository';

/** A tree of sections under one object (a project's or a wiki's); parent 0 = top level. */
export interface SectionTree {
  kind: SectionTreeKind;
  parentRule: string;
}

export const SECTION_NOT_FOUND = 'Section not found';

/**
 * Tree rules shared by project and wiki sections. Adding under a parent and
 * deleting subtrees take a per-object lock, so a section added while its
 * parent's subtree is deleted goes with it or is refused: never an orphan.
 */
@Injectable()
export class SectionTrees {
  constructor(private readonly trees: SectionTreesRepository) {}

  /** Locks the tree and checks a non-zero parent is a section of the same object (422 otherwise). */
  async requireParent(em: EntityManager, tree: SectionTree, objectId: number, parentId: number): Promise<void> {
    if (parentId === 0) return;
    await this.trees.lock(em, tree.kind, objectId);
    if (!(await this.trees.exists(em, tree.kind, objectId, parentId))) {
      throw AppError.validation(tree.parentRule, [{ field: 'parent_id', message: tree.parentRule }]);
    }
  }

  /** Deletes a section and its subtree within the object; the number of rows deleted (404 when none). */
  async removeSubtree(em: EntityManager, tree: SectionTree, objectId: number, sectionId: number): Promise<number> {
    await this.trees.lock(em, tree.kind, objectId);
    const removed = await this.trees.removeSubtree(em, tree.kind, objectId, sectionId);
    if (removed === 0) throw AppError.notFound(SECTION_NOT_FOUND);
    return removed;
  }

  /** An object's updated_at moves with its sections. */
  touch(em: EntityManager, tree: SectionTree, objectId: number): Promise<void> {
    return this.trees.touch(em, tree.kind, objectId);
  }
}
