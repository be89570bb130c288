/**
 * `column = $n` for each defined field (undefined = unchanged), appending the
 * values to `values` (which may already hold the WHERE parameters). Column
 * names come from code, never from input.
 */
export function assignments(fields: Record<string, unknown>, values: unknown[]): string[] {
  const sets: string[] = [];
  for (const [column, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    values.push(value);
    sets.push(`${column} = $${values.length}`);
  }
  return sets;
}
