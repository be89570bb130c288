import { Ctx, Payload } from '@nestjs/microservices';
import { McpContext, McpController, Tool } from '@rekog/mcp-nest';
import { z } from 'zod';
import { McpToolRunner } from '../mcp/mcp-tool-runner';
import { deleteTool, readTool, writeTool } from '../mcp/tool-annotations';
import { descriptionArg as description, pageArgs, rowIdArg, titleArg as title } from '../mcp/tool-args';
import { NO_PARAMS, toolParams } from '../mcp/tool-params';
import {
  CreateSectionArgs,
  PageArgs,
  ProjectArgs,
  SectionArgs,
  ShareIdArgs,
  UpdateProjectArgs,
  UpdateSectionArgs,
} from './knowledge.tool-args';
import { ProjectSectionsService } from './project-sections.service';
import { CreateProjectDto, ProjectListQueryDto } from './projects.dto';
import { ProjectsService } from './projects.service';
import { ShareDto } from './sharing.dto';
import { SharingService } from './sharing.service';

const projectId = rowIdArg('Project id');
const sectionId = rowIdArg('Section id');
const filePath = z.string().nullable().optional().describe('Associated file path; null clears it on update');
const statusId = z.number().int().optional().describe('Status id from get_project_statuses (1 = planning)');

const P = {
  projects: toolParams(
    { status: z.string().optional().describe('Status code: planning, active, on_hold, evolving, complete, archived'), ...pageArgs },
    ProjectListQueryDto,
  ),
  project: toolParams({ project_id: projectId }, ProjectArgs),
  createProject: toolParams({ title, description, status_id: statusId }, CreateProjectDto),
  updateProject: toolParams({ project_id: projectId, title: title.optional(), description, status_id: statusId }, UpdateProjectArgs),
  section: toolParams({ project_id: projectId, section_id: sectionId }, SectionArgs),
  createSection: toolParams(
    { project_id: projectId, title, description, parent_id: z.number().int().optional().describe('0 or a section of the same project'), file_path: filePath },
    CreateSectionArgs,
  ),
  updateSection: toolParams(
    { project_id: projectId, section_id: sectionId, title: title.optional(), description, file_path: filePath },
    UpdateSectionArgs,
  ),
  share: toolParams(
    {
      object_type_id: z.number().int().describe('1 project, 2 hint category (a root hint), 3 wiki'),
      object_id: z.number().int().describe('The project, hint category or wiki id'),
      shared_to_user_id: z.string().optional().describe("The recipient's user id (or shared_to_user_name)"),
      shared_to_user_name: z.string().optional().describe("The recipient's user name (or shared_to_user_id)"),
      permission_level: z.number().int().optional().describe('1 read (default), 2 read + edit, 3 full'),
    },
    ShareDto,
  ),
  shareId: toolParams({ share_id: rowIdArg('Share id (from get_shared_by_me or get_shared_to_me)') }, ShareIdArgs),
  page: toolParams(pageArgs, PageArgs),
};

/** MCP tools for projects and sharing, over the REST routes' services: shared objects are seen and edited exactly as over REST. */
@McpController()
export class KnowledgeTools {
  constructor(
    private readonly tools: McpToolRunner,
    private readonly projects: ProjectsService,
    private readonly sections: ProjectSectionsService,
    private readonly sharing: SharingService,
  ) {}

