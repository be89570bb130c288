import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { pageAndTotal, PageQuery } from '../common/http/paging';
import { assignments } from '../database/assignments';
import { compactJsonAgg, isoUtc } from '../database/json-sql';
import { Params, preparedQuery } from '../database/sql';
import { visibleObjects } from './object-access.repository';

const VISIBLE_PROJECTS = visibleObjects('project', '$1');

/**
 * Each visible project as JSON text (`json`, without document_url) with its
 * owner; `filter` narrows the rows (e.g. by status).
 */
const visibleProjectsJson = (filter: string, extraColumns = '') => `
  WITH v AS (${VISIBLE_PROJECTS})
  SELECT p.project_id, p.user_id AS owner_id, row_to_json(n)::text AS json, count(*) OVER () AS total${extraColumns}
    FROM v JOIN projects p USING (project_id) JOIN project_statuses st ON st.status_id = p.status_id
    CROSS JOIN LATERAL (
      SELECT p.project_id, p.title, p.description, st.code AS status, st.label AS status_label,
             CASE WHEN p.user_id = $1 THEN 'owned' ELSE 'shared' END AS access, v.level AS permission_level,
             ${isoUtc('p.created_at')} AS created_at, ${isoUtc('p.updated_at')} AS updated_at) n
   ${filter}`;

/**
 * The version of a user's project list, read from the rows it shows: a
 * project or share written (by any path) gets a newer transaction id, a
 * deleted one changes the count, so (count, sum of xmin) only ever changes
 * when the list may have. No writes, so no lock is ever taken for it.
 */
const LIST_VERSION_SQL = `
  WITH lv AS (
    SELECT p.xmin AS x FROM projects p WHERE p.user_id = $1
    UNION ALL
    SELECT s.xmin FROM shared_objects s WHERE s.shared_to_user_id = $1 AND s.object_type_id = 1
    UNION ALL
    SELECT p.xmin FROM shared_objects s JOIN projects p ON p.project_id = s.project_id
     WHERE s.shared_to_user_id = $1 AND s.object_type_id = 1)
  SELECT count(*) || ':' || coalesce(sum(x::text::bigint), 0) AS version FROM lv`;

/** A page of the list with the list's version, read in the same snapshot. */
const LIST_SQL = `${visibleProjectsJson('', `, (${LIST_VERSION_SQL}) AS version`)} ORDER BY p.project_id LIMIT $2 OFFSET $3`;
const LIST_BY_STATUS_SQL = `${visibleProjectsJson('WHERE p.status_id = $4', `, (${LIST_VERSION_SQL}) AS version`)}
  ORDER BY p.project_id LIMIT $2 OFFSET $3`;

const COUNT_SQL = `WITH v AS (${VISIBLE_PROJECTS}) SELECT count(*) AS n FROM v JOIN projects p USING (project_id) WHERE $2::smallint IS NULL OR p.status_id = $2`;

/** A version of a project's sections: count and xmin of the rows (any write gives a newer xmin). */
const SECTIONS_VERSION = `(SELECT count(*) || ':' || coalesce(sum(s.xmin::text::bigint), 0) FROM project_sections s WHERE s.project_id = p.project_id)`;

/** One visible project as JSON text, with the version of its sections. */
const GET_SQL = visibleProjectsJson('WHERE p.project_id = $2', `, ${SECTIONS_VERSION} AS sections_version`);

/** A project's sections as JSON text (all depths, flat, (parent_id, section_id)) with their version, in one snapshot. */
const SECTIONS_SQL = `
  SELECT ${SECTIONS_VERSION} AS version,
         (SELECT ${compactJsonAgg('json_agg(x ORDER BY s.parent_id, s.section_id)')}
            FROM project_sections s
            CROSS JOIN LATERAL (SELECT s.section_id, s.parent_id, s.title, s.description, s.file_path,
                                       ${isoUtc('s.created_at')} AS created_at, ${isoUtc('s.updated_at')} AS updated_at) x
           WHERE s.project_id = p.project_id) AS json
    FROM projects p WHERE p.project_id = $1`;

const SECTION_COLUMNS = 'section_id, parent_id, title, description, file_path, created_at, updated_at';

export interface ProjectStatusRow {
  status_id: number;
  code: string;
  label: string;
  sort_order: number;
}

/** A visible project as JSON text (without document_url) and its owner. */
export interface ProjectJsonRow {
  project_id: number;
  owner_id: string;
  json: string;
}

/** A row of a list page, with the version of the list it was read at. */
export interface ProjectPageRow extends ProjectJsonRow {
  version: string;
}

/** One project, with the version of its sections. */
export interface ProjectGetRow extends ProjectJsonRow {
  total: string;
  sections_version: string;
}

/** A project's sections as JSON text with their version. */
export interface ProjectSectionsJsonRow {
  version: string;
  json: string;
}

/** A project header as create and update return it. */
export interface ProjectHeaderRow {
  project_id: number;
  title: string;
  status: string;
  status_label: string;
}

export interface ProjectFields {
  title?: string;
  description?: string | null;
  status_id?: number;
}

export interface ProjectSectionRow {
  section_id: number;
  parent_id: number;
  title: string;
  description: string | null;
  file_path: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface ProjectSectionCreatedRow {
  section_id: number;
  parent_id: number;
  title: string;
}

export interface ProjectSectionUpdatedRow {
  section_id: number;
  title: string;
}

export interface ProjectSectionFields {
  title?: string;
  description?: string | null;
  file_path?: string | null;
}

/**
 * Data access for projects and their sections. Lists and the project read
 * take the user (what is visible is visibleObjects()); statements on one
 * project by id come after the service's access check in the same transaction.
 */
@Injectable()
export class ProjectsRepository {
  statuses(em: EntityManager): Promise<ProjectStatusRow[]> {
    return em.query(`SELECT status_id, code, label, sort_order FROM project_statuses ORDER BY sort_order`);
  }

