import type { Response } from 'supertest';
import { createHash, randomBytes } from 'node:crypto';
import { crc32, deflateSync } from 'node:zlib';
import { Fixtures } from './fixtures';
import { TestAgent, uniqueName } from './test-app';

/*
 * Image bytes made in the test (no binary fixtures) and the requests of the image
 * specs. The makers give a grayscale PNG, a baseline grayscale JPEG, a two-colour GIF
 * and a lossless WebP of the width and height asked for, each a complete file an
 * ordinary decoder opens (checked with Pillow), not just a header image-size reads.
 */

/** A 1×1 PNG, base64. */
export const ONE_PIXEL_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';

export type ImageKind = 'png' | 'jpeg' | 'gif' | 'webp';
export const MIME_OF: Record<ImageKind, string> = { png: 'image/png', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp' };
/** The filename extension the service gives each type. */
export const EXTENSION_OF: Record<ImageKind, string> = { png: 'png', jpeg: 'jpg', gif: 'gif', webp: 'webp' };

export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const u16be = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u16le = (n: number) => Buffer.from([n & 0xff, (n >> 8) & 0xff]);
const u32le = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};

/** Bits packed least significant first (GIF LZW codes, the VP8L bitstream). */
class LsbBits {
  private readonly bytes: number[] = [];
  private bit = 0;

  write(value: number, count: number): this {
    for (let i = 0; i < count; i += 1) {
      if (this.bit % 8 === 0) this.bytes.push(0);
      if ((value >> i) & 1) this.bytes[this.bytes.length - 1] |= 1 << this.bit % 8;
      this.bit += 1;
    }
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.from(this.bytes);
  }
}

function pngChunk(type: string, data: Buffer): Buffer {
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** An 8-bit grayscale PNG (a gradient, row filter 0). With `padTo`, a tEXt chunk makes the file exactly that many bytes. */
export function png(width: number, height: number, padTo?: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // grayscale
  const rows = Buffer.concat(
    Array.from({ length: height }, (_, y) => Buffer.from([0, ...Array.from({ length: width }, (_x, x) => (x * 16 + y * 8) & 0xff)])),
  );
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const head = [signature, pngChunk('IHDR', header), pngChunk('IDAT', deflateSync(rows))];
  const end = pngChunk('IEND', Buffer.alloc(0));
  if (padTo === undefined) return Buffer.concat([...head, end]);
  const textLength = padTo - Buffer.concat([...head, end]).length - 12; // a chunk is its data plus length, type and CRC
  if (textLength < 9) throw new Error(`png: cannot pad to ${padTo} bytes`);
  const padded = Buffer.concat([...head, pngChunk('tEXt', Buffer.concat([Buffer.from('Comment\0', 'latin1'), Buffer.alloc(textLength - 8, 'x')])), end]);
  if (padded.length !== padTo) throw new Error(`png: padded to ${padded.length}, not ${padTo}`);
  return padded;
}

const jpegSegment = (marker: number, data: Buffer) => Buffer.concat([Buffer.from([0xff, marker]), u16be(data.length + 2), data]);

/**
 * A baseline grayscale JPEG (SOF0), every 8×8 block flat mid-gray: one quantization table,
 * DC and AC Huffman tables of one code each, so each block is two bits (DC difference 0, end of block).
 */
export function jpeg(width: number, height: number): Buffer {
  const bits = Math.ceil(width / 8) * Math.ceil(height / 8) * 2;
  const scan = Buffer.alloc(Math.ceil(bits / 8));
  if (bits % 8) scan[scan.length - 1] = 0xff >> bits % 8; // pad the last byte with 1 bits (never a whole 0xff byte)
  const oneCodeTable = (classAndId: number) => Buffer.concat([Buffer.from([classAndId, 1]), Buffer.alloc(15), Buffer.from([0])]);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]), // SOI
    jpegSegment(0xdb, Buffer.concat([Buffer.from([0]), Buffer.alloc(64, 1)])), // DQT
    jpegSegment(0xc0, Buffer.concat([Buffer.from([8]), u16be(height), u16be(width), Buffer.from([1, 1, 0x11, 0])])), // SOF0
    jpegSegment(0xc4, oneCodeTable(0x00)), // DHT: DC table 0
    jpegSegment(0xc4, oneCodeTable(0x10)), // DHT: AC table 0
    jpegSegment(0xda, Buffer.from([1, 1, 0x00, 0, 63, 0])), // SOS
    scan,
    Buffer.from([0xff, 0xd9]), // EOI
  ]);
}

