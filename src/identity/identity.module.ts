import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AGENT_KEY_VERIFIER, Authenticator } from '../common/auth/authenticator';
import { AdminController } from './admin.controller';
import { AgentKeyCache } from './agent-key-cache';
import { AgentKeyEntity } from './agent-key.entity';
import { AgentKeysRepository } from './agent-keys.repository';
import { AgentKeysService } from './agent-keys.service';
import { AgentEntity } from './agent.entity';
import { AgentsRepository } from './agents.repository';
import { AgentsService } from './agents.service';
import { IdentityTools } from './identity.tools';
import { UserEntity } from './user.entity';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';
import { WhoamiController } from './whoami.controller';

/**
 * Users, agents and keys: the services (also used by the CLI, without HTTP).
 * Global: every route's guard and every MCP tool call authenticates through it.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([UserEntity, AgentEntity, AgentKeyEntity])],
  providers: [
    UsersRepository,
    UsersService,
    AgentsRepository,
    AgentsService,
    AgentKeysRepository,
    AgentKeysService,
    AgentKeyCache,
    Authenticator,
    { provide: AGENT_KEY_VERIFIER, useExisting: AgentKeysService },
  ],
  // AgentsRepository: the agent lookup behind the agent-scoped routes' access rule (src/context/agent-access.ts).
  exports: [UsersService, AgentsService, AgentKeysService, AgentsRepository, Authenticator],
})
export class IdentityModule {}

/** The admin API, /whoami and the identity MCP tools. */
@Module({
  imports: [IdentityModule],
  controllers: [AdminController, WhoamiController, IdentityTools],
})
export class IdentityApiModule {}
