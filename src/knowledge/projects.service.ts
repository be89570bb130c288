import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AgentCall, Caller } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { pageAndTotal, PageQuery } from '../common/http/paging';
import { JsonText } from '../common/http/json-text';
import { assignments } from '../database/assignments';
import { compactJsonAgg, isoUtc } from '../database/json-sql';
import { Params, Sql } from '../database/sql';
import { DocLinks } from '../documents/doc-links';
import { KnowledgeAudit } from './knowledge-audit';
import { EDIT, FULL, ObjectAccess, READ } from './object-access';
import { CreateProjectDto, UpdateProjectDto } from './projects.dto';

export const PROJECT_NOT_FOUND = 'Project not found';
export const NO_FIELDS = 'No fields to update';
const STATUS_RULE = 'status_id must be a project status id (see GET /project-statuses)';

/** The projects the user sees: owned (level 3) and shared to them (the share's level). */
const VISIBLE_PROJECTS = `
  SELECT project_id, 3 AS level FROM projects WHERE user_id = $1
  UNION ALL
  SELECT project_id, permission_level FROM shared_objects WHERE shared_to_user_id = $1 AND object_type_id = 1`;

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

interface ProjectJsonRow {
  project_id: number;
  owner_id: string;
  json: string;
  total: string;
  sections_version?: string;
}

interface RenderedSections {
  version: string;
  json: string;
}

interface RenderedPage {
  version: string | null;
  rows: ProjectJsonRow[];
  total: number;
}

/** Characters of rendered list pages kept (400 projects are about 150 kB). */
const PAGE_CACHE_SIZE = 64 * 1024 * 1024;

