import { endOfLocalDate, localDate, zoneOffset } from '../messaging/policy/local-time.js';

/**
 * Local calendar days ('YYYY-MM-DD') in the store's time zone, the unit of the
 * daily aggregates and of every report's date range (pure).
 */
export { localDate };

const DAY = 86_400_000;

/** 'YYYY-MM-DD' moved by whole days (calendar arithmetic, no time zone involved). */
export function addDays(day: string, days: number): string {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(Date.UTC(y!, m! - 1, d! + days)).toISOString().slice(0, 10);
}

/** The instant the local day begins (epoch ms); the day after begins at `startOfDay(tz, addDays(day, 1))`. */
export function startOfDay(timeZone: string, day: string): number {
  return endOfLocalDate(timeZone, addDays(day, -1));
}

/** Every day from `from` to `to`, both included. */
export function daysFrom(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to && days.length < 4000; day = addDays(day, 1)) days.push(day);
  return days;
}

/**
 * The whole calendar months inside [from, to] ('YYYY-MM', first and last), or
 * null when the range holds none: a long range reads those from the monthly
 * sums and only its partial months day by day.
 */
export function wholeMonths(from: string, to: string): { first: string; last: string } | null {
  const first = from.endsWith('-01') ? from.slice(0, 7) : addDays(`${from.slice(0, 7)}-01`, 40).slice(0, 7);
  const last = addDays(to, 1).endsWith('-01') ? to.slice(0, 7) : addDays(`${to.slice(0, 7)}-01`, -1).slice(0, 7);
  return first <= last ? { first, last } : null;
}

/** The last day of a month ('YYYY-MM' → 'YYYY-MM-DD'). */
export function monthEnd(month: string): string {
  return addDays(`${addDays(`${month}-01`, 40).slice(0, 7)}-01`, -1);
}

export function isDay(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const [y, m, d] = value.split('-').map(Number);
  const date = new Date(Date.UTC(y!, m! - 1, d!));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m! - 1 && date.getUTCDate() === d;
}

/** 'YYYY-MM-DD HH:mm' in the zone, for files and e-mails. */
export function formatLocalTime(timeZone: string, at: number): string {
  return new Date(at + zoneOffset(timeZone, at)).toISOString().slice(0, 16).replace('T', ' ');
}

/** Local days an instant range touches [from, to). */
export function daysOfRange(timeZone: string, from: number, to: number): string[] {
  if (to <= from) return [];
  return daysFrom(localDate(timeZone, from), localDate(timeZone, to - 1));
}

export const DAY_MS = DAY;
