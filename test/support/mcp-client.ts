import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Response } from 'supertest';
import type { Method } from './agent-requests';
import { NO_FIELDS } from './problems';
import type { TestAgent, TestApp } from './test-app';

/** A real MCP client (official SDK) connected to the app's /mcp endpoint. */
export async function connectMcp(baseUrl: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'mnemo-e2e', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', baseUrl), { requestInit: { headers } });
  await client.connect(transport);
  return client;
}

/** The JSON a tool returned as text content. */
export function toolJson(result: unknown): unknown {
  const content = (result as { content: { type: string; text: string }[] }).content;
  return JSON.parse(content[0].text);
}

/*
 * Tool results compared with their REST twins: one set of assertions for every
 * e2e file that calls tools (a tool failure is a result with isError, never a
 * protocol error, and carries the REST problem's code and detail).
 */

export type CallResult = Awaited<ReturnType<Client['callTool']>>;
export type Json = Record<string, unknown>;

/** The `error` of a failed tool result. */
export interface ToolError {
  code: string;
  message: string;
  errors?: { field: string; message: string }[];
}

/** A timestamp as tools and routes write it (UTC, milliseconds). */
export const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The error of a tool that did not find what it was asked for. */
export const notFound = (message: string): ToolError => ({ code: 'not_found', message });

/** The error of an update with nothing to update. */
export const NO_FIELDS_ERROR: ToolError = { code: 'bad_request', message: NO_FIELDS };

/** One outcome of a step: a result body or an error, the same for REST and MCP. */
export type Outcome = { ok: unknown } | { error: ToolError };

/** tools/call with these arguments. */
export const callTool = (client: Client, name: string, args: Json = {}): Promise<CallResult> => client.callTool({ name, arguments: args });

/** Asserts a successful tool result and returns its JSON (one text content, and structuredContent that agrees). */
export function ok<T = Json>(result: CallResult): T {
  if (result.isError) throw new Error(`tool failed: ${JSON.stringify(toolJson(result))}`);
  const content = result.content as { type: string; text: string }[];
  expect(content).toHaveLength(1);
  expect(content[0].type).toBe('text');
  const json = toolJson(result);
  expect(result.structuredContent).toEqual(json);
  return json as T;
}

/** Asserts a successful result of a tool whose (large) JSON comes as text only (get_context), and returns it. */
export function okText<T = Json>(result: CallResult): T {
  if (result.isError) throw new Error(`tool failed: ${JSON.stringify(toolJson(result))}`);
  const content = result.content as { type: string; text: string }[];
  expect(content).toHaveLength(1);
  expect(content[0].type).toBe('text');
  expect(result.structuredContent).toBeUndefined();
  return toolJson(result) as T;
}

/**
 * Asserts an `isError` tool result (not a protocol error) holding only `error`, and
 * returns it. structuredContent must agree with the text; `textOnly` tools (get_context)
 * may leave it out.
 */
export function toolError(result: CallResult, { textOnly = false }: { textOnly?: boolean } = {}): ToolError {
  expect(result.isError).toBe(true);
  const json = toolJson(result) as { error: ToolError };
  expect(Object.keys(json)).toEqual(['error']);
  if (!textOnly || result.structuredContent !== undefined) expect(result.structuredContent).toEqual(json);
  return json.error;
}

/** A REST success body, asserting the status. */
export function restOk<T = Json>(res: Response, status = 200): T {
  expect({ status: res.status, body: res.body as unknown }).toEqual({ status, body: expect.anything() });
  return res.body as T;
}

/** A REST problem (of `status`, if given) as the MCP error object it should equal. */
export function restError(res: Response, status: number = res.status): ToolError {
  const body = res.body as { code: string; detail: string; errors?: ToolError['errors'] };
  expect({ status: res.status, code: body.code }).toEqual({ status, code: expect.any(String) });
  return { code: body.code, message: body.detail, ...(body.errors ? { errors: body.errors } : {}) };
}

/** The X-Api-Key header of `agent` (for connectMcp or a request). */
export const keyOf = (agent: TestAgent) => ({ 'X-Api-Key': agent.apiKey });

/** The REST twin of a tool call: the route as `agent`, with its key and nothing else. */
export function restAs(app: Pick<TestApp, 'http'>, agent: TestAgent, method: Method, path: string, body?: object): Promise<Response> {
  const req = app.http()[method](path).set(keyOf(agent));
  return Promise.resolve(body === undefined ? req : req.send(body));
}

/**
 * What may differ between two runs of one scenario (one through REST, one through
 * MCP), given names that do not: `label(kind, id)` numbers ids by kind in order of
 * appearance ('P1', 'P2', …), `rename(text)` names the users' and agents' ids and
 * names by their role in `users` (a1a → 'a1-user', 'a1a-agent', 'a1-name').
 */
export function runNames(users: Record<string, TestAgent>) {
  const seen = new Map<string, Map<number, string>>();
  const label = (kind: string, n: number): string => {
    const ids = seen.get(kind) ?? new Map<number, string>();
    seen.set(kind, ids);
    if (!ids.has(n)) ids.set(n, `${kind}${ids.size + 1}`);
    return ids.get(n)!;
  };
  const names: [string, string][] = [];
  for (const [role, agent] of Object.entries(users)) {
    names.push([agent.userId, `${role.slice(0, 2)}-user`], [agent.agentId, `${role}-agent`], [agent.userName, `${role.slice(0, 2)}-name`]);
  }
  const rename = (text: string): string => names.find(([from]) => from === text)?.[1] ?? text;
  return { label, rename };
}

/** A scenario's outcomes through REST and through MCP, normalized alike: the same, step by step. */
export function expectSameOutcomes(viaRest: [string, Outcome][], viaMcp: [string, Outcome][]): void {
  expect(viaMcp).toHaveLength(viaRest.length);
  viaRest.forEach((expected, i) => expect({ step: i, outcome: viaMcp[i] }).toEqual({ step: i, outcome: expected }));
}
