import { Module } from '@nestjs/common';
import { SystemModule } from '../system/system.module';
import { AgentAccess } from './agent-access';
import { AgentMemoriesController } from './agent-memories.controller';
import { AgentMemoriesRepository } from './agent-memories.repository';
import { AgentMemoriesService } from './agent-memories.service';
import { AlwaysLoadController, PreferencesController } from './agent-trees.controller';
import { AgentTreesRepository } from './agent-trees.repository';
import { AgentTreesService } from './agent-trees.service';
import { ContextController } from './context.controller';
import { ContextManifests } from './context-manifests';
import { ContextRepository } from './context.repository';
import { ContextService } from './context.service';
import { AgentContextTools } from './context.tools';
import { HandoffsController } from './handoffs.controller';
import { HandoffsRepository } from './handoffs.repository';
import { HandoffsService } from './handoffs.service';
import { SessionsController } from './sessions.controller';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

/** LucyAPI's agent-scoped half: always-load, memories, preferences, sessions, handoffs, context, boot. */
@Module({
  imports: [SystemModule],
  controllers: [
    ContextController,
    AlwaysLoadController,
    PreferencesController,
    AgentMemoriesController,
    HandoffsController,
    SessionsController,
    AgentContextTools,
  ],
  providers: [
    AgentAccess,
    AgentTreesRepository,
    AgentTreesService,
    AgentMemoriesRepository,
    AgentMemoriesService,
    SessionsRepository,
    SessionsService,
    HandoffsRepository,
    HandoffsService,
    ContextRepository,
    ContextManifests,
    ContextService,
  ],
})
export class ContextModule {}
