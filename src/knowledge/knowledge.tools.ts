import { Ctx, Payload } from '@nestjs/microservices';
import { McpContext, McpController, Tool } from '@rekog/mcp-nest';
import { z } from 'zod';
import { McpToolRunner } from '../mcp/mcp-tool-runner';
import { deleteTool, readTool, writeTool } from '../mcp/tool-annotations';
import { toolParams } from '../mcp/tool-params';
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

const projectId = z.number().int().describe('Project id');
const sectionId = z.number().int().describe('Section id');
const title = z.string().describe('Title (1-500 characters)');
const description = z.string().nullable().optional().describe('Text; null clears it on update');
const filePath = z.string().nullable().optional().describe('Associated file path; null clears it on update');
const statusId = z.number().int().optional().describe('Status id from get_project_statuses (1 = planning)');
const page = { limit: z.number().int().optional(), offset: z.number().int().optional() };

const P = {
  none: toolParams({}),
  projects: toolParams(
    { status: z.string().optional().describe('Status code: planning, active, on_hold, evolving, complete, archived'), ...page },
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
  shareId: toolParams({ share_id: z.number().int().describe('Share id') }, ShareIdArgs),
  page: toolParams(page, PageArgs),
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

  @Tool({ name: 'get_project_statuses', description: 'The six project statuses, in order.', parameters: P.none.advertised, annotations: readTool })
  getProjectStatuses(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.none, () => this.projects.statuses());
  }

  @Tool({
    name: 'get_projects',
    description: 'Projects of your user and those shared to it (access, permission_level), by project_id; status filters by code.',
    parameters: P.projects.advertised,
    annotations: readTool,
  })
  getProjects(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.projects, (a, call) => this.projects.list(call.caller, a.status, a));
  }

  @Tool({ name: 'get_project', description: 'A project with all its sections (flat).', parameters: P.project.advertised, annotations: readTool })
  getProject(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.project, (a, call) => this.projects.get(call.caller, a.project_id));
  }

  @Tool({ name: 'get_section', description: 'A project section and its immediate children.', parameters: P.section.advertised, annotations: readTool })
  getSection(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.section, (a, call) => this.sections.get(call.caller, a.project_id, a.section_id));
  }

  @Tool({ name: 'create_project', description: 'Create a project owned by your user.', parameters: P.createProject.advertised, annotations: writeTool })
  createProject(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.createProject, (a, call) => this.projects.create(call, a));
  }

  @Tool({ name: 'create_section', description: 'Add a section to a project (owner or edit share).', parameters: P.createSection.advertised, annotations: writeTool })
  createSection(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.createSection, (a, call) => this.sections.create(call, a.project_id, a));
  }

  @Tool({ name: 'update_project', description: 'Update title, description or status (owner or edit share).', parameters: P.updateProject.advertised, annotations: writeTool })
  updateProject(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.updateProject, (a, call) => this.projects.update(call, a.project_id, a));
  }

  @Tool({ name: 'update_section', description: 'Update a project section (owner or edit share).', parameters: P.updateSection.advertised, annotations: writeTool })
  updateSection(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.updateSection, (a, call) => this.sections.update(call, a.project_id, a.section_id, a));
  }

  @Tool({ name: 'delete_project', description: 'Delete a project with its sections and shares (owner only).', parameters: P.project.advertised, annotations: deleteTool })
  deleteProject(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.project, (a, call) => this.projects.remove(call, a.project_id));
  }

  @Tool({ name: 'delete_section', description: 'Delete a section with its subtree (owner or full share).', parameters: P.section.advertised, annotations: deleteTool })
  deleteSection(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.section, (a, call) => this.sections.remove(call, a.project_id, a.section_id));
  }

  @Tool({
    name: 'share_object',
    description: 'Share a project (1), hint category (2, a root hint) or wiki (3) you own with another user; again changes the level.',
    parameters: P.share.advertised,
    annotations: writeTool,
  })
  shareObject(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.share, async (a, call) => ({ shared: (await this.sharing.share(call, a)).shared }));
  }

  @Tool({ name: 'revoke_share', description: 'Revoke a share you made, or leave one made to you.', parameters: P.shareId.advertised, annotations: deleteTool })
  revokeShare(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.shareId, (a, call) => this.sharing.remove(call, a.share_id));
  }

  @Tool({ name: 'get_shared_by_me', description: 'Shares your user made.', parameters: P.page.advertised, annotations: readTool })
  getSharedByMe(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.page, async (a, call) => {
      const { shares, ...paging } = await this.sharing.byMe(call.caller, a);
      return { shared_by_me: shares, ...paging };
    });
  }

  @Tool({ name: 'get_shared_to_me', description: 'Shares made to your user.', parameters: P.page.advertised, annotations: readTool })
  getSharedToMe(@Payload() args: unknown, @Ctx() ctx: McpContext) {
    return this.tools.run(ctx, args, P.page, async (a, call) => {
      const { shares, ...paging } = await this.sharing.toMe(call.caller, a);
      return { shared_to_me: shares, ...paging };
    });
  }
}
