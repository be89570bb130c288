import { canonicalTimeZone, isValidTimeZone } from './time-zone';

describe('canonicalTimeZone', () => {
  it.each([
    ['UTC', 'UTC'],
    ['utc', 'UTC'],
    ['Etc/UTC', 'UTC'],
    ['America/Denver', 'America/Denver'],
    ['america/denver', 'America/Denver'],
    ['AMERICA/DENVER', 'America/Denver'],
    ['Europe/Paris', 'Europe/Paris'],
    ['europe/paris', 'Europe/Paris'],
    ['America/North_Dakota/New_Salem', 'America/North_Dakota/New_Salem'],
    ['Etc/GMT+2', 'Etc/GMT+2'],
  ])('%s -> %s', (input, expected) => {
    expect(canonicalTimeZone(input)).toBe(expected);
  });

  // The IANA primary names of renamed zones must come back as given, not as the
  // legacy link names ICU 7x (Node 20) reports as "canonical".
  it('keeps the IANA primary names of renamed zones', () => {
    const names = [
      'Asia/Kolkata',
      'Europe/Kyiv',
      'Asia/Ho_Chi_Minh',
      'Asia/Kathmandu',
      'America/Argentina/Buenos_Aires',
    ];
    const resolved = Object.fromEntries(names.map((tz) => [tz, canonicalTimeZone(tz)]));
    expect(resolved).toEqual(Object.fromEntries(names.map((tz) => [tz, tz])));
    expect(canonicalTimeZone('asia/kolkata')).toBe('Asia/Kolkata');
  });

  it('maps a legacy alias onto its zone', () => {
    expect(canonicalTimeZone('US/Mountain')).toBe('America/Denver');
  });

  it.each(['+02:00', '-05:00', '+0530', '-0500', 'Z', 'GMT+2', 'UTC+2', 'UTC-07:00'])(
    'refuses the offset %s (offsets carry no DST rules)',
    (offset) => {
      expect(canonicalTimeZone(offset)).toBeNull();
    },
  );

  it.each([
    '',
    ' ',
    'Mars/Base',
    'Not_A_Zone',
    'America/Nowhere',
    ' UTC',
    'UTC ',
    '../etc/passwd',
    'America\\Denver',
    'America/Denver;drop table users',
    'Europe/' + 'x'.repeat(100),
    '1UTC',
  ])('refuses %j', (junk) => {
    expect(canonicalTimeZone(junk)).toBeNull();
  });

  it('refuses non-strings without throwing', () => {
    const values: unknown[] = [undefined, null, 5, {}, ['UTC']];
    for (const value of values) {
      expect(canonicalTimeZone(value as string)).toBeNull();
    }
  });
});

describe('isValidTimeZone', () => {
  it('agrees with canonicalTimeZone', () => {
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('europe/berlin')).toBe(true);
    expect(isValidTimeZone('Mars/Base')).toBe(false);
    expect(isValidTimeZone('+02:00')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });
});
