import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AgentCall } from '../common/auth/actor';
import { AppError } from '../common/errors/app-error';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { mergeMemories, MergeResult } from './merge';
import { CreatedMemoryDto, CreateMemoryDto, ListMemoriesQueryDto, MemoryListDto } from './scoped-memories.dto';
import { normalizeValue, ValueError } from './memory-value';
import { toMemory } from './scoped-memories.views';
import { MemorySelection, ScopedMemoriesRepository } from './scoped-memories.repository';

@Injectable()
/** Scoped memories (MemoryScope v1): store, list, delete, and the merged view reads are built on. */
export class ScopedMemoriesService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly memories: ScopedMemoriesRepository,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Stores a memory in its normalized form; the write and its MEMORY_WRITE event commit together. */
  async create(call: AgentCall, input: CreateMemoryDto): Promise<CreatedMemoryDto> {
    let normalized: ReturnType<typeof normalizeValue>;
    try {
      normalized = normalizeValue(input.value_json);
    } catch (err) {
      if (err instanceof ValueError) throw AppError.validation(err.message, [{ field: 'value_json', message: err.message }]);
      throw err;
    }
    const domain = input.domain ?? null;
    // The memory and its MEMORY_WRITE event: one statement.
    const row = await this.memories.insertAudited(this.db.manager, call.actor, call.caller.userId, {
      subject: input.user_id,
      scope: input.scope,
      domain,
      shape: normalized.shape,
      value: normalized.value,
      source: input.source,
      ttlDays: input.ttl_days,
      agentId: call.caller.agentId,
    });
    return { id: row.id, user_id: input.user_id, scope: input.scope, domain, created_at: row.created_at, expires_at: row.expires_at };
  }

  /** A selection of the newest live memories, MERGE_LIMIT of them at most. */
  selection(s: Omit<MemorySelection, 'limit'>): MemorySelection {
    return { ...s, limit: this.config.mergeLimit };
  }

  /**
   * The merged view of the newest live memories of one (subject, scope, domain),
   * inside the caller's transaction (a continue adds its event).
   */
  async merged(
    em: EntityManager,
    userId: string,
    selection: Omit<MemorySelection, 'limit'>,
  ): Promise<MergeResult & { memoryIds: string[] }> {
    const rows = await this.memories.selectForMerge(em, userId, this.selection(selection));
    return { ...mergeMemories(selection.scope, rows), memoryIds: rows.map((r) => r.id) };
  }

  /** A subject's stored memories, raw (audited: the purpose policy does not apply to listing). */
  async list(call: AgentCall, q: ListMemoriesQueryDto): Promise<MemoryListDto> {
    return this.db.transaction(async (em) => {
      const [rows, total] = await this.memories.list(em, call.caller.userId, {
        subject: q.user_id,
        scope: q.scope,
        domain: q.domain,
        includeExpired: q.include_expired ?? false,
        limit: q.limit,
        offset: q.offset,
      });
      await this.audit.record(em, call.actor, {
        userId: call.caller.userId,
        eventType: 'MEMORY_LIST',
        subject: q.user_id,
        scope: q.scope ?? null,
        domain: q.domain ?? null,
        memoryIds: rows.map((r) => r.id),
      });
      const now = Date.now();
      return { memories: rows.map((r) => toMemory(r, now)), total, limit: q.limit, offset: q.offset };
    });
  }

  async remove(call: AgentCall, id: string): Promise<void> {
    await this.db.transaction(async (em) => {
      const memory = await this.memories.remove(em, call.caller.userId, id);
      if (!memory) throw AppError.notFound('Memory not found');
      await this.audit.record(em, call.actor, {
        userId: call.caller.userId,
        eventType: 'MEMORY_DELETE',
        subject: memory.subject,
        scope: memory.scope,
        domain: memory.domain,
        memoryIds: [id],
      });
    });
  }
}
