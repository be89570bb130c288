import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AgentCall } from '../common/auth/actor';
import { ScopedMemoriesRepository } from '../memories/scoped-memories.repository';
import { toMemory } from '../memories/scoped-memories.views';
import { ReadGrantsRepository } from './read-grants.repository';
import { toGrant } from './read-grants.views';
import { ErasedDto, SubjectExportDto } from './subjects.dto';

/** Everything stored about one subject, memories and grants together: export and erasure. */
@Injectable()
export class SubjectsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly memories: ScopedMemoriesRepository,
    private readonly grants: ReadGrantsRepository,
    private readonly audit: AuditService,
  ) {}

  /** Erases a subject: every memory and every read grant about them. */
  async erase(call: AgentCall, subject: string): Promise<ErasedDto> {
    return this.db.transaction(async (em) => {
      const ids = await this.memories.removeSubject(em, call.caller.userId, subject);
      const grants = await this.grants.removeSubject(em, call.caller.userId, subject);
      await this.audit.record(em, call.actor, {
        userId: call.caller.userId,
        eventType: 'SUBJECT_ERASE',
        subject,
        memoryIds: ids,
        meta: { memories: ids.length, grants },
      });
      return { deleted: ids.length };
    });
  }

  /** Everything stored about a subject: memories (with expired ones) and grants (never tokens). */
  async export(call: AgentCall, subject: string): Promise<SubjectExportDto> {
    return this.db.transaction(async (em) => {
      const memories = await this.memories.all(em, call.caller.userId, subject);
      const grants = await this.grants.all(em, call.caller.userId, subject);
      await this.audit.record(em, call.actor, {
        userId: call.caller.userId,
        eventType: 'SUBJECT_EXPORT',
        subject,
        memoryIds: memories.map((m) => m.id),
        meta: { memories: memories.length, grants: grants.length },
      });
      const now = Date.now();
      return {
        user_id: subject,
        exported_at: new Date(now),
        memories: memories.map((m) => toMemory(m, now)),
        grants: grants.map(toGrant),
      };
    });
  }
}
