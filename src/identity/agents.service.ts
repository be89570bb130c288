import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { AgentKeyCache } from './agent-key-cache';
import { AgentKeysRepository } from './agent-keys.repository';
import { AgentKeysService } from './agent-keys.service';
import { AgentEntity } from './agent.entity';
import { AgentsRepository } from './agents.repository';
import { AgentListDto, CreatedAgentDto } from './admin.dto';
import { toAgentView } from './identity.views';
import { UsersRepository } from './users.repository';

@Injectable()
export class AgentsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly agents: AgentsRepository,
    private readonly users: UsersRepository,
    private readonly keyRows: AgentKeysRepository,
    private readonly audit: AuditService,
    private readonly keys: AgentKeysService,
    private readonly keyCache: AgentKeyCache,
  ) {}

  /** Creates an agent for a user together with its first key. */
  async create(userId: string, name: string, actor: Actor): Promise<CreatedAgentDto> {
    return this.db.transaction(async (em) => {
      const user = await this.users.get(em, userId);
      if (!user) throw AppError.notFound('User not found');
      const agent = await this.agents.insert(em, userId, name);
      await this.audit.record(em, actor, {
        userId,
        eventType: 'AGENT_CREATE',
        subject: agent.name,
        meta: { agent_id: agent.id },
      });
      const key = await this.keys.issueWith(em, agent, null, actor);
      return { id: agent.id, name: agent.name, user_id: userId, key_id: key.id, api_key: key.api_key };
    });
  }

  async listForUser(userId: string): Promise<AgentListDto> {
    const em = this.db.manager;
    const user = await this.users.get(em, userId);
    if (!user) throw AppError.notFound('User not found');
    const agents = await this.agents.listForUser(em, userId);
    const keys = agents.length ? await this.keyRows.listForAgents(em, agents.map((a) => a.id)) : [];
    return { agents: agents.map((a) => toAgentView(a, keys.filter((k) => k.agentId === a.id))) };
  }

  async get(id: string): Promise<AgentEntity> {
    const agent = await this.agents.get(this.db.manager, id);
    if (!agent) throw AppError.notFound('Agent not found');
    return agent;
  }

  async getByName(name: string): Promise<AgentEntity> {
    const agent = await this.agents.getByName(this.db.manager, name.toLowerCase());
    if (!agent) throw AppError.notFound(`Agent '${name}' not found`);
    return agent;
  }

  /** Deletes the agent, its keys and everything it owns (by cascade). */
  async remove(id: string, actor: Actor): Promise<void> {
    await this.db.transaction(async (em) => {
      // Locked: of two concurrent deletes, the second finds nothing (404) instead of auditing a second delete.
      const agent = await this.agents.get(em, id, true);
      if (!agent) throw AppError.notFound('Agent not found');
      await this.agents.remove(em, id);
      await this.audit.record(em, actor, {
        userId: agent.userId,
        eventType: 'AGENT_DELETE',
        subject: agent.name,
        meta: { agent_id: agent.id },
      });
    });
    this.keyCache.forget((c) => c.agentId === id);
  }
}