  async statusIdOfCode(em: EntityManager, code: string): Promise<number | undefined> {
    const rows: { status_id: number }[] = await em.query(`SELECT status_id FROM project_statuses WHERE code = $1`, [code]);
    return rows[0]?.status_id;
  }

  async statusExists(em: EntityManager, statusId: number): Promise<boolean> {
    const rows: unknown[] = await em.query(`SELECT 1 FROM project_statuses WHERE status_id = $1`, [statusId]);
    return rows[0] !== undefined;
  }

  /** The version of the user's project list (LIST_VERSION_SQL). */
  async listVersion(em: EntityManager, userId: string): Promise<string> {
    const params = new Params();
    params.add(userId);
    const [{ version }] = await preparedQuery<{ version: string }>(em, LIST_VERSION_SQL, params);
    return version;
  }

  /** A page of the user's list (`statusId` null: every status) and the total; each row carries the list version. */
  async page(em: EntityManager, userId: string, statusId: number | null, page: PageQuery): Promise<[ProjectPageRow[], number]> {
    const params = new Params();
    params.add(userId);
    params.add(page.limit);
    params.add(page.offset);
    if (statusId !== null) params.add(statusId);
    const rows = await preparedQuery<ProjectPageRow & { total: string }>(em, statusId === null ? LIST_SQL : LIST_BY_STATUS_SQL, params);
    return pageAndTotal(rows, async () => {
      const count = new Params();
      count.add(userId);
      count.add(statusId);
      const [row] = await preparedQuery<{ n: string }>(em, COUNT_SQL, count);
      return Number(row.n);
    });
  }

  /** One project the user sees, as JSON text; undefined when it is not visible to them. */
  async get(em: EntityManager, userId: string, projectId: number): Promise<ProjectGetRow | undefined> {
    const params = new Params();
    params.add(userId);
    params.add(projectId);
    const rows = await preparedQuery<ProjectGetRow>(em, GET_SQL, params);
    return rows[0];
  }

  /** A project's sections as JSON text with their version; undefined when the project does not exist. */
  async sectionsJson(em: EntityManager, projectId: number): Promise<ProjectSectionsJsonRow | undefined> {
    const params = new Params();
    params.add(projectId);
    const rows = await preparedQuery<ProjectSectionsJsonRow>(em, SECTIONS_SQL, params);
    return rows[0];
  }

  async insert(em: EntityManager, userId: string, f: ProjectFields & { title: string }): Promise<ProjectHeaderRow> {
    const rows: ProjectHeaderRow[] = await em.query(
      `WITH p AS (
         INSERT INTO projects (user_id, title, description, status_id) VALUES ($1, $2, $3, $4)
         RETURNING project_id, title, status_id)
       SELECT p.project_id, p.title, st.code AS status, st.label AS status_label
         FROM p JOIN project_statuses st ON st.status_id = p.status_id`,
      [userId, f.title, f.description ?? null, f.status_id ?? 1],
    );
    return rows[0];
  }

  /** Sets the defined fields (null clears); undefined when the project is gone. */
  async update(em: EntityManager, projectId: number, f: ProjectFields): Promise<ProjectHeaderRow | undefined> {
    const values: unknown[] = [projectId];
    const sets = assignments({ ...f }, values);
    const rows: ProjectHeaderRow[] = await em.query(
      `WITH p AS (
         UPDATE projects SET ${sets.join(', ')}, updated_at = now() WHERE project_id = $1
         RETURNING project_id, title, status_id)
       SELECT p.project_id, p.title, st.code AS status, st.label AS status_label
         FROM p JOIN project_statuses st ON st.status_id = p.status_id`,
      values,
    );
    return rows[0];
  }

  async section(em: EntityManager, projectId: number, sectionId: number): Promise<ProjectSectionRow | undefined> {
    const rows: ProjectSectionRow[] = await em.query(
      `SELECT ${SECTION_COLUMNS} FROM project_sections WHERE project_id = $1 AND section_id = $2`,
      [projectId, sectionId],
    );
    return rows[0];
  }

  /** A section's immediate children, in section_id order. */
  children(em: EntityManager, projectId: number, parentId: number): Promise<ProjectSectionRow[]> {
    return em.query(`SELECT ${SECTION_COLUMNS} FROM project_sections WHERE project_id = $1 AND parent_id = $2 ORDER BY section_id`, [
      projectId,
      parentId,
    ]);
  }

  async insertSection(em: EntityManager, projectId: number, parentId: number, f: ProjectSectionFields & { title: string }): Promise<ProjectSectionCreatedRow> {
    const rows: ProjectSectionCreatedRow[] = await em.query(
      `INSERT INTO project_sections (project_id, parent_id, title, description, file_path)
       VALUES ($1, $2, $3, $4, $5) RETURNING section_id, parent_id, title`,
      [projectId, parentId, f.title, f.description ?? null, f.file_path ?? null],
    );
    return rows[0];
  }

  /** Sets the defined fields (null clears); undefined when the project has no such section. */
  async updateSection(em: EntityManager, projectId: number, sectionId: number, f: ProjectSectionFields): Promise<ProjectSectionUpdatedRow | undefined> {
    const values: unknown[] = [projectId, sectionId];
    const sets = assignments({ ...f }, values);
    const rows: [ProjectSectionUpdatedRow[], number] = await em.query(
      `UPDATE project_sections SET ${sets.join(', ')}, updated_at = now()
        WHERE project_id = $1 AND section_id = $2 RETURNING section_id, title`,
      values,
    );
    return rows[0][0];
  }
}
