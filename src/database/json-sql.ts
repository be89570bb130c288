/**
 * SQL for JSON built by PostgreSQL and sent as text (see JsonText): large
 * payloads skip parsing and re-serialising in Node.
 */

/** A timestamptz as JSON's usual ISO form in UTC with milliseconds (as Date.toJSON). */
export const isoUtc = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * A json_agg as compact text ('[]' when there are no rows). json_agg separates
 * elements with ", newline "; a raw newline cannot occur inside a JSON string,
 * so replacing that sequence only compacts the separators.
 */
export const compactJsonAgg = (aggregate: string) => `replace(coalesce(${aggregate}, '[]')::text, E', \\n ', ',')`;
