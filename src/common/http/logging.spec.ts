import express from 'express';
import type { IncomingMessage } from 'node:http';
import request from 'supertest';
import { createRootLogger, REDACTED_PATHS, requestLogger, requestPath } from './logging';

const SECRET = 'mnemo_ak_s3cr3tValueThatMustNeverBeLogged000000000';

/** A root logger writing into memory; returns the logger and the captured lines. */
function capture(level: 'info' | 'debug' | 'warn' = 'info') {
  const lines: string[] = [];
  const logger = createRootLogger(
    { logLevel: level, logFormat: 'json' },
    { write: (chunk: string) => void lines.push(...chunk.split('\n').filter(Boolean)) },
  );
  return { logger, lines };
}

function secretFree(lines: string[]): void {
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) expect(line).not.toContain(SECRET);
}

describe('createRootLogger', () => {
  it('writes JSON lines with level, time, service and message', () => {
    const { logger, lines } = capture();
    logger.info({ request_id: 'req-1' }, 'hello');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]);
    expect(entry).toMatchObject({ level: 30, service: 'mnemo', request_id: 'req-1', msg: 'hello' });
    expect(entry.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('honours the level', () => {
    const { logger, lines } = capture('warn');
    logger.info('quiet');
    logger.warn('loud');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['loud']);
  });

  it.each(['agent_key', 'api_key', 'token'])('redacts a top-level %s', (field) => {
    const { logger, lines } = capture();
    logger.info({ [field]: SECRET, other: 'kept' }, 'call');
    secretFree(lines);
    const entry = JSON.parse(lines[0]);
    expect(entry[field]).toBe('[REDACTED]');
    expect(entry.other).toBe('kept');
  });

  it.each(['agent_key', 'api_key', 'token'])('redacts %s one level down', (field) => {
    const { logger, lines } = capture();
    logger.info({ args: { [field]: SECRET, tz: 'UTC' } }, 'tool call');
    secretFree(lines);
    expect(JSON.parse(lines[0]).args).toEqual({ [field]: '[REDACTED]', tz: 'UTC' });
  });

  it('redacts the Authorization and X-Api-Key headers', () => {
    const { logger, lines } = capture();
    logger.info({ headers: { authorization: `Bearer ${SECRET}`, 'x-api-key': SECRET, accept: 'application/json' } });
    secretFree(lines);
    expect(JSON.parse(lines[0]).headers).toEqual({
      authorization: '[REDACTED]',
      'x-api-key': '[REDACTED]',
      accept: 'application/json',
    });
  });

  it('redacts the headers of a logged request', () => {
    const { logger, lines } = capture();
    logger.warn({ req: { method: 'GET', headers: { authorization: `Bearer ${SECRET}`, 'x-api-key': SECRET } } });
    secretFree(lines);
    expect(JSON.parse(lines[0]).req.headers).toEqual({ authorization: '[REDACTED]', 'x-api-key': '[REDACTED]' });
  });

  it('redacts every credential field in one object', () => {
    const { logger, lines } = capture();
    logger.error(
      {
        agent_key: SECRET,
        api_key: SECRET,
        input: { agent_key: SECRET },
        headers: { authorization: `Bearer ${SECRET}` },
      },
      'failed',
    );
    secretFree(lines);
    expect(lines[0].match(/\[REDACTED\]/g)).toHaveLength(4);
  });

  it('lists the redacted paths', () => {
    expect(REDACTED_PATHS).toEqual(expect.arrayContaining(['agent_key', 'api_key', 'headers.authorization']));
  });
});

describe('requestPath', () => {
  const req = (url: string | undefined, originalUrl?: string) => ({ url, originalUrl }) as unknown as IncomingMessage;

  it('strips the query string', () => {
    expect(requestPath(req(`/whoami?agent_key=${SECRET}`))).toBe('/whoami');
    expect(requestPath(req('/time?tz=UTC&x=1'))).toBe('/time');
    expect(requestPath(req('/mcp?'))).toBe('/mcp');
  });

  it('keeps a path without a query', () => {
    expect(requestPath(req('/admin/users/123/agents'))).toBe('/admin/users/123/agents');
    expect(requestPath(req('/mcp/'))).toBe('/mcp/');
  });

  it('prefers originalUrl (Express rewrites url inside routers)', () => {
    expect(requestPath(req('/users?x=1', '/admin/users?agent_key=k'))).toBe('/admin/users');
  });

  it('defaults to /', () => {
    expect(requestPath(req(undefined))).toBe('/');
  });
});

describe('requestLogger', () => {
  function app() {
    const { logger, lines } = capture();
    const server = express();
    server.use(requestLogger(logger));
    server.get('/ok', (_req, res) => void res.json({ ok: true }));
    server.get('/fail', (_req, res) => void res.status(500).json({}));
    return { server, lines };
  }

  it('logs one line per request with method, path, status, duration and request id, and no key', async () => {
    const { server, lines } = app();
    const res = await request(server)
      .get(`/ok?agent_key=${SECRET}`)
      .set('X-Api-Key', SECRET)
      .set('Authorization', `Bearer ${SECRET}`)
      .set('X-Request-ID', 'client-req-1')
      .expect(200);
    expect(res.headers['x-request-id']).toBe('client-req-1');
    secretFree(lines);
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]);
    expect(entry).toMatchObject({
      level: 30,
      request_id: 'client-req-1',
      req: { method: 'GET', path: '/ok' },
      res: { status: 200 },
      msg: 'GET /ok 200',
    });
    expect(typeof entry.duration_ms).toBe('number');
  });

  it('replaces a malformed request id and echoes the new one', async () => {
    const { server, lines } = app();
    const res = await request(server).get('/ok').set('X-Request-ID', 'bad id!').expect(200);
    const id = res.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(lines[0]).request_id).toBe(id);
  });

  it('logs server errors at error level', async () => {
    const { server, lines } = app();
    await request(server).get('/fail').expect(500);
    expect(JSON.parse(lines[0])).toMatchObject({ level: 50, res: { status: 500 } });
  });
});
