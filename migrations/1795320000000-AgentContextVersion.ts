import { MigrationInterface, QueryRunner } from 'typeorm';

/** Tables whose rows make up the context manifest, and the columns it shows. */
const MANIFEST_TABLES: Record<string, string> = {
  always_load: 'agent_id, parent_id, sort_order, title',
  preferences: 'agent_id, parent_id, sort_order, title',
  agent_memories: 'agent_id, title',
};

/**
 * A per-agent version of the context manifest (always-load titles, memory
 * titles, preference roots), bumped by triggers in the writing transaction, so
 * a rendered manifest can be reused for as long as the version is unchanged —
 * whatever wrote the rows (API, CLI or plain SQL).
 */
export class AgentContextVersion1795320000000 implements MigrationInterface {
  name = 'AgentContextVersion1795320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE agents ADD COLUMN context_version bigint NOT NULL DEFAULT 0`);
    await q.query(`
      CREATE FUNCTION bump_agent_context_version() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
          UPDATE agents SET context_version = context_version + 1 WHERE id = OLD.agent_id;
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.agent_id IS DISTINCT FROM OLD.agent_id) THEN
          UPDATE agents SET context_version = context_version + 1 WHERE id = NEW.agent_id;
        END IF;
        RETURN NULL;
      END $$`);
    for (const [table, columns] of Object.entries(MANIFEST_TABLES)) {
      // Description-only updates leave the manifest as it is.
      await q.query(`
        CREATE TRIGGER ${table}_context_version
        AFTER INSERT OR DELETE OR UPDATE OF ${columns} ON ${table}
        FOR EACH ROW EXECUTE FUNCTION bump_agent_context_version()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of Object.keys(MANIFEST_TABLES)) await q.query(`DROP TRIGGER ${table}_context_version ON ${table}`);
    await q.query(`DROP FUNCTION bump_agent_context_version()`);
    await q.query(`ALTER TABLE agents DROP COLUMN context_version`);
  }
}
