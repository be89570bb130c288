import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AgentCall, Caller } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { PageQuery } from '../common/http/paging';
import { AgentAccess, TargetAgent } from './agent-access';
import { AgentMemoriesRepository } from './agent-memories.repository';
import { NO_FIELDS } from './agent-trees.service';
import { CreateAgentMemoryDto, UpdateAgentMemoryDto } from './context.dto';

export const MEMORY_NOT_FOUND = 'Memory not found';

/** An agent's flat memories: personal details whose titles load at the start of a conversation. */
@Injectable()
export class AgentMemoriesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: AgentAccess,
    private readonly memories: AgentMemoriesRepository,
    private readonly audit: AuditService,
  ) {}

  async list(caller: Caller, name: string | undefined, page: PageQuery) {
    const agent = await this.access.readable(caller, name);
    const [memories, total] = await this.memories.list(this.db.manager, agent.id, page);
    return { agent: agent.name, memories, total, limit: page.limit, offset: page.offset };
  }

  async get(caller: Caller, name: string | undefined, pkid: number) {
    const agent = await this.access.readable(caller, name);
    const memory = await this.memories.get(this.db.manager, agent.id, pkid);
    if (!memory) throw AppError.notFound(MEMORY_NOT_FOUND);
    return memory;
  }

  async create(call: AgentCall, name: string | undefined, input: CreateAgentMemoryDto) {
    const agent = await this.access.writable(call.caller, name, 'write to its memories');
    return this.db.transaction(async (em) => {
      const m = await this.memories.insert(em, agent.userId, agent.id, input.title, input.description ?? null);
      await this.record(em, call, 'CREATE', agent, m.pkid);
      return { created: { pkid: m.pkid, title: m.title, created_at: m.created_at } };
    });
  }

  async update(call: AgentCall, name: string | undefined, pkid: number, input: UpdateAgentMemoryDto) {
    if (input.title === undefined && input.description === undefined) throw AppError.badRequest(NO_FIELDS);
    const agent = await this.access.writable(call.caller, name, 'modify its memories');
    return this.db.transaction(async (em) => {
      const m = await this.memories.update(em, agent.id, pkid, { title: input.title, description: input.description });
      if (!m) throw AppError.notFound(MEMORY_NOT_FOUND);
      await this.record(em, call, 'UPDATE', agent, pkid);
      return { updated: { pkid: m.pkid, title: m.title } };
    });
  }

  async remove(call: AgentCall, name: string | undefined, pkid: number) {
    const agent = await this.access.writable(call.caller, name, 'delete its memories');
    return this.db.transaction(async (em) => {
      if (!(await this.memories.remove(em, agent.id, pkid))) throw AppError.notFound(MEMORY_NOT_FOUND);
      await this.record(em, call, 'DELETE', agent, pkid);
      return { deleted: pkid };
    });
  }

  private record(em: EntityManager, call: AgentCall, action: 'CREATE' | 'UPDATE' | 'DELETE', agent: TargetAgent, pkid: number) {
    return this.audit.record(em, call.actor, {
      userId: call.caller.userId,
      eventType: `AGENT_MEMORY_${action}`,
      subject: agent.name,
      meta: { pkid },
    });
  }
}
