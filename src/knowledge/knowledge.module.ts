import { Module } from '@nestjs/common';
import { DocLinks } from '../documents/doc-links';
import { HintTools } from './hint.tools';
import { HintsController } from './hints.controller';
import { HintsService } from './hints.service';
import { KnowledgeAudit } from './knowledge-audit';
import { NudgeTools } from './nudge.tools';
import { NudgesController } from './nudges.controller';
import { NudgesService } from './nudges.service';
import { KnowledgeTools } from './knowledge.tools';
import { ObjectAccess } from './object-access';
import { ProjectSectionsService } from './project-sections.service';
import { ProjectsController } from './projects.controller';
import { ProjectsService } from './projects.service';
import { SharingController } from './sharing.controller';
import { SharingService } from './sharing.service';
import { WikiTools } from './wiki.tools';
import { WikiSectionsService } from './wiki-sections.service';
import { WikisController } from './wikis.controller';
import { WikisService } from './wikis.service';

/** LucyAPI's user-scoped half: projects, wikis, hints, nudges, sharing (documents to come). */
@Module({
  controllers: [
    ProjectsController,
    WikisController,
    HintsController,
    NudgesController,
    SharingController,
    KnowledgeTools,
    WikiTools,
    HintTools,
    NudgeTools,
  ],
  providers: [
    DocLinks,
    ObjectAccess,
    KnowledgeAudit,
    ProjectsService,
    ProjectSectionsService,
    WikisService,
    WikiSectionsService,
    HintsService,
    NudgesService,
    SharingService,
  ],
  exports: [ObjectAccess, DocLinks],
})
export class KnowledgeModule {}
