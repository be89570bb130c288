import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppError } from '../common/errors/app-error';

/** The shareable object types (LucyAPI's object_types). */
export type ObjectKind = 'project' | 'hint' | 'wiki';

/** Permission levels: 1 read, 2 read + edit, 3 full; owners count as 3. 0 = no access. */
export type AccessLevel = 0 | 1 | 2 | 3;
export const READ = 1;
export const EDIT = 2;
export const FULL = 3;

interface ObjectTable {
  typeId: 1 | 2 | 3;
  table: string;
  idColumn: string;
  /** The shared object an object's access comes from (a hint's comes from its category). */
  sharedVia: string;
  /** The share column pointing at that object. */
  shareColumn: string;
  notFound: string;
}

export const OBJECTS: Record<ObjectKind, ObjectTable> = {
  project: { typeId: 1, table: 'projects', idColumn: 'project_id', sharedVia: 'o.project_id', shareColumn: 'project_id', notFound: 'Project not found' },
  hint: { typeId: 2, table: 'hints', idColumn: 'hint_id', sharedVia: 'o.hint_category_id', shareColumn: 'hint_id', notFound: 'Hint not found' },
  wiki: { typeId: 3, table: 'wikis', idColumn: 'wiki_id', sharedVia: 'o.wiki_id', shareColumn: 'wiki_id', notFound: 'Wiki not found' },
};

export const KIND_OF_TYPE: Record<number, ObjectKind> = { 1: 'project', 2: 'hint', 3: 'wiki' };

export interface ObjectAccessResult {
  level: AccessLevel;
  /** The owning user (the category owner for a hint). */
  ownerId: string;
}

/**
 * The one access rule for user-scoped knowledge, REST and MCP alike:
 * accessLevel(user, object) is 3 for the owner, else the level of a share to
 * the user (on the hint's category for hints), else 0. Too low a level is the
 * object's 404, so a foreign object's existence never leaks.
 */
@Injectable()
export class ObjectAccess {
  /** The user's level on the object, or null when the object does not exist. */
  async level(em: EntityManager, userId: string, kind: ObjectKind, id: number): Promise<ObjectAccessResult | null> {
    const o = OBJECTS[kind];
    const rows: { level: number; owner_id: string }[] = await em.query(
      `SELECT CASE WHEN o.user_id = $1 THEN 3 ELSE coalesce(s.permission_level, 0) END AS level, o.user_id AS owner_id
         FROM ${o.table} o
         LEFT JOIN shared_objects s ON s.${o.shareColumn} = ${o.sharedVia} AND s.shared_to_user_id = $1
        WHERE o.${o.idColumn} = $2`,
      [userId, id],
    );
    return rows[0] ? { level: rows[0].level as AccessLevel, ownerId: rows[0].owner_id } : null;
  }

  /** The user's access when it is at least `minimum`; otherwise the object's 404 (or `notFound`). */
  async require(
    em: EntityManager,
    userId: string,
    kind: ObjectKind,
    id: number,
    minimum: AccessLevel,
    notFound = OBJECTS[kind].notFound,
  ): Promise<ObjectAccessResult> {
    const access = await this.level(em, userId, kind, id);
    if (!access || access.level < minimum) throw AppError.notFound(notFound);
    return access;
  }

  /** Owner only (deleting the object, sharing it): a share of any level is not enough. */
  async requireOwner(em: EntityManager, userId: string, kind: ObjectKind, id: number, notFound = OBJECTS[kind].notFound): Promise<void> {
    const access = await this.level(em, userId, kind, id);
    if (!access || access.ownerId !== userId) throw AppError.notFound(notFound);
  }
}
