import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Images owned by users: the metadata lists read, and the bytes in a table of
 * their own so that no list query loads them (any replica serves any image).
 */
export class Images1795338000000 implements MigrationInterface {
  name = 'Images1795338000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE images (
        image_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        agent_id uuid REFERENCES agents(id) ON DELETE SET NULL,
        source text NOT NULL CHECK (source IN ('uploaded', 'generated', 'edited')),
        prompt text,
        model text,
        keep boolean NOT NULL DEFAULT false,
        mime_type text NOT NULL,
        size_bytes integer NOT NULL CHECK (size_bytes > 0),
        width integer NOT NULL,
        height integer NOT NULL,
        sha256 text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // The user's list, newest first (and its keep filter), in index order.
    await q.query(`CREATE INDEX images_user_created_idx ON images (user_id, created_at DESC, image_id DESC)`);
    await q.query(`
      CREATE TABLE image_bytes (
        image_id uuid PRIMARY KEY REFERENCES images(image_id) ON DELETE CASCADE,
        data bytea NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE image_bytes`);
    await q.query(`DROP TABLE images`);
  }
}
