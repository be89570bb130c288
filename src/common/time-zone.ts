/**
 * IANA time zone helpers. Offsets like "+02:00" are refused: a zone name keeps
 * daylight-saving rules, an offset does not.
 */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

/**
 * Node's ICU reports some zones by names IANA has since replaced
 * (e.g. "Asia/Calcutta" for "Asia/Kolkata"); we answer with the current names.
 */
const CURRENT_IANA_NAME: Record<string, string> = {
  'Africa/Asmera': 'Africa/Asmara',
  'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
  'America/Catamarca': 'America/Argentina/Catamarca',
  'America/Cordoba': 'America/Argentina/Cordoba',
  'America/Godthab': 'America/Nuuk',
  'America/Indianapolis': 'America/Indiana/Indianapolis',
  'America/Jujuy': 'America/Argentina/Jujuy',
  'America/Louisville': 'America/Kentucky/Louisville',
  'America/Mendoza': 'America/Argentina/Mendoza',
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Rangoon': 'Asia/Yangon',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'Europe/Kiev': 'Europe/Kyiv',
  'Pacific/Enderbury': 'Pacific/Kanton',
  'Pacific/Ponape': 'Pacific/Pohnpei',
  'Pacific/Truk': 'Pacific/Chuuk',
};

/** Resolved spellings: building an Intl.DateTimeFormat per request (every context read) is costly. */
const resolvedZones = new Map<string, string | null>();
/** Spellings are client input: the cache starts over rather than grow without bound. */
const RESOLVED_ZONES_MAX = 1000;

/** The canonical, current spelling of an IANA zone (e.g. "utc" -> "UTC"), or null when unknown. */
export function canonicalTimeZone(tz: string): string | null {
  if (typeof tz !== 'string' || !ZONE_NAME.test(tz)) return null;
  let zone = resolvedZones.get(tz);
  if (zone !== undefined) return zone;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
    zone = CURRENT_IANA_NAME[resolved] ?? resolved;
  } catch {
    zone = null;
  }
  if (resolvedZones.size >= RESOLVED_ZONES_MAX) resolvedZones.clear();
  resolvedZones.set(tz, zone);
  return zone;
}

export function isValidTimeZone(tz: string): boolean {
  return canonicalTimeZone(tz) !== null;
}
