import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';

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

/**
 * Hot-path statements straight on the pool, each prepared once per connection
 * (named after its text): planning is most of a short query's server time.
 */
@Injectable()
export class Sql {
  private readonly names = new Map<string, string>();

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  private get pool(): Pool {
    return (this.db.driver as unknown as { master: Pool }).master;
  }

  private nameOf(text: string): string {
    let name = this.names.get(text);
    if (!name) {
      name = 'm_' + createHash('sha1').update(text).digest('hex').slice(0, 16);
      this.names.set(text, name);
    }
    return name;
  }

  async query<T>(text: string, params: Params): Promise<T[]> {
    const result = await this.pool.query({ name: this.nameOf(text), text, values: params.values });
    return result.rows as T[];
  }
}
