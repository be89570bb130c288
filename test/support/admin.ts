import { createHash, randomUUID } from 'node:crypto';
import type { Response } from 'supertest';
import { Fixtures } from './fixtures';
import { uniqueName } from './test-app';

/*
 * Shared by the admin*.e2e-spec files (the admin API, operator-only): hashing and
 * request-id helpers, and requests with the admin token.
 */

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** A request id the service accepts verbatim (matches ^[A-Za-z0-9._:-]{1,128}$). */
export function requestId(label: string): string {
  return `e2e-${label}-${randomUUID()}`;
}

/** The admin token's header, POST /admin/users, and whether an agent key works, for one app. */
export function adminRequests(ctx: Fixtures) {
  const admin = () => ({ Authorization: `Bearer ${ctx.adminToken}` });

  async function createUser(body: Record<string, unknown> = {}): Promise<Response> {
    return ctx
      .http()
      .post('/admin/users')
      .set(admin())
      .send({ name: uniqueName('user'), ...body });
  }

  async function whoamiStatus(apiKey: string): Promise<number> {
    const res = await ctx.http().get('/whoami').set('X-Api-Key', apiKey);
    return res.status;
  }

  return { admin, createUser, whoamiStatus };
}
