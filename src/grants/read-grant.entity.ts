import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { PurposeClass, Scope } from '../policy/policy.constants';

/** Permission to re-read one merged view (subject, scope, domain) for one purpose, until revoked or expired. */
@Entity('read_grants')
export class ReadGrantEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId: string;

  /** SHA-256 of the revocation token; the token itself is never stored. */
  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash: string;

  @Column({ type: 'varchar', length: 1024 })
  subject: string;

  @Column({ type: 'varchar', length: 32 })
  scope: Scope;

  @Column({ type: 'varchar', length: 500, nullable: true })
  domain: string | null;

  @Column({ type: 'text', nullable: true })
  purpose: string | null;

  @Column({ name: 'purpose_class', type: 'varchar', length: 32 })
  purposeClass: PurposeClass;

  @Column({ name: 'max_age_days', type: 'integer', nullable: true })
  maxAgeDays: number | null;

  /** The agent that read. */
  @Column({ name: 'agent_id', type: 'uuid', nullable: true })
  agentId: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'revoke_reason', type: 'varchar', length: 64, nullable: true })
  revokeReason: string | null;
}
