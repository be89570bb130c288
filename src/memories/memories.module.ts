import { Module } from '@nestjs/common';
import { ReadGrantsRepository } from '../grants/read-grants.repository';
import { ScopedReadsController } from '../grants/scoped-reads.controller';
import { ScopedReadsService } from '../grants/scoped-reads.service';
import { PolicyModule } from '../policy/policy.module';
import { MemoriesController } from './memories.controller';
import { MemoriesService } from './memories.service';
import { RetentionSweep } from './retention-sweep';
import { ScopedMemoriesRepository } from './scoped-memories.repository';
import { ScopedMemoryTools } from './scoped-memory.tools';

/** MemoryScope v1: scoped memories, policy-gated merged reads, read grants. */
@Module({
  imports: [PolicyModule],
  controllers: [MemoriesController, ScopedReadsController, ScopedMemoryTools],
  providers: [
    ScopedMemoriesRepository,
    ReadGrantsRepository,
    MemoriesService,
    ScopedReadsService,
    RetentionSweep,
  ],
  exports: [MemoriesService, ScopedReadsService, RetentionSweep],
})
export class MemoriesModule {}
