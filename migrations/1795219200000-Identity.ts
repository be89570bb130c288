import { MigrationInterface, QueryRunner } from 'typeorm';

/** Users, their agents, agent keys (hashed) and the audit trail. */
export class Identity1795219200000 implements MigrationInterface {
  name = 'Identity1795219200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(64) NOT NULL CONSTRAINT users_name_format CHECK (name ~ '^[a-z0-9_-]{1,64}$'),
        email varchar(320),
        timezone varchar(64) NOT NULL DEFAULT 'UTC',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX users_name_key ON users (lower(name))`);

    await q.query(`
      CREATE TABLE agents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        name varchar(64) NOT NULL CONSTRAINT agents_name_format CHECK (name ~ '^[a-z0-9_-]{1,64}$'),
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX agents_name_key ON agents (lower(name))`);
    await q.query(`CREATE INDEX agents_user_id_idx ON agents (user_id, name)`);

    await q.query(`
      CREATE TABLE agent_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
        key_hash char(64) NOT NULL CONSTRAINT agent_keys_key_hash_key UNIQUE,
        label varchar(200),
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX agent_keys_agent_id_idx ON agent_keys (agent_id)`);

    await q.query(`
      CREATE TABLE audit_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY CONSTRAINT audit_events_seq_key UNIQUE,
        occurred_at timestamptz NOT NULL DEFAULT now(),
        user_id uuid,
        agent_id uuid,
        request_id varchar(128),
        event_type varchar(64) NOT NULL,
        subject text,
        scope varchar(50),
        domain text,
        purpose text,
        purpose_class varchar(50),
        memory_ids uuid[],
        grant_id uuid,
        reason_code varchar(64),
        meta jsonb
      )`);
    // Per-tenant history is read newest-first by seq; retention prunes by time.
    await q.query(`CREATE INDEX audit_events_user_seq_idx ON audit_events (user_id, seq)`);
    await q.query(`CREATE INDEX audit_events_occurred_at_brin ON audit_events USING brin (occurred_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_events`);
    await q.query(`DROP TABLE agent_keys`);
    await q.query(`DROP TABLE agents`);
    await q.query(`DROP TABLE users`);
  }
}