/** A GIF89a with a two-colour palette, every pixel colour 0: LZW (minimum code size 2) with a clear code before every two pixels, so codes stay 3 bits. */
export function gif(width: number, height: number): Buffer {
  const CLEAR = 4;
  const END = 5;
  const codes = new LsbBits();
  for (let i = 0; i < width * height; i += 1) {
    if (i % 2 === 0) codes.write(CLEAR, 3);
    codes.write(0, 3);
  }
  const lzw = codes.write(END, 3).toBuffer();
  const blocks: Buffer[] = [];
  for (let i = 0; i < lzw.length; i += 255) {
    const part = lzw.subarray(i, i + 255);
    blocks.push(Buffer.from([part.length]), part);
  }
  return Buffer.concat([
    Buffer.from('GIF89a', 'latin1'),
    u16le(width),
    u16le(height),
    Buffer.from([0x80, 0, 0]), // a global colour table of 2 entries, background 0, no aspect ratio
    Buffer.from([0, 0, 0, 0xff, 0xff, 0xff]),
    Buffer.from([0x2c]),
    u16le(0),
    u16le(0),
    u16le(width),
    u16le(height),
    Buffer.from([0]), // no local colour table, not interlaced
    Buffer.from([2]), // LZW minimum code size
    ...blocks,
    Buffer.from([0]), // end of the image data
    Buffer.from([0x3b]), // trailer
  ]);
}

/** A lossless WebP (VP8L), every pixel opaque black: no transforms, no colour cache, five prefix codes of one symbol each (the pixels take no bits). */
export function webp(width: number, height: number): Buffer {
  const bits = new LsbBits()
    .write(width - 1, 14)
    .write(height - 1, 14)
    .write(0, 1) // alpha_is_used (a hint)
    .write(0, 3) // version
    .write(0, 1) // no transform
    .write(0, 1) // no colour cache
    .write(0, 1); // no meta prefix codes
  // A simple prefix code of one symbol: a 1-bit symbol (0 or 1), or an 8-bit one.
  const oneSymbol = (symbol: number) => (symbol < 2 ? bits.write(0b001, 3).write(symbol, 1) : bits.write(0b101, 3).write(symbol, 8));
  [0, 0, 0, 255, 0].forEach(oneSymbol); // green, red, blue, alpha, distance
  const vp8l = Buffer.concat([Buffer.from([0x2f]), bits.toBuffer()]);
  const chunk = Buffer.concat([Buffer.from('VP8L', 'latin1'), u32le(vp8l.length), vp8l, Buffer.alloc(vp8l.length % 2)]);
  return Buffer.concat([Buffer.from('RIFF', 'latin1'), u32le(4 + chunk.length), Buffer.from('WEBP', 'latin1'), chunk]);
}

export const MAKERS: Record<ImageKind, (width: number, height: number) => Buffer> = { png, jpeg, gif, webp };

/** A PNG of random RGB pixels: it does not compress, so its size follows its area (about 3 bytes a pixel). */
export function noisyPng(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const rows = Buffer.concat(Array.from({ length: height }, () => Buffer.concat([Buffer.from([0]), randomBytes(width * 3)])));
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([signature, pngChunk('IHDR', header), pngChunk('IDAT', deflateSync(rows)), pngChunk('IEND', Buffer.alloc(0))]);
}

export const MAX = 4096;
export const NOT_FOUND = 'Image not found';
export const INVALID_LINK = 'This link has expired or is not valid; ask for the image again for a fresh url';
export const NOT_AN_IMAGE = 'data_base64 is not a PNG, JPEG, WebP or GIF image';
export const CSP = "default-src 'none'; sandbox";
export const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

