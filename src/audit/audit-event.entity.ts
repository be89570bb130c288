import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One audited event. Append-only: the service never updates or deletes a row,
 * except when an operator erases a whole tenant.
 */
@Entity('audit_events')
export class AuditEventEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Commit-independent total order (identity column, assigned by PostgreSQL). */
  @Column({ type: 'bigint', insert: false, update: false })
  seq: string;

  @Column({ name: 'occurred_at', type: 'timestamptz', insert: false, update: false })
  occurredAt: Date;

  /** The tenant the event belongs to; null for operator events outside any tenant. */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId: string | null;

  /** The acting agent; null when an operator (admin API or CLI) acted. */
  @Column({ name: 'agent_id', type: 'uuid', nullable: true })
  agentId: string | null;

  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true })
  requestId: string | null;

  @Column({ name: 'event_type', type: 'varchar', length: 64 })
  eventType: string;

  @Column({ type: 'text', nullable: true })
  subject: string | null;

  @Column({ type: 'varchar', length: 50, nullable: true })
  scope: string | null;

  @Column({ type: 'text', nullable: true })
  domain: string | null;

  @Column({ type: 'text', nullable: true })
  purpose: string | null;

  @Column({ name: 'purpose_class', type: 'varchar', length: 50, nullable: true })
  purposeClass: string | null;

  @Column({ name: 'memory_ids', type: 'uuid', array: true, nullable: true })
  memoryIds: string[] | null;

  @Column({ name: 'grant_id', type: 'uuid', nullable: true })
  grantId: string | null;

  @Column({ name: 'reason_code', type: 'varchar', length: 64, nullable: true })
  reasonCode: string | null;

  @Column({ type: 'jsonb', nullable: true })
  meta: object | null;
}
