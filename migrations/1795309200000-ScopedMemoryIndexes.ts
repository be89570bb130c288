import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read and write costs of scoped memories:
 * - `domain IS NULL` is not an equality, so the read index cannot return a
 *   domain-less subject's memories newest-first without sorting them all; a
 *   partial index makes that read an ordered scan that stops after MERGE_LIMIT rows.
 * - The sweep's expiry lookups need no B-tree: expires_at grows with insertion
 *   order, which a BRIN index summarises at almost no cost per insert.
 * - audit_events.seq comes from an identity sequence; its unique index only cost
 *   an index insert per event (lookups go through (user_id, seq)).
 */
export class ScopedMemoryIndexes1795309200000 implements MigrationInterface {
  name = 'ScopedMemoryIndexes1795309200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX scoped_memories_read_no_domain_idx
        ON scoped_memories (user_id, subject, scope, created_at DESC, id DESC)
        WHERE domain IS NULL`);
    await q.query(`DROP INDEX scoped_memories_expires_at_idx`);
    await q.query(`CREATE INDEX scoped_memories_expires_at_brin ON scoped_memories USING brin (expires_at)`);
    await q.query(`DROP INDEX read_grants_expires_at_idx`);
    await q.query(`CREATE INDEX read_grants_expires_at_brin ON read_grants USING brin (expires_at)`);
    await q.query(`ALTER TABLE audit_events DROP CONSTRAINT audit_events_seq_key`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_events ADD CONSTRAINT audit_events_seq_key UNIQUE (seq)`);
    await q.query(`DROP INDEX read_grants_expires_at_brin`);
    await q.query(`CREATE INDEX read_grants_expires_at_idx ON read_grants (expires_at)`);
    await q.query(`DROP INDEX scoped_memories_expires_at_brin`);
    await q.query(`CREATE INDEX scoped_memories_expires_at_idx ON scoped_memories (expires_at)`);
    await q.query(`DROP INDEX scoped_memories_read_no_domain_idx`);
  }
}
