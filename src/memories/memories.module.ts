import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ScopedMemoriesController } from './scoped-memories.controller';
import { ScopedMemoriesRepository } from './scoped-memories.repository';
import { ScopedMemoriesService } from './scoped-memories.service';
import { ScopedMemoriesTools } from './scoped-memories.tools';
import { ScopedMemoryEntity } from './scoped-memory.entity';

/** MemoryScope v1 scoped memories: store, list, delete, and the merge reads are built on (grants/ reads them). */
@Module({
  imports: [TypeOrmModule.forFeature([ScopedMemoryEntity])],
  controllers: [ScopedMemoriesController, ScopedMemoriesTools],
  providers: [ScopedMemoriesRepository, ScopedMemoriesService],
  exports: [ScopedMemoriesRepository, ScopedMemoriesService],
})
export class MemoriesModule {}
