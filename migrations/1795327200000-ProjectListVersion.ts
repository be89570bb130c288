import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A per-user version of the project list (owned and shared projects), bumped
 * by triggers in the writing transaction, so a rendered list can be reused
 * while the version is unchanged — whatever wrote the rows. Users are bumped in
 * id order (locked first, FOR NO KEY UPDATE, which does not conflict with the
 * key-share locks foreign-key checks take), so concurrent writers cannot
 * deadlock on them.
 */
export class ProjectListVersion1795327200000 implements MigrationInterface {
  name = 'ProjectListVersion1795327200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN projects_version bigint NOT NULL DEFAULT 0`);
    await q.query(`
      CREATE FUNCTION bump_projects_version(user_ids uuid[]) RETURNS void LANGUAGE sql AS $$
        UPDATE users u SET projects_version = u.projects_version + 1
          FROM (SELECT id FROM users WHERE id = ANY (user_ids) ORDER BY id FOR NO KEY UPDATE) locked
         WHERE u.id = locked.id
      $$`);
    // A project changed: its owner's list and every sharee's list show it.
    await q.query(`
      CREATE FUNCTION projects_list_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        changed projects%ROWTYPE := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      BEGIN
        PERFORM bump_projects_version(
          ARRAY(SELECT changed.user_id
                UNION SELECT OLD.user_id WHERE TG_OP = 'UPDATE'
                UNION SELECT s.shared_to_user_id FROM shared_objects s WHERE s.project_id = changed.project_id));
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER projects_list_version AFTER INSERT OR UPDATE OR DELETE ON projects
      FOR EACH ROW EXECUTE FUNCTION projects_list_changed()`);
    // A project share changed: the recipient's list gains, loses or relabels a project.
    await q.query(`
      CREATE FUNCTION project_shares_changed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM bump_projects_version(
          ARRAY(SELECT NEW.shared_to_user_id WHERE TG_OP <> 'DELETE' AND NEW.project_id IS NOT NULL
                UNION SELECT OLD.shared_to_user_id WHERE TG_OP <> 'INSERT' AND OLD.project_id IS NOT NULL));
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER shared_objects_projects_version AFTER INSERT OR UPDATE OR DELETE ON shared_objects
      FOR EACH ROW EXECUTE FUNCTION project_shares_changed()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER shared_objects_projects_version ON shared_objects`);
    await q.query(`DROP FUNCTION project_shares_changed()`);
    await q.query(`DROP TRIGGER projects_list_version ON projects`);
    await q.query(`DROP FUNCTION projects_list_changed()`);
    await q.query(`DROP FUNCTION bump_projects_version(uuid[])`);
    await q.query(`ALTER TABLE users DROP COLUMN projects_version`);
  }
}
