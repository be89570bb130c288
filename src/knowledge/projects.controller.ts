import { Body, Controller, Delete, Get, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AgentCall, Caller } from '../common/auth/actor';
import { CurrentCall, CurrentCaller, Public } from '../common/auth/access.decorators';
import { SendsJsonText } from '../common/http/json-text';
import { ApiProblem } from '../common/http/problem.dto';
import { DeletedTreeDto, DeletedWithSectionsDto } from '../common/http/deleted.dto';
import { ApiIdParam } from '../common/http/params.dto';
import { ParseId } from '../common/http/validation';
import { ProjectSectionsService } from './project-sections.service';
import {
  CreatedProjectDto,
  CreatedProjectSectionDto,
  CreateProjectDto,
  CreateSectionDto,
  ProjectListDto,
  ProjectListQueryDto,
  ProjectSectionWithChildrenDto,
  ProjectStatusListDto,
  ProjectWithSectionsDto,
  UpdatedProjectDto,
  UpdatedProjectSectionDto,
  UpdateProjectDto,
  UpdateSectionDto,
} from './projects.dto';
import { ProjectsService } from './projects.service';

const PROJECT = 'The project (project_id)';
const SECTION = 'The section (section_id) of that project';

@ApiTags('projects')
@Controller()
export class ProjectsController {
  constructor(
    private readonly projects: ProjectsService,
    private readonly sections: ProjectSectionsService,
  ) {}

  @Get('project-statuses')
  @Public()
  @ApiOperation({ operationId: 'listProjectStatuses', summary: 'The six project statuses, in order' })
  @ApiOkResponse({ type: ProjectStatusListDto })
  statuses() {
    return this.projects.statuses();
  }

  @Get('projects')
  @ApiOperation({ operationId: 'listProjects', summary: "Your user's projects and those shared to it, by project_id (?status=code filters)" })
  @ApiOkResponse({ type: ProjectListDto })
  @SendsJsonText()
  async list(@CurrentCaller() caller: Caller, @Query() query: ProjectListQueryDto): Promise<string> {
    return (await this.projects.list(caller, query.status, query)).json;
  }

  @Post('projects')
  @ApiOperation({ operationId: 'createProject', summary: 'Create a project owned by your user (status 1 = planning by default)' })
  @ApiCreatedResponse({ type: CreatedProjectDto })
  create(@CurrentCall() call: AgentCall, @Body() body: CreateProjectDto) {
    return this.projects.create(call, body);
  }

  @Get('projects/:id')
  @ApiOperation({ operationId: 'getProject', summary: 'A project (read access) with all its sections, flat, ordered (parent_id, section_id)' })
  @ApiIdParam('id', PROJECT)
  @ApiOkResponse({ type: ProjectWithSectionsDto })
  @ApiProblem(404, 'Project not found')
  @SendsJsonText()
  async get(@CurrentCaller() caller: Caller, @Param('id', ParseId) id: number): Promise<string> {
    return (await this.projects.get(caller, id)).json;
  }

  @Put('projects/:id')
  @ApiOperation({ operationId: 'updateProject', summary: 'Update title, description or status (owner or edit share)' })
  @ApiIdParam('id', PROJECT)
  @ApiOkResponse({ type: UpdatedProjectDto })
  @ApiProblem(400, 'No fields to update')
  @ApiProblem(404, 'Project not found')
  update(@CurrentCall() call: AgentCall, @Param('id', ParseId) id: number, @Body() body: UpdateProjectDto) {
    return this.projects.update(call, id, body);
  }

  @Delete('projects/:id')
  @ApiOperation({ operationId: 'deleteProject', summary: 'Delete a project with its sections and shares (owner only)' })
  @ApiIdParam('id', PROJECT)
  @ApiOkResponse({ type: DeletedWithSectionsDto })
  @ApiProblem(404, 'Project not found')
  remove(@CurrentCall() call: AgentCall, @Param('id', ParseId) id: number) {
    return this.projects.remove(call, id);
  }

  @Post('projects/:id/sections')
  @ApiOperation({
    operationId: 'createProjectSection',
    summary: 'Add a section (owner or edit share); parent_id 0 or a section of the same project',
  })
  @ApiIdParam('id', PROJECT)
  @ApiCreatedResponse({ type: CreatedProjectSectionDto })
  @ApiProblem(404, 'Project not found')
  createSection(@CurrentCall() call: AgentCall, @Param('id', ParseId) id: number, @Body() body: CreateSectionDto) {
    return this.sections.create(call, id, body);
  }

  @Get('projects/:id/sections/:sid')
  @ApiOperation({ operationId: 'getProjectSection', summary: 'A section and its immediate children (read access)' })
  @ApiIdParam('id', PROJECT)
  @ApiIdParam('sid', SECTION)
  @ApiOkResponse({ type: ProjectSectionWithChildrenDto })
  @ApiProblem(404, 'Project not found / Section not found')
  getSection(@CurrentCaller() caller: Caller, @Param('id', ParseId) id: number, @Param('sid', ParseId) sid: number) {
    return this.sections.get(caller, id, sid);
  }

  @Put('projects/:id/sections/:sid')
  @ApiOperation({ operationId: 'updateProjectSection', summary: 'Update a section (owner or edit share)' })
  @ApiIdParam('id', PROJECT)
  @ApiIdParam('sid', SECTION)
  @ApiOkResponse({ type: UpdatedProjectSectionDto })
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
  @ApiOperation({ operationId: 'deleteProjectSection', summary: 'Delete a section with its subtree (owner or full share)' })
  @ApiIdParam('id', PROJECT)
  @ApiIdParam('sid', SECTION)
  @ApiOkResponse({ type: DeletedTreeDto })
  @ApiProblem(404, 'Project not found / Section not found')
  removeSection(@CurrentCall() call: AgentCall, @Param('id', ParseId) id: number, @Param('sid', ParseId) sid: number) {
    return this.sections.remove(call, id, sid);
  }
}
