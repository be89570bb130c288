import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError } from '../common/errors/app-error';
import { ObjectAccess, OBJECTS, READ } from '../knowledge/object-access';
import { SECTION_TAGS } from '../knowledge/wikis.service';
import { DocLinks, DocumentKind } from './doc-links';
import { DocumentSection, renderDocument } from './render-document';

/** Projects and wikis as self-contained HTML documents: for a reader with access, or behind a signed link. */
@Injectable()
export class DocumentsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: ObjectAccess,
    private readonly links: DocLinks,
  ) {}

  /** The document of an object the user may read (404 otherwise). */
  async forReader(userId: string, kind: DocumentKind, id: number): Promise<string> {
    await this.access.require(this.db.manager, userId, kind, id, READ);
    const html = await this.render(kind, id);
    if (html === null) throw AppError.notFound(OBJECTS[kind].notFound);
    return html;
  }

  /** The document behind a signed link; null when the link is not valid (tampered, expired, other object). */
  async forLink(kind: DocumentKind, id: number, exp: unknown, sig: unknown): Promise<string | null> {
    const o = OBJECTS[kind];
    const [row] = await this.db.query(`SELECT user_id FROM ${o.table} WHERE ${o.idColumn} = $1`, [id]);
    if (!row || !this.links.verify(kind, id, row.user_id, exp, sig)) return null;
    return this.render(kind, id);
  }

  private async render(kind: DocumentKind, id: number): Promise<string | null> {
    const generatedAt = new Date();
    if (kind === 'project') {
      const [project] = await this.db.query(
        `SELECT p.title, p.description, st.label FROM projects p JOIN project_statuses st ON st.status_id = p.status_id
          WHERE p.project_id = $1`,
        [id],
      );
      if (!project) return null;
      const sections: DocumentSection[] = await this.db.query(
        `SELECT section_id, parent_id, title, description, file_path FROM project_sections WHERE project_id = $1`,
        [id],
      );
      return renderDocument({ title: project.title, description: project.description, meta: `Status: ${project.label}`, sections, generatedAt });
    }
    const [wiki] = await this.db.query(`SELECT title, description FROM wikis WHERE wiki_id = $1`, [id]);
    if (!wiki) return null;
    const sections: DocumentSection[] = await this.db.query(
      `SELECT s.section_id, s.parent_id, s.title, s.description, s.updated_at,
              ${SECTION_TAGS('s')}
         FROM wiki_sections s WHERE s.wiki_id = $1`,
      [id],
    );
    return renderDocument({ title: wiki.title, description: wiki.description, sections, generatedAt });
  }
}
