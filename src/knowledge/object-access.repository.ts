import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** The shareable object types (LucyAPI's object_types). */
export type ObjectKind = 'project' | 'hint' | 'wiki';

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

/** Owners hold level 3; a share holds its permission_level (1 read, 2 edit, 3 full). */
export const OWNER_LEVEL = 3;

/**
 * The objects of a kind that `user` (a SQL expression: `$1`, `g.user_id`) may
 * see, one row each: the kind's id column and `level`. Owned objects, and the
 * objects shared to the user (for hints: every hint of a shared category).
 * Every list and the agent context select through this: it is the visibility
 * rule, written once. Owned and shared rows never overlap (no one shares to
 * themselves, and a category's hints all belong to its owner).
 */
export function visibleObjects(kind: ObjectKind, user: string): string {
  const o = OBJECTS[kind];
  // A project or wiki share names the object itself; a category share stands for every hint in the category.
  const shared =
    kind === 'hint'
      ? `SELECT o.hint_id, s.permission_level FROM shared_objects s JOIN hints o ON o.hint_category_id = s.hint_id`
      : `SELECT s.${o.shareColumn}, s.permission_level FROM shared_objects s`;
  return `SELECT o.${o.idColumn}, ${OWNER_LEVEL} AS level FROM ${o.table} o WHERE o.user_id = ${user}
          UNION ALL
          ${shared} WHERE s.shared_to_user_id = ${user} AND s.object_type_id = ${o.typeId}`;
}

/** One object's level for a user: the row the access rules in ObjectAccess judge. */
@Injectable()
export class ObjectAccessRepository {
  /** The user's level on the object (0 without a share) and its owner, or undefined when it does not exist. */
  async level(em: EntityManager, userId: string, kind: ObjectKind, id: number): Promise<{ level: number; owner_id: string } | undefined> {
    const o = OBJECTS[kind];
    const rows: { level: number; owner_id: string }[] = await em.query(
      `SELECT CASE WHEN o.user_id = $1 THEN ${OWNER_LEVEL} ELSE coalesce(s.permission_level, 0) END AS level, o.user_id AS owner_id
         FROM ${o.table} o
         LEFT JOIN shared_objects s ON s.${o.shareColumn} = ${o.sharedVia} AND s.shared_to_user_id = $1
        WHERE o.${o.idColumn} = $2`,
      [userId, id],
    );
    return rows[0];
  }
}
