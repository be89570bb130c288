import { AppError } from '../common/errors/app-error';
import { describeInstant, TimeService } from './time.service';

describe('describeInstant', () => {
  it('uses -06:00 in America/Denver in summer (MDT)', () => {
    const view = describeInstant(new Date('2024-07-04T18:30:15.123Z'), 'America/Denver');
    expect(view).toEqual({
      utc: '2024-07-04T18:30:15.123Z',
      local: '2024-07-04T12:30:15.123-06:00',
      tz: 'America/Denver',
      day: 'Thursday',
      unix: 1720117815,
    });
  });

  it('uses -07:00 in America/Denver in winter (MST)', () => {
    const view = describeInstant(new Date('2024-01-15T12:00:00.000Z'), 'America/Denver');
    expect(view).toEqual({
      utc: '2024-01-15T12:00:00.000Z',
      local: '2024-01-15T05:00:00.000-07:00',
      tz: 'America/Denver',
      day: 'Monday',
      unix: 1705320000,
    });
  });

  it('switches offset exactly at the DST change (2024-03-10 02:00 MST -> 03:00 MDT)', () => {
    const before = describeInstant(new Date('2024-03-10T08:59:59.000Z'), 'America/Denver');
    const after = describeInstant(new Date('2024-03-10T09:00:00.000Z'), 'America/Denver');
    expect(before.local).toBe('2024-03-10T01:59:59.000-07:00');
    expect(after.local).toBe('2024-03-10T03:00:00.000-06:00');
  });

  it('gives the weekday and date of the zone, not of UTC', () => {
    // 03:00 UTC on Friday 1 March 2024 is still Thursday 29 February in Denver.
    const view = describeInstant(new Date('2024-03-01T03:00:00.000Z'), 'America/Denver');
    expect(view.local).toBe('2024-02-29T20:00:00.000-07:00');
    expect(view.day).toBe('Thursday');
    expect(describeInstant(new Date('2024-03-01T03:00:00.000Z'), 'UTC').day).toBe('Friday');
  });

  it('uses +05:30 in Asia/Kolkata and writes midnight as 00, not 24', () => {
    const view = describeInstant(new Date('2024-07-04T18:30:00.000Z'), 'Asia/Kolkata');
    expect(view.local).toBe('2024-07-05T00:00:00.000+05:30');
    expect(view.day).toBe('Friday');
    expect(view.tz).toBe('Asia/Kolkata');
  });

  it('handles quarter-hour and negative half-hour offsets', () => {
    expect(describeInstant(new Date('2024-01-01T00:00:00.000Z'), 'Asia/Kathmandu').local).toBe(
      '2024-01-01T05:45:00.000+05:45',
    );
    expect(describeInstant(new Date('2024-01-01T12:00:00.000Z'), 'America/St_Johns').local).toBe(
      '2024-01-01T08:30:00.000-03:30',
    );
  });

  it('uses +00:00 in UTC', () => {
    const view = describeInstant(new Date('2024-12-31T23:59:59.999Z'), 'UTC');
    expect(view).toEqual({
      utc: '2024-12-31T23:59:59.999Z',
      local: '2024-12-31T23:59:59.999+00:00',
      tz: 'UTC',
      day: 'Tuesday',
      unix: 1735689599,
    });
  });

  it('uses +00:00 in Europe/London in winter and +01:00 in summer', () => {
    expect(describeInstant(new Date('2024-01-10T10:00:00.000Z'), 'Europe/London').local).toBe(
      '2024-01-10T10:00:00.000+00:00',
    );
    expect(describeInstant(new Date('2024-07-10T10:00:00.000Z'), 'Europe/London').local).toBe(
      '2024-07-10T11:00:00.000+01:00',
    );
  });

  it('floors unix seconds', () => {
    expect(describeInstant(new Date('1970-01-01T00:00:01.999Z'), 'UTC').unix).toBe(1);
    expect(describeInstant(new Date(0), 'UTC').unix).toBe(0);
  });

  it('utc is RFC 3339 with Z', () => {
    expect(describeInstant(new Date('2024-07-04T18:30:00Z'), 'Asia/Kolkata').utc).toMatch(
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/,
    );
  });

  it.each(['UTC', 'America/Denver', 'Asia/Kolkata', 'Pacific/Chatham', 'Pacific/Kiritimati', 'Pacific/Pago_Pago'])(
    'local and utc name the same instant in %s',
    (tz) => {
      for (const iso of ['2024-01-15T12:34:56.789Z', '2024-07-04T00:00:00.000Z', '2023-11-05T08:30:00.001Z']) {
        const view = describeInstant(new Date(iso), tz);
        expect(view.local).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$/);
        expect(Date.parse(view.local)).toBe(Date.parse(view.utc));
        expect(view.unix).toBe(Math.floor(Date.parse(iso) / 1000));
      }
    },
  );
});

describe('TimeService.now', () => {
  const service = new TimeService();

  it('describes the current instant', () => {
    const before = Date.now();
    const view = service.now('America/Denver');
    const after = Date.now();
    expect(view.tz).toBe('America/Denver');
    expect(Date.parse(view.utc)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(view.utc)).toBeLessThanOrEqual(after);
    expect(Date.parse(view.local)).toBe(Date.parse(view.utc));
    expect(view.local).toMatch(/-0[67]:00$/);
  });

  it('canonicalises the zone name', () => {
    expect(service.now('utc').tz).toBe('UTC');
    expect(service.now('america/denver').tz).toBe('America/Denver');
  });

  it.each(['Mars/Base', '+02:00', ''])('refuses %j with a 422 naming tz', (tz) => {
    let thrown: unknown;
    try {
      service.now(tz);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(AppError);
    const error = thrown as AppError;
    expect(error.status).toBe(422);
    expect(error.code).toBe('validation_failed');
    expect(error.errors).toEqual([{ field: 'tz', message: expect.stringContaining('IANA time zone') }]);
    expect(error.detail).toMatch(/^tz /);
  });
});
