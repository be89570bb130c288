import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Caller } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { AgentsRepository } from '../identity/agents.repository';

/** The agent an agent-scoped route names, as the caller may see it. */
export interface TargetAgent {
  id: string;
  name: string;
  userId: string;
}

export const AGENT_NOT_FOUND = 'Agent not found';

/**
 * The one access rule for agent-scoped data, REST and MCP alike: any agent of
 * the same user may read; only the named agent itself may write (a sibling gets
 * 403); another user's agent and an unknown name are the same 404, so a name's
 * existence never leaks.
 */
@Injectable()
export class AgentAccess {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly agents: AgentsRepository,
  ) {}

  /** The named agent (default: the caller) if it belongs to the caller's user; 404 otherwise. */
  async readable(caller: Caller, name?: string | null): Promise<TargetAgent> {
    const wanted = (name ?? caller.agentName).trim().toLowerCase();
    if (wanted === caller.agentName) return { id: caller.agentId, name: caller.agentName, userId: caller.userId };
    const agent = await this.agents.findForUser(this.db.manager, caller.userId, wanted);
    if (!agent) throw AppError.notFound(AGENT_NOT_FOUND);
    return agent;
  }

  /**
   * The named agent if the caller is that agent. `action` completes the 403
   * sentence for a same-user sibling, e.g. "write to its always_load".
   */
  async writable(caller: Caller, name: string | null | undefined, action: string): Promise<TargetAgent> {
    const agent = await this.readable(caller, name);
    if (agent.id !== caller.agentId) throw AppError.forbidden(`Only the named agent may ${action}`);
    return agent;
  }
}
