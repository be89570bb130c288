import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { AgentKeyCache } from './agent-key-cache';
import { AgentKeyEntity } from './agent-key.entity';
import { AgentKeysService } from './agent-keys.service';
import { AgentEntity } from './agent.entity';
import { AgentListDto, CreatedAgentDto } from './admin.dto';
import { toAgentView } from './identity.views';
import { UserEntity } from './user.entity';

@Injectable()
export class AgentsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly keys: AgentKeysService,
    private readonly keyCache: AgentKeyCache,
  ) {}

  /** Creates an agent for a user together with its first key. */
  async create(userId: string, name: string, actor: Actor): Promise<CreatedAgentDto> {
    return this.db.transaction(async (em) => {
      const user = await em.findOneBy(UserEntity, { id: userId });
      if (!user) throw AppError.notFound('User not found');
      const agent = await em.save(em.create(AgentEntity, { userId, name }));
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
    const user = await this.db.getRepository(UserEntity).findOneBy({ id: userId });
    if (!user) throw AppError.notFound('User not found');
    const agents = await this.db.getRepository(AgentEntity).find({ where: { userId }, order: { name: 'ASC' } });
    const keys = agents.length
      ? await this.db.getRepository(AgentKeyEntity).find({
          where: { agentId: In(agents.map((a) => a.id)) },
          order: { createdAt: 'ASC' },
        })
      : [];
    return { agents: agents.map((a) => toAgentView(a, keys.filter((k) => k.agentId === a.id))) };
  }

  async get(id: string): Promise<AgentEntity> {
    const agent = await this.db.getRepository(AgentEntity).findOneBy({ id });
    if (!agent) throw AppError.notFound('Agent not found');
    return agent;
  }

  async getByName(name: string): Promise<AgentEntity> {
    const agent = await this.db.getRepository(AgentEntity).findOneBy({ name: name.toLowerCase() });
    if (!agent) throw AppError.notFound(`Agent '${name}' not found`);
    return agent;
  }

  /** Deletes the agent, its keys and everything it owns (by cascade). */
  async remove(id: string, actor: Actor): Promise<void> {
    await this.db.transaction(async (em) => {
      const agent = await em.findOneBy(AgentEntity, { id });
      if (!agent) throw AppError.notFound('Agent not found');
      await em.delete(AgentEntity, { id });
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
