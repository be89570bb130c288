import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

export const DEFAULT_PAGE_LIMIT = 200;
export const MAX_PAGE_LIMIT = 1000;

export interface PageQuery {
  limit: number;
  offset: number;
}

/** `?limit=&offset=` for every list: limit 1–1000 (default 200), offset ≥ 0. */
export class PageQueryDto implements PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_LIMIT)
  limit: number = DEFAULT_PAGE_LIMIT;

  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset: number = 0;
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
