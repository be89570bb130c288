import type { IncomingMessage } from 'node:http';

export type PresentedKey =
  | { kind: 'none' }
  | { kind: 'key'; key: string }
  /** A key sent as `?agent_key=` while query keys are disabled. */
  | { kind: 'query-refused' };

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first?.trim() || undefined;
}

/** The bearer token of an `Authorization: Bearer <token>` header. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header(req, 'authorization') ?? '');
  return match?.[1];
}

function queryKey(req: IncomingMessage): string | undefined {
  const url = req.url ?? '';
  if (!url.includes('agent_key=')) return undefined;
  return new URL(url, 'http://localhost').searchParams.get('agent_key')?.trim() || undefined;
}

/** The agent key a request presents: `X-Api-Key`, else `Authorization: Bearer`, else (if allowed) `?agent_key=`. */
export function presentedAgentKey(req: IncomingMessage, allowQueryKeys: boolean): PresentedKey {
  const key = header(req, 'x-api-key') ?? bearerToken(req);
  const fromQuery = queryKey(req);
  if (fromQuery !== undefined && !allowQueryKeys) return { kind: 'query-refused' };
  const chosen = key ?? fromQuery;
  return chosen ? { kind: 'key', key: chosen } : { kind: 'none' };
}
