import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * LucyAPI's agent-scoped data: two trees per agent (always_load, preferences),
 * flat agent memories, sessions and handoffs. Integer ids (`pkid`, `session_id`,
 * `handoff_id`) as the original API exposes them. Every row carries the tenant.
 */
export class AgentContext1795316400000 implements MigrationInterface {
  name = 'AgentContext1795316400000';

  async up(q: QueryRunner): Promise<void> {
    for (const table of ['always_load', 'preferences']) {
      await q.query(`
        CREATE TABLE ${table} (
          pkid integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
          agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
          parent_id integer NOT NULL DEFAULT 0 CHECK (parent_id >= 0),
          title varchar(500) NOT NULL,
          description text CHECK (char_length(description) <= 100000),
          sort_order integer NOT NULL DEFAULT 0,
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now()
        )`);
      // Lists, children and the context manifest read one agent's nodes by parent, in order.
      await q.query(`CREATE INDEX ${table}_agent_parent_idx ON ${table} (agent_id, parent_id, sort_order, pkid)`);
    }

    await q.query(`
      CREATE TABLE agent_memories (
        pkid integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
        title varchar(500) NOT NULL,
        description text CHECK (char_length(description) <= 100000),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX agent_memories_agent_idx ON agent_memories (agent_id, pkid)`);

    await q.query(`
      CREATE TABLE sessions (
        session_id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
        started_at timestamptz NOT NULL DEFAULT now(),
        project varchar(500),
        notes text CHECK (char_length(notes) <= 100000),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX sessions_agent_started_idx ON sessions (agent_id, started_at DESC, session_id DESC)`);

    await q.query(`
      CREATE TABLE handoffs (
        handoff_id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        agent_id uuid NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
        created_by_agent_id uuid REFERENCES agents (id) ON DELETE SET NULL,
        title varchar(500) NOT NULL,
        prompt text NOT NULL CHECK (char_length(prompt) <= 100000),
        created_at timestamptz NOT NULL DEFAULT now(),
        picked_up_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // The recipient's pending queue (oldest first) and the sender's "sent" list.
    await q.query(`CREATE INDEX handoffs_recipient_idx ON handoffs (agent_id, picked_up_at, created_at, handoff_id)`);
    await q.query(`CREATE INDEX handoffs_sender_idx ON handoffs (created_by_agent_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['handoffs', 'sessions', 'agent_memories', 'preferences', 'always_load']) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
