import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import { IntegerFromQuery, PG_INT_MAX } from './validation';

export const DEFAULT_PAGE_LIMIT = 200;
export const MAX_PAGE_LIMIT = 1000;

const LIMIT_RULE = `limit must be an integer between 1 and ${MAX_PAGE_LIMIT}`;
const OFFSET_RULE = `offset must be an integer between 0 and ${PG_INT_MAX}`;

export interface PageQuery {
  limit: number;
  offset: number;
}

/** `?limit=&offset=` for every list: limit 1–1000 (default 200), offset 0–2147483647, in decimal digits. */
export class PageQueryDto implements PageQuery {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE_LIMIT,
    default: DEFAULT_PAGE_LIMIT,
    description: 'Page size: at most this many items',
  })
  @IntegerFromQuery()
  @IsInt({ message: LIMIT_RULE })
  @Min(1, { message: LIMIT_RULE })
  @Max(MAX_PAGE_LIMIT, { message: LIMIT_RULE })
  limit: number = DEFAULT_PAGE_LIMIT;

  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: PG_INT_MAX, default: 0, description: 'Items to skip before the page starts' })
  @IntegerFromQuery()
  @IsInt({ message: OFFSET_RULE })
  @Min(0, { message: OFFSET_RULE })
  @Max(PG_INT_MAX, { message: OFFSET_RULE })
  offset: number = 0;
}

/** The paging fields every limit/offset list answers with, next to its items. */
export abstract class PageDto {
  @ApiProperty({ type: 'integer', example: 1, description: 'Items matching the request, on every page' })
  total: number;

  @ApiProperty({ type: 'integer', example: DEFAULT_PAGE_LIMIT, description: 'The page size used' })
  limit: number;

  @ApiProperty({ type: 'integer', example: 0, description: 'The offset used' })
  offset: number;
}

/**
 * A page selected with `count(*) OVER () AS total` and the total number of
 * matches. Past the end the page has no row to carry the total, so `count`
 * (the same filter, counted) supplies it.
 */
export async function pageAndTotal<T>(rows: (T & { total: string | number })[], count: () => Promise<number>): Promise<[T[], number]> {
  if (rows.length === 0) return [[], await count()];
  return [rows.map(({ total: _total, ...row }) => row as T), Number(rows[0].total)];
}
