import { pool } from './context-targets';
import { Target } from './target';

/**
 * The projects side of the benchmark (bench/run.ts): the benchmark user owns
 * OWNED_PROJECTS projects, one of them with SECTIONS sections in a tree, and
 * another user shares SHARED_PROJECTS projects with it; seeded through the
 * REST API (the other user through the admin API).
 */

export const OWNED_PROJECTS = 200;
export const SHARED_PROJECTS = 200;
/** Sections of the big project: SECTION_ROOTS roots, each with 3 children with 2 children each. */
const SECTION_ROOTS = 30;
export const SECTIONS = SECTION_ROOTS * (1 + 3 + 3 * 2); // 300
const SEED_CONCURRENCY = 8;

const TEXT =
  'Keep the service small and boring: one process, PostgreSQL, migrations at boot. See https://example.com/design?section=3&v=2 for details.';

async function call(baseUrl: string, method: string, path: string, headers: Record<string, string>, body: object, status = 201) {
  const res = await fetch(`${baseUrl}${path}`, { method, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  if (res.status !== status) throw new Error(`seeding projects: ${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Seeds the projects; returns the id of the project with SECTIONS sections. */
export async function seedProjects(baseUrl: string, apiKey: string, adminToken: string, userName: string): Promise<number> {
  const me = { 'X-Api-Key': apiKey };
  const ids: number[] = new Array<number>(OWNED_PROJECTS);
  await pool(OWNED_PROJECTS, SEED_CONCURRENCY, async (i) => {
    ids[i] = (await call(baseUrl, 'POST', '/projects', me, { title: `Project ${i + 1}`, description: TEXT, status_id: 1 + (i % 6) })).created
      .project_id;
  });
  const big = ids[0];
  const section = async (title: string, parentId: number) =>
    (await call(baseUrl, 'POST', `/projects/${big}/sections`, me, { title, description: TEXT, file_path: 'docs/design.md', parent_id: parentId }))
      .created.section_id as number;
  await pool(SECTION_ROOTS, SEED_CONCURRENCY, async (r) => {
    const root = await section(`Part ${r + 1}`, 0);
    for (let c = 0; c < 3; c++) {
      const child = await section(`Part ${r + 1}.${c + 1}`, root);
      for (let g = 0; g < 2; g++) await section(`Part ${r + 1}.${c + 1}.${g + 1}`, child);
    }
  });

  const admin = { Authorization: `Bearer ${adminToken}` };
  const sharer = await call(baseUrl, 'POST', '/admin/users', admin, { name: 'bench-sharer' });
  const agent = await call(baseUrl, 'POST', `/admin/users/${sharer.id}/agents`, admin, { name: 'bench-sharer-agent' });
  const them = { 'X-Api-Key': agent.api_key as string };
  await pool(SHARED_PROJECTS, SEED_CONCURRENCY, async (i) => {
    const id = (await call(baseUrl, 'POST', '/projects', them, { title: `Shared project ${i + 1}`, description: TEXT })).created.project_id;
    await call(baseUrl, 'POST', '/sharing', them, { object_type_id: 1, object_id: id, shared_to_user_name: userName, permission_level: 1 + (i % 3) });
  });
  return big;
}

/** GET /projects/{id} of the project with SECTIONS sections. */
export function projectTarget(apiKey: string, projectId: number): Target {
  return {
    name: 'GET /projects/{id} (300 sections)',
    method: 'GET',
    path: `/projects/${projectId}`,
    headers: { 'X-Api-Key': apiKey },
    // document_url's expiry moves every minute.
    variableResponse: true,
    check: (b) => {
      const body = b as { project?: { project_id?: number; document_url?: string }; sections?: unknown[] };
      return body.project?.project_id === projectId && typeof body.project.document_url === 'string' && body.sections?.length === SECTIONS;
    },
  };
}

/** GET /projects?limit=1000: all owned and shared projects in one page. */
export function projectsTarget(apiKey: string): Target {
  return {
    name: 'GET /projects (200 owned + 200 shared)',
    method: 'GET',
    path: '/projects?limit=1000',
    headers: { 'X-Api-Key': apiKey },
    variableResponse: true,
    check: (b) => {
      const body = b as { projects?: { access?: string }[]; total?: number };
      const shared = body.projects?.filter((p) => p.access === 'shared').length;
      return body.total === OWNED_PROJECTS + SHARED_PROJECTS && body.projects?.length === body.total && shared === SHARED_PROJECTS;
    },
  };
}

export function knowledgeTargetsDescription(projectId: number): Record<string, string> {
  return {
    seeded:
      `through the REST API before measuring (${SEED_CONCURRENCY} requests in flight): ${OWNED_PROJECTS} projects of the benchmark user, ` +
      `project ${projectId} with ${SECTIONS} sections (${SECTION_ROOTS} roots, 3 children each with 2 children each, with descriptions); ` +
      `${SHARED_PROJECTS} projects of user bench-sharer shared to the benchmark user (levels 1-3)`,
    project: `GET /projects/${projectId}`,
    projects: 'GET /projects?limit=1000 (all 400 in one page)',
  };
}
