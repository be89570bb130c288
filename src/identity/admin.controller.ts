import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '../common/auth/actor';
import { AdminOnly, RequestActor } from '../common/auth/access.decorators';
import { PageQueryDto } from '../common/http/paging';
import { ParseUuid } from '../common/http/validation';
import { ApiUuidParam } from '../common/http/params.dto';
import { ApiIdOrNameParam, ParseAgentRef, ParseUserRef } from './identity-refs.pipe';
import { ApiProblem } from '../common/http/problem.dto';
import {
  AgentListDto,
  CreateAgentDto,
  CreatedAgentDto,
  CreatedKeyDto,
  CreateKeyDto,
  CreateUserDto,
  UserDto,
  UserListDto,
} from './admin.dto';
import { AgentKeysService } from './agent-keys.service';
import { AgentsService } from './agents.service';
import { UsersService } from './users.service';

/** Operator API: users, agents and keys. `Authorization: Bearer <MNEMO_ADMIN_TOKEN>`. */
@ApiTags('admin')
@AdminOnly()
@Controller('admin')
export class AdminController {
  constructor(
    private readonly users: UsersService,
    private readonly agents: AgentsService,
    private readonly keys: AgentKeysService,
  ) {}

  @Post('users')
  @ApiOperation({ operationId: 'createUser', summary: 'Create a user (tenant)' })
  @ApiCreatedResponse({ type: UserDto })
  @ApiProblem(409, 'A user with this name already exists')
  createUser(@Body() body: CreateUserDto, @RequestActor() actor: Actor): Promise<UserDto> {
    return this.users.create(body, actor);
  }

  @Get('users')
  @ApiOperation({ operationId: 'listUsers', summary: 'List users, by name' })
  @ApiOkResponse({ type: UserListDto })
  listUsers(@Query() page: PageQueryDto): Promise<UserListDto> {
    return this.users.list(page);
  }

  @Delete('users/:user')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteUser', summary: 'Erase a user and everything they own (agents, keys, data, audit trail)' })
  @ApiIdOrNameParam('user', 'The user')
  @ApiNoContentResponse({ description: 'Erased' })
  @ApiProblem(404, 'User not found')
  async deleteUser(@Param('user', ParseUserRef) id: string, @RequestActor() actor: Actor): Promise<void> {
    await this.users.remove(id, actor);
  }

  @Post('users/:user/agents')
  @ApiOperation({ operationId: 'createAgent', summary: 'Create an agent for a user, with its first key (shown once)' })
  @ApiIdOrNameParam('user', 'The user the agent belongs to')
  @ApiCreatedResponse({ type: CreatedAgentDto })
  @ApiProblem(404, 'User not found')
  @ApiProblem(409, 'An agent with this name already exists')
  createAgent(
    @Param('user', ParseUserRef) userId: string,
    @Body() body: CreateAgentDto,
    @RequestActor() actor: Actor,
  ): Promise<CreatedAgentDto> {
    return this.agents.create(userId, body.name, actor);
  }

  @Get('users/:user/agents')
  @ApiOperation({ operationId: 'listAgents', summary: "List a user's agents and their keys (never key material)" })
  @ApiIdOrNameParam('user', 'The user')
  @ApiOkResponse({ type: AgentListDto })
  @ApiProblem(404, 'User not found')
  listAgents(@Param('user', ParseUserRef) userId: string): Promise<AgentListDto> {
    return this.agents.listForUser(userId);
  }

  @Delete('agents/:agent')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteAgent', summary: 'Delete an agent, its keys and its data' })
  @ApiIdOrNameParam('agent', 'The agent')
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiProblem(404, 'Agent not found')
  async deleteAgent(@Param('agent', ParseAgentRef) id: string, @RequestActor() actor: Actor): Promise<void> {
    await this.agents.remove(id, actor);
  }

  @Post('agents/:agent/keys')
  @ApiOperation({ operationId: 'createAgentKey', summary: 'Issue another key for an agent (for rotation without downtime)' })
  @ApiIdOrNameParam('agent', 'The agent')
  @ApiCreatedResponse({ type: CreatedKeyDto })
  @ApiProblem(404, 'Agent not found')
  createKey(
    @Param('agent', ParseAgentRef) agentId: string,
    @Body() body: CreateKeyDto,
    @RequestActor() actor: Actor,
  ): Promise<CreatedKeyDto> {
    return this.keys.issue(agentId, body.label ?? null, actor);
  }

  @Delete('agents/:agent/keys/:keyId')
  @HttpCode(204)
  @ApiOperation({ operationId: 'revokeAgentKey', summary: 'Revoke a key; it fails at once' })
  @ApiIdOrNameParam('agent', 'The agent the key belongs to')
  @ApiUuidParam('keyId', 'The key (key_id or a listed key id)')
  @ApiNoContentResponse({ description: 'Revoked (revoking again changes nothing)' })
  @ApiProblem(404, 'Key not found')
  async revokeKey(
    @Param('agent', ParseAgentRef) agentId: string,
    @Param('keyId', ParseUuid) keyId: string,
    @RequestActor() actor: Actor,
  ): Promise<void> {
    await this.keys.revoke(agentId, keyId, actor);
  }
}
