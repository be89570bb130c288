import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { pageAndTotal, PageQuery } from '../common/http/paging';

/** An image's metadata row, with the name of the agent that made it (null once that agent is gone). */
export interface ImageRow {
  image_id: string;
  user_id: string;
  agent: string | null;
  source: 'uploaded' | 'generated' | 'edited';
  prompt: string | null;
  model: string | null;
  keep: boolean;
  mime_type: string;
  size_bytes: number;
  width: number;
  height: number;
  sha256: string;
  created_at: Date;
}

export interface NewImage {
  userId: string;
  agentId: string;
  source: ImageRow['source'];
  prompt: string | null;
  model: string | null;
  keep: boolean;
  mimeType: string;
  width: number;
  height: number;
  sha256: string;
  data: Buffer;
}

const COLUMNS = `i.image_id, i.user_id, a.name AS agent, i.source, i.prompt, i.model, i.keep, i.mime_type,
                 i.size_bytes, i.width, i.height, i.sha256, i.created_at`;
const FROM = `images i LEFT JOIN agents a ON a.id = i.agent_id`;

/** Image metadata and bytes. Every statement names the owning user; bytes are read only by `bytes`. */
@Injectable()
export class ImagesRepository {
  /** Stores the metadata and the bytes in one statement. */
  async insert(em: EntityManager, image: NewImage): Promise<ImageRow> {
    const rows: ImageRow[] = await em.query(
      `WITH i AS (
         INSERT INTO images (user_id, agent_id, source, prompt, model, mime_type, size_bytes, width, height, sha256, keep)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $12) RETURNING *
       ), b AS (INSERT INTO image_bytes (image_id, data) SELECT image_id, $11 FROM i)
       SELECT ${COLUMNS} FROM i LEFT JOIN agents a ON a.id = i.agent_id`,
      [
        image.userId,
        image.agentId,
        image.source,
        image.prompt,
        image.model,
        image.mimeType,
        image.data.length,
        image.width,
        image.height,
        image.sha256,
        image.data,
        image.keep,
      ],
    );
    return rows[0];
  }

  async get(em: EntityManager, userId: string, imageId: string, lock = false): Promise<ImageRow | undefined> {
    const rows: ImageRow[] = await em.query(
      `SELECT ${COLUMNS} FROM ${FROM} WHERE i.user_id = $1 AND i.image_id = $2${lock ? ' FOR UPDATE OF i' : ''}`,
      [userId, imageId],
    );
    return rows[0];
  }

  /** The user's images, newest first; `keep` filters when given. */
  async page(em: EntityManager, userId: string, keep: boolean | undefined, page: PageQuery): Promise<[ImageRow[], number]> {
    // $2 is the keep filter (null: any), so the page and its count share one WHERE.
    const where = `i.user_id = $1 AND ($2::boolean IS NULL OR i.keep = $2)`;
    const rows: (ImageRow & { total: number })[] = await em.query(
      `SELECT ${COLUMNS}, count(*) OVER ()::int AS total FROM ${FROM}
        WHERE ${where} ORDER BY i.created_at DESC, i.image_id DESC LIMIT $3 OFFSET $4`,
      [userId, keep ?? null, page.limit, page.offset],
    );
    return pageAndTotal(rows, async () => {
      const [{ n }]: { n: number }[] = await em.query(`SELECT count(*)::int AS n FROM images i WHERE ${where}`, [userId, keep ?? null]);
      return n;
    });
  }

  /** The bytes and what to serve them as; undefined when the user has no such image. */
  async bytes(em: EntityManager, userId: string, imageId: string): Promise<{ data: Buffer; mime_type: string; sha256: string } | undefined> {
    const rows: { data: Buffer; mime_type: string; sha256: string }[] = await em.query(
      `SELECT b.data, i.mime_type, i.sha256 FROM images i JOIN image_bytes b ON b.image_id = i.image_id
        WHERE i.user_id = $1 AND i.image_id = $2`,
      [userId, imageId],
    );
    return rows[0];
  }

  /** The owner of an image, by id alone: a signed link names only the image (its signature names the owner). */
  async ownerOf(em: EntityManager, imageId: string): Promise<string | undefined> {
    const rows: { user_id: string }[] = await em.query(`SELECT user_id FROM images WHERE image_id = $1`, [imageId]);
    return rows[0]?.user_id;
  }

  async setKeep(em: EntityManager, userId: string, imageId: string, keep: boolean): Promise<void> {
    await em.query(`UPDATE images SET keep = $3 WHERE user_id = $1 AND image_id = $2`, [userId, imageId, keep]);
  }

  async remove(em: EntityManager, userId: string, imageId: string): Promise<void> {
    await em.query(`DELETE FROM images WHERE user_id = $1 AND image_id = $2`, [userId, imageId]);
  }

  /** Deletes the user's unkept images; their ids. */
  async removeUnkept(em: EntityManager, userId: string): Promise<string[]> {
    const rows: [{ image_id: string }[], number] = await em.query(
      `DELETE FROM images WHERE user_id = $1 AND NOT keep RETURNING image_id`,
      [userId],
    );
    return rows[0].map((r) => r.image_id);
  }
}
