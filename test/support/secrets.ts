import { randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { agentRequests } from './agent-requests';
import { ISO_UTC } from './problems';
import { TestAgent, TestApp } from './test-app';

/*
 * Shared by the secrets*.e2e-spec files (the secrets vault over REST): expected texts
 * and blob layout (written out here, never imported from src/), and the vault's
 * requests and rows for any app on the database.
 */

export const NOT_FOUND = 'Secret not found';
export const UNDECRYPTABLE = 'Secret could not be decrypted';
export const INTERNAL = 'Internal server error';
export const KEY_RULE = 'key must be 1-200 characters of A-Z, a-z, 0-9, _, . and -';
export const VALUE_RULE = 'value must be at most 65536 bytes of UTF-8';
export const VALUE_NOT_STRING = 'value must be a string';
export const READERS_RULE = 'readers must be a list of agent names, or null';
export const READER_NAME_RULE = 'each reader must be an agent name (1-64 characters of a-z, 0-9, _ and - (case-insensitive))';
export const WRITE_ONLY_RULE = 'write_only must be true or false';
export const NOT_AN_OBJECT = 'Request body must be a JSON object';
export const SEALED = /^Secrets are unavailable: no encryption key is configured/;
export const writeOnly = (key: string) => `Secret '${key}' is write-only: only the service itself uses it, it is never returned`;
export const notAReader = (agent: TestAgent, key: string) => `Agent '${agent.agentName}' is not among the readers of secret '${key}'`;
export const unknownReader = (name: string) => `readers: your user has no agent named '${name}'`;

/** version (1) + key id (1) + nonce (12) + tag (16) */
export const BLOB_OVERHEAD = 30;
export const NONCE = { start: 2, end: 14 };
export const MAX_VALUE_BYTES = 65536;
export { ISO_UTC };
export const META_FIELDS = ['created_at', 'key', 'readers', 'updated_at', 'write_only'];

export interface AuditEvent {
  event_type: string;
  user_id: string | null;
  agent_id: string | null;
  subject: string | null;
  reason_code: string | null;
  meta: Record<string, unknown> | null;
}

export interface StoredSecret {
  blob: Buffer;
  reader_agent_ids: string[] | null;
  write_only: boolean;
}

/** A value no other request uses, so logs and audit rows can be searched for it. */
export const marker = (label: string) => `${label}-${randomUUID()}`;

export const bytes = (value: string) => Buffer.byteLength(value, 'utf8');

/** `saved` / list entry of a secret: metadata only. */
export function meta(key: string, readers: string[] | null = null, write_only = false) {
  return { key, created_at: expect.stringMatching(ISO_UTC), updated_at: expect.stringMatching(ISO_UTC), readers, write_only };
}

/** The vault's requests and rows for one app (read at call time, so it works for any app on the database). */
export function vault(app: () => TestApp) {
  const { as } = agentRequests(app);
  const path = (key: string) => `/secrets/${encodeURIComponent(key)}`;

  const put = (agent: TestAgent, key: string, body: unknown, rid?: string) => as(agent, 'put', path(key), body, rid);
  const get = (agent: TestAgent, key: string, rid?: string) => as(agent, 'get', path(key), undefined, rid);
  const del = (agent: TestAgent, key: string, rid?: string) => as(agent, 'delete', path(key), undefined, rid);
  const list = (agent: TestAgent, query = '') => as(agent, 'get', `/secrets${query}`);

  /** PUT that must succeed with `status` (201 created, 200 replaced). */
  async function save(agent: TestAgent, key: string, body: Record<string, unknown>, status = 201): Promise<Response> {
    const res = await put(agent, key, body);
    expect({ key, status: res.status }).toEqual({ key, status });
    return res;
  }

  /** GET that must answer 200 with this value. */
  async function expectValue(agent: TestAgent, key: string, value: string): Promise<void> {
    const res = await get(agent, key);
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { key, value } });
  }

  async function stored(owner: TestAgent, key: string): Promise<StoredSecret | undefined> {
    const [row] = await app().db.query(
      `SELECT encrypted_value AS blob, reader_agent_ids, write_only FROM secrets WHERE user_id = $1 AND key = $2`,
      [owner.userId, key],
    );
    return row as StoredSecret | undefined;
  }

  async function blob(owner: TestAgent, key: string): Promise<Buffer | undefined> {
    return (await stored(owner, key))?.blob;
  }

  async function setBlob(owner: TestAgent, key: string, value: Buffer): Promise<void> {
    const [, count] = await app().db.query(`UPDATE secrets SET encrypted_value = $3 WHERE user_id = $1 AND key = $2`, [owner.userId, key, value]);
    expect(count).toBe(1);
  }

  /** Key id (byte 1) of every secret of the database, by "user/key". */
  async function keyIds(): Promise<Record<string, number>> {
    const rows: { user_id: string; key: string; key_id: number }[] = await app().db.query(
      `SELECT user_id, key, get_byte(encrypted_value, 1) AS key_id FROM secrets ORDER BY user_id, key`,
    );
    return Object.fromEntries(rows.map((r) => [`${r.user_id}/${r.key}`, r.key_id]));
  }

  async function count(owner: TestAgent): Promise<number> {
    const [row] = await app().db.query(`SELECT count(*)::int AS n FROM secrets WHERE user_id = $1`, [owner.userId]);
    return row.n as number;
  }

  async function events(rid: string): Promise<AuditEvent[]> {
    return app().db.query(
      `SELECT event_type, user_id, agent_id, subject, reason_code, meta FROM audit_events WHERE request_id = $1 ORDER BY seq`,
      [rid],
    );
  }

  /** Where a value turns up: audit rows (any column) and log lines. */
  async function traces(value: string): Promise<{ auditRows: number; logLines: number }> {
    const [row] = await app().db.query(`SELECT count(*)::int AS n FROM audit_events a WHERE strpos(to_jsonb(a)::text, $1) > 0`, [value]);
    return { auditRows: row.n as number, logLines: app().logs.filter((line) => line.includes(value)).length };
  }

  return { as, put, get, del, list, save, expectValue, stored, blob, setBlob, keyIds, count, events, traces };
}

/** The base64 and hex of each key of an app's SECRETS_KEYS: must never be logged or answered. */
export function keyMaterial(app: TestApp): string[] {
  return (app.config.secretsKeys ?? '')
    .split(',')
    .map((entry) => entry.split(':')[1])
    .flatMap((b64) => [b64, Buffer.from(b64, 'base64').toString('hex')]);
}
