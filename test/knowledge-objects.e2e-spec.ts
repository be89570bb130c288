import { Call } from './support/agent-requests';
import { perBlock, useFixtures } from './support/fixtures';
import { hintFixtures } from './support/hints';
import { BAD_IDS, HINT_NOT_FOUND, MISSING, NO_FIELDS, PROJECT_NOT_FOUND, SECTION_NOT_FOUND, WIKI_NOT_FOUND, idsOf } from './support/knowledge';
import { expectProblem } from './support/problems';
import { PARENT_RULE as PROJECT_PARENT_RULE, projectFixtures } from './support/projects';
import { TestAgent } from './support/test-app';
import { PARENT_RULE as WIKI_PARENT_RULE, wikiFixtures } from './support/wikis';

/*
 * What LucyAPI projects, wikis and hint categories (spec §1.7, §3.8–§3.10) answer
 * alike, one table row per kind: the key every route needs, bad bodies and paging,
 * the empty list, and the 404s and empty updates of /{kind}/{id}, audited never;
 * then what the section trees of projects and wikis answer alike (parents, another
 * tree's sections, empty updates, subtree deletes racing creates), over HTTP against
 * real PostgreSQL. What a kind does on its own: the projects*, wikis* and hints*
 * e2e files. Fixtures per kind: user U1 with agents A1a and A1b, user U2 with A2,
 * user U3 with A3. Expected texts are written out here, never imported from src/.
 */

type Body = Record<string, unknown>;

/** Bodies every kind refuses on create (422): no title, an empty or blank one, 501 characters, not a string; a description too long or not a string; not an object. */
const BAD_CREATES: unknown[] = [
  {},
  { title: '' },
  { title: '   ' },
  { title: 't'.repeat(501) },
  { title: 5 },
  { title: null },
  { title: 'ok', description: 'd'.repeat(100_001) },
  { title: 'ok', description: 5 },
  [],
  'text',
];
/** Bodies every kind refuses on update (422). */
const BAD_UPDATES: Body[] = [{ title: '' }, { title: null }, { title: 'x'.repeat(501) }, { description: 'd'.repeat(100_001) }, { description: 5 }];
/** The 422 of a body with only an unknown field, `unknown`. */
const UNKNOWN_FIELD = { detail: 'unknown is not a known field', code: 'validation_failed', errors: true, fields: { errors: [{ field: 'unknown', message: 'unknown is not a known field' }] } };
/** Paging every list refuses (422): limit 0 or over 1000, a negative offset, a limit that is not a number. */
const BAD_PAGING = ['limit=1001', 'limit=0', 'offset=-1', 'limit=abc'];

interface Kind {
  /** One object, and the kind's name in the tests' titles. */
  noun: string;
  /** The list route's path and the list's member. */
  plural: string;
  /** The fields a body may get wrong, for the tests' titles. */
  fields: string;
  notFound: string;
  /** The route that creates an object (POST). */
  createPath: string;
  /** Create calls the kind refuses on top of BAD_CREATES, given an object of the caller's user. */
  badCreates: (own: number) => Call[];
  /** Update bodies the kind refuses on top of BAD_UPDATES. */
  badUpdates: Body[];
  /** How many objects of the kind `agent`'s user owns. */
  count: (agent: TestAgent) => Promise<number>;
  /** Routes that need an agent key. */
  routes: Call[];
  /** The list routes, each answering { [plural]: [...], total, limit, offset }. */
  lists: string[];
  /** A fresh object of `agent`'s user: its id, then the id of a child the tests also name (hints), for the routes /{plural}/{id}. */
  create: (agent: TestAgent) => Promise<number[]>;
  /** Everything stored about the object of that id. */
  snapshot: (id: number) => Promise<unknown>;
}

/** A kind whose objects hold a tree of sections (/{plural}/{id}/sections/{sid}). */
interface SectionedKind {
  noun: string;
  plural: string;
  notFound: string;
  parentRule: string;
  /** Whether sections carry tags (then the tests tag them too, and check the tags). */
  tagged: boolean;
  create: (agent: TestAgent, body?: Body) => Promise<number>;
  createSection: (agent: TestAgent, id: number, body: Body) => Promise<number>;
  share: (owner: TestAgent, to: TestAgent, id: number, level: number) => Promise<number>;
  /** Everything stored about the object; `sections` ordered by section_id. */
  snapshot: (id: number) => Promise<{ sections: { section_id: number }[] }>;
  /** Rows that point at nothing (sections whose parent is not in their tree, …): `noOrphans` when all is well. */
  orphans: () => Promise<unknown>;
  noOrphans: unknown;
}

