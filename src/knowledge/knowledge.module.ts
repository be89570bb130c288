import { Module } from '@nestjs/common';
import { SignedLinks } from '../common/signed-links';
import { HintTools } from './hint.tools';
import { HintsController } from './hints.controller';
import { HintsRepository } from './hints.repository';
import { HintsService } from './hints.service';
import { KnowledgeAudit } from './knowledge-audit';
import { NudgeTools } from './nudge.tools';
import { NudgesController } from './nudges.controller';
import { NudgesRepository } from './nudges.repository';
import { NudgesService } from './nudges.service';
import { KnowledgeTools } from './knowledge.tools';
import { ObjectAccess } from './object-access';
import { ObjectAccessRepository } from './object-access.repository';
import { ProjectSectionsService } from './project-sections.service';
import { ProjectsController } from './projects.controller';
import { ProjectsRepository } from './projects.repository';
import { ProjectsService } from './projects.service';
import { SectionTrees } from './section-tree';
import { SectionTreesRepository } from './section-trees.repository';
import { SharingController } from './sharing.controller';
import { SharingRepository } from './sharing.repository';
import { SharingService } from './sharing.service';
import { WikiTools } from './wiki.tools';
import { WikiSectionsService } from './wiki-sections.service';
import { WikisController } from './wikis.controller';
import { WikisRepository } from './wikis.repository';
import { WikisService } from './wikis.service';

/** LucyAPI's user-scoped half: projects, wikis, hints, nudges, sharing. */
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
    SignedLinks,
    ObjectAccess,
    ObjectAccessRepository,
    KnowledgeAudit,
    SectionTrees,
    SectionTreesRepository,
    ProjectsRepository,
    ProjectsService,
    ProjectSectionsService,
    WikisRepository,
    WikisService,
    WikiSectionsService,
    HintsRepository,
    HintsService,
    NudgesRepository,
    NudgesService,
    SharingRepository,
    SharingService,
  ],
  exports: [ObjectAccess, SignedLinks],
})
export class KnowledgeModule {}