  @Tool({
    name: 'get_project_statuses',
    description:
      'The six project statuses in order, to pick a status_id for create_project or update_project. Returns ' +
      '{statuses: [{status_id, code, label, sort_order}]}.',
    parameters: NO_PARAMS.advertised,
    annotations: readTool,
  })
  getProjectStatuses(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, NO_PARAMS, () => this.projects.statuses());
  }

  @Tool({
    name: 'get_projects',
    description:
      'List the projects of your user and those shared to it (shared working knowledge), by project_id; status ' +
      'filters by code (planning, active, ...). Each says its access and permission_level. Returns {projects, ' +
      'total, limit, offset}.',
    parameters: P.projects.advertised,
    annotations: readTool,
  })
  getProjects(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.projects, (a, call) => this.projects.list(call.caller, a.status, a));
  }

  @Tool({
    name: 'get_project',
    description:
      'Read one project with all its sections, flat, ordered by (parent_id, section_id). Returns {project, ' +
      'sections}.',
    parameters: P.project.advertised,
    annotations: readTool,
  })
  getProject(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.project, (a, call) => this.projects.get(call.caller, a.project_id));
  }

  @Tool({
    name: 'get_section',
    description: 'Read one project section and its immediate children. Returns {section, children}.',
    parameters: P.section.advertised,
    annotations: readTool,
  })
  getSection(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.section, (a, call) => this.sections.get(call.caller, a.project_id, a.section_id));
  }

  @Tool({
    name: 'create_project',
    description:
      'Create a project owned by your user (status 1 = planning unless status_id says otherwise). Returns {created: ' +
      '{project_id, title, status, status_label, ...}}.',
    parameters: P.createProject.advertised,
    annotations: writeTool,
  })
  createProject(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.createProject, (a, call) => this.projects.create(call, a));
  }

  @Tool({
    name: 'create_section',
    description:
      'Add a section to a project you own or may edit (edit share); parent_id 0 or a section of the same project. ' +
      'Returns {created: {section_id, parent_id, title, ...}}.',
    parameters: P.createSection.advertised,
    annotations: writeTool,
  })
  createSection(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.createSection, (a, call) => this.sections.create(call, a.project_id, a));
  }

  @Tool({
    name: 'update_project',
    description:
      "Change a project's title, description or status (owner or edit share); absent fields stay unchanged. Returns " +
      '{updated: {project_id, title, status, status_label, ...}}.',
    parameters: P.updateProject.advertised,
    annotations: writeTool,
  })
  updateProject(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.updateProject, (a, call) => this.projects.update(call, a.project_id, a));
  }

  @Tool({
    name: 'update_section',
    description:
      'Change a project section (owner or edit share); absent fields stay unchanged, null clears description or ' +
      'file_path. Returns {updated: {section_id, title, ...}}.',
    parameters: P.updateSection.advertised,
    annotations: writeTool,
  })
  updateSection(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.updateSection, (a, call) => this.sections.update(call, a.project_id, a.section_id, a));
  }

  @Tool({
    name: 'delete_project',
    description:
      'Delete a project you own, with its sections and shares. Returns {deleted: project_id, sections_deleted}.',
    parameters: P.project.advertised,
    annotations: deleteTool,
  })
  deleteProject(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.project, (a, call) => this.projects.remove(call, a.project_id));
  }

  @Tool({
    name: 'delete_section',
    description:
      'Delete a project section and its subtree (owner or full share). Returns {deleted: section_id, ' +
      'descendants_deleted}.',
    parameters: P.section.advertised,
    annotations: deleteTool,
  })
  deleteSection(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.section, (a, call) => this.sections.remove(call, a.project_id, a.section_id));
  }

  @Tool({
    name: 'share_object',
    description:
      'Share a project (object_type_id 1), hint category (2, a root hint) or wiki (3) you own with another user, ' +
      'named by shared_to_user_id or shared_to_user_name; sharing it again to the same user changes the level. ' +
      'Returns {shared: {share_id, object_type_id, object_id, shared_to_user_id, shared_to_name, permission_level}, ' +
      'created}: created is true for a new share and false when an existing one got the new level (REST tells them ' +
      'apart by 201 and 200).',
    parameters: P.share.advertised,
    annotations: writeTool,
  })
  shareObject(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    // REST tells created (201) from updated (200) by status; a tool result has no status, so it says so in `created`.
    return this.tools.run(ctx, args, P.share, async (a, call) => {
      const { created, shared } = await this.sharing.share(call, a);
      return { shared, created };
    });
  }

  @Tool({
    name: 'revoke_share',
    description:
      'Revoke a share your user made, or leave one made to it. Returns {revoked: share_id} or {left: share_id}.',
    parameters: P.shareId.advertised,
    annotations: deleteTool,
  })
  revokeShare(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.shareId, (a, call) => this.sharing.remove(call, a.share_id));
  }

  @Tool({
    name: 'get_shared_by_me',
    description:
      "List the shares your user made, with each recipient's name and the object's title. Returns {shares, total, " +
      'limit, offset}.',
    parameters: P.page.advertised,
    annotations: readTool,
  })
  getSharedByMe(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.page, (a, call) => this.sharing.byMe(call.caller, a));
  }

  @Tool({
    name: 'get_shared_to_me',
    description:
      "List the shares made to your user, with each sharer's name and the object's title. Returns {shares, total, " +
      'limit, offset}.',
    parameters: P.page.advertised,
    annotations: readTool,
  })
  getSharedToMe(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.page, (a, call) => this.sharing.toMe(call.caller, a));
  }
}
