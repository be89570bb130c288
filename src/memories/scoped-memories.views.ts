import type { CreatedMemoryDto, MemoryDto } from './scoped-memories.dto';
import type { ScopedMemoryEntity } from './scoped-memory.entity';

/** Entity -> API shape; MemoryScope calls the subject `user_id`. */
export function toCreatedMemory(m: ScopedMemoryEntity): CreatedMemoryDto {
  return {
    id: m.id,
    user_id: m.subject,
    scope: m.scope,
    domain: m.domain,
    created_at: m.createdAt,
    expires_at: m.expiresAt,
  };
}

export function toMemory(m: ScopedMemoryEntity, now = Date.now()): MemoryDto {
  return {
    ...toCreatedMemory(m),
    shape: m.shape,
    value: m.value,
    source: m.source,
    ttl_days: m.ttlDays,
    expired: m.expiresAt.getTime() <= now,
  };
}
