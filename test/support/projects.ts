import { Fixtures } from './fixtures';
import { idsOf, knowledgeFixtures, Listed, strayChildrenSql, strayRows } from './knowledge';
import { TestAgent } from './test-app';

/*
 * Shared by the projects*.e2e-spec files (LucyAPI projects and sections): what is
 * a project's own on top of knowledge.ts: expected texts (written out here, never
 * imported from src/), object makers and stored-state reads each file's app gets.
 */

export const PARENT_RULE = 'parent_id must be 0 or a section of the same project';

export const STATUSES = [
  { status_id: 1, code: 'planning', label: 'Planning', sort_order: 1 },
  { status_id: 2, code: 'active', label: 'Active', sort_order: 2 },
  { status_id: 3, code: 'on_hold', label: 'On Hold', sort_order: 3 },
  { status_id: 4, code: 'evolving', label: 'Evolving', sort_order: 4 },
  { status_id: 5, code: 'complete', label: 'Complete', sort_order: 5 },
  { status_id: 6, code: 'archived', label: 'Archived', sort_order: 6 },
];

export interface ListedProject extends Listed {
  project_id: number;
  status: string;
  status_label: string;
}

export interface Section {
  section_id: number;
  parent_id: number;
  title: string;
  description: string | null;
  file_path: string | null;
  created_at: string;
  updated_at: string;
}

export const projectIds = (projects: ListedProject[]) => idsOf('project_id', projects);
export const sectionIds = (sections: { section_id: number }[]) => idsOf('section_id', sections);

/** U1 (A1a, A1b; America/Denver), U2 and U3, projects, sections and shares as them, and what is stored, for one app. */
export function projectFixtures(ctx: Fixtures) {
  const { fixture, share, ownedCount, updatedAt, sharesOf, expectKnowledgeAudit, pause } = knowledgeFixtures(ctx, 'project', 'projects', 'project_id', 'America/Denver');

  const createProject = async (agent: TestAgent, body: Record<string, unknown> = {}): Promise<number> => (await ctx.newProject(agent, body)).project_id;

  const createSection = async (agent: TestAgent, projectId: number, body: Record<string, unknown>): Promise<number> =>
    (await ctx.newSection(agent, projectId, body)).section_id;

  async function sectionCount(projectId: number): Promise<number> {
    const [row] = await ctx.db.query(`SELECT count(*)::int AS n FROM project_sections WHERE project_id = $1`, [projectId]);
    return row.n as number;
  }

  /** Everything stored about a project: header, sections and the shares of it. */
  async function snapshot(projectId: number) {
    return {
      project: await ctx.db.query(`SELECT project_id, user_id, title, description, status_id, created_at, updated_at FROM projects WHERE project_id = $1`, [
        projectId,
      ]),
      sections: await ctx.db.query(
        `SELECT section_id, parent_id, title, description, file_path, created_at, updated_at FROM project_sections
          WHERE project_id = $1 ORDER BY section_id`,
        [projectId],
      ),
      shares: await sharesOf(projectId),
    };
  }

  /** Sections whose parent is not a section of the same project (must never exist). */
  const orphanSections = async (): Promise<number> => (await strayRows(ctx, { n: strayChildrenSql('project_sections', 'section_id', 'project_id') })).n;

  return {
    fixture,
    createProject,
    createSection,
    share,
    projectCount: ownedCount,
    sectionCount,
    projectUpdatedAt: (projectId: number) => updatedAt(projectId),
    snapshot,
    orphanSections,
    expectKnowledgeAudit,
    pause,
  };
}
