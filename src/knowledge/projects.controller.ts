import { Body, Controller, Delete, Get, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AgentCall, Caller } from '../common/auth/actor';
import { CurrentCall, CurrentCaller, Public } from '../common/auth/access.decorators';
import { SendsJsonText } from '../common/http/json-text';
import { ApiProblem } from '../common/http/problem.dto';
import { ParseId } from '../common/http/validation';
import { ProjectSectionsService } from './project-sections.service';
import { CreateProjectDto, CreateSectionDto, ProjectListQueryDto, UpdateProjectDto, UpdateSectionDto } from './projects.dto';
import { ProjectsService } from './projects.service';

const PROJECT_EXAMPLE = {
  project_id: 12,
  title: 'Mnemo',
  description: 'Memory service',
  status: 'active',
  status_label: 'Active',
  access: 'owned',
  permission_level: 3,
  created_at: '2026-11-20T10:00:00.000Z',
  updated_at: '2026-11-22T03:00:00.000Z',
};
const SECTION_EXAMPLE = {
  section_id: 40,
  parent_id: 0,
  title: 'Architecture',
  description: 'NestJS over PostgreSQL',
  file_path: 'docs/design.md',
  created_at: '2026-11-20T10:00:00.000Z',
  updated_at: '2026-11-22T03:00:00.000Z',
};

@ApiTags('projects')
@Controller()
export class ProjectsController {
  constructor(
    private readonly projects: ProjectsService,
    private readonly sections: ProjectSectionsService,
  ) {}

  @Get('project-statuses')
  @Public()
  @ApiOperation({ summary: 'The six project statuses, in order' })
  @ApiOkResponse({ schema: { example: { statuses: [{ status_id: 1, code: 'planning', label: 'Planning', sort_order: 1 }] } } })
  statuses() {
    return this.projects.statuses();
  }

  @Get('projects')
  @ApiOperation({ summary: "Your user's projects and those shared to it, by project_id (?status=code filters)" })
  @ApiOkResponse({ schema: { example: { projects: [PROJECT_EXAMPLE], total: 1, limit: 200, offset: 0 } } })
  @SendsJsonText()
  async list(@CurrentCaller() caller: Caller, @Query() query: ProjectListQueryDto): Promise<string> {
    return (await this.projects.list(caller, query.status, query)).json;
  }

  @Post('projects')
  @ApiOperation({ summary: 'Create a project owned by your user (status 1 = planning by default)' })
  @ApiCreatedResponse({ schema: { example: { created: { project_id: 12, title: 'Mnemo', status: 'planning', status_label: 'Planning' } } } })
  create(@CurrentCall() call: AgentCall, @Body() body: CreateProjectDto) {
    return this.projects.create(call, body);
  }

  @Get('projects/:id')
  @ApiOperation({ summary: 'A project (read access) with all its sections, flat, ordered (parent_id, section_id)' })
  @ApiOkResponse({ schema: { example: { project: PROJECT_EXAMPLE, sections: [SECTION_EXAMPLE] } } })
  @ApiProblem(404, 'Project not found')
  @SendsJsonText()
  async get(@CurrentCaller() caller: Caller, @Param('id', ParseId) id: number): Promise<string> {
    return (await this.projects.get(caller, id)).json;
  }

  @Put('projects/:id')
  @ApiOperation({ summary: 'Update title, description or status (owner or edit share)' })
  @ApiOkResponse({ schema: { example: { updated: { project_id: 12, title: 'Mnemo', status: 'active', status_label: 'Active' } } } })
  @ApiProblem(400, 'No fields to update')
  @ApiProblem(404, 'Project not found')
  update(@CurrentCall() call: AgentCall, @Param('id', ParseId) id: number, @Body() body: UpdateProjectDto) {
    return this.projects.update(call, id, body);
  }

  @Delete('projects/:id')
  @ApiOperation({ summary: 'Delete a project with its sections and shares (owner only)' })
  @ApiOkResponse({ schema: { example: { deleted: 12, sections_deleted: 7 } } })
  @ApiProblem(404, 'Project not found')
  remove(@CurrentCall() call: AgentCall, @Param('id', ParseId) id: number) {
    return this.projects.remove(call, id);
  }

  @Post('projects/:id/sections')
  @ApiOperation({ summary: 'Add a section (owner or edit share); parent_id 0 or a section of the same project' })
  @ApiCreatedResponse({ schema: { example: { created: { section_id: 40, parent_id: 0, title: 'Architecture' } } } })
  @ApiProblem(404, 'Project not found')
  createSection(@CurrentCall() call: AgentCall, @Param('id', ParseId) id: number, @Body() body: CreateSectionDto) {
    return this.sections.create(call, id, body);
  }

  @Get('projects/:id/sections/:sid')
  @ApiOperation({ summary: 'A section and its immediate children (read access)' })
  @ApiOkResponse({ schema: { example: { section: SECTION_EXAMPLE, children: [] } } })
  @ApiProblem(404, 'Project not found / Section not found')
  getSection(@CurrentCaller() caller: Caller, @Param('id', ParseId) id: number, @Param('sid', ParseId) sid: number) {
    return this.sections.get(caller, id, sid);
  }

  @Put('projects/:id/sections/:sid')
  @ApiOperation({ summary: 'Update a section (owner or edit share)' })
  @ApiOkResponse({ schema: { example: { updated: { section_id: 40, title: 'Architecture' } } } })
  @ApiProblem(400, 'No fields to update')
  @ApiProblem(404, 'Project not found / Section not found')
  updateSection(
    @CurrentCall() call: AgentCall,
    @Param('id', ParseId) id: number,
    @Param('sid', ParseId) sid: number,
    @Body() body: UpdateSectionDto,
  ) {
    return this.sections.update(call, id, sid, body);
  }

  @Delete('projects/:id/sections/:sid')
  @ApiOperation({ summary: 'Delete a section with its subtree (owner or full share)' })
  @ApiOkResponse({ schema: { example: { deleted: 40, descendants_deleted: 2 } } })
  @ApiProblem(404, 'Project not found / Section not found')
  removeSection(@CurrentCall() call: AgentCall, @Param('id', ParseId) id: number, @Param('sid', ParseId) sid: number) {
    return this.sections.remove(call, id, sid);
  }
}
