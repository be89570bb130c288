import { Module } from '@nestjs/common';
import { KnowledgeTools } from './knowledge.tools';
import { ObjectAccess } from './object-access';
import { ProjectSectionsService } from './project-sections.service';
import { ProjectsController } from './projects.controller';
import { ProjectsService } from './projects.service';
import { SharingController } from './sharing.controller';
import { SharingService } from './sharing.service';

/** LucyAPI's user-scoped half: projects, sharing (wikis, hints and nudges to come). */
@Module({
  controllers: [ProjectsController, SharingController, KnowledgeTools],
  providers: [ObjectAccess, ProjectsService, ProjectSectionsService, SharingService],
})
export class KnowledgeModule {}
