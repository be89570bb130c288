import { IsInt, Max, Min } from 'class-validator';
import { z } from 'zod';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '../common/http/paging';
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

/**
 * zod descriptions of the same arguments, for the advertised schema. With a DTO
 * its rules are what tools/list states; these also hold for zod-only tools.
 */

/** A row id as ParseId enforces it: 1..2147483647. */
export const rowIdArg = (description: string) => z.number().int().min(1).max(PG_INT_MAX).describe(description);

/** `limit` and `offset` as PageQueryDto enforces them. */
export const pageArgs = {
  limit: z.number().int().min(1).max(MAX_PAGE_LIMIT).optional().describe(`Page size, 1-${MAX_PAGE_LIMIT} (default ${DEFAULT_PAGE_LIMIT})`),
  offset: z.number().int().min(0).max(PG_INT_MAX).optional().describe('Rows to skip (default 0)'),
};

/** A title argument (the DTOs state the limits: 1-500 characters). */
export const titleArg = z.string().describe('Title (1-500 characters)');

/** A description argument; null clears it on update. */
export const descriptionArg = z.string().nullable().optional().describe('Text; null clears it on update');