describe('LucyAPI projects, wikis and hint categories: what every kind answers alike', () => {
  const ctx = useFixtures();
  const { as, expectKeyRequired, expectRefused } = ctx;
  const projects = projectFixtures(ctx);
  const wikis = wikiFixtures(ctx);
  const hints = hintFixtures(ctx);

  const KINDS: Kind[] = [
    {
      noun: 'project',
      plural: 'projects',
      fields: 'title, description or status_id',
      notFound: PROJECT_NOT_FOUND,
      createPath: '/projects',
      badCreates: () => [999, 7, 0, 40_000, MISSING, '2', 1.5, null].map((status): Call => ['post', '/projects', { title: 'Bad status', status_id: status }]),
      badUpdates: [{ status_id: 999 }, { status_id: 0 }, { status_id: 40_000 }, { status_id: null }, { status_id: 'active' }, { title: 'ok', status_id: 999 }],
      count: projects.projectCount,
      routes: [['get', '/projects'], ['post', '/projects'], ['get', '/projects/1']],
      lists: ['/projects'],
      create: async (agent) => [await projects.createProject(agent)],
      snapshot: projects.snapshot,
    },
    {
      noun: 'wiki',
      plural: 'wikis',
      fields: 'title or description',
      notFound: WIKI_NOT_FOUND,
      createPath: '/wikis',
      badCreates: () => [],
      badUpdates: [],
      count: wikis.wikiCount,
      routes: [['get', '/wikis'], ['post', '/wikis'], ['get', '/wikis/1'], ['get', '/wikis/tags/x']],
      lists: ['/wikis'],
      create: async (agent) => [await wikis.createWiki(agent)],
      snapshot: wikis.snapshot,
    },
    {
      noun: 'hint',
      plural: 'hints',
      fields: 'title, description or parent_id',
      notFound: HINT_NOT_FOUND,
      createPath: '/hint_categories',
      badCreates: (category) =>
        [
          {},
          { title: '   ' },
          { title: 't'.repeat(501) },
          { title: 't'.repeat(501), parent_id: category },
          { title: 5, parent_id: category },
          { title: 'ok', parent_id: -1 },
          { title: 'ok', parent_id: 1.5 },
          { title: 'ok', parent_id: String(category) },
          { title: 'ok', parent_id: 2_147_483_648 },
          { title: 'ok', description: 5, parent_id: category },
          'text',
        ].map((body): Call => ['post', '/hints', body]),
      badUpdates: [{ parent_id: 5, title: 5 }],
      count: hints.hintCount,
      routes: [['get', '/hints'], ['get', '/hints/compact'], ['get', '/hints/1'], ['post', '/hints'], ['post', '/hint_categories']],
      lists: ['/hints', '/hints/compact'],
      create: async (agent) => {
        const category = await hints.createCategory(agent);
        return [category, await hints.createHint(agent, category)];
      },
      snapshot: hints.snapshot,
    },
  ];

  describe.each(KINDS)('$plural', ({ noun, plural, fields, notFound, createPath, badCreates, badUpdates, count, routes, lists, create, snapshot }) => {
    const f = perBlock(() => ctx.threeUsers());
    const path = (id: number | string) => `/${plural}/${id}`;

    it(`the ${noun} routes need an agent key (401)`, async () => {
      await expectKeyRequired(routes);
    });

    it(`a user without ${plural} or shares gets an empty list`, async () => {
      const lonely = await ctx.newUser();
      for (const list of lists) {
        expect({ list, body: (await as(lonely, 'get', list).expect(200)).body }).toEqual({ list, body: { [plural]: [], total: 0, limit: 200, offset: 0 } });
      }
    });

    it(`POST ${createPath} (and the kind's other creates): a bad ${fields} is 422, nothing stored or audited (a 501-character title is not a 500)`, async () => {
      const [own] = await create(f.a1a);
      const before = await count(f.a1a);
      await expectRefused(f.a1a, [...BAD_CREATES.map((body): Call => ['post', createPath, body]), ...badCreates(own)], 422);
      expect(await count(f.a1a)).toBe(before);
    });

    it(`GET ${lists.join(', ')}: bad paging is 422 (limit 0 or over 1000, a negative offset, a limit not a number)`, async () => {
      await expectRefused(f.a2, lists.flatMap((list) => BAD_PAGING.map((query): Call => ['get', `${list}?${query}`])), 422);
    });

    it(`GET /${plural}/{id}: 404 "${notFound}" for a missing ${noun} and for another user’s ${noun} without a share; a bad id is 422`, async () => {
      const own = await create(f.a1a);
      expectProblem(await as(f.a1a, 'get', path(MISSING)), 404, notFound);
      for (const agent of [f.a2, f.a3]) for (const id of own) expectProblem(await as(agent, 'get', path(id)), 404, notFound);
      for (const bad of BAD_IDS) {
        const res = await as(f.a1a, 'get', path(bad));
        expect({ bad, status: res.status }).toEqual({ bad, status: 422 });
      }
    });

    it(`PUT /${plural}/{id}: {} is 400 "${NO_FIELDS}", before the existence check; only unknown fields is a 422 naming them`, async () => {
      const [own, ownChild = own] = await create(f.a1a);
      const [foreign] = await create(f.a2);
      const before = await snapshot(own);
      await expectRefused(f.a1a, [own, MISSING, foreign].map((id): Call => ['put', path(id), {}]), 400, NO_FIELDS);
      await expectRefused(f.a1a, [ownChild, MISSING].map((id): Call => ['put', path(id), { unknown: 'x' }]), 422, UNKNOWN_FIELD);
      expect(await snapshot(own)).toEqual(before);
    });

    it(`PUT /${plural}/{id}: a bad ${fields} is 422 and changes nothing`, async () => {
      const [own] = await create(f.a1a);
      const before = await snapshot(own);
      await expectRefused(f.a1a, [...BAD_UPDATES, ...badUpdates].map((body): Call => ['put', path(own), body]), 422);
      expect(await snapshot(own)).toEqual(before);
    });

    it.each(['PUT', 'DELETE'])(`%s /${plural}/{id}: 404 "${notFound}" for a missing or another user’s ${noun}; nothing changed or audited`, async (verb) => {
      const method = verb === 'PUT' ? 'put' : 'delete';
      const foreign = await create(f.a2);
      const before = await snapshot(foreign[0]);
      const body = method === 'put' ? { title: 'Hijack' } : undefined;
      await expectRefused(f.a1a, [MISSING, ...foreign].map((id): Call => [method, path(id), body]), 404, notFound);
      expect(await snapshot(foreign[0])).toEqual(before);
    });
  });

  const SECTIONED: SectionedKind[] = [
    {
      noun: 'project',
      plural: 'projects',
      notFound: PROJECT_NOT_FOUND,
      parentRule: PROJECT_PARENT_RULE,
      tagged: false,
      create: projects.createProject,
      createSection: projects.createSection,
      share: projects.share,
      snapshot: projects.snapshot,
      orphans: projects.orphanSections,
      noOrphans: 0,
    },
    {
      noun: 'wiki',
      plural: 'wikis',
      notFound: WIKI_NOT_FOUND,
      parentRule: WIKI_PARENT_RULE,
      tagged: true,
      create: wikis.createWiki,
      createSection: wikis.createSection,
      share: wikis.share,
      snapshot: wikis.snapshot,
      orphans: wikis.orphans,
      noOrphans: wikis.NO_ORPHANS,
    },
  ];

  describe.each(SECTIONED)('$noun sections', ({ noun, plural, notFound, parentRule, tagged, create, createSection, share, snapshot, orphans, noOrphans }) => {
    const f = perBlock(() => ctx.threeUsers());
    const sections = (id: number, sid?: number) => `/${plural}/${id}/sections${sid === undefined ? '' : `/${sid}`}`;
    /** A section body with these tags where sections are tagged. */
    const tags = (...list: string[]): Body => (tagged ? { tags: list } : {});
    const sectionIds = async (id: number) => idsOf('section_id', (await snapshot(id)).sections);

    it(`GET /${plural}/{id}: a ${noun} without sections has sections: []`, async () => {
      const id = await create(f.a1a);
      expect((await as(f.a1a, 'get', `/${plural}/${id}`).expect(200)).body.sections).toEqual([]);
    });

    it(`POST: a parent must be a section of the same ${noun}: another ${noun}’s, another user’s or a missing one is 422 "${parentRule}", nothing stored`, async () => {
      const id = await create(f.a1a);
      const other = await create(f.a1a);
      const otherSection = await createSection(f.a1a, other, { title: 'other' });
      const foreign = await create(f.a2);
      const foreignSection = await createSection(f.a2, foreign, { title: 'foreign' });
      const before = await Promise.all([id, other, foreign].map(snapshot));
      const cross = [otherSection, foreignSection, MISSING].map((parent): Call => ['post', sections(id), { title: 'Cross', parent_id: parent, ...tags('cross') }]);
      await expectRefused(f.a1a, cross, 422, parentRule);
      expect(await Promise.all([id, other, foreign].map(snapshot))).toEqual(before);
    });

    it(`POST: a missing or another user’s ${noun} is 404 "${notFound}", nothing stored or audited`, async () => {
      const foreign = await create(f.a2);
      const before = await snapshot(foreign);
      await expectRefused(f.a1a, [MISSING, foreign].map((id): Call => ['post', sections(id), { title: 'Intruder', ...tags('x') }]), 404, notFound);
      expect(await snapshot(foreign)).toEqual(before);
    });

    it(`GET, PUT and DELETE through another ${noun}’s id never reach that ${noun}’s section (404 "${SECTION_NOT_FOUND}", untouched), nor a missing one; a missing or another user’s ${noun} is 404 "${notFound}"; nothing audited`, async () => {
      const id = await create(f.a1a);
      const s = await createSection(f.a1a, id, { title: 'Mine', ...tags('mine') });
      const other = await create(f.a1a);
      const otherSection = await createSection(f.a1a, other, { title: 'Untouched', ...tags('untouched') });
      const before = await Promise.all([id, other].map(snapshot));
      for (const method of ['get', 'put', 'delete'] as const) {
        const body = method === 'put' ? { title: 'Hijack', ...tags() } : undefined;
        await expectRefused(f.a1a, [[method, sections(id, otherSection), body], [method, sections(id, MISSING), body]], 404, SECTION_NOT_FOUND);
        await expectRefused(f.a1a, [[method, sections(MISSING, s), body]], 404, notFound);
        await expectRefused(f.a2, [[method, sections(id, s), body]], 404, notFound);
      }
      expect(await Promise.all([id, other].map(snapshot))).toEqual(before);
    });

    it(`PUT …/sections/{sid}: {}${tagged ? ' (or tags: null alone)' : ''} is 400 "${NO_FIELDS}" before any existence check; only unknown fields is a 422 naming them`, async () => {
      const id = await create(f.a1a);
      const s = await createSection(f.a1a, id, { title: 'Stay', ...tags('stay') });
      const foreign = await create(f.a2);
      const before = await snapshot(id);
      const routes = [s, MISSING].flatMap((sid) => [id, MISSING, foreign].map((cid) => sections(cid, sid)));
      const empty = tagged ? [{}, { tags: null }] : [{}];
      await expectRefused(f.a1a, routes.flatMap((route) => empty.map((body): Call => ['put', route, body])), 400, NO_FIELDS);
      await expectRefused(f.a1a, routes.map((route): Call => ['put', route, { unknown: 1 }]), 422, UNKNOWN_FIELD);
      expect(await snapshot(id)).toEqual(before);
    });

    it(`a sharee’s section parent must still be a section of the shared ${noun} (422)`, async () => {
      const shared = await create(f.a1a);
      const s1 = await createSection(f.a1a, shared, { title: 's1' });
      await share(f.a1a, f.a2, shared, 2);
      const own = await create(f.a2);
      const ownSection = await createSection(f.a2, own, { title: 'mine' });
      const before = await Promise.all([shared, own].map(snapshot));
      expectProblem(await as(f.a2, 'post', sections(shared), { title: 'Cross', parent_id: ownSection }), 422, parentRule);
      expectProblem(await as(f.a2, 'post', sections(own), { title: 'Cross', parent_id: s1 }), 422, parentRule);
      expect(await Promise.all([shared, own].map(snapshot))).toEqual(before);
    });

    it('a section created under a parent while the parent’s subtree is deleted never leaves an orphan (10 rounds)', async () => {
      const outcomes: number[] = [];
      for (let round = 0; round < 10; round++) {
        const id = await create(f.a1a, { title: `race ${round}` });
        const root = await createSection(f.a1a, id, { title: 'root', ...tags('r') });
        const child = await createSection(f.a1a, id, { title: 'child', parent_id: root });
        const bystander = await createSection(f.a1a, id, { title: 'bystander', ...tags('b') });

        const [created, deleted] = await Promise.all([
          as(round % 2 ? f.a1b : f.a1a, 'post', sections(id), { title: 'racer', parent_id: round % 3 ? child : root, ...tags('racer') }),
          as(f.a1a, 'delete', sections(id, root)),
        ]);
        expect({ round, status: deleted.status }).toEqual({ round, status: 200 });
        outcomes.push(created.status);
        if (created.status === 201) {
          // The create committed first: the delete took it along with the subtree.
          expect({ round, body: deleted.body }).toEqual({ round, body: { deleted: root, descendants_deleted: 2 } });
        } else {
          expectProblem(created, 422, parentRule);
          expect({ round, body: deleted.body }).toEqual({ round, body: { deleted: root, descendants_deleted: 1 } });
        }
        expect({ round, left: await sectionIds(id) }).toEqual({ round, left: [bystander] });
        expect({ round, orphans: await orphans() }).toEqual({ round, orphans: noOrphans });
        if (tagged) expect({ round, tags: (await as(f.a1a, 'get', `/${plural}/${id}/tags`).expect(200)).body.tags }).toEqual({ round, tags: ['b'] });
      }
      expect(outcomes.every((s) => s === 201 || s === 422)).toBe(true);
    });
  });
});
