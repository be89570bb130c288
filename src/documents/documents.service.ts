import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError } from '../common/errors/app-error';
import { ObjectAccess } from '../knowledge/object-access';
import { OBJECTS } from '../knowledge/object-access.repository';
import { SignedLinks, DocumentKind } from '../common/signed-links';
import { DocumentsRepository } from './documents.repository';
import { renderDocument } from './render-document';

/** Projects and wikis as self-contained HTML documents: for a reader with access, or behind a signed link. */
@Injectable()
export class DocumentsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly documents: DocumentsRepository,
    private readonly access: ObjectAccess,
    private readonly links: SignedLinks,
  ) {}

  /** The document of an object the user may read (404 otherwise). */
  async forReader(userId: string, kind: DocumentKind, id: number): Promise<string> {
    await this.access.require(this.db.manager, userId, kind, id, 'read');
    const html = await this.render(kind, id);
    if (html === null) throw AppError.notFound(OBJECTS[kind].notFound);
    return html;
  }

  /** The document behind a signed link; null when the link is not valid (tampered, expired, other object). */
  async forLink(kind: DocumentKind, id: number, exp: unknown, sig: unknown): Promise<string | null> {
    const owner = await this.documents.ownerOf(this.db.manager, kind, id);
    if (!owner || !this.links.verify(kind, id, owner, exp, sig)) return null;
    return this.render(kind, id);
  }

  private async render(kind: DocumentKind, id: number): Promise<string | null> {
    const em = this.db.manager;
    const generatedAt = new Date();
    if (kind === 'project') {
      const project = await this.documents.project(em, id);
      if (!project) return null;
      const sections = await this.documents.projectSections(em, id);
      return renderDocument({ title: project.title, description: project.description, meta: `Status: ${project.label}`, sections, generatedAt });
    }
    const wiki = await this.documents.wiki(em, id);
    if (!wiki) return null;
    const sections = await this.documents.wikiSections(em, id);
    return renderDocument({ title: wiki.title, description: wiki.description, sections, generatedAt });
  }
}
