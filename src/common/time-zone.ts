/**
 * IANA time zone helpers. Offsets like "+02:00" are refused: a zone name keeps
 * daylight-saving rules, an offset does not.
 */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

/** The canonical spelling of an IANA zone (e.g. "utc" -> "UTC"), or null when unknown. */
export function canonicalTimeZone(tz: string): string | null {
  if (typeof tz !== 'string' || !ZONE_NAME.test(tz)) return null;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

export function isValidTimeZone(tz: string): boolean {
  return canonicalTimeZone(tz) !== null;
}
