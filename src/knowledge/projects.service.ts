import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AgentCall, Caller } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { pageAndTotal, PageQuery } from '../common/http/paging';
import { assignments } from '../database/assignments';
import { DocLinks } from '../documents/doc-links';
import { KnowledgeAudit } from './knowledge-audit';
import { EDIT, FULL, ObjectAccess, READ } from './object-access';
import { CreateProjectDto, UpdateProjectDto } from './projects.dto';

export const PROJECT_NOT_FOUND = 'Project not found';
export const NO_FIELDS = 'No fields to update';
const STATUS_RULE = 'status_id must be a project status id (see GET /project-statuses)';

/** A project as lists and reads show it; `access` and `permission_level` are the caller's. */
const PROJECT_COLUMNS = `p.project_id, p.title, p.description, st.code AS status, st.label AS status_label,
  CASE WHEN p.user_id = $1 THEN 'owned' ELSE 'shared' END AS access, v.level AS permission_level, p.created_at, p.updated_at,
  p.user_id AS owner_id`;

interface ProjectRow {
  project_id: number;
  owner_id: string;
  [column: string]: unknown;
}

/** The projects the user sees: owned (level 3) and shared to them (the share's level). */
const VISIBLE_PROJECTS = `
  SELECT project_id, 3 AS level FROM projects WHERE user_id = $1
  UNION ALL
  SELECT project_id, permission_level FROM shared_objects WHERE shared_to_user_id = $1 AND object_type_id = 1`;

/** Projects (user-scoped, shareable): headers, status lifecycle, the merged owned-and-shared list. */
@Injectable()
export class ProjectsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: ObjectAccess,
    private readonly audit: KnowledgeAudit,
    private readonly links: DocLinks,
  ) {}

  async statuses() {
    const statuses = await this.db.query(`SELECT status_id, code, label, sort_order FROM project_statuses ORDER BY sort_order`);
    return { statuses };
  }

  /** Owned and shared projects by project_id; `status` filters by code (an unknown code is a 422). */
  async list(caller: Caller, status: string | undefined, page: PageQuery) {
    const filter = status === undefined ? '' : 'WHERE st.status_id = $4';
    const params: unknown[] = [caller.userId, page.limit, page.offset];
    if (status !== undefined) params.push(await this.statusIdOfCode(status));
    const rows: { total: string }[] = await this.db.query(
      `WITH v AS (${VISIBLE_PROJECTS})
       SELECT count(*) OVER () AS total, ${PROJECT_COLUMNS}
         FROM v JOIN projects p USING (project_id) JOIN project_statuses st ON st.status_id = p.status_id
         ${filter} ORDER BY p.project_id LIMIT $2 OFFSET $3`,
      params,
    );
    const [found, total] = await pageAndTotal(rows as (ProjectRow & { total: string })[], async () => {
      const [row] = await this.db.query(
        `WITH v AS (${VISIBLE_PROJECTS})
         SELECT count(*) AS n FROM v JOIN projects p USING (project_id) JOIN project_statuses st ON st.status_id = p.status_id
          ${filter.replace('$4', '$2')}`,
        status === undefined ? [caller.userId] : [caller.userId, params[3]],
      );
      return Number(row.n);
    });
    return { projects: found.map((p) => this.withDocumentUrl(p)), total, limit: page.limit, offset: page.offset };
  }

  /** One project with all its sections, flat, ordered (parent_id, section_id). */
  async get(caller: Caller, projectId: number) {
    const project = await this.header(this.db.manager, caller.userId, projectId);
    const sections = await this.db.query(
      `SELECT section_id, parent_id, title, description, file_path, created_at, updated_at
         FROM project_sections WHERE project_id = $1 ORDER BY parent_id, section_id`,
      [projectId],
    );
    return { project, sections };
  }

  /** The project's header as the user sees it; 404 without read access. */
  async header(em: EntityManager, userId: string, projectId: number) {
    const rows: ProjectRow[] = await em.query(
      `WITH v AS (${VISIBLE_PROJECTS})
       SELECT ${PROJECT_COLUMNS}
         FROM v JOIN projects p USING (project_id) JOIN project_statuses st ON st.status_id = p.status_id
        WHERE p.project_id = $2`,
      [userId, projectId],
    );
    if (!rows[0]) throw AppError.notFound(PROJECT_NOT_FOUND);
    return this.withDocumentUrl(rows[0]);
  }

  /** The project as shown: the owner's id goes into the signed document link only. */
  private withDocumentUrl({ owner_id: ownerId, ...project }: ProjectRow) {
    return { ...project, document_url: this.links.url('project', project.project_id, ownerId) };
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
