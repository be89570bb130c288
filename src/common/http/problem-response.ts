import type { IncomingMessage, ServerResponse } from 'node:http';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../errors/problem';
import { toAppError } from '../errors/to-app-error';
import { requestPath } from './logging';
import { requestIdOf } from './request-id';

/**
 * Answers a failed request with application/problem+json. Internal failures are
 * attached to the response so the request log line carries the cause; the client
 * sees only "Internal server error" and the request id.
 */
export function sendProblem(req: IncomingMessage, res: ServerResponse, err: unknown): void {
  const { error, internal } = toAppError(err);
  if (internal) (res as { err?: unknown }).err = err;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = toProblem(error, requestIdOf(req), requestPath(req));
  res.statusCode = error.status;
  res.setHeader('Content-Type', `${PROBLEM_CONTENT_TYPE}; charset=utf-8`);
  res.end(JSON.stringify(body));
}
