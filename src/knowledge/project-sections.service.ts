import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AgentCall, Caller } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { assignments } from '../database/assignments';
import { KnowledgeAudit } from './knowledge-audit';
import { EDIT, FULL, READ } from './object-access';
import { CreateSectionDto, UpdateSectionDto } from './projects.dto';
import { NO_FIELDS, ProjectsService } from './projects.service';
import { SECTION_NOT_FOUND, SectionTree, sectionTrees } from './section-tree';

const TREE: SectionTree = {
  table: 'project_sections',
  ownerColumn: 'project_id',
  objectTable: 'projects',
  parentRule: 'parent_id must be 0 or a section of the same project',
};

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
    private readonly audit: KnowledgeAudit,
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
      await sectionTrees.requireParent(em, TREE, projectId, parentId);
      const rows: { section_id: number; parent_id: number; title: string }[] = await em.query(
        `INSERT INTO project_sections (project_id, parent_id, title, description, file_path)
         VALUES ($1, $2, $3, $4, $5) RETURNING section_id, parent_id, title`,
        [projectId, parentId, input.title, input.description ?? null, input.file_path ?? null],
      );
      await sectionTrees.touch(em, TREE, projectId);
      await this.audit.record(em, call, ownerId, 'PROJECT_SECTION_CREATE', { project_id: projectId, section_id: rows[0].section_id });
      return { created: rows[0] };
    });
  }

  async update(call: AgentCall, projectId: number, sectionId: number, input: UpdateSectionDto) {
    const fields = { title: input.title, description: input.description, file_path: input.file_path };
    if (Object.values(fields).every((v) => v === undefined)) throw AppError.badRequest(NO_FIELDS);
    return this.db.transaction(async (em) => {
      const { ownerId } = await this.projects.requireLevel(em, call.caller.userId, projectId, EDIT);
      const values: unknown[] = [projectId, sectionId];
      const sets = assignments(fields, values);
      const rows: [{ section_id: number; title: string }[], number] = await em.query(
        `UPDATE project_sections SET ${sets.join(', ')}, updated_at = now()
          WHERE project_id = $1 AND section_id = $2 RETURNING section_id, title`,
        values,
      );
      if (!rows[0][0]) throw AppError.notFound(SECTION_NOT_FOUND);
      await sectionTrees.touch(em, TREE, projectId);
      await this.audit.record(em, call, ownerId, 'PROJECT_SECTION_UPDATE', { project_id: projectId, section_id: sectionId });
      return { updated: rows[0][0] };
    });
  }

  /** Deletes a section with its whole subtree (level 3). */
  async remove(call: AgentCall, projectId: number, sectionId: number) {
    return this.db.transaction(async (em) => {
      const { ownerId } = await this.projects.requireLevel(em, call.caller.userId, projectId, FULL);
      const removed = await sectionTrees.removeSubtree(em, TREE, projectId, sectionId);
      await sectionTrees.touch(em, TREE, projectId);
      await this.audit.record(em, call, ownerId, 'PROJECT_SECTION_DELETE', {
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
}
