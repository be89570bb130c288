import { randomUUID } from 'node:crypto';

export const REQUEST_ID_HEADER = 'X-Request-ID';
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A client's X-Request-ID when it is well-formed, otherwise a fresh UUID. */
export function resolveRequestId(clientValue: string | string[] | undefined): string {
  const value = Array.isArray(clientValue) ? clientValue[0] : clientValue;
  return value !== undefined && CLIENT_REQUEST_ID.test(value) ? value : randomUUID();
}

/** The id assigned to a request by the request logger (always a string here). */
export function requestIdOf(req: { id?: unknown } | undefined): string {
  return typeof req?.id === 'string' ? req.id : randomUUID();
}
