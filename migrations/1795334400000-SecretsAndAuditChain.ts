import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The secrets vault, and the tables that make the audit trail tamper-evident.
 *
 * - secrets: AES-256-GCM blobs bound to (tenant, key); readers are agent ids
 *   (null: every agent of the user).
 * - audit_events.seq is now drawn by audit_next_seq(), which gives the inserting
 *   transaction its id before it takes a number. So every event numbered below a
 *   seq already handed out belongs to a transaction that was running, or done,
 *   when the sealer looked: once those finish, nothing can appear below it.
 * - audit_chain: one link per sealed event (its hash over the previous link of
 *   the same chain and the event); audit_chain_anchors: the last pruned link of
 *   each chain; audit_seal_state: how far the sealer has linked.
 */
export class SecretsAndAuditChain1795334400000 implements MigrationInterface {
  name = 'SecretsAndAuditChain1795334400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE secrets (
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        key varchar(200) COLLATE "C" NOT NULL CONSTRAINT secrets_key_format CHECK (key ~ '^[A-Za-z0-9_.-]{1,200}$'),
        encrypted_value bytea NOT NULL,
        reader_agent_ids uuid[],
        write_only boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, key)
      )`);

    await q.query(`CREATE SEQUENCE audit_event_seq AS bigint`);
    await q.query(`SELECT setval('audit_event_seq', coalesce((SELECT max(seq) FROM audit_events), 0) + 1, false)`);
    await q.query(`
      CREATE FUNCTION audit_next_seq() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        PERFORM pg_current_xact_id();
        RETURN nextval('audit_event_seq');
      END $$`);
    await q.query(`ALTER TABLE audit_events ALTER COLUMN seq DROP IDENTITY`);
    await q.query(`ALTER TABLE audit_events ALTER COLUMN seq SET DEFAULT audit_next_seq()`);
    await q.query(`ALTER SEQUENCE audit_event_seq OWNED BY audit_events.seq`);
    // The sealer reads new events by seq range; events are appended, so a BRIN index is enough.
    await q.query(`CREATE INDEX audit_events_seq_brin ON audit_events USING brin (seq)`);

    await q.query(`
      CREATE TABLE audit_chain (
        seq bigint PRIMARY KEY,
        chain_id uuid NOT NULL,
        hash bytea NOT NULL
      )`);
    await q.query(`CREATE INDEX audit_chain_chain_seq_idx ON audit_chain (chain_id, seq)`);
    await q.query(`
      CREATE TABLE audit_chain_anchors (
        chain_id uuid PRIMARY KEY,
        seq bigint NOT NULL,
        hash bytea NOT NULL
      )`);
    await q.query(`
      CREATE TABLE audit_seal_state (
        singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        sealed_through_seq bigint NOT NULL
      )`);
    await q.query(`INSERT INTO audit_seal_state (sealed_through_seq) VALUES (0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_seal_state`);
    await q.query(`DROP TABLE audit_chain_anchors`);
    await q.query(`DROP TABLE audit_chain`);
    await q.query(`DROP INDEX audit_events_seq_brin`);
    await q.query(`ALTER TABLE audit_events ALTER COLUMN seq DROP DEFAULT`);
    await q.query(`DROP SEQUENCE audit_event_seq`);
    await q.query(`DROP FUNCTION audit_next_seq()`);
    await q.query(`ALTER TABLE audit_events ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY`);
    await q.query(`SELECT setval(pg_get_serial_sequence('audit_events', 'seq'), coalesce((SELECT max(seq) FROM audit_events), 0) + 1, false)`);
    await q.query(`DROP TABLE secrets`);
  }
}
