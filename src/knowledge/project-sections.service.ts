import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AgentCall, Caller } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { lockForTransaction } from '../database/advisory-lock';
import { EDIT, FULL, READ } from './object-access';
import { CreateSectionDto, UpdateSectionDto } from './projects.dto';
import { NO_FIELDS, ProjectsService } from './projects.service';

export const SECTION_NOT_FOUND = 'Section not found';
export const SECTION_PARENT_RULE = 'parent_id must be 0 or a section of the same project';

const COLUMNS = 'section_id, parent_id, title, description, file_path, created_at, updated_at';

/**
 * A project's section tree: read with level 1, written with level 2, subtrees
 * deleted with level 3. Every change moves the project's updated_at.
 */
@Injectable()
export class ProjectSectionsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly projects: ProjectsService,
  ) {}

  /** A section and its immediate children, in section_id order. */
  async get(caller: Caller, projectId: number, sectionId: number) {
    await this.projects.requireLevel(this.db.manager, caller.userId, projectId, READ);
    const section = await this.find(this.db.manager, projectId, sectionId);
    if (!section) throw AppError.notFound(SECTION_NOT_FOUND);
    const children = await this.db.query(
      `SELECT ${COLUMNS} FROM project_sections WHERE project_id = $1 AND parent_id = $2 ORDER BY section_id`,
      [projectId, sectionId],
    );
    return { section, children };
  }

  async create(call: AgentCall, projectId: number, input: CreateSectionDto) {
    return this.db.transaction(async (em) => {
      const { ownerId } = await this.projects.requireLevel(em, call.caller.userId, projectId, EDIT);
      const parentId = input.parent_id ?? 0;
      if (parentId !== 0) {
        await this.lockTree(em, projectId);
        if (!(await this.find(em, projectId, parentId))) {
          throw AppError.validation(SECTION_PARENT_RULE, [{ field: 'parent_id', message: SECTION_PARENT_RULE }]);
        }
      }
      const rows: { section_id: number; parent_id: number; title: string }[] = await em.query(
        `INSERT INTO project_sections (project_id, parent_id, title, description, file_path)
         VALUES ($1, $2, $3, $4, $5) RETURNING section_id, parent_id, title`,
        [projectId, parentId, input.title, input.description ?? null, input.file_path ?? null],
      );
      await this.touch(em, projectId);
      await this.projects.record(em, call, ownerId, 'PROJECT_SECTION_CREATE', { project_id: projectId, section_id: rows[0].section_id });
      return { created: rows[0] };
    });
  }

  async update(call: AgentCall, projectId: number, sectionId: number, input: UpdateSectionDto) {
    const fields = { title: input.title, description: input.description, file_path: input.file_path };
    if (Object.values(fields).every((v) => v === undefined)) throw AppError.badRequest(NO_FIELDS);
    return this.db.transaction(async (em) => {
      const { ownerId } = await this.projects.requireLevel(em, call.caller.userId, projectId, EDIT);
      const sets: string[] = [];
      const values: unknown[] = [projectId, sectionId];
      for (const [column, value] of Object.entries(fields)) {
        if (value === undefined) continue;
        values.push(value);
        sets.push(`${column} = $${values.length}`);
      }
      const rows: [{ section_id: number; title: string }[], number] = await em.query(
        `UPDATE project_sections SET ${sets.join(', ')}, updated_at = now()
          WHERE project_id = $1 AND section_id = $2 RETURNING section_id, title`,
        values,
      );
      if (!rows[0][0]) throw AppError.notFound(SECTION_NOT_FOUND);
      await this.touch(em, projectId);
      await this.projects.record(em, call, ownerId, 'PROJECT_SECTION_UPDATE', { project_id: projectId, section_id: sectionId });
      return { updated: rows[0][0] };
    });
  }

  /** Deletes a section with its whole subtree (level 3). */
  async remove(call: AgentCall, projectId: number, sectionId: number) {
    return this.db.transaction(async (em) => {
      const { ownerId } = await this.projects.requireLevel(em, call.caller.userId, projectId, FULL);
      await this.lockTree(em, projectId);
      const rows: [unknown[], number] = await em.query(
        `WITH RECURSIVE sub AS (
           SELECT section_id FROM project_sections WHERE project_id = $1 AND section_id = $2
           UNION
           SELECT c.section_id FROM project_sections c JOIN sub ON c.parent_id = sub.section_id WHERE c.project_id = $1
         )
         DELETE FROM project_sections WHERE project_id = $1 AND section_id IN (SELECT section_id FROM sub)`,
        [projectId, sectionId],
      );
      const removed = rows[1];
      if (removed === 0) throw AppError.notFound(SECTION_NOT_FOUND);
      await this.touch(em, projectId);
      await this.projects.record(em, call, ownerId, 'PROJECT_SECTION_DELETE', {
        project_id: projectId,
        section_id: sectionId,
        descendants_deleted: removed - 1,
      });
      return { deleted: sectionId, descendants_deleted: removed - 1 };
    });
  }

  private async find(em: EntityManager, projectId: number, sectionId: number): Promise<Record<string, unknown> | null> {
    const rows: Record<string, unknown>[] = await em.query(
      `SELECT ${COLUMNS} FROM project_sections WHERE project_id = $1 AND section_id = $2`,
      [projectId, sectionId],
    );
    return rows[0] ?? null;
  }

  /** Adding under a parent and deleting subtrees are serialised per project (no orphans). */
  private lockTree(em: EntityManager, projectId: number): Promise<void> {
    return lockForTransaction(em, 'project_sections', String(projectId));
  }

  /** A project's updated_at moves with its sections (as a wiki's does). */
  private async touch(em: EntityManager, projectId: number): Promise<void> {
    await em.query(`UPDATE projects SET updated_at = now() WHERE project_id = $1`, [projectId]);
  }
}
