/**
 * Wall-clock time in a store's time zone without a date library. The offset is
 * looked up once per zone and hour and cached, because bulk enqueue asks for it
 * a million times in a row.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, number>();
const HOUR = 3_600_000;
const DAY = 86_400_000;

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Milliseconds to add to UTC to get the zone's wall clock at `at`. */
export function zoneOffset(timeZone: string, at: number): number {
  const key = `${timeZone}|${Math.floor(at / HOUR)}`;
  const cached = offsets.get(key);
  if (cached !== undefined) return cached;
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(at)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  const offset = wall - (at - (at % 1000));
  if (offsets.size > 10_000) offsets.clear();
  offsets.set(key, offset);
  return offset;
}

/** Milliseconds since local midnight. */
export function localTimeOfDay(timeZone: string, at: number): number {
  const local = at + zoneOffset(timeZone, at);
  return ((local % DAY) + DAY) % DAY;
}

/** 'HH:MM' → milliseconds since midnight. */
export function parseTimeOfDay(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h! * 60 + m!) * 60_000;
}

/**
 * The end of the local day named 'YYYY-MM-DD' (exclusive: midnight after it),
 * as epoch ms: a list entry "valid until 2026-12-31" still applies all that day.
 */
export function endOfLocalDate(timeZone: string, date: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) throw new RangeError(`not a date: ${date}`);
  const nextMidnightWall = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]) + 1);
  // Two passes settle the offset even on a day the zone changes it.
  let at = nextMidnightWall - zoneOffset(timeZone, nextMidnightWall);
  at = nextMidnightWall - zoneOffset(timeZone, at);
  return at;
}

/** Midnight starting the local date 'YYYY-MM-DD' (the end of the day before), as epoch ms. */
export function startOfLocalDate(timeZone: string, date: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) throw new RangeError(`not a date: ${date}`);
  return endOfLocalDate(timeZone, new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]) - 1)).toISOString().slice(0, 10));
}

/** Epoch ms → 'YYYY-MM-DD' of the local day that time falls on. */
export function localDate(timeZone: string, at: number): string {
  return new Date(at + zoneOffset(timeZone, at)).toISOString().slice(0, 10);
}
