import type { Promotion } from '../strategy/types.js';
import type { MagazineSettings } from './magazine-settings.js';

/**
 * The 电子杂志's words and dates, pure: an issue assembled from promotions, the link to the
 * store's page, and which period (week or month) a moment belongs to and whether its issue is due.
 */

/** The text members read: the issue, then the link to the store's page when it has one. */
export function withLink(text: string, publicUrl: string): string {
  const body = text.trim();
  if (!publicUrl || body.includes(publicUrl)) return body;
  return `${body}\n详情：${publicUrl}`;
}

/**
 * An issue from the promotions running now: the intro, then one line per promotion (as many as
 * `fits` allows, at most maxPromotions). Undefined when nothing runs.
 */
export function assembleIssue(
  promotions: readonly Promotion[],
  settings: Pick<MagazineSettings, 'intro' | 'maxPromotions' | 'publicUrl'>,
  fits: (text: string) => boolean,
): string | undefined {
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const promotion of promotions) {
    if (lines.length >= settings.maxPromotions) break;
    const line = promotion.text.trim();
    if (!line || seen.has(line)) continue;
    const candidate = compose(settings.intro, [...lines, line]);
    if (!fits(withLink(candidate, settings.publicUrl))) continue;
    seen.add(line);
    lines.push(line);
  }
  return lines.length === 0 ? undefined : compose(settings.intro, lines);
}

function compose(intro: string, lines: readonly string[]): string {
  const numbered = lines.map((line, i) => `${i + 1}.${line}`);
  return [intro, ...numbered].filter(Boolean).join('\n');
}

/** 'YYYY-MM-DD' (a local date) → its weekday, 1 = Monday … 7 = Sunday. */
export function isoWeekday(date: string): number {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day === 0 ? 7 : day;
}

/** The ISO week of a local date: '2026-W49'. */
export function isoWeek(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 4 - isoWeekday(date)); // the week's Thursday names its year
  const year = d.getUTCFullYear();
  const week = Math.ceil(((d.getTime() - Date.UTC(year, 0, 1)) / 86_400_000 + 1) / 7);
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/**
 * Whether the scheduled issue is due at this local date and time of day ('HH:MM'), and the
 * period it is for: the day has come (weekday / day of month) and its time has passed. A day
 * the appliance was off is not caught up later: that issue is skipped.
 */
export function duePeriod(settings: Pick<MagazineSettings, 'schedule' | 'weekday' | 'dayOfMonth' | 'time'>, date: string, time: string): string | undefined {
  if (settings.schedule === 'off' || time < settings.time) return undefined;
  if (settings.schedule === 'weekly') return isoWeekday(date) === settings.weekday ? isoWeek(date) : undefined;
  return Number(date.slice(8, 10)) === settings.dayOfMonth ? date.slice(0, 7) : undefined;
}