/** Projects (user-scoped, shareable): headers, status lifecycle, the merged owned-and-shared list. */
@Injectable()
export class ProjectsService {
  private readonly sectionTexts = new LRUCache<number, RenderedSections>({
    maxSize: PAGE_CACHE_SIZE,
    sizeCalculation: (r) => r.json.length + 64,
  });
  private readonly pages = new LRUCache<string, RenderedPage>({
    maxSize: PAGE_CACHE_SIZE,
    sizeCalculation: (p) => p.rows.reduce((n, r) => n + r.json.length + 64, 64),
  });

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: ObjectAccess,
    private readonly audit: KnowledgeAudit,
    private readonly links: DocLinks,
    private readonly sql: Sql,
  ) {}

  async statuses() {
    const statuses = await this.db.query(`SELECT status_id, code, label, sort_order FROM project_statuses ORDER BY sort_order`);
    return { statuses };
  }

  /**
   * Owned and shared projects by project_id; `status` filters by code (an
   * unknown code is a 422). A page is rendered by PostgreSQL once per version
   * of the user's project list (see the ProjectListVersion migration) and
   * reused while that version holds; document links are signed per response.
   */
  async list(caller: Caller, status: string | undefined, page: PageQuery): Promise<JsonText> {
    const statusId = status === undefined ? null : await this.statusIdOfCode(status);
    const key = `${caller.userId}/${statusId}/${page.limit}/${page.offset}`;
    const versionParams = new Params();
    versionParams.add(caller.userId);
    const [{ version }] = await this.sql.query<{ version: string }>(LIST_VERSION_SQL, versionParams);
    let cached = this.pages.get(key);
    if (cached?.version !== version) {
      cached = await this.renderPage(caller.userId, statusId, page);
      if (cached.version !== null) this.pages.set(key, cached);
    }
    const projects = cached.rows.map((p) => this.withDocumentUrl(p)).join(',');
    return new JsonText(`{"projects":[${projects}],"total":${cached.total},"limit":${page.limit},"offset":${page.offset}}`);
  }

  /** One page of the list with the list version it was read at (null past the end: not cached). */
  private async renderPage(userId: string, statusId: number | null, page: PageQuery): Promise<RenderedPage> {
    const params = new Params();
    params.add(userId);
    params.add(page.limit);
    params.add(page.offset);
    if (statusId !== null) params.add(statusId);
    const rows = await this.sql.query<ProjectJsonRow & { version: string }>(statusId === null ? LIST_SQL : LIST_BY_STATUS_SQL, params);
    const [found, total] = await pageAndTotal(rows, async () => {
      const count = new Params();
      count.add(userId);
      count.add(statusId);
      const [row] = await this.sql.query<{ n: string }>(COUNT_SQL, count);
      return Number(row.n);
    });
    return { version: rows[0]?.version ?? null, rows: found, total };
  }

  /**
   * One project with all its sections, flat, ordered (parent_id, section_id);
   * 404 without read access. The sections are rendered by PostgreSQL once per
   * version of them (every reader sees the same) and reused while it holds.
   */
  async get(caller: Caller, projectId: number): Promise<JsonText> {
    const params = new Params();
    params.add(caller.userId);
    params.add(projectId);
    const [row] = await this.sql.query<ProjectJsonRow>(GET_SQL, params);
    if (!row) throw AppError.notFound(PROJECT_NOT_FOUND);
    const cached = this.sectionTexts.get(projectId);
    const sections = cached && cached.version === row.sections_version ? cached : await this.renderSections(projectId);
    return new JsonText(`{"project":${this.withDocumentUrl(row)},"sections":${sections.json}}`);
  }

  private async renderSections(projectId: number): Promise<RenderedSections> {
    const params = new Params();
    params.add(projectId);
    const [rendered] = await this.sql.query<RenderedSections>(SECTIONS_SQL, params);
    // The project went between the two reads: as if it had gone before.
    if (!rendered) throw AppError.notFound(PROJECT_NOT_FOUND);
    this.sectionTexts.set(projectId, rendered);
    return rendered;
  }

  /** The project's JSON with its signed document link (the owner's id goes into the signature only). */
  private withDocumentUrl(row: ProjectJsonRow): string {
    const url = this.links.url('project', row.project_id, row.owner_id);
    return `${row.json.slice(0, -1)},"document_url":${JSON.stringify(url)}}`;
  }

  async create(call: AgentCall, input: CreateProjectDto) {
    return this.db.transaction(async (em) => {
      if (input.status_id !== undefined) await this.requireStatus(em, input.status_id);
      const rows: { project_id: number; title: string; status: string; status_label: string }[] = await em.query(
        `WITH p AS (
           INSERT INTO projects (user_id, title, description, status_id) VALUES ($1, $2, $3, $4)
           RETURNING project_id, title, status_id)
         SELECT p.project_id, p.title, st.code AS status, st.label AS status_label
           FROM p JOIN project_statuses st ON st.status_id = p.status_id`,
        [call.caller.userId, input.title, input.description ?? null, input.status_id ?? 1],
      );
      await this.audit.record(em, call, call.caller.userId, 'PROJECT_CREATE', { project_id: rows[0].project_id });
      return { created: rows[0] };
    });
  }

  /** Header update (owner or a level-2 share); `description: null` clears it. */
  async update(call: AgentCall, projectId: number, input: UpdateProjectDto) {
    const fields = { title: input.title, description: input.description, status_id: input.status_id };
    if (Object.values(fields).every((v) => v === undefined)) throw AppError.badRequest(NO_FIELDS);
    return this.db.transaction(async (em) => {
      if (fields.status_id !== undefined) await this.requireStatus(em, fields.status_id);
      const { ownerId } = await this.access.require(em, call.caller.userId, 'project', projectId, EDIT);
      const values: unknown[] = [projectId];
      const sets = assignments(fields, values);
      const rows: { project_id: number; title: string; status: string; status_label: string }[] = await em.query(
        `WITH p AS (
           UPDATE projects SET ${sets.join(', ')}, updated_at = now() WHERE project_id = $1
           RETURNING project_id, title, status_id)
         SELECT p.project_id, p.title, st.code AS status, st.label AS status_label
           FROM p JOIN project_statuses st ON st.status_id = p.status_id`,
        values,
      );
      await this.audit.record(em, call, ownerId, 'PROJECT_UPDATE', { project_id: projectId, fields: Object.keys(fields).filter((k) => fields[k as keyof typeof fields] !== undefined) });
      return { updated: rows[0] };
    });
  }

  /** Owner only: the project, its sections and the shares of it go together. */
  async remove(call: AgentCall, projectId: number) {
    return this.db.transaction(async (em) => {
      await this.access.requireOwner(em, call.caller.userId, 'project', projectId);
      // Locked first: a section added meanwhile commits before the count (and goes with the project).
      await em.query(`SELECT 1 FROM projects WHERE project_id = $1 FOR UPDATE`, [projectId]);
      const [{ n }] = await em.query(`SELECT count(*)::int AS n FROM project_sections WHERE project_id = $1`, [projectId]);
      await em.query(`DELETE FROM projects WHERE project_id = $1`, [projectId]);
      await this.audit.record(em, call, call.caller.userId, 'PROJECT_DELETE', { project_id: projectId, sections_deleted: n });
      return { deleted: projectId, sections_deleted: n as number };
    });
  }

  /** Requires `level` on the project (READ, EDIT or FULL); returns its owner. */
  requireLevel(em: EntityManager, userId: string, projectId: number, level: typeof READ | typeof EDIT | typeof FULL) {
    return this.access.require(em, userId, 'project', projectId, level);
  }

  private async statusIdOfCode(code: string): Promise<number> {
    const rows: { status_id: number }[] = await this.db.query(`SELECT status_id FROM project_statuses WHERE code = $1`, [code]);
    if (!rows[0]) {
      const message = 'status must be a status code: planning, active, on_hold, evolving, complete, archived';
      throw AppError.validation(message, [{ field: 'status', message }]);
    }
    return rows[0].status_id;
  }

  private async requireStatus(em: EntityManager, statusId: number): Promise<void> {
    const rows: unknown[] = await em.query(`SELECT 1 FROM project_statuses WHERE status_id = $1`, [statusId]);
    if (!rows[0]) throw AppError.validation(STATUS_RULE, [{ field: 'status_id', message: STATUS_RULE }]);
  }
}
