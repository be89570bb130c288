import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  HttpException,
  HttpStatus,
  InternalServerErrorException,
  MethodNotAllowedException,
  NotFoundException,
  PayloadTooLargeException,
  ServiceUnavailableException,
  UnauthorizedException,
  UnprocessableEntityException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import { AppError } from './app-error';
import { INTERNAL_ERROR_DETAIL, toAppError } from './to-app-error';

/** An error as Express' body parsers raise it. */
function bodyParserError(type: string, status: number, message = 'parser says no'): Error {
  return Object.assign(new Error(message), { type, status, statusCode: status, expose: true });
}

/** A failed query as TypeORM wraps a node-postgres error. */
function queryFailed(code: string, constraint?: string, message = 'duplicate key value violates "users_name_key"') {
  const driverError = Object.assign(new Error(message), {
    code,
    constraint,
    detail: 'Key (name)=(secret-name) already exists.',
  });
  return new QueryFailedError('INSERT INTO "users" ("name") VALUES ($1)', ['secret-name'], driverError);
}

function expectInternal(err: unknown): void {
  const { error, internal } = toAppError(err);
  expect(internal).toBe(true);
  expect(error).toBeInstanceOf(AppError);
  expect(error.status).toBe(500);
  expect(error.code).toBe('internal_error');
  expect(error.detail).toBe('Internal server error');
  expect(error.errors).toBeUndefined();
}

