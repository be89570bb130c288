import { Module } from '@nestjs/common';
import { Authenticator } from '../common/auth/authenticator';
import { AdminController } from './admin.controller';
import { AgentKeyCache } from './agent-key-cache';
import { AgentKeysService } from './agent-keys.service';
import { AgentsService } from './agents.service';
import { IdentityTools } from './identity.tools';
import { UsersService } from './users.service';
import { WhoamiController } from './whoami.controller';

/** Users, agents and keys: the services (also used by the CLI, without HTTP). */
@Module({
  providers: [UsersService, AgentsService, AgentKeysService, AgentKeyCache, Authenticator],
  exports: [UsersService, AgentsService, AgentKeysService, Authenticator],
})
export class IdentityModule {}

/** The admin API, /whoami and the identity MCP tools. */
@Module({
  imports: [IdentityModule],
  controllers: [AdminController, WhoamiController, IdentityTools],
})
export class IdentityApiModule {}
