import { randomBytes } from 'node:crypto';
import { newRid } from './support/agent-requests';
import { useFixtures } from './support/fixtures';
import { b64, EXTENSION_OF, FIELDS, gif, ImageKind, ImageObject, imageRequests, jpeg, MAKERS, MAX, MIME_OF, NOT_AN_IMAGE, NOT_FOUND, pathOf, png, sha256, UNKNOWN_ID, webp, withoutUrl } from './support/images';
import { expectProblem, ISO_UTC } from './support/problems';
import { TestAgent, uniqueName } from './support/test-app';

/*
 * Images over REST, storing and managing: POST|GET /images, GET|PATCH|DELETE /images/{id},
 * POST /images/cleanup. The type and dimensions come from the bytes; IMAGE_MAX_BYTES is 4096
 * here so the limit is cheap to cross. The bytes served, signed links, other users and the
 * audit trail: images-links.e2e-spec.
 */

describe('Images (REST): storing, listing, keeping, deleting', () => {
  const ctx = useFixtures({ env: { IMAGE_MAX_BYTES: String(MAX) } });
  const { user, upload, uploaded, content, stored, rowOf, idsOf, events, imageEventsOf, expectImageHeaders } = imageRequests(ctx);


  // ------------------------------------------------------------------------------------------
  describe('POST /images: each type, read from the bytes', () => {
    let a: TestAgent;
    let sibling: TestAgent;
    beforeAll(async () => {
      a = await user();
      sibling = await ctx.newAgent(a, uniqueName('sibling'));
    });

    const cases: { kind: ImageKind; width: number; height: number }[] = [
      { kind: 'png', width: 7, height: 5 },
      { kind: 'jpeg', width: 17, height: 9 },
      { kind: 'gif', width: 3, height: 11 },
      { kind: 'webp', width: 33, height: 20 },
    ];

    it.each(cases)('$kind ($width×$height): 201 with type, size, dimensions, sha256, agent and filename; the stored bytes are the bytes sent', async ({ kind, width, height }) => {
      const bytes = MAKERS[kind](width, height);
      const rid = newRid('upload');
      const before = Date.now();
      const res = await upload(sibling, { data_base64: b64(bytes) }, rid);
      expect(res.status).toBe(201);
      const image = res.body as ImageObject;
      expect(Object.keys(image).sort()).toEqual(FIELDS);
      expect(image).toEqual({
        image_id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
        url: expect.any(String),
        filename: `img_${image.image_id.slice(0, 8)}.${EXTENSION_OF[kind]}`,
        source: 'uploaded',
        prompt: null,
        model: null,
        keep: false,
        mime_type: MIME_OF[kind],
        size_bytes: bytes.length,
        width,
        height,
        sha256: sha256(bytes),
        agent: sibling.agentName,
        created_at: expect.stringMatching(ISO_UTC),
      });
      expect(Date.parse(image.created_at)).toBeGreaterThanOrEqual(before - 5_000);

      expect(await rowOf(image.image_id)).toEqual({ user_id: a.userId, agent_id: sibling.agentId, keep: false });
      expect((await stored(image.image_id))?.equals(bytes)).toBe(true);
      expectImageHeaders(await content(a, image.image_id), MIME_OF[kind], bytes);
      expect(await events(rid)).toEqual([
        {
          event_type: 'IMAGE_UPLOAD',
          user_id: a.userId,
          agent_id: sibling.agentId,
          subject: image.image_id,
          meta: { mime_type: MIME_OF[kind], size_bytes: bytes.length, width, height },
        },
      ]);
    });

    it.each(cases)('$kind with its own mime_type declared and keep: true is stored kept', async ({ kind, width, height }) => {
      const bytes = MAKERS[kind](width, height);
      const image = await uploaded(a, bytes, { mime_type: MIME_OF[kind], keep: true });
      expect({ mime_type: image.mime_type, keep: image.keep, agent: image.agent }).toEqual({ mime_type: MIME_OF[kind], keep: true, agent: a.agentName });
      expect((await rowOf(image.image_id))?.keep).toBe(true);
    });

    it('the same bytes twice are two images with the same sha256', async () => {
      const bytes = png(2, 2);
      const one = await uploaded(a, bytes);
      const two = await uploaded(a, bytes);
      expect(one.image_id).not.toBe(two.image_id);
      expect(one.sha256).toBe(two.sha256);
    });

    it("agent is the uploader's name, and null once that agent is deleted (the image stays the user's)", async () => {
      const doomed = await ctx.newAgent(a, uniqueName('doomed'));
      const image = await uploaded(doomed, gif(2, 2));
      expect(image.agent).toBe(doomed.agentName);
      await ctx.http().delete(`/admin/agents/${doomed.agentId}`).set('Authorization', `Bearer ${ctx.adminToken}`).expect(204);
      const res = await ctx.as(a, 'get', `/images/${image.image_id}`);
      expect({ status: res.status, agent: res.body.agent, id: res.body.image_id }).toEqual({ status: 200, agent: null, id: image.image_id });
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('POST /images: refused uploads (422) store nothing and audit nothing', () => {
    let a: TestAgent;
    beforeAll(async () => {
      a = await user();
    });

    async function expectRefused(body: unknown, field: string, detail?: string | RegExp): Promise<void> {
      const rid = newRid('refused');
      const res = await upload(a, body, rid);
      const problem = expectProblem(res, 422, { code: 'validation_failed', errors: true, ...(detail === undefined ? {} : { detail }) });
      expect(problem.errors!.map((e) => e.field)).toEqual([field]);
      expect(await events(rid)).toEqual([]);
      expect(await idsOf(a)).toEqual([]);
    }

    it.each([
      { label: 'PNG bytes declared image/jpeg', bytes: () => png(4, 4), declared: 'image/jpeg', actual: 'image/png' },
      { label: 'JPEG bytes declared image/png', bytes: () => jpeg(4, 4), declared: 'image/png', actual: 'image/jpeg' },
      { label: 'GIF bytes declared image/webp', bytes: () => gif(4, 4), declared: 'image/webp', actual: 'image/gif' },
      { label: 'WebP bytes declared image/gif', bytes: () => webp(4, 4), declared: 'image/gif', actual: 'image/webp' },
    ])('$label: 422 naming mime_type', async ({ bytes, declared, actual }) => {
      await expectRefused({ data_base64: b64(bytes()), mime_type: declared }, 'mime_type', `mime_type says ${declared} but the bytes are ${actual}`);
    });

    it('a mime_type that is not an accepted image type (image/svg+xml): 422 naming mime_type', async () => {
      await expectRefused({ data_base64: b64(png(4, 4)), mime_type: 'image/svg+xml' }, 'mime_type', /mime_type must be one of/);
    });

    it.each([
      { label: 'random bytes', bytes: () => Buffer.concat([Buffer.from([1]), randomBytes(300)]) },
      { label: 'an SVG image', bytes: () => Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>') },
      { label: 'plain text', bytes: () => Buffer.from('This is a note, not a picture.\n') },
      { label: 'an HTML page', bytes: () => Buffer.from('<!doctype html><script>alert(1)</script>') },
      { label: 'a PNG cut after its signature', bytes: () => png(4, 4).subarray(0, 16) },
      { label: 'a GIF with zero width', bytes: () => gif(0, 1) },
    ])('$label: 422 naming data_base64 (not an image)', async ({ bytes }) => {
      await expectRefused({ data_base64: b64(bytes()) }, 'data_base64', NOT_AN_IMAGE);
    });

    it.each([
      { label: 'text that is not base64', data: 'this is *not* base64!' },
      { label: 'base64 with a line break', data: `${b64(png(4, 4)).slice(0, 40)}\n${b64(png(4, 4)).slice(40)}` },
      { label: 'a number', data: 12345 },
    ])('$label: 422 naming data_base64', async ({ data }) => {
      await expectRefused({ data_base64: data }, 'data_base64');
    });

    it('an empty data_base64: 422 naming data_base64', async () => {
      await expectRefused({ data_base64: '' }, 'data_base64');
    });

    it('no data_base64: 422 "data_base64 is required"', async () => {
      await expectRefused({ keep: true }, 'data_base64', 'data_base64 is required');
    });

    it('keep that is not a boolean ("true"): 422 naming keep', async () => {
      await expectRefused({ data_base64: b64(png(4, 4)), keep: 'true' }, 'keep', 'keep must be true or false');
    });

    it('an unknown field: 422 naming it', async () => {
      await expectRefused({ data_base64: b64(png(4, 4)), filename: 'x.png' }, 'filename');
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('POST /images: IMAGE_MAX_BYTES (4096 here)', () => {
    let a: TestAgent;
    beforeAll(async () => {
      a = await user();
    });

    it('an image of exactly IMAGE_MAX_BYTES is stored', async () => {
      const bytes = png(8, 8, MAX);
      expect(bytes.length).toBe(MAX);
      const image = await uploaded(a, bytes);
      expect(image.size_bytes).toBe(MAX);
      expect((await stored(image.image_id))?.equals(bytes)).toBe(true);
    });

    it('one byte more: 413 naming both sizes, and nothing stored (no image row, no bytes, no audit event)', async () => {
      const before = { ids: await idsOf(a), events: await imageEventsOf(a) };
      const [{ n: bytesBefore }]: { n: number }[] = await ctx.db.query('SELECT count(*)::int AS n FROM image_bytes');
      const bytes = png(8, 8, MAX + 1);
      const rid = newRid('too-big');
      const res = await upload(a, { data_base64: b64(bytes), keep: true }, rid);
      expectProblem(res, 413, { code: 'payload_too_large', detail: new RegExp(`${MAX + 1}.*${MAX}`), errors: false });
      expect(await events(rid)).toEqual([]);
      expect({ ids: await idsOf(a), events: await imageEventsOf(a) }).toEqual(before);
      const [{ n: bytesAfter }]: { n: number }[] = await ctx.db.query('SELECT count(*)::int AS n FROM image_bytes');
      expect(bytesAfter).toBe(bytesBefore);
    });

    it('a body far over the raised JSON limit: 413 from the body parser, nothing stored', async () => {
      const before = await idsOf(a);
      const bytes = png(8, 8, 200_000);
      const rid = newRid('huge');
      const res = await upload(a, { data_base64: b64(bytes) }, rid);
      expectProblem(res, 413, { code: 'payload_too_large' });
      expect(await events(rid)).toEqual([]);
      expect(await idsOf(a)).toEqual(before);
    });

    it("the body parser's 413 does not claim the 1 MB limit of other routes for an image upload", async () => {
      const res = await upload(a, { data_base64: b64(png(8, 8, 200_000)) });
      expectProblem(res, 413, { code: 'payload_too_large' });
      expect(res.body.detail).not.toMatch(/1 MB/);
    });

    it('a small IMAGE_MAX_BYTES does not lower the 1 MB JSON limit of POST /mcp below that of other routes', async () => {
      // ~200 kB of JSON: under the general 1 MB limit, over the 4096-byte image upload limit (about 70 kB).
      const res = await ctx
        .http()
        .post('/mcp')
        .set('X-Api-Key', a.apiKey)
        .set('Accept', 'application/json, text/event-stream')
        .send({ jsonrpc: '2.0', id: 1, method: 'ping', params: { padding: 'x'.repeat(200_000) } });
      expect(res.status).not.toBe(413);
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('GET /images: newest first, keep filter, paging, only your user', () => {
    let a: TestAgent;
    let sibling: TestAgent;
    let other: TestAgent;
    /** a's images in upload order; kept: 1 and 3. */
    const mine: ImageObject[] = [];
    const theirs: ImageObject[] = [];

    beforeAll(async () => {
      a = await user();
      sibling = await ctx.newAgent(a, uniqueName('sibling'));
      other = await user();
      const plan: [TestAgent, Buffer, boolean][] = [
        [a, png(1, 1), false],
        [a, jpeg(2, 2), true],
        [sibling, gif(3, 3), false],
        [a, webp(4, 4), true],
        [sibling, png(5, 5), false],
      ];
      for (const [agent, bytes, keep] of plan) {
        mine.push(await uploaded(agent, bytes, { keep }));
        theirs.push(await uploaded(other, png(6, 6)));
      }
    });

    const list = async (agent: TestAgent, query = '') => {
      const res = await ctx.as(agent, 'get', `/images${query}`);
      expect(res.status).toBe(200);
      return res;
    };
    const page = async (agent: TestAgent, query = '') => {
      const { body } = await list(agent, query);
      return { ids: (body.images as ImageObject[]).map((i) => i.image_id), total: body.total, limit: body.limit, offset: body.offset };
    };
    const newestFirst = (images: ImageObject[]) => [...images].reverse().map((i) => i.image_id);

    it("lists every image of the caller's user (any agent's), newest first, as the objects uploads returned, with no bytes", async () => {
      const res = await list(sibling);
      expect(Object.keys(res.body).sort()).toEqual(['images', 'limit', 'offset', 'total']);
      expect({ total: res.body.total, limit: res.body.limit, offset: res.body.offset }).toEqual({ total: 5, limit: 200, offset: 0 });
      const images = res.body.images as ImageObject[];
      expect(images.map(withoutUrl)).toEqual([...mine].reverse().map(withoutUrl));
      for (const image of images) {
        expect(Object.keys(image).sort()).toEqual(FIELDS);
        expect(pathOf(image.url)).toMatch(new RegExp(`^/img/${image.image_id}\\?exp=\\d+&sig=[A-Za-z0-9_-]+$`));
      }
      expect(res.text).not.toContain('data_base64');
    });

    it('keep=true lists only the kept ones, keep=false only the others, each with its own total', async () => {
      expect(await page(a, '?keep=true')).toEqual({ ids: newestFirst([mine[1], mine[3]]), total: 2, limit: 200, offset: 0 });
      expect(await page(a, '?keep=false')).toEqual({ ids: newestFirst([mine[0], mine[2], mine[4]]), total: 3, limit: 200, offset: 0 });
      expect(await page(a, '?keep=1')).toEqual(await page(a, '?keep=true'));
      expect(await page(a, '?keep=0')).toEqual(await page(a, '?keep=false'));
    });

    it('pages with limit and offset; total counts all of them, also past the end (with and without the filter)', async () => {
      const all = newestFirst(mine);
      expect(await page(a, '?limit=2')).toEqual({ ids: all.slice(0, 2), total: 5, limit: 2, offset: 0 });
      expect(await page(a, '?limit=2&offset=2')).toEqual({ ids: all.slice(2, 4), total: 5, limit: 2, offset: 2 });
      expect(await page(a, '?limit=2&offset=4')).toEqual({ ids: all.slice(4), total: 5, limit: 2, offset: 4 });
      expect(await page(a, '?offset=5')).toEqual({ ids: [], total: 5, limit: 200, offset: 5 });
      expect(await page(a, '?keep=true&limit=1&offset=1')).toEqual({ ids: [mine[1].image_id], total: 2, limit: 1, offset: 1 });
      expect(await page(a, '?keep=true&offset=9')).toEqual({ ids: [], total: 2, limit: 200, offset: 9 });
      expect(await page(a, '?keep=false&offset=3')).toEqual({ ids: [], total: 3, limit: 200, offset: 3 });
    });

    it("another user's list holds only its own images, none of these", async () => {
      expect(await page(other)).toEqual({ ids: newestFirst(theirs), total: 5, limit: 200, offset: 0 });
      const fresh = await user();
      expect(await page(fresh)).toEqual({ ids: [], total: 0, limit: 200, offset: 0 });
    });

    it.each(['?keep=maybe', '?keep=yes', '?limit=0', '?limit=1001', '?offset=-1'])('refuses %s with 422', async (query) => {
      expectProblem(await ctx.as(a, 'get', `/images${query}`), 422, { code: 'validation_failed' });
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('GET /images/{id} and PATCH /images/{id} {keep}', () => {
    let a: TestAgent;
    let image: ImageObject;
    beforeAll(async () => {
      a = await user();
      image = await uploaded(a, webp(9, 4));
    });

    it('GET answers the object the upload returned (an uppercase id too)', async () => {
      for (const id of [image.image_id, image.image_id.toUpperCase()]) {
        const res = await ctx.as(a, 'get', `/images/${id}`);
        expect(res.status).toBe(200);
        expect(withoutUrl(res.body)).toEqual(withoutUrl(image));
        expect(pathOf(res.body.url)).toMatch(new RegExp(`^/img/${image.image_id}\\?`));
      }
    });

    it('GET of an unknown id is a 404; a malformed id a 422 naming id', async () => {
      expectProblem(await ctx.as(a, 'get', `/images/${UNKNOWN_ID}`), 404, NOT_FOUND);
      const bad = expectProblem(await ctx.as(a, 'get', '/images/not-a-uuid'), 422, { errors: true });
      expect(bad.errors).toEqual([{ field: 'id', message: 'id must be a UUID' }]);
    });

    it('PATCH {keep: true} then {keep: false}: 200 with the object, stored, one IMAGE_UPDATE each', async () => {
      for (const keep of [true, false]) {
        const rid = newRid('keep');
        const res = await ctx.as(a, 'patch', `/images/${image.image_id}`, { keep }, rid);
        expect(res.status).toBe(200);
        expect(withoutUrl(res.body)).toEqual({ ...withoutUrl(image), keep });
        expect((await rowOf(image.image_id))?.keep).toBe(keep);
        expect(await events(rid)).toEqual([{ event_type: 'IMAGE_UPDATE', user_id: a.userId, agent_id: a.agentId, subject: image.image_id, meta: { keep } }]);
        const listed = await ctx.as(a, 'get', `/images?keep=${keep}`);
        expect((listed.body.images as ImageObject[]).map((i) => i.image_id)).toEqual([image.image_id]);
      }
    });

    it.each([
      { label: 'no keep', body: {}, detail: 'keep is required' },
      { label: 'keep: null', body: { keep: null }, detail: 'keep is required' },
      { label: 'keep: "true"', body: { keep: 'true' }, detail: 'keep must be true or false' },
      { label: 'keep: 1', body: { keep: 1 }, detail: 'keep must be true or false' },
    ])('PATCH with $label: 422 naming keep, nothing changed or audited', async ({ body, detail }) => {
      await ctx.as(a, 'patch', `/images/${image.image_id}`, { keep: true }).expect(200);
      const rid = newRid('bad-keep');
      const res = await ctx.as(a, 'patch', `/images/${image.image_id}`, body, rid);
      const problem = expectProblem(res, 422, { detail, errors: true });
      expect(problem.errors).toEqual([{ field: 'keep', message: detail }]);
      expect((await rowOf(image.image_id))?.keep).toBe(true);
      expect(await events(rid)).toEqual([]);
    });

    it('PATCH of an unknown id: 404, no event', async () => {
      const rid = newRid('keep-unknown');
      expectProblem(await ctx.as(a, 'patch', `/images/${UNKNOWN_ID}`, { keep: true }, rid), 404, NOT_FOUND);
      expect(await events(rid)).toEqual([]);
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('DELETE /images/{id}?force= and POST /images/cleanup', () => {
    let a: TestAgent;
    let sibling: TestAgent;
    beforeAll(async () => {
      a = await user();
      sibling = await ctx.newAgent(a, uniqueName('sibling'));
    });

    it('a kept image: 409 without force (still there, no event); force=true: 204, rows gone from images and image_bytes, one IMAGE_DELETE', async () => {
      const bytes = jpeg(5, 5);
      const image = await uploaded(a, bytes, { keep: true });

      for (const query of ['', '?force=false']) {
        const rid = newRid('kept');
        expectProblem(await ctx.as(a, 'delete', `/images/${image.image_id}${query}`, undefined, rid), 409, { code: 'conflict', detail: /force=true/ });
        expect(await events(rid)).toEqual([]);
        expect(await rowOf(image.image_id)).toBeDefined();
        expect((await stored(image.image_id))?.equals(bytes)).toBe(true);
      }

      const rid = newRid('forced');
      const res = await ctx.as(sibling, 'delete', `/images/${image.image_id}?force=true`, undefined, rid);
      expect({ status: res.status, text: res.text }).toEqual({ status: 204, text: '' });
      expect(await rowOf(image.image_id)).toBeUndefined();
      expect(await stored(image.image_id)).toBeUndefined();
      expect(await events(rid)).toEqual([
        { event_type: 'IMAGE_DELETE', user_id: a.userId, agent_id: sibling.agentId, subject: image.image_id, meta: { size_bytes: bytes.length, forced: true } },
      ]);
      expectProblem(await ctx.as(a, 'get', `/images/${image.image_id}`), 404, NOT_FOUND);
      expectProblem(await ctx.as(a, 'get', `/images/${image.image_id}/content`), 404, NOT_FOUND);
      expectProblem(await ctx.as(a, 'delete', `/images/${image.image_id}?force=true`), 404, NOT_FOUND);
    });

    it('an unkept image is deleted without force (204); a second DELETE is 404', async () => {
      const bytes = png(3, 3);
      const image = await uploaded(a, bytes);
      const rid = newRid('plain');
      expect((await ctx.as(a, 'delete', `/images/${image.image_id}`, undefined, rid)).status).toBe(204);
      expect(await rowOf(image.image_id)).toBeUndefined();
      expect(await stored(image.image_id)).toBeUndefined();
      expect(await events(rid)).toEqual([
        { event_type: 'IMAGE_DELETE', user_id: a.userId, agent_id: a.agentId, subject: image.image_id, meta: { size_bytes: bytes.length, forced: false } },
      ]);
      expectProblem(await ctx.as(a, 'delete', `/images/${image.image_id}`), 404, NOT_FOUND);
    });

    it('force=maybe: 422 naming force, nothing deleted', async () => {
      const image = await uploaded(a, png(3, 3), { keep: true });
      const res = expectProblem(await ctx.as(a, 'delete', `/images/${image.image_id}?force=maybe`), 422, { errors: true });
      expect(res.errors!.map((e) => e.field)).toEqual(['force']);
      expect(await rowOf(image.image_id)).toBeDefined();
      await ctx.as(a, 'delete', `/images/${image.image_id}?force=true`).expect(204);
    });

    it('concurrent DELETEs of one image: one 204, the others 404, one IMAGE_DELETE', async () => {
      const image = await uploaded(a, png(3, 3), { keep: true });
      const responses = await Promise.all(Array.from({ length: 4 }, () => ctx.as(a, 'delete', `/images/${image.image_id}?force=true`)));
      expect(responses.map((r) => r.status).sort()).toEqual([204, 404, 404, 404]);
      const [{ n }]: { n: number }[] = await ctx.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE event_type = 'IMAGE_DELETE' AND subject = $1`, [
        image.image_id,
      ]);
      expect(n).toBe(1);
    });

    it('concurrent cleanups delete each unkept image once; a keep set meanwhile is honoured', async () => {
      const owner = await user();
      const unkept = [await uploaded(owner, png(2, 2)), await uploaded(owner, png(2, 3)), await uploaded(owner, png(3, 2))];
      const saved = await uploaded(owner, gif(2, 2));
      const [keep, ...cleanups] = await Promise.all([
        ctx.as(owner, 'patch', `/images/${saved.image_id}`, { keep: true }),
        ...Array.from({ length: 3 }, () => ctx.as(owner, 'post', '/images/cleanup')),
      ]);
      expect(cleanups.map((r) => r.status)).toEqual([200, 200, 200]);
      const deleted = cleanups.reduce((sum, r) => sum + (r.body.deleted as number), 0);
      const remaining = await idsOf(owner);
      for (const image of unkept) expect(remaining).not.toContain(image.image_id);
      // The PATCH either ran first (200: the image is kept and survives) or after a cleanup deleted it (404, counted once).
      const survived = remaining.includes(saved.image_id);
      expect({ patch: keep.status, deleted, remaining: remaining.length }).toEqual(
        survived ? { patch: 200, deleted: 3, remaining: 1 } : { patch: 404, deleted: 4, remaining: 0 },
      );
      const rows: { meta: { image_ids: string[] } }[] = await ctx.db.query(
        `SELECT meta FROM audit_events WHERE user_id = $1 AND event_type = 'IMAGE_CLEANUP'`,
        [owner.userId],
      );
      const ids = rows.flatMap((r) => r.meta.image_ids);
      expect(ids.length).toBe(deleted);
      expect(new Set(ids).size).toBe(deleted);
    });

    it("cleanup deletes every unkept image of the caller's user (any agent's) and nothing else: {deleted: n}, one IMAGE_CLEANUP", async () => {
      const owner = await user();
      const ownerSibling = await ctx.newAgent(owner, uniqueName('sibling'));
      const other = await user();
      const kept = [await uploaded(owner, png(2, 2), { keep: true }), await uploaded(ownerSibling, gif(2, 2), { keep: true })];
      const unkept = [await uploaded(owner, jpeg(2, 2)), await uploaded(ownerSibling, webp(2, 2)), await uploaded(owner, png(4, 2))];
      const others = [await uploaded(other, png(2, 2)), await uploaded(other, png(3, 2), { keep: true })];

      const rid = newRid('cleanup');
      const res = await ctx.as(ownerSibling, 'post', '/images/cleanup', undefined, rid);
      expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { deleted: 3 } });

      expect(await idsOf(owner)).toEqual(kept.map((i) => i.image_id).sort());
      for (const image of unkept) expect(await stored(image.image_id)).toBeUndefined();
      for (const image of [...kept, ...others]) expect(await stored(image.image_id)).toBeDefined();
      expect(await idsOf(other)).toEqual(others.map((i) => i.image_id).sort());

      const [event] = await events(rid);
      expect(await events(rid)).toHaveLength(1);
      expect({ ...event, meta: null }).toEqual({ event_type: 'IMAGE_CLEANUP', user_id: owner.userId, agent_id: ownerSibling.agentId, subject: null, meta: null });
      expect(event.meta).toEqual({ deleted: 3, image_ids: expect.any(Array) });
      expect([...(event.meta!.image_ids as string[])].sort()).toEqual(unkept.map((i) => i.image_id).sort());

      const again = await ctx.as(owner, 'post', '/images/cleanup');
      expect({ status: again.status, body: again.body }).toEqual({ status: 200, body: { deleted: 0 } });
      expect((await ctx.as(owner, 'get', '/images')).body.total).toBe(2);
    });
  });
});
