import { createHash, randomBytes } from 'node:crypto';
import { useFixtures } from './support/fixtures';
import { gif, jpeg, png, webp } from './support/image-bytes';
import { expectProblem } from './support/problems';
import { TestAgent } from './support/test-app';

/*
 * The image routes over REST: upload (type and size read from the bytes), list, keep,
 * delete, cleanup, the bytes by key and by signed link, and their audit events.
 */




const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const MAX = 4096;

describe('images (REST)', () => {
  const ctx = useFixtures({ env: { IMAGE_MAX_BYTES: String(MAX) } });
  let me: TestAgent;
  let stranger: TestAgent;
  const key = (agent: TestAgent) => ({ 'X-Api-Key': agent.apiKey });
  const upload = (agent: TestAgent, bytes: Buffer, extra: Record<string, unknown> = {}) =>
    ctx.http().post('/images').set(key(agent)).send({ data_base64: bytes.toString('base64'), ...extra });
  const imageRows = async (userId: string) =>
    (await ctx.db.query<{ n: number }[]>('SELECT count(*)::int AS n FROM images WHERE user_id = $1', [userId]))[0].n;
  const events = (type: string, subject: string) =>
    ctx.db.query<{ agent_id: string; meta: Record<string, unknown> }[]>('SELECT agent_id, meta FROM audit_events WHERE event_type = $1 AND subject = $2', [
      type,
      subject,
    ]);

  beforeAll(async () => {
    me = await ctx.newUser();
    stranger = await ctx.newUser();
  });

  it.each([
    ['PNG', png(3, 2), 'image/png', 3, 2, 'png'],
    ['GIF', gif(5, 7), 'image/gif', 5, 7, 'gif'],
    ['JPEG', jpeg(9, 4), 'image/jpeg', 9, 4, 'jpg'],
    ['WebP', webp(6, 11), 'image/webp', 6, 11, 'webp'],
  ])('stores a %s as the bytes say: type, size, dimensions, sha256, agent; the bytes read back exactly; one IMAGE_UPLOAD', async (_kind, bytes, mime, width, height, ext) => {
    const res = await upload(me, bytes).expect(201);
    expect(res.body).toMatchObject({ source: 'uploaded', keep: false, mime_type: mime, size_bytes: bytes.length, width, height, sha256: sha256(bytes), agent: me.agentName, prompt: null, model: null });
    expect(res.body.filename).toMatch(new RegExp(`^img_[0-9a-f]{8}\\.${ext}$`));
    expect(res.body.url).not.toContain(me.apiKey);
    const [stored] = await ctx.db.query<{ data: Buffer }[]>('SELECT data FROM image_bytes WHERE image_id = $1', [res.body.image_id]);
    expect(stored.data.equals(bytes)).toBe(true);
    const content = await ctx.http().get(`/images/${res.body.image_id}/content`).set(key(me)).buffer(true).parse((r, cb) => {
      const parts: Buffer[] = [];
      r.on('data', (c: Buffer) => parts.push(c)).on('end', () => cb(null, Buffer.concat(parts)));
    });
    expect(content.status).toBe(200);
    expect((content.body as Buffer).equals(bytes)).toBe(true);
    expect(content.headers).toMatchObject({ 'content-type': mime, etag: `"${sha256(bytes)}"`, 'x-content-type-options': 'nosniff' });
    expect(content.headers['cache-control']).toMatch(/^private/);
    expect(content.headers['content-security-policy']).toContain("default-src 'none'");
    const [event] = await events('IMAGE_UPLOAD', res.body.image_id);
    expect(event).toEqual({ agent_id: me.agentId, meta: { mime_type: mime, size_bytes: bytes.length, width, height } });
  });

  it('refuses what is not an accepted image, a type the bytes contradict, and an image over IMAGE_MAX_BYTES; nothing stored or audited', async () => {
    const before = await imageRows(me.userId);
    expectProblem(await upload(me, randomBytes(64)), 422, 'data_base64 is not a PNG, JPEG, WebP or GIF image');
    expectProblem(await upload(me, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>')), 422, 'data_base64 is not a PNG, JPEG, WebP or GIF image');
    expectProblem(await upload(me, png(1, 1), { mime_type: 'image/jpeg' }), 422, 'mime_type says image/jpeg but the bytes are image/png');
    expectProblem(await upload(me, png(1, 1), { mime_type: 'image/svg+xml' }), 422, { code: 'validation_failed' });
    expectProblem(await ctx.http().post('/images').set(key(me)).send({ data_base64: 'not base64!' }), 422, 'data_base64 must be base64 text');
    expectProblem(await ctx.http().post('/images').set(key(me)).send({}), 422, 'data_base64 is required');
    const big = png(40, 40); // about 4.9 kB, over the 4 kB set for this app
    expect(big.length).toBeGreaterThan(MAX);
    expectProblem(await upload(me, big), 413, `The image is ${big.length} bytes; the limit is ${MAX} (IMAGE_MAX_BYTES)`);
    expect(await imageRows(me.userId)).toBe(before);
  });

  it('lists the caller’s images newest first, filters by keep, pages with a total; another user sees none of them', async () => {
    const owner = await ctx.newUser();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await upload(owner, png(1, 1), { keep: i === 1 }).expect(201)).body.image_id);
    const list = await ctx.http().get('/images?limit=2').set(key(owner)).expect(200);
    expect({ ids: list.body.images.map((i: { image_id: string }) => i.image_id), total: list.body.total, limit: list.body.limit }).toEqual({
      ids: [ids[2], ids[1]],
      total: 3,
      limit: 2,
    });
    expect((await ctx.http().get('/images?offset=2').set(key(owner)).expect(200)).body.images.map((i: { image_id: string }) => i.image_id)).toEqual([ids[0]]);
    const kept = await ctx.http().get('/images?keep=true').set(key(owner)).expect(200);
    expect({ ids: kept.body.images.map((i: { image_id: string }) => i.image_id), total: kept.body.total }).toEqual({ ids: [ids[1]], total: 1 });
    expect((await ctx.http().get('/images?offset=50').set(key(owner)).expect(200)).body).toEqual({ images: [], total: 3, limit: 200, offset: 50 });
    const theirs = await ctx.http().get('/images').set(key(stranger)).expect(200);
    expect(theirs.body.images.map((i: { image_id: string }) => i.image_id)).not.toEqual(expect.arrayContaining([ids[0]]));
  });

  it('PATCH keeps an image; DELETE of a kept one is 409 until force=true; both audited; the bytes go with it', async () => {
    const id = (await upload(me, png(2, 2)).expect(201)).body.image_id as string;
    expect((await ctx.http().patch(`/images/${id}`).set(key(me)).send({ keep: true }).expect(200)).body).toMatchObject({ image_id: id, keep: true });
    expectProblem(await ctx.http().patch(`/images/${id}`).set(key(me)).send({ keep: 'yes' }), 422, 'keep must be true or false');
    expectProblem(await ctx.http().patch(`/images/${id}`).set(key(me)).send({}), 422, 'keep is required');
    expectProblem(await ctx.http().delete(`/images/${id}`).set(key(me)), 409, `Image ${id} is kept (keep: true); delete it with force=true`);
    await ctx.http().delete(`/images/${id}?force=true`).set(key(me)).expect(204);
    expect(await ctx.db.query('SELECT 1 FROM image_bytes WHERE image_id = $1', [id])).toEqual([]);
    expect(await events('IMAGE_UPDATE', id)).toEqual([{ agent_id: me.agentId, meta: { keep: true } }]);
    expect(await events('IMAGE_DELETE', id)).toHaveLength(1);
    expectProblem(await ctx.http().get(`/images/${id}`).set(key(me)), 404, 'Image not found');
  });

  it('cleanup deletes only the caller’s unkept images', async () => {
    const owner = await ctx.newUser();
    const kept = (await upload(owner, png(1, 1), { keep: true }).expect(201)).body.image_id;
    await upload(owner, png(1, 1)).expect(201);
    const theirs = (await upload(stranger, png(1, 1)).expect(201)).body.image_id;
    expect((await ctx.http().post('/images/cleanup').set(key(owner)).expect(200)).body).toEqual({ deleted: 1 });
    expect((await ctx.http().get('/images').set(key(owner)).expect(200)).body.images.map((i: { image_id: string }) => i.image_id)).toEqual([kept]);
    await ctx.http().get(`/images/${theirs}`).set(key(stranger)).expect(200);
  });

  describe('signed links', () => {
    let image: { image_id: string; url: string };
    let bytes: Buffer;
    const open = (url: string) => ctx.http().get(url.replace(/^https?:\/\/[^/]+/, ''));

    beforeAll(async () => {
      bytes = png(4, 4);
      image = (await upload(me, bytes).expect(201)).body;
    });

    it('open the bytes without a key, with the image headers', async () => {
      expect(image.url).toMatch(new RegExp(`/img/${image.image_id}\\?exp=\\d+&sig=[\\w-]+$`));
      const res = await open(image.url).expect(200);
      expect(res.headers['content-type']).toBe('image/png');
      expect(res.headers.etag).toBe(`"${sha256(bytes)}"`);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    });

    it('a tampered signature, a changed expiry, another image’s id, a malformed id: 403', async () => {
      const other = (await upload(me, png(1, 1)).expect(201)).body.image_id as string;
      const sig = new URL(image.url).searchParams.get('sig')!;
      const tampered = image.url.replace(`sig=${sig}`, `sig=${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`);
      const past = image.url.replace(/exp=\d+/, 'exp=1000000000');
      for (const url of [tampered, past, image.url.replace(image.image_id, other), image.url.replace(image.image_id, 'nope')]) {
        expectProblem(await open(url), 403, 'This link has expired or is not valid; ask for the image again for a fresh url');
      }
    });

    it('stop working once the image is deleted (403)', async () => {
      const gone = (await upload(me, png(1, 1)).expect(201)).body as { image_id: string; url: string };
      await open(gone.url).expect(200);
      await ctx.http().delete(`/images/${gone.image_id}`).set(key(me)).expect(204);
      expectProblem(await open(gone.url), 403, { code: 'forbidden' });
    });
  });

  it('a failing audit insert rolls the upload back', async () => {
    await ctx.db.query(`CREATE OR REPLACE FUNCTION fail_image_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.event_type = 'IMAGE_UPLOAD' THEN RAISE EXCEPTION 'audit down'; END IF; RETURN NEW; END $$`);
    await ctx.db.query('CREATE TRIGGER fail_image_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION fail_image_audit()');
    try {
      const before = await imageRows(me.userId);
      expect((await upload(me, png(1, 1))).status).toBe(500);
      expect(await imageRows(me.userId)).toBe(before);
    } finally {
      await ctx.db.query('DROP TRIGGER fail_image_audit ON audit_events');
      await ctx.db.query('DROP FUNCTION fail_image_audit()');
    }
  });
});
