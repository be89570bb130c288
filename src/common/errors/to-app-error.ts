import { HttpException } from '@nestjs/common';
import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import { AppError, ErrorCode } from './app-error';
import { fromDatabaseError, PgError } from './db-errors';

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'validation_failed',
  429: 'too_many_requests',
  503: 'service_unavailable',
};

export const INTERNAL_ERROR_DETAIL = 'Internal server error';

/** A body limit as people say it: "1 MB", or the bytes when it is not whole megabytes. */
function limitText(limit: unknown): string {
  if (typeof limit !== 'number') return '1 MB';
  return limit % (1024 * 1024) === 0 ? `${limit / (1024 * 1024)} MB` : `${limit}-byte`;
}

/** Errors raised by Express' body parsers carry a `type` and a status. */
function fromBodyParserError(err: { type?: unknown; status?: unknown; limit?: unknown }): AppError | undefined {
  switch (err.type) {
    case 'entity.parse.failed':
      return new AppError(400, 'malformed_json', 'Request body is not valid JSON');
    case 'entity.too.large':
      return new AppError(413, 'payload_too_large', `Request body exceeds the ${limitText(err.limit)} limit`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError(415, 'unsupported_media_type', 'Unsupported request body encoding');
    case 'request.aborted':
      return new AppError(400, 'bad_request', 'Request body was not fully received');
    default:
      return undefined;
  }
}

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  const message = typeof response === 'string' ? response : (response as { message?: unknown }).message;
  const text = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : exception.message;
  // Nest's unknown-route message ("Cannot GET /x?agent_key=…") would echo the query string.
  return text.replace(/^(Cannot [A-Z]+ [^?\s]*)\?\S*$/, '$1');
}

/**
 * Maps anything thrown while serving a request to the AppError a client may see.
 * Returns `internal: true` for failures whose cause belongs in the log only.
 */
export function toAppError(err: unknown): { error: AppError; internal: boolean } {
  if (err instanceof AppError) return { error: err, internal: false };
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const code = CODE_BY_STATUS[status];
    if (code) return { error: new AppError(status, code, messageOf(err)), internal: false };
  }
  // TypeORM wraps the driver's error; statements sent straight to the pool raise pg's own.
  if (err instanceof QueryFailedError || err instanceof DatabaseError) {
    const mapped = fromDatabaseError(err instanceof QueryFailedError ? (err.driverError as PgError) : err);
    if (mapped) return { error: mapped, internal: false };
  }
  if (err && typeof err === 'object' && 'type' in err) {
    const mapped = fromBodyParserError(err);
    if (mapped) return { error: mapped, internal: false };
  }
  return { error: new AppError(500, 'internal_error', INTERNAL_ERROR_DETAIL), internal: true };
}
