import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AgentCall, Caller } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { KnowledgeAudit } from './knowledge-audit';
import { ObjectAccess } from './object-access';
import { CreateSectionDto, UpdateSectionDto } from './projects.dto';
import { ProjectsRepository } from './projects.repository';
import { NO_FIELDS } from './projects.service';
import { SECTION_NOT_FOUND, SectionTree, SectionTrees } from './section-tree';

const TREE: SectionTree = {
  kind: 'project',
  parentRule: 'parent_id must be 0 or a section of the same project',
};

/**
 * A project's section tree: read with level 1, written with level 2, subtrees
 * deleted with level 3. Every change moves the project's updated_at.
 */
@Injectable()
export class ProjectSectionsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: ObjectAccess,
    private readonly audit: KnowledgeAudit,
    private readonly projects: ProjectsRepository,
    private readonly trees: SectionTrees,
  ) {}

  /** A section and its immediate children, in section_id order. */
  async get(caller: Caller, projectId: number, sectionId: number) {
    await this.access.require(this.db.manager, caller.userId, 'project', projectId, 'read');
    const section = await this.projects.section(this.db.manager, projectId, sectionId);
    if (!section) throw AppError.notFound(SECTION_NOT_FOUND);
    const children = await this.projects.children(this.db.manager, projectId, sectionId);
    return { section, children };
  }

  async create(call: AgentCall, projectId: number, input: CreateSectionDto) {
    return this.db.transaction(async (em) => {
      const { ownerId } = await this.access.require(em, call.caller.userId, 'project', projectId, 'edit');
      const parentId = input.parent_id ?? 0;
      await this.trees.requireParent(em, TREE, projectId, parentId);
      const created = await this.projects.insertSection(em, projectId, parentId, input);
      await this.trees.touch(em, TREE, projectId);
      await this.audit.record(em, call, ownerId, 'PROJECT_SECTION_CREATE', { project_id: projectId, section_id: created.section_id });
      return { created };
    });
  }

  async update(call: AgentCall, projectId: number, sectionId: number, input: UpdateSectionDto) {
    const fields = { title: input.title, description: input.description, file_path: input.file_path };
    if (Object.values(fields).every((v) => v === undefined)) throw AppError.badRequest(NO_FIELDS);
    return this.db.transaction(async (em) => {
      const { ownerId } = await this.access.require(em, call.caller.userId, 'project', projectId, 'edit');
      const updated = await this.projects.updateSection(em, projectId, sectionId, fields);
      if (!updated) throw AppError.notFound(SECTION_NOT_FOUND);
      await this.trees.touch(em, TREE, projectId);
      await this.audit.record(em, call, ownerId, 'PROJECT_SECTION_UPDATE', { project_id: projectId, section_id: sectionId });
      return { updated };
    });
  }

  /** Deletes a section with its whole subtree (level 3). */
  async remove(call: AgentCall, projectId: number, sectionId: number) {
    return this.db.transaction(async (em) => {
      const { ownerId } = await this.access.require(em, call.caller.userId, 'project', projectId, 'full');
      const removed = await this.trees.removeSubtree(em, TREE, projectId, sectionId);
      await this.trees.touch(em, TREE, projectId);
      await this.audit.record(em, call, ownerId, 'PROJECT_SECTION_DELETE', {
        project_id: projectId,
        section_id: sectionId,
        descendants_deleted: removed - 1,
      });
      return { deleted: sectionId, descendants_deleted: removed - 1 };
    });
  }
}
