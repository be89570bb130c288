import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AppError } from '../common/errors/app-error';
import { OBJECTS, ObjectAccessRepository, ObjectKind } from './object-access.repository';

/**
 * What a caller may do with a shared object: `read` it (and its sections),
 * `edit` it (headers, add and change sections), or `full`: also delete
 * sections and sub-hints. Shares carry them as permission_level 1, 2 and 3;
 * owners hold `full`, and only owners delete the object itself or share it.
 */
export type Permission = 'read' | 'edit' | 'full';
const LEVEL: Record<Permission, number> = { read: 1, edit: 2, full: 3 };

export interface ObjectAccessResult {
  /** The owning user (the category owner for a hint). */
  ownerId: string;
}

/**
 * The one access rule for user-scoped knowledge, REST and MCP alike: the owner
 * holds every permission; anyone else holds what a share to them grants (on
 * the hint's category for hints), else none. Lacking the permission is the
 * object's 404, so a foreign object's existence never leaks. Lists select
 * through visibleObjects(), the same rule in SQL.
 */
@Injectable()
export class ObjectAccess {
  constructor(private readonly objects: ObjectAccessRepository) {}

  /** The object's owner when the user holds `permission` on it; otherwise the object's 404 (or `notFound`). */
  async require(
    em: EntityManager,
    userId: string,
    kind: ObjectKind,
    id: number,
    permission: Permission,
    notFound = OBJECTS[kind].notFound,
  ): Promise<ObjectAccessResult> {
    const row = await this.objects.level(em, userId, kind, id);
    if (!row || row.level < LEVEL[permission]) throw AppError.notFound(notFound);
    return { ownerId: row.owner_id };
  }

  /** Owner only (deleting the object, sharing it): a share of any level is not enough. */
  async requireOwner(em: EntityManager, userId: string, kind: ObjectKind, id: number, notFound = OBJECTS[kind].notFound): Promise<void> {
    const row = await this.objects.level(em, userId, kind, id);
    if (!row || row.owner_id !== userId) throw AppError.notFound(notFound);
  }
}
