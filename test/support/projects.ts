import { Fixtures } from './fixtures';
import { ThreeUsers } from './fixtures';
import { TestAgent } from './test-app';

/*
 * Shared by the projects*.e2e-spec files (LucyAPI projects and sections): expected
 * texts (written out here, never imported from src/), and the fixture users, object
 * makers and stored-state reads each file's app gets.
 */

export const PROJECT_NOT_FOUND = 'Project not found';
export const SECTION_NOT_FOUND = 'Section not found';
export const NO_FIELDS = 'No fields to update';
export const NOT_OWNER = 'Object not found or you are not the owner';
export const SHARE_NOT_FOUND = 'Share not found';
export const PARENT_RULE = 'parent_id must be 0 or a section of the same project';
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;
/** An id no test creates (PostgreSQL integer maximum). */
export const MISSING = 2_147_483_647;

export const STATUSES = [
  { status_id: 1, code: 'planning', label: 'Planning', sort_order: 1 },
  { status_id: 2, code: 'active', label: 'Active', sort_order: 2 },
  { status_id: 3, code: 'on_hold', label: 'On Hold', sort_order: 3 },
  { status_id: 4, code: 'evolving', label: 'Evolving', sort_order: 4 },
  { status_id: 5, code: 'complete', label: 'Complete', sort_order: 5 },
  { status_id: 6, code: 'archived', label: 'Archived', sort_order: 6 },
];

export type Fixture = ThreeUsers;

export interface ListedProject {
  project_id: number;
  title: string;
  description: string | null;
  status: string;
  status_label: string;
  access: 'owned' | 'shared';
  permission_level: number;
  created_at: string;
  updated_at: string;
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

export const projectIds = (projects: ListedProject[]) => projects.map((p) => p.project_id);
export const sectionIds = (sections: Section[]) => sections.map((s) => s.section_id);

/** U1 (A1a, A1b; America/Denver), U2 and U3, projects, sections and shares as them, and what is stored, for one app. */
export function projectFixtures(ctx: Fixtures) {
  /** U1 with A1a and A1b; U2 with A2; U3 with A3. */
  const fixture = (): Promise<Fixture> => ctx.threeUsers('America/Denver');

  const createProject = async (agent: TestAgent, body: Record<string, unknown> = {}): Promise<number> => (await ctx.newProject(agent, body)).project_id;

  const createSection = async (agent: TestAgent, projectId: number, body: Record<string, unknown>): Promise<number> =>
    (await ctx.newSection(agent, projectId, body)).section_id;

  const share = async (owner: TestAgent, to: TestAgent, projectId: number, level: number): Promise<number> =>
    (await ctx.share(owner, 'project', projectId, to.userName, level)).share_id;

  async function projectCount(agent: TestAgent): Promise<number> {
    const [row] = await ctx.db.query(`SELECT count(*)::int AS n FROM projects WHERE user_id = $1`, [agent.userId]);
    return row.n as number;
  }

  async function sectionCount(projectId: number): Promise<number> {
    const [row] = await ctx.db.query(`SELECT count(*)::int AS n FROM project_sections WHERE project_id = $1`, [projectId]);
    return row.n as number;
  }

  async function projectUpdatedAt(projectId: number): Promise<number> {
    const [row] = await ctx.db.query(`SELECT updated_at FROM projects WHERE project_id = $1`, [projectId]);
    return (row.updated_at as Date).getTime();
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
      shares: await ctx.db.query(
        `SELECT share_id, shared_by_user_id, shared_to_user_id, permission_level, updated_at FROM shared_objects
          WHERE project_id = $1 ORDER BY share_id`,
        [projectId],
      ),
    };
  }

  /** Sections whose parent is not a section of the same project (must never exist). */
  async function orphanSections(): Promise<number> {
    const [row] = await ctx.db.query(`
      SELECT count(*)::int AS n FROM project_sections c
       WHERE c.parent_id <> 0
         AND NOT EXISTS (SELECT 1 FROM project_sections p WHERE p.section_id = c.parent_id AND p.project_id = c.project_id)`);
    return row.n as number;
  }

  /**
   * The one audit event of a request: in the owner's tenant, by the acting agent;
   * a sharee's user is named as meta.acting_user_id.
   */
  async function expectKnowledgeAudit(rid: string, eventType: string, acting: TestAgent, owner: TestAgent, meta: Record<string, unknown>): Promise<void> {
    const rows = await ctx.db.query(`SELECT event_type, agent_id, user_id, meta FROM audit_events WHERE request_id = $1 ORDER BY seq`, [rid]);
    const expectedMeta = acting.userId === owner.userId ? meta : { ...meta, acting_user_id: acting.userId };
    expect(rows).toEqual([{ event_type: eventType, agent_id: acting.agentId, user_id: owner.userId, meta: expectedMeta }]);
  }

  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  return { fixture, createProject, createSection, share, projectCount, sectionCount, projectUpdatedAt, snapshot, orphanSections, expectKnowledgeAudit, pause };
}
