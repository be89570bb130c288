import { createHash } from 'node:crypto';
import { useFixtures } from './support/fixtures';
import { noisyPng } from './support/images';
import { callTool, ok, toolError } from './support/mcp-client';

/*
 * The image tools over MCP: the picture comes back as MCP image content when it is
 * small enough (MCP_IMAGE_MAX_BYTES), an upload larger than the 1 MB JSON limit
 * passes on /mcp, and a kept image is only deleted with force.
 */


interface ImageObject {
  image_id: string;
  size_bytes: number;
  width: number;
  height: number;
  sha256: string;
  mime_type: string;
  keep: boolean;
}

describe('image tools (MCP)', () => {
  const ctx = useFixtures({ env: { MCP_IMAGE_MAX_BYTES: '4096' } });

  it('get_image returns the object as JSON and the picture as image content; bigger than MCP_IMAGE_MAX_BYTES, the JSON only', async () => {
    const agent = await ctx.newUser();
    const mcp = await ctx.mcp(agent);
    const small = noisyPng(8, 8);
    const uploaded = ok<ImageObject>(await callTool(mcp, 'upload_image', { data_base64: small.toString('base64') }));
    expect(uploaded).toMatchObject({ width: 8, height: 8, mime_type: 'image/png', size_bytes: small.length, sha256: createHash('sha256').update(small).digest('hex') });

    const result = await callTool(mcp, 'get_image', { image_id: uploaded.image_id.toUpperCase() });
    expect(result.isError).toBeFalsy();
    const [text, image] = result.content as { type: string; text?: string; data?: string; mimeType?: string }[];
    expect(JSON.parse(text.text!)).toEqual(result.structuredContent);
    expect(result.structuredContent).toMatchObject({ image_id: uploaded.image_id, size_bytes: small.length });
    expect({ type: image.type, mimeType: image.mimeType }).toEqual({ type: 'image', mimeType: 'image/png' });
    expect(Buffer.from(image.data!, 'base64').equals(small)).toBe(true);

    const large = noisyPng(64, 64); // about 12 kB, over the 4 kB set for this app
    const big = ok<ImageObject>(await callTool(mcp, 'upload_image', { data_base64: large.toString('base64') }));
    const bigResult = await callTool(mcp, 'get_image', { image_id: big.image_id });
    expect((bigResult.content as { type: string }[]).map((c) => c.type)).toEqual(['text']);
    expect(bigResult.structuredContent).toMatchObject({ image_id: big.image_id, size_bytes: large.length });
  });

  it('upload_image takes an image larger than the 1 MB JSON limit of other calls, and stores its bytes exactly', async () => {
    const agent = await ctx.newUser();
    const mcp = await ctx.mcp(agent);
    const bytes = noisyPng(700, 700); // about 1.47 MB, 1.96 MB as base64
    expect(bytes.length).toBeGreaterThan(1024 * 1024);
    const uploaded = ok<ImageObject>(await callTool(mcp, 'upload_image', { data_base64: bytes.toString('base64'), keep: true }));
    expect(uploaded).toMatchObject({ width: 700, height: 700, size_bytes: bytes.length, keep: true });
    const [row] = await ctx.db.query<{ data: Buffer }[]>('SELECT data FROM image_bytes WHERE image_id = $1', [uploaded.image_id]);
    expect(row.data.equals(bytes)).toBe(true);
  });

  it('delete_image refuses a kept image without force (409), deletes it with force, then it is gone (404)', async () => {
    const agent = await ctx.newUser();
    const mcp = await ctx.mcp(agent);
    const kept = ok<ImageObject>(await callTool(mcp, 'upload_image', { data_base64: noisyPng(4, 4).toString('base64'), keep: true }));
    expect(toolError(await callTool(mcp, 'delete_image', { image_id: kept.image_id })).code).toBe('conflict');
    expect(ok(await callTool(mcp, 'delete_image', { image_id: kept.image_id, force: true }))).toEqual({ deleted: kept.image_id });
    expect(toolError(await callTool(mcp, 'get_image', { image_id: kept.image_id }))).toMatchObject({ code: 'not_found', message: 'Image not found' });
    expect(toolError(await callTool(mcp, 'get_image', { image_id: 'not-a-uuid' }))).toMatchObject({ code: 'validation_failed', message: 'image_id must be a UUID' });
  });

  it('cleanup_images deletes only unkept images of the caller’s user; update_image keeps one', async () => {
    const agent = await ctx.newUser();
    const other = await ctx.newUser();
    const mcp = await ctx.mcp(agent);
    const upload = async (who = mcp) => ok<ImageObject>(await callTool(who, 'upload_image', { data_base64: noisyPng(2, 2).toString('base64') }));
    const [a, b] = [await upload(), await upload()];
    const foreign = await upload(await ctx.mcp(other));
    expect(ok<ImageObject>(await callTool(mcp, 'update_image', { image_id: a.image_id, keep: true })).keep).toBe(true);
    expect(ok(await callTool(mcp, 'cleanup_images'))).toEqual({ deleted: 1 });
    const left: { image_id: string }[] = await ctx.db.query('SELECT image_id FROM images WHERE image_id = ANY($1::uuid[]) ORDER BY image_id', [
      [a.image_id, b.image_id, foreign.image_id],
    ]);
    expect(left.map((r) => r.image_id).sort()).toEqual([a.image_id, foreign.image_id].sort());
    const listed = ok<{ images: ImageObject[]; total: number }>(await callTool(mcp, 'list_images', {}));
    expect({ total: listed.total, ids: listed.images.map((i) => i.image_id) }).toEqual({ total: 1, ids: [a.image_id] });
  });
});
