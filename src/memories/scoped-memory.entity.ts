import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Scope, Source } from '../policy/policy.constants';
import type { Json, Shape } from './memory-value';

/** A structured memory about a subject (MemoryScope's `user_id`) inside a tenant. */
@Entity('scoped_memories')
export class ScopedMemoryEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The tenant (Mnemo user). */
  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  /** Who the memory is about (MemoryScope's body `user_id`). */
  @Column({ type: 'varchar', length: 1024 })
  subject: string;

  @Column({ type: 'varchar', length: 32 })
  scope: Scope;

  @Column({ type: 'varchar', length: 500, nullable: true })
  domain: string | null;

  @Column({ name: 'value_json', type: 'jsonb' })
  value: Json;

  @Column({ name: 'value_shape', type: 'varchar', length: 32 })
  shape: Shape;

  @Column({ type: 'varchar', length: 32 })
  source: Source;

  @Column({ name: 'ttl_days', type: 'integer' })
  ttlDays: number;

  @Column({ name: 'created_by_agent_id', type: 'uuid', nullable: true })
  createdByAgentId: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
