import { STATUS_CODES } from 'node:http';

/**
 * RFC 9457 problem responses (application/problem+json), as every REST error
 * of the service is written: one assertion for all e2e files.
 */

/** The detail of an update with nothing to update (400), on every route that updates. */
export const NO_FIELDS = 'No fields to update';
/** An id no test creates (PostgreSQL integer maximum): a plain 404 wherever an id is looked up. */
export const MISSING = 2_147_483_647;
/** A timestamp as REST bodies write it (UTC, up to microseconds). */
export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

/** The members every problem has; `errors` (field messages) comes on top when a 422 names fields. */
export const PROBLEM_KEYS = ['code', 'detail', 'instance', 'request_id', 'status', 'title', 'type'];

/** What a test may state about a problem besides its status. */
export interface ProblemExpectation {
  /** The exact detail, or a pattern it matches (default: any non-empty string). */
  detail?: string | RegExp;
  /** The stable error code (also checks `type` = urn:mnemo:problem:<code>). */
  code?: string;
  /** The request path the problem reports. */
  instance?: string;
  /** true: a non-empty `errors` list of {field, message} is required; false: forbidden; unset: either. */
  errors?: boolean;
  /** Any other members, each compared with toEqual (asymmetric matchers allowed). */
  fields?: Record<string, unknown>;
}

/** The parts of a supertest response a problem check reads. */
export interface ProblemResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  request_id: string;
  errors?: { field: string; message: string }[];
  [key: string]: unknown;
}

/** Status and detail of an error response (application/problem+json). */
export function problem(res: ProblemResponse): { status: number; detail: string } {
  const body = JSON.parse(res.text) as { status: number; detail: string };
  return { status: res.status, detail: body.detail };
}

const matcher = (value: string | RegExp): unknown => (typeof value === 'string' ? value : expect.stringMatching(value));

/**
 * Asserts an RFC 9457 problem response: the status (of the response and the
 * body), the content type, the documented members (type from code, title from
 * status, request_id = X-Request-ID), and what `expected` states: a detail
 * (string or RegExp) or an options object. Status, detail and code are
 * compared together, so a failure shows all three. Returns the body.
 */
export function expectProblem(res: ProblemResponse, status: number, expected: string | RegExp | ProblemExpectation = {}): ProblemBody {
  const options: ProblemExpectation = typeof expected === 'string' || expected instanceof RegExp ? { detail: expected } : expected;
  const contentType = res.headers['content-type'];
  let body: ProblemBody;
  try {
    body = JSON.parse(res.text) as ProblemBody;
  } catch {
    throw new Error(`expected a problem+json ${status}, got ${res.status} ${contentType}: ${res.text?.slice(0, 500)}`);
  }

  expect({ status: res.status, detail: body.detail, code: body.code }).toEqual({
    status,
    detail: options.detail === undefined ? expect.any(String) : matcher(options.detail),
    code: options.code ?? expect.any(String),
  });
  expect(contentType).toMatch(/^application\/problem\+json(;|$)/);

  const keys = Object.keys(body).sort();
  const withErrors = [...PROBLEM_KEYS, 'errors'].sort();
  if (options.errors === true) expect(keys).toEqual(withErrors);
  else if (options.errors === false) expect(keys).toEqual(PROBLEM_KEYS);
  else expect([PROBLEM_KEYS, withErrors]).toContainEqual(keys);
  expect(body.status).toBe(status);
  expect(body.type).toBe(`urn:mnemo:problem:${body.code}`);
  expect(body.title).toBe(STATUS_CODES[status] ?? 'Error');
  expect(body.detail.length).toBeGreaterThan(0);
  expect(body.request_id).toBe(res.headers['x-request-id']);
  if (options.instance !== undefined) expect(body.instance).toBe(options.instance);
  else expect(typeof body.instance).toBe('string');
  if (body.errors !== undefined) {
    expect(status).toBe(422);
    expect(body.errors.length).toBeGreaterThan(0);
    for (const e of body.errors) expect({ keys: Object.keys(e).sort(), field: typeof e.field, message: typeof e.message }).toEqual({ keys: ['field', 'message'], field: 'string', message: 'string' });
  }
  for (const [key, value] of Object.entries(options.fields ?? {})) expect({ [key]: body[key] }).toEqual({ [key]: value });
  return body;
}
