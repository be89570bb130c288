import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MemoriesModule } from '../memories/memories.module';
import { PolicyModule } from '../policy/policy.module';
import { PolicyInterceptor } from './policy.interceptor';
import { ReadGrantEntity } from './read-grant.entity';
import { ReadGrantsRepository } from './read-grants.repository';
import { RetentionSweep } from './retention-sweep';
import { ScopedReadsController } from './scoped-reads.controller';
import { ScopedReadsService } from './scoped-reads.service';
import { ScopedReadsTools } from './scoped-reads.tools';
import { SubjectsController } from './subjects.controller';
import { SubjectsService } from './subjects.service';
import { SubjectsTools } from './subjects.tools';

/**
 * Read grants and what is built on them: policy-gated reads, continue and
 * revoke, a subject's export and erasure, and the retention sweep (memories
 * and grants past their time).
 */
@Module({
  imports: [TypeOrmModule.forFeature([ReadGrantEntity]), MemoriesModule, PolicyModule],
  controllers: [ScopedReadsController, ScopedReadsTools, SubjectsController, SubjectsTools],
  providers: [ReadGrantsRepository, ScopedReadsService, SubjectsService, PolicyInterceptor, RetentionSweep],
})
export class GrantsModule {}
