import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AgentCall, Caller } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { PageQuery } from '../common/http/paging';
import { JsonText } from '../common/http/json-text';
import { SignedLinks } from '../common/signed-links';
import { KnowledgeAudit } from './knowledge-audit';
import { ObjectAccess } from './object-access';
import { CreateProjectDto, UpdateProjectDto } from './projects.dto';
import { ProjectJsonRow, ProjectSectionsJsonRow, ProjectsRepository } from './projects.repository';
import { SectionTreesRepository } from './section-trees.repository';

export const PROJECT_NOT_FOUND = 'Project not found';
export const NO_FIELDS = 'No fields to update';
const STATUS_RULE = 'status_id must be a project status id (see GET /project-statuses)';

type RenderedSections = ProjectSectionsJsonRow;

interface RenderedPage {
  version: string | null;
  rows: ProjectJsonRow[];
  total: number;
}

/**
 * Characters of rendered section trees and list pages kept (400 projects are about 150 kB).
 * They earn their place: an A/B benchmark without them (issue 15) ran GET /projects/{id} with
 * 300 sections at 0.39x and the 400-project GET /projects at 0.44x of the throughput with them.
 */
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
    private readonly links: SignedLinks,
    private readonly projects: ProjectsRepository,
    private readonly trees: SectionTreesRepository,
  ) {}

  async statuses() {
    const statuses = await this.projects.statuses(this.db.manager);
    return { statuses };
  }

  /**
   * Owned and shared projects by project_id; `status` filters by code (an
   * unknown code is a 422). A page is rendered by PostgreSQL once per version
   * of the user's project list and reused while that version holds; document
   * links are signed per response.
   */
  async list(caller: Caller, status: string | undefined, page: PageQuery): Promise<JsonText> {
    const statusId = status === undefined ? null : await this.statusIdOfCode(status);
    const key = `${caller.userId}/${statusId}/${page.limit}/${page.offset}`;
    // A cached page holds while the list version it was read at does (LIST_VERSION_SQL: count and sum of xmin over
    // the project and share rows the list shows). Any write to a listed project or share gives its row a new xmin
    // or changes the count, so the version changes and the page is rendered again: nothing invalidates explicitly.
    const version = await this.projects.listVersion(this.db.manager, caller.userId);
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
    const [rows, total] = await this.projects.page(this.db.manager, userId, statusId, page);
    return { version: rows[0]?.version ?? null, rows, total };
  }

  /**
   * One project with all its sections, flat, ordered (parent_id, section_id);
   * 404 without read access. The sections are rendered by PostgreSQL once per
   * version of them (every reader sees the same) and reused while it holds.
   */
  async get(caller: Caller, projectId: number): Promise<JsonText> {
    const row = await this.projects.get(this.db.manager, caller.userId, projectId);
    if (!row) throw AppError.notFound(PROJECT_NOT_FOUND);
    // Likewise the sections: a rendering holds while SECTIONS_VERSION (count and sum of xmin of the project's
    // sections, read with the project) does; a section written or deleted changes it.
    const cached = this.sectionTexts.get(projectId);
    const sections = cached && cached.version === row.sections_version ? cached : await this.renderSections(projectId);
    return new JsonText(`{"project":${this.withDocumentUrl(row)},"sections":${sections.json}}`);
  }

  private async renderSections(projectId: number): Promise<RenderedSections> {
    const rendered = await this.projects.sectionsJson(this.db.manager, projectId);
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
      const created = await this.projects.insert(em, call.caller.userId, input);
      await this.audit.record(em, call, call.caller.userId, 'PROJECT_CREATE', { project_id: created.project_id });
      return { created };
    });
  }

  /** Header update (owner or a level-2 share); `description: null` clears it. */
  async update(call: AgentCall, projectId: number, input: UpdateProjectDto) {
    const fields = { title: input.title, description: input.description, status_id: input.status_id };
    if (Object.values(fields).every((v) => v === undefined)) throw AppError.badRequest(NO_FIELDS);
    return this.db.transaction(async (em) => {
      if (fields.status_id !== undefined) await this.requireStatus(em, fields.status_id);
      const { ownerId } = await this.access.require(em, call.caller.userId, 'project', projectId, 'edit');
      const updated = await this.projects.update(em, projectId, fields);
      await this.audit.record(em, call, ownerId, 'PROJECT_UPDATE', { project_id: projectId, fields: Object.keys(fields).filter((k) => fields[k as keyof typeof fields] !== undefined) });
      return { updated };
    });
  }

  /** Owner only: the project, its sections and the shares of it go together. */
  async remove(call: AgentCall, projectId: number) {
    return this.db.transaction(async (em) => {
      await this.access.requireOwner(em, call.caller.userId, 'project', projectId);
      const sectionsDeleted = await this.trees.deleteObject(em, 'project', projectId);
      if (sectionsDeleted === null) throw AppError.notFound(PROJECT_NOT_FOUND);
      await this.audit.record(em, call, call.caller.userId, 'PROJECT_DELETE', { project_id: projectId, sections_deleted: sectionsDeleted });
      return { deleted: projectId, sections_deleted: sectionsDeleted };
    });
  }

  private async statusIdOfCode(code: string): Promise<number> {
    const statusId = await this.projects.statusIdOfCode(this.db.manager, code);
    if (statusId === undefined) {
      const message = 'status must be a status code: planning, active, on_hold, evolving, complete, archived';
      throw AppError.validation(message, [{ field: 'status', message }]);
    }
    return statusId;
  }

  private async requireStatus(em: EntityManager, statusId: number): Promise<void> {
    if (!(await this.projects.statusExists(em, statusId))) throw AppError.validation(STATUS_RULE, [{ field: 'status_id', message: STATUS_RULE }]);
  }
}