describe('toAppError', () => {
  it('exposes "Internal server error" as the internal detail', () => {
    expect(INTERNAL_ERROR_DETAIL).toBe('Internal server error');
  });

  describe('AppError', () => {
    it('passes through unchanged', () => {
      const original = AppError.validation('name must be a string', [{ field: 'name', message: 'must be a string' }]);
      const { error, internal } = toAppError(original);
      expect(error).toBe(original);
      expect(internal).toBe(false);
    });

    it.each([
      [AppError.badRequest('x'), 400, 'bad_request'],
      [AppError.unauthorized('API key required'), 401, 'unauthorized'],
      [AppError.forbidden('x'), 403, 'forbidden'],
      [AppError.notFound('x'), 404, 'not_found'],
      [AppError.conflict('x'), 409, 'conflict'],
      [AppError.unavailable('x'), 503, 'service_unavailable'],
    ])('keeps %s', (original, status, code) => {
      const { error, internal } = toAppError(original);
      expect(error).toBe(original);
      expect(error.status).toBe(status);
      expect(error.code).toBe(code);
      expect(internal).toBe(false);
    });
  });

  describe('Nest HttpException', () => {
    it.each<[HttpException, number, string]>([
      [new BadRequestException('bad input'), 400, 'bad_request'],
      [new UnauthorizedException('who are you'), 401, 'unauthorized'],
      [new ForbiddenException('not yours'), 403, 'forbidden'],
      [new NotFoundException('Cannot GET /nope'), 404, 'not_found'],
      [new MethodNotAllowedException('use POST'), 405, 'method_not_allowed'],
      [new ConflictException('taken'), 409, 'conflict'],
      [new PayloadTooLargeException('too big'), 413, 'payload_too_large'],
      [new UnsupportedMediaTypeException('no xml'), 415, 'unsupported_media_type'],
      [new UnprocessableEntityException('invalid'), 422, 'validation_failed'],
      [new HttpException('slow down', HttpStatus.TOO_MANY_REQUESTS), 429, 'too_many_requests'],
      [new ServiceUnavailableException('database down'), 503, 'service_unavailable'],
    ])('%s -> %i %s', (exception, status, code) => {
      const { error, internal } = toAppError(exception);
      expect(internal).toBe(false);
      expect(error).toBeInstanceOf(AppError);
      expect(error.status).toBe(status);
      expect(error.code).toBe(code);
      expect(error.detail).toBe(exception.message);
    });

    it('takes the message of a response object', () => {
      expect(toAppError(new NotFoundException('Cannot GET /nope')).error.detail).toBe('Cannot GET /nope');
      expect(toAppError(new HttpException({ message: 'custom body' }, 400)).error.detail).toBe('custom body');
      expect(toAppError(new HttpException('plain string', 409)).error.detail).toBe('plain string');
    });

    it("does not echo the query string (which may hold a key) of Nest's unknown-route message", () => {
      const exception = new NotFoundException('Cannot GET /nope?agent_key=mnemo_ak_secret');
      const { error } = toAppError(exception);
      expect(error.detail).toBe('Cannot GET /nope');
      expect(error.detail).not.toContain('mnemo_ak_secret');
    });

    it('joins a list of messages', () => {
      const exception = new BadRequestException(['name must be a string', 'email must be an email']);
      expect(toAppError(exception).error.detail).toBe('name must be a string; email must be an email');
    });

    it('falls back to the exception message when the response has none', () => {
      const exception = new HttpException({ reason: 'nothing' }, 404);
      expect(toAppError(exception).error.detail).toBe(exception.message);
    });

    it('treats a 500 HttpException as internal, hiding its message', () => {
      expectInternal(new InternalServerErrorException('connection string postgres://u:secret@db'));
    });
  });

  describe('body-parser errors', () => {
    it('entity.parse.failed -> 400 malformed_json', () => {
      const { error, internal } = toAppError(bodyParserError('entity.parse.failed', 400, 'Unexpected token } in JSON'));
      expect(internal).toBe(false);
      expect(error.status).toBe(400);
      expect(error.code).toBe('malformed_json');
      expect(error.detail).not.toContain('Unexpected token');
    });

    it('entity.too.large -> 413 payload_too_large', () => {
      const { error, internal } = toAppError(bodyParserError('entity.too.large', 413, 'request entity too large'));
      expect(internal).toBe(false);
      expect(error.status).toBe(413);
      expect(error.code).toBe('payload_too_large');
      expect(error.detail).toContain('1 MB');
    });

    it.each(['encoding.unsupported', 'charset.unsupported'])('%s -> 415 unsupported_media_type', (type) => {
      const { error, internal } = toAppError(bodyParserError(type, 415));
      expect(internal).toBe(false);
      expect(error.status).toBe(415);
      expect(error.code).toBe('unsupported_media_type');
    });

    it('request.aborted -> 400 bad_request', () => {
      const { error } = toAppError(bodyParserError('request.aborted', 400));
      expect(error.status).toBe(400);
      expect(error.code).toBe('bad_request');
    });

    it('an unknown error type is internal', () => {
      expectInternal(bodyParserError('stream.not.readable', 500));
      expectInternal({ type: 'something.else' });
    });
  });

  describe('PostgreSQL constraint violations (QueryFailedError)', () => {
    it('23505 unique violation -> 409 conflict with the named constraint message', () => {
      const { error, internal } = toAppError(queryFailed('23505', 'users_name_key'));
      expect(internal).toBe(false);
      expect(error.status).toBe(409);
      expect(error.code).toBe('conflict');
      expect(error.detail).toBe('A user with this name already exists');
    });

    it('23505 on an unnamed constraint -> 409 with a generic message', () => {
      const { error } = toAppError(queryFailed('23505', 'some_other_key'));
      expect(error.status).toBe(409);
      expect(error.code).toBe('conflict');
      expect(error.detail).toBe('A record with these values already exists');
    });

    it.each([
      ['23503', 'foreign key violation'],
      ['23514', 'check violation'],
      ['23502', 'not-null violation'],
      ['22001', 'string too long'],
      ['22P02', 'invalid text representation'],
      ['22003', 'numeric out of range'],
    ])('%s (%s) -> 422 validation_failed', (code) => {
      const { error, internal } = toAppError(queryFailed(code));
      expect(internal).toBe(false);
      expect(error.status).toBe(422);
      expect(error.code).toBe('validation_failed');
    });

    it('never echoes the database text, query or parameters', () => {
      for (const code of ['23505', '23503', '23514', '22001']) {
        const { error } = toAppError(queryFailed(code, undefined, 'violates constraint on secret-name'));
        expect(error.detail).not.toMatch(/secret-name|INSERT|users_name_key|constraint on/);
      }
    });

    it('any other database failure is internal', () => {
      expectInternal(queryFailed('40001'));
      expectInternal(queryFailed('57014'));
      expectInternal(new QueryFailedError('SELECT 1', [], new Error('connection terminated')));
    });
  });

  describe("pg's own DatabaseError (statements sent straight to the pool)", () => {
    function databaseError(code: string): DatabaseError {
      return Object.assign(new DatabaseError('invalid byte sequence for encoding "UTF8": 0x00', 60, 'error'), { code });
    }

    it('is mapped like a QueryFailedError: 22021 -> 422, 23505 -> 409', () => {
      const nul = toAppError(databaseError('22021'));
      expect({ status: nul.error.status, code: nul.error.code, internal: nul.internal }).toEqual({ status: 422, code: 'validation_failed', internal: false });
      expect(nul.error.detail).not.toMatch(/UTF8|0x00/);
      expect(toAppError(databaseError('23505')).error.status).toBe(409);
    });

    it('any other code is internal', () => {
      expectInternal(databaseError('40001'));
    });
  });

  describe('anything else -> 500 internal', () => {
    it.each<[string, unknown]>([
      ['an Error', new Error('password authentication failed for user "mnemo"')],
      ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'id')")],
      ['a string', 'boom'],
      ['null', null],
      ['undefined', undefined],
      ['a number', 42],
      ['a plain object', { message: 'x' }],
    ])('%s', (_what, err) => {
      expectInternal(err);
    });
  });
});
