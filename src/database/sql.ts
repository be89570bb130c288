import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { EntityManager } from 'typeorm';

/** A SQL expression placed as-is where a parameter would go (e.g. a value from a CTE). */
export class SqlExpr {
  constructor(readonly sql: string) {}
}

/** Positional parameters of one statement, so that fragments can be composed. */
export class Params {
  readonly values: unknown[] = [];

  /** `$n` for a value, or the expression itself. */
  add(value: unknown): string {
    if (value instanceof SqlExpr) return value.sql;
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const statementNames = new Map<string, string>();

/** A statement's prepared-statement name: derived from its text, so every connection agrees. */
function nameOf(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = 'm_' + createHash('sha1').update(text).digest('hex').slice(0, 16);
    statementNames.set(text, name);
  }
  return name;
}

/**
 * Runs a hot-path statement as a named prepared statement (planned once per
 * connection: planning is most of a short query's server time) on the
 * connection of `em`: a transaction's manager runs it inside that transaction,
 * the data source's manager on a pooled connection. There is no other way in,
 * so a prepared statement cannot escape the transaction its caller is in.
 */
export async function preparedQuery<T>(em: EntityManager, text: string, params: Params): Promise<T[]> {
  const config = { name: nameOf(text), text, values: params.values };
  const runner = em.queryRunner;
  if (runner) {
    const client = (await runner.connect()) as PoolClient;
    return (await client.query(config)).rows as T[];
  }
  const pool = (em.connection.driver as unknown as { master: Pool }).master;
  return (await pool.query(config)).rows as T[];
}
