/** One field-level validation message, as carried in a problem's `errors` list. */
export interface FieldError {
  field: string;
  message: string;
}

/** Stable machine-readable error codes, shared by REST problems and MCP tool errors. */
export type ErrorCode =
  | 'bad_request'
  | 'malformed_json'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'validation_failed'
  | 'too_many_requests'
  | 'internal_error'
  | 'service_unavailable';

/**
 * The one exception type services throw for anything a client should see.
 * The HTTP filter turns it into application/problem+json; MCP tools turn it into
 * an `isError` result with `{error: {code, message}}`.
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    readonly detail: string,
    readonly errors?: FieldError[],
  ) {
    super(detail);
    this.name = 'AppError';
  }

  static badRequest(detail: string): AppError {
    return new AppError(400, 'bad_request', detail);
  }
  static unauthorized(detail: string): AppError {
    return new AppError(401, 'unauthorized', detail);
  }
  static forbidden(detail: string): AppError {
    return new AppError(403, 'forbidden', detail);
  }
  static notFound(detail: string): AppError {
    return new AppError(404, 'not_found', detail);
  }
  static conflict(detail: string): AppError {
    return new AppError(409, 'conflict', detail);
  }
  static validation(detail: string, errors?: FieldError[]): AppError {
    return new AppError(422, 'validation_failed', detail, errors);
  }
  static unavailable(detail: string): AppError {
    return new AppError(503, 'service_unavailable', detail);
  }
}
