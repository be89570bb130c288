import { Injectable } from '@nestjs/common';
import { AppError } from '../common/errors/app-error';
import { canonicalTimeZone } from '../common/time-zone';
import { TIME_ZONE_RULE } from '../common/time-zone.validator';

export interface TimeView {
  /** RFC 3339, UTC, with `Z`. */
  utc: string;
  /** ISO 8601 wall-clock time in `tz`, with that zone's offset. */
  local: string;
  tz: string;
  /** English weekday name in `tz`. */
  day: string;
  /** Seconds since the Unix epoch. */
  unix: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      weekday: 'long',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'longOffset',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** "GMT+05:30" -> "+05:30"; "GMT" -> "+00:00". */
function isoOffset(gmtOffset: string): string {
  const m = /^GMT([+-]\d{2}):?(\d{2})?$/.exec(gmtOffset);
  return m ? `${m[1]}:${m[2] ?? '00'}` : '+00:00';
}

/** Describes an instant in a canonical IANA zone. Pure: unit-tested across DST changes. */
export function describeInstant(instant: Date, tz: string): TimeView {
  const parts = Object.fromEntries(formatterFor(tz).formatToParts(instant).map((p) => [p.type, p.value]));
  const ms = String(instant.getUTCMilliseconds()).padStart(3, '0');
  const local =
    `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}.${ms}` +
    isoOffset(parts.timeZoneName);
  return {
    utc: instant.toISOString(),
    local,
    tz,
    day: parts.weekday,
    unix: Math.floor(instant.getTime() / 1000),
  };
}

@Injectable()
export class TimeService {
  /** The current time in `tz`; an unknown zone is a 422. */
  now(tz: string): TimeView {
    const zone = canonicalTimeZone(tz);
    if (!zone) throw AppError.validation(`tz ${TIME_ZONE_RULE}`, [{ field: 'tz', message: TIME_ZONE_RULE }]);
    return describeInstant(new Date(), zone);
  }
}
