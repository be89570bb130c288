import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Which database the CLI works on, said before it opens it (on stderr, so
 * stdout stays parseable), and the refusal of read-only commands to create one.
 */

/** Thrown by a read-only command when there is no database to read. */
export class NoDatabaseError extends Error {
  constructor(readonly home: string) {
    super(`No Mnemo database under ${home} (set MNEMO_HOME to the service's home, or DATABASE_URL)`);
  }
}

/** True when `home` holds an initialised embedded PostgreSQL cluster (what the service creates on its first start). */
export function hasEmbeddedCluster(home: string): boolean {
  return fs.existsSync(path.join(home, 'pgdata', 'PG_VERSION'));
}

const MASK = '***';

/**
 * A connection URL fit to print: the password in the user-info part and any
 * `password` / `sslpassword` query parameter replaced by `***`. Errs on the
 * side of masking too much: everything between `://` and the last `@` that is
 * not the user name is masked, even for URLs that would not parse.
 */
export function maskDatabaseUrl(url: string): string {
  let masked = url;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(masked)?.[0];
  if (scheme) {
    const rest = masked.slice(scheme.length);
    const at = rest.lastIndexOf('@');
    if (at >= 0) {
      const userInfo = rest.slice(0, at);
      const colon = userInfo.indexOf(':');
      if (colon >= 0) masked = `${scheme}${userInfo.slice(0, colon)}:${MASK}${rest.slice(at)}`;
    }
  }
  return masked.replace(/([?&](?:ssl)?password=)[^&#]*/gi, `$1${MASK}`);
}

/** The line printed (on stderr) before a command opens the database. */
export function describeDatabase(target: { databaseUrl?: string; home: string }): string {
  if (target.databaseUrl) return `Using DATABASE_URL ${maskDatabaseUrl(target.databaseUrl)}`;
  const fresh = hasEmbeddedCluster(target.home) ? '' : ' (none there yet: initialising one)';
  return `Using the embedded PostgreSQL under ${target.home}${fresh}`;
}

/**
 * Throws NoDatabaseError when a read-only command would have to create the
 * database it reads: no DATABASE_URL and no cluster under MNEMO_HOME.
 */
export function requireExistingDatabase(target: { databaseUrl?: string; home: string }): void {
  if (!target.databaseUrl && !hasEmbeddedCluster(target.home)) throw new NoDatabaseError(target.home);
}
