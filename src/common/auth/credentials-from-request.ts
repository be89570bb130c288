import type { IncomingMessage } from 'node:http';

export type PresentedKey =
  | { kind: 'none' }
  | { kind: 'key'; key: string }
  /** A key sent as `?agent_key=` while query keys are disabled. */
  | { kind: 'query-refused' }
  /** Two different keys (say X-Api-Key and Authorization: Bearer): which one is meant is anyone's guess. */
  | { kind: 'conflict' };

/** Every non-blank value of a header, trimmed. */
function headerValues(req: IncomingMessage, name: string): string[] {
  const value = req.headers[name];
  return (Array.isArray(value) ? value : [value]).map((v) => v?.trim()).filter((v): v is string => !!v);
}

function header(req: IncomingMessage, name: string): string | undefined {
  return headerValues(req, name)[0];
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

/**
 * The agent key a request presents in `X-Api-Key`, `Authorization: Bearer` or
 * (if allowed) `?agent_key=`. Any of them may carry it, and several may carry
 * the same key; two different keys are a conflict, never a silent choice.
 */
export function presentedAgentKey(req: IncomingMessage, allowQueryKeys: boolean): PresentedKey {
  const fromQuery = queryKey(req);
  if (fromQuery !== undefined && !allowQueryKeys) return { kind: 'query-refused' };
  const keys = new Set([...headerValues(req, 'x-api-key'), bearerToken(req), fromQuery].filter((k): k is string => !!k));
  if (keys.size > 1) return { kind: 'conflict' };
  const [key] = keys;
  return key ? { kind: 'key', key } : { kind: 'none' };
}
