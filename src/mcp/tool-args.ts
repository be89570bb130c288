import { IsInt, Max, Min } from 'class-validator';
import { idRule, PG_INT_MAX } from '../common/http/validation';

/**
 * Decorators for MCP argument classes: the path parts of a REST route become
 * arguments, checked with the same rules and messages (ids as ParseId).
 */

/** Applies several property decorators as one. */
export const all =
  (...decorators: PropertyDecorator[]): PropertyDecorator =>
  (target, key) => {
    for (const decorate of decorators) decorate(target, key);
  };

/** A row id (the path's `{pkid}`, `{id}`): a positive PostgreSQL integer. */
export const RowId = (field: string) =>
  all(IsInt({ message: idRule(field) }), Min(1, { message: idRule(field) }), Max(PG_INT_MAX, { message: idRule(field) }));