export interface ImageObject {
  image_id: string;
  url: string;
  filename: string;
  source: string;
  prompt: string | null;
  model: string | null;
  keep: boolean;
  mime_type: string;
  size_bytes: number;
  width: number;
  height: number;
  sha256: string;
  agent: string | null;
  created_at: string;
}
export const FIELDS = ['agent', 'created_at', 'filename', 'height', 'image_id', 'keep', 'mime_type', 'model', 'prompt', 'sha256', 'size_bytes', 'source', 'url', 'width'];

export interface AuditEvent {
  event_type: string;
  user_id: string;
  agent_id: string | null;
  subject: string | null;
  meta: Record<string, unknown> | null;
}

/** The path and query of a signed url (the app answers on another port than PUBLIC_BASE_URL). */
export const pathOf = (url: string): string => {
  const u = new URL(url);
  return u.pathname + u.search;
};
export const withoutUrl = ({ url: _url, ...rest }: ImageObject) => rest;
export const b64 = (bytes: Buffer) => bytes.toString('base64');

/** The requests and stored-state reads of the image specs, for one app. */
export function imageRequests(ctx: Fixtures) {

  const user = (): Promise<TestAgent> => ctx.newUser({ userName: uniqueName('u'), agentName: uniqueName('a') });

  const upload = (agent: TestAgent, body: unknown, rid?: string) => ctx.as(agent, 'post', '/images', body, rid);

  async function uploaded(agent: TestAgent, bytes: Buffer, extra: Record<string, unknown> = {}): Promise<ImageObject> {
    const res = await upload(agent, { data_base64: b64(bytes), ...extra });
    if (res.status !== 201) throw new Error(`POST /images: expected 201, got ${res.status} ${res.text}`);
    return res.body as ImageObject;
  }

  const content = (agent: TestAgent, id: string) => ctx.as(agent, 'get', `/images/${id}/content`).responseType('blob');
  const linked = (path: string) => ctx.http().get(path).responseType('blob');

  async function stored(id: string): Promise<Buffer | undefined> {
    const rows: { data: Buffer }[] = await ctx.db.query('SELECT data FROM image_bytes WHERE image_id = $1', [id]);
    return rows[0]?.data;
  }
  async function rowOf(id: string): Promise<{ user_id: string; agent_id: string | null; keep: boolean } | undefined> {
    const rows: { user_id: string; agent_id: string | null; keep: boolean }[] = await ctx.db.query(
      'SELECT user_id, agent_id, keep FROM images WHERE image_id = $1',
      [id],
    );
    return rows[0];
  }
  async function idsOf(agent: TestAgent): Promise<string[]> {
    const rows: { image_id: string }[] = await ctx.db.query('SELECT image_id FROM images WHERE user_id = $1 ORDER BY image_id', [agent.userId]);
    return rows.map((r) => r.image_id);
  }
  const events = (rid: string): Promise<AuditEvent[]> =>
    ctx.db.query('SELECT event_type, user_id, agent_id, subject, meta FROM audit_events WHERE request_id = $1 ORDER BY seq', [rid]);
  async function imageEventsOf(agent: TestAgent): Promise<number> {
    const rows: { n: number }[] = await ctx.db.query(`SELECT count(*)::int AS n FROM audit_events WHERE user_id = $1 AND event_type LIKE 'IMAGE_%'`, [
      agent.userId,
    ]);
    return rows[0].n;
  }

  /** The headers every served image carries (by key or by link). */
  function expectImageHeaders(res: Response, mime: string, bytes: Buffer): void {
    expect({
      status: res.status,
      type: res.headers['content-type'],
      etag: res.headers.etag,
      cache: res.headers['cache-control'],
      nosniff: res.headers['x-content-type-options'],
      csp: res.headers['content-security-policy'],
      length: res.headers['content-length'],
    }).toEqual({
      status: 200,
      type: mime,
      etag: `"${sha256(bytes)}"`,
      cache: expect.stringMatching(/^private(,|$)/),
      nosniff: 'nosniff',
      csp: CSP,
      length: String(bytes.length),
    });
    expect(res.headers['cache-control']).not.toContain('public');
    expect(Buffer.isBuffer(res.body) && res.body.equals(bytes)).toBe(true);
  }

  return { user, upload, uploaded, content, linked, stored, rowOf, idsOf, events, imageEventsOf, expectImageHeaders };
}
