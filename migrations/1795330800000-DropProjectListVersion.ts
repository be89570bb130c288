import { MigrationInterface, QueryRunner } from 'typeorm';
import { ProjectListVersion1795327200000 } from './1795327200000-ProjectListVersion';

/**
 * Drops the trigger-maintained users.projects_version: bumping the owner's and
 * every sharee's row from project writes deadlocked under concurrent writes to
 * projects shared both ways. A project list's version is now read from the
 * rows themselves (their count and transaction ids), which needs no writes.
 */
export class DropProjectListVersion1795330800000 implements MigrationInterface {
  name = 'DropProjectListVersion1795330800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER shared_objects_projects_version ON shared_objects`);
    await q.query(`DROP FUNCTION project_shares_changed()`);
    await q.query(`DROP TRIGGER projects_list_version ON projects`);
    await q.query(`DROP FUNCTION projects_list_changed()`);
    await q.query(`DROP FUNCTION bump_projects_version(uuid[])`);
    await q.query(`ALTER TABLE users DROP COLUMN projects_version`);
  }

  async down(q: QueryRunner): Promise<void> {
    await new ProjectListVersion1795327200000().up(q);
  }
}
