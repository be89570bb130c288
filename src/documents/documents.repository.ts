import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { DocumentKind } from '../common/signed-links';
import { OBJECTS } from '../knowledge/object-access.repository';
import { SECTION_TAGS } from '../knowledge/wikis.repository';
import type { DocumentSection } from './render-document';

/** A project's header; `label` names its status. */
export interface ProjectHeaderRow {
  title: string;
  description: string | null;
  label: string;
}

export interface WikiHeaderRow {
  title: string;
  description: string | null;
}

/**
 * Data access for the HTML documents. Statements are keyed by the object's id
 * alone: the reader may not be the owner (a share), and a signed link names
 * only the object; the service decides access before reading.
 */
@Injectable()
export class DocumentsRepository {
  /** The owner of a project or wiki, or undefined when it does not exist. */
  async ownerOf(em: EntityManager, kind: DocumentKind, id: number): Promise<string | undefined> {
    const o = OBJECTS[kind];
    const rows: { user_id: string }[] = await em.query(`SELECT user_id FROM ${o.table} WHERE ${o.idColumn} = $1`, [id]);
    return rows[0]?.user_id;
  }

  async project(em: EntityManager, projectId: number): Promise<ProjectHeaderRow | undefined> {
    const rows: ProjectHeaderRow[] = await em.query(
      `SELECT p.title, p.description, st.label FROM projects p JOIN project_statuses st ON st.status_id = p.status_id
          WHERE p.project_id = $1`,
      [projectId],
    );
    return rows[0];
  }

  async projectSections(em: EntityManager, projectId: number): Promise<DocumentSection[]> {
    const rows: DocumentSection[] = await em.query(
      `SELECT section_id, parent_id, title, description, file_path FROM project_sections WHERE project_id = $1`,
      [projectId],
    );
    return rows;
  }

  async wiki(em: EntityManager, wikiId: number): Promise<WikiHeaderRow | undefined> {
    const rows: WikiHeaderRow[] = await em.query(`SELECT title, description FROM wikis WHERE wiki_id = $1`, [wikiId]);
    return rows[0];
  }

  async wikiSections(em: EntityManager, wikiId: number): Promise<DocumentSection[]> {
    const rows: DocumentSection[] = await em.query(
      `SELECT s.section_id, s.parent_id, s.title, s.description, s.updated_at,
              ${SECTION_TAGS('s')}
         FROM wiki_sections s WHERE s.wiki_id = $1`,
      [wikiId],
    );
    return rows;
  }
}
