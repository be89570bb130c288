import { MigrationInterface, QueryRunner } from 'typeorm';

/** MemoryScope v1: scoped memories about subjects, and revocable read grants. */
export class ScopedMemories1795305600000 implements MigrationInterface {
  name = 'ScopedMemories1795305600000';

  async up(q: QueryRunner): Promise<void> {
    const scopes = `'preferences', 'constraints', 'communication', 'accessibility', 'schedule', 'attention'`;
    const classes = `'content_generation', 'recommendation', 'scheduling', 'ui_rendering', 'notification_delivery', 'task_execution'`;
    await q.query(`
      CREATE TABLE scoped_memories (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        subject varchar(1024) NOT NULL,
        scope varchar(32) NOT NULL CHECK (scope IN (${scopes})),
        domain varchar(500),
        value_json jsonb NOT NULL,
        value_shape varchar(32) NOT NULL CHECK (value_shape IN
          ('likes_dislikes', 'boolean_flags', 'schedule_windows', 'attention_settings', 'kv_map', 'rules_list')),
        source varchar(32) NOT NULL CHECK (source IN ('explicit_user_input', 'user_setting')),
        ttl_days integer NOT NULL CHECK (ttl_days BETWEEN 1 AND 365),
        created_by_agent_id uuid REFERENCES agents (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
    // A read is one ordered range scan: tenant, subject, scope, domain (NULL too), newest first.
    await q.query(`
      CREATE INDEX scoped_memories_read_idx
        ON scoped_memories (user_id, subject, scope, domain, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX scoped_memories_expires_at_idx ON scoped_memories (expires_at)`);

    await q.query(`
      CREATE TABLE read_grants (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        token_hash char(64) NOT NULL CONSTRAINT read_grants_token_hash_key UNIQUE,
        subject varchar(1024) NOT NULL,
        scope varchar(32) NOT NULL CHECK (scope IN (${scopes})),
        domain varchar(500),
        purpose text,
        purpose_class varchar(32) NOT NULL CHECK (purpose_class IN (${classes})),
        max_age_days integer,
        agent_id uuid REFERENCES agents (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoke_reason varchar(64)
      )`);
    await q.query(`CREATE INDEX read_grants_subject_idx ON read_grants (user_id, subject, created_at)`);
    await q.query(`CREATE INDEX read_grants_expires_at_idx ON read_grants (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE read_grants`);
    await q.query(`DROP TABLE scoped_memories`);
  }
}
