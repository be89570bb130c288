import type { Response } from 'supertest';
import { SignedLinks } from '../src/common/signed-links';
import { newRid } from './support/agent-requests';
import { useFixtures } from './support/fixtures';
import { b64, gif, ImageObject, imageRequests, INVALID_LINK, jpeg, MAKERS, MAX, MIME_OF, NOT_FOUND, pathOf, png, sha256, UNKNOWN_ID, webp } from './support/images';
import { expectProblem } from './support/problems';
import { TestAgent } from './support/test-app';

/*
 * Images over REST, serving and guarding: GET /images/{id}/content, the public signed link
 * GET /img/{id}?exp=&sig=, another user's image (a 404 like an unknown id), and the audit
 * event written in the same transaction as each change. Storing: images.e2e-spec.
 */

describe('Images (REST): bytes, signed links, other users, audit', () => {
  const ctx = useFixtures({ env: { IMAGE_MAX_BYTES: String(MAX) } });
  const { user, upload, uploaded, content, linked, stored, rowOf, idsOf, events, imageEventsOf, expectImageHeaders } = imageRequests(ctx);


  // ------------------------------------------------------------------------------------------
  describe('GET /images/{id}/content', () => {
    let a: TestAgent;
    beforeAll(async () => {
      a = await user();
    });

    it.each(['png', 'jpeg', 'gif', 'webp'] as const)('%s: the bytes with their type, ETag "sha256", private caching, nosniff and a sandbox CSP', async (kind) => {
      const bytes = MAKERS[kind](6, 3);
      const image = await uploaded(a, bytes);
      const res = await content(a, image.image_id);
      expectImageHeaders(res, MIME_OF[kind], bytes);
    });

    it('a conditional GET with the ETag answers 304 with no body', async () => {
      const bytes = png(6, 6);
      const image = await uploaded(a, bytes);
      const res = await ctx.as(a, 'get', `/images/${image.image_id}/content`).set('If-None-Match', `"${sha256(bytes)}"`);
      expect(res.status).toBe(304);
      expect(res.text ?? '').toBe('');
    });

    it('needs the key: 401 without it', async () => {
      const image = await uploaded(a, png(2, 2));
      const res = await ctx.http().get(`/images/${image.image_id}/content`);
      expectProblem(res, 401);
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('GET /img/{id}?exp=&sig= (the signed url, no key)', () => {
    let a: TestAgent;
    let bytes: Buffer;
    let image: ImageObject;
    let other: ImageObject;
    beforeAll(async () => {
      a = await user();
      bytes = jpeg(12, 7);
      image = await uploaded(a, bytes);
      other = await uploaded(a, png(2, 2));
    });

    const withQuery = (url: string, change: (q: URLSearchParams) => void): string => {
      const u = new URL(url);
      change(u.searchParams);
      return u.pathname + u.search;
    };
    const expectInvalid = async (path: string) => {
      const res = await ctx.http().get(path);
      expectProblem(res, 403, { code: 'forbidden', detail: INVALID_LINK });
      expect(res.headers['content-type']).not.toMatch(/^image\//);
    };

    it('the url is PUBLIC_BASE_URL/img/{id}?exp=&sig=, expires in DOC_LINK_TTL_HOURS (24 h), and holds no key', () => {
      const u = new URL(image.url);
      expect(`${u.origin}${u.pathname}`).toBe(`${ctx.app.config.publicBaseUrl}/img/${image.image_id}`);
      expect([...u.searchParams.keys()].sort()).toEqual(['exp', 'sig']);
      const exp = Number(u.searchParams.get('exp'));
      const now = Date.now() / 1000;
      expect(exp).toBeGreaterThan(now + 24 * 3600 - 120);
      expect(exp).toBeLessThanOrEqual(now + 24 * 3600 + 120);
      expect(image.url).not.toContain(a.apiKey);
      expect(image.url).not.toContain(a.apiKey.slice(-16));
    });

    it('opens the bytes without a key, with the same headers as /content', async () => {
      expectImageHeaders(await linked(pathOf(image.url)), 'image/jpeg', bytes);
      const fresh = await ctx.as(a, 'get', `/images/${image.image_id}`);
      expectImageHeaders(await linked(pathOf(fresh.body.url)), 'image/jpeg', bytes);
    });

    it('a link signed by the same secret for now opens; one signed for 25 hours ago has expired: 403', async () => {
      const links = new SignedLinks(ctx.app.config);
      expectImageHeaders(await linked(pathOf(links.url('image', image.image_id, a.userId))), 'image/jpeg', bytes);
      const expired = links.url('image', image.image_id, a.userId, Date.now() - 25 * 3600 * 1000);
      expect(Number(new URL(expired).searchParams.get('exp')) * 1000).toBeLessThan(Date.now());
      await expectInvalid(pathOf(expired));
    });

    it('a tampered signature, a changed exp (past or future), or a missing part: 403', async () => {
      const sig = new URL(image.url).searchParams.get('sig')!;
      const exp = Number(new URL(image.url).searchParams.get('exp'));
      const flipped = `${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`;
      await expectInvalid(withQuery(image.url, (q) => q.set('sig', flipped)));
      await expectInvalid(withQuery(image.url, (q) => q.set('sig', sig.slice(0, -1))));
      await expectInvalid(withQuery(image.url, (q) => q.set('sig', '')));
      await expectInvalid(withQuery(image.url, (q) => q.set('exp', String(exp - 2 * 86_400))));
      await expectInvalid(withQuery(image.url, (q) => q.set('exp', String(exp + 60))));
      await expectInvalid(withQuery(image.url, (q) => q.set('exp', 'tomorrow')));
      await expectInvalid(withQuery(image.url, (q) => q.delete('sig')));
      await expectInvalid(withQuery(image.url, (q) => q.delete('exp')));
      await expectInvalid(`/img/${image.image_id}`);
    });

    it("another image's id with this link's exp and sig: 403 (and the reverse)", async () => {
      await expectInvalid(pathOf(image.url).replace(image.image_id, other.image_id));
      await expectInvalid(pathOf(other.url).replace(other.image_id, image.image_id));
    });

    it('a malformed or unknown id: 403', async () => {
      const { search } = new URL(image.url);
      await expectInvalid(`/img/not-a-uuid${search}`);
      await expectInvalid(`/img/${UNKNOWN_ID}${search}`);
      await expectInvalid(`/img/${image.image_id}x${search}`);
    });

    it('after the image is deleted its link is a 403', async () => {
      const doomed = await uploaded(a, gif(4, 4));
      expectImageHeaders(await linked(pathOf(doomed.url)), 'image/gif', gif(4, 4));
      await ctx.as(a, 'delete', `/images/${doomed.image_id}`).expect(204);
      await expectInvalid(pathOf(doomed.url));
    });
  });

  // ------------------------------------------------------------------------------------------
  describe("tenant isolation: another user's image is a 404, exactly like an unknown id", () => {
    let owner: TestAgent;
    let stranger: TestAgent;
    let image: ImageObject;
    let kept: ImageObject;
    const bytes = png(5, 4);

    beforeAll(async () => {
      owner = await user();
      stranger = await user();
      image = await uploaded(owner, bytes);
      kept = await uploaded(owner, gif(3, 3), { keep: true });
    });

    it.each([
      ['get', '', undefined],
      ['get', '/content', undefined],
      ['patch', '', { keep: true }],
      ['delete', '', undefined],
      ['delete', '?force=true', undefined],
    ] as const)('%s /images/{id}%s: 404 with the detail of an unknown id, nothing changed, no event', async (method, suffix, body) => {
      for (const target of [image, kept]) {
        const rid = newRid('foreign');
        const foreign = await ctx.as(stranger, method, `/images/${target.image_id}${suffix}`, body, rid);
        const unknown = await ctx.as(stranger, method, `/images/${UNKNOWN_ID}${suffix}`, body);
        const a = expectProblem(foreign, 404, { code: 'not_found', detail: NOT_FOUND, errors: false });
        const b = expectProblem(unknown, 404, { code: 'not_found', detail: NOT_FOUND, errors: false });
        expect({ ...a, instance: null, request_id: null }).toEqual({ ...b, instance: null, request_id: null });
        expect(foreign.text).not.toContain(owner.userId);
        expect(await events(rid)).toEqual([]);
      }
      expect(await rowOf(image.image_id)).toEqual({ user_id: owner.userId, agent_id: owner.agentId, keep: false });
      expect(await rowOf(kept.image_id)).toEqual({ user_id: owner.userId, agent_id: owner.agentId, keep: true });
      expect((await stored(image.image_id))?.equals(bytes)).toBe(true);
      expectImageHeaders(await content(owner, image.image_id), 'image/png', bytes);
    });

    it("the stranger's cleanup and list never touch or show the owner's images", async () => {
      const res = await ctx.as(stranger, 'post', '/images/cleanup');
      expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { deleted: 0 } });
      expect((await ctx.as(stranger, 'get', '/images')).body).toEqual({ images: [], total: 0, limit: 200, offset: 0 });
      expect((await idsOf(owner)).sort()).toEqual([image.image_id, kept.image_id].sort());
    });
  });

  // ------------------------------------------------------------------------------------------
  describe('audit: the event is written in the same transaction as the change', () => {
    let a: TestAgent;
    beforeAll(async () => {
      a = await user();
    });
    afterEach(async () => {
      await ctx.db.query('DROP TRIGGER IF EXISTS test_fail_image_audit ON audit_events');
      await ctx.db.query('DROP FUNCTION IF EXISTS test_fail_image_audit()');
    });

    async function failAuditOf(eventType: string): Promise<void> {
      await ctx.db.query(`CREATE FUNCTION test_fail_image_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'image audit down'; END $$`);
      await ctx.db.query(
        `CREATE TRIGGER test_fail_image_audit BEFORE INSERT ON audit_events FOR EACH ROW
           WHEN (NEW.event_type = '${eventType}') EXECUTE FUNCTION test_fail_image_audit()`,
      );
    }
    function expectInternalError(res: Response): void {
      expectProblem(res, 500, { code: 'internal_error', detail: 'Internal server error' });
      expect(res.text).not.toContain('image audit down');
    }
    const bytesCount = async (): Promise<number> => {
      const [{ n }]: { n: number }[] = await ctx.db.query('SELECT count(*)::int AS n FROM image_bytes');
      return n;
    };

    it('a failing IMAGE_UPLOAD insert rolls the upload back: 500, no image row, no bytes; it works once the audit does', async () => {
      const before = { ids: await idsOf(a), bytes: await bytesCount() };
      await failAuditOf('IMAGE_UPLOAD');
      const rid = newRid('upload-rolled-back');
      expectInternalError(await upload(a, { data_base64: b64(png(4, 4)) }, rid));
      expect({ ids: await idsOf(a), bytes: await bytesCount() }).toEqual(before);
      expect(await events(rid)).toEqual([]);
      expect(ctx.logs.some((line) => line.includes(rid) && line.includes('image audit down'))).toBe(true);

      await ctx.db.query('DROP TRIGGER test_fail_image_audit ON audit_events');
      const image = await uploaded(a, png(4, 4));
      expect(await idsOf(a)).toContain(image.image_id);
    });

    it('a failing IMAGE_UPDATE insert leaves keep as it was', async () => {
      const image = await uploaded(a, png(4, 4));
      await failAuditOf('IMAGE_UPDATE');
      expectInternalError(await ctx.as(a, 'patch', `/images/${image.image_id}`, { keep: true }));
      expect((await rowOf(image.image_id))?.keep).toBe(false);
    });

    it('a failing IMAGE_DELETE insert leaves the image and its bytes', async () => {
      const bytes = webp(4, 4);
      const image = await uploaded(a, bytes);
      await failAuditOf('IMAGE_DELETE');
      expectInternalError(await ctx.as(a, 'delete', `/images/${image.image_id}`));
      expect(await rowOf(image.image_id)).toBeDefined();
      expect((await stored(image.image_id))?.equals(bytes)).toBe(true);
    });

    it('a failing IMAGE_CLEANUP insert deletes nothing', async () => {
      const image = await uploaded(a, jpeg(4, 4));
      const before = await idsOf(a);
      expect(before).toContain(image.image_id);
      await failAuditOf('IMAGE_CLEANUP');
      expectInternalError(await ctx.as(a, 'post', '/images/cleanup'));
      expect(await idsOf(a)).toEqual(before);
      expect(await stored(image.image_id)).toBeDefined();
    });

    it('one event per write, nothing for reads (list, get, content, signed link)', async () => {
      const b = await user();
      const image = await uploaded(b, png(3, 3));
      expect(await imageEventsOf(b)).toBe(1);
      await ctx.as(b, 'get', '/images').expect(200);
      await ctx.as(b, 'get', `/images/${image.image_id}`).expect(200);
      await content(b, image.image_id).expect(200);
      await linked(pathOf(image.url)).expect(200);
      expect(await imageEventsOf(b)).toBe(1);
      await ctx.as(b, 'patch', `/images/${image.image_id}`, { keep: true }).expect(200);
      await ctx.as(b, 'delete', `/images/${image.image_id}?force=true`).expect(204);
      await ctx.as(b, 'post', '/images/cleanup').expect(200);
      const rows: { event_type: string; subject: string | null }[] = await ctx.db.query(
        `SELECT event_type, subject FROM audit_events WHERE user_id = $1 AND event_type LIKE 'IMAGE_%' ORDER BY seq`,
        [b.userId],
      );
      expect(rows).toEqual([
        { event_type: 'IMAGE_UPLOAD', subject: image.image_id },
        { event_type: 'IMAGE_UPDATE', subject: image.image_id },
        { event_type: 'IMAGE_DELETE', subject: image.image_id },
        { event_type: 'IMAGE_CLEANUP', subject: null },
      ]);
      const meta: { meta: unknown }[] = await ctx.db.query(`SELECT meta FROM audit_events WHERE user_id = $1`, [b.userId]);
      expect(JSON.stringify(meta)).not.toContain(b64(png(3, 3)).slice(0, 24));
    });
  });
});
