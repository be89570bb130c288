import { AppError } from './app-error';

/** Safe, human messages for the named constraints a client can run into. */
const CONSTRAINT_MESSAGES: Record<string, string> = {
  users_name_key: 'A user with this name already exists',
  agents_name_key: 'An agent with this name already exists',
};

/** What node-postgres reports of a failed statement (pg's DatabaseError, or TypeORM's driverError). */
export interface PgError {
  code?: string;
  constraint?: string;
}

/**
 * Maps a PostgreSQL constraint violation to a client error: unique -> 409,
 * check / foreign key / length / bad value -> 422. Never echoes the server's text.
 */
export function fromDatabaseError(pg: PgError | undefined): AppError | undefined {
  const named = pg?.constraint ? CONSTRAINT_MESSAGES[pg.constraint] : undefined;
  switch (pg?.code) {
    case '23505':
      return AppError.conflict(named ?? 'A record with these values already exists');
    case '23503':
      return AppError.validation(named ?? 'A referenced record does not exist');
    case '23514':
    case '23502':
      return AppError.validation(named ?? 'A value violates a data rule');
    case '22001':
      return AppError.validation('A value is too long');
    case '22P02':
    case '22007':
    case '22008':
    case '22003':
      return AppError.validation('A value has an invalid format or is out of range');
    case '22021':
    case '22P05':
      return AppError.validation('A value contains a character that cannot be stored (such as U+0000)');
    default:
      return undefined;
  }
}
