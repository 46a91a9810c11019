import { Cron } from 'croner';
import { localTimeOfDay, parseTimeOfDay, zoneOffset } from '../messaging/policy/local-time.js';
import { CampaignError } from './errors.js';

/**
 * When a campaign runs: a recurring rule (cron, five fields: minute hour
 * day-of-month month day-of-week, read in the store's time zone) computed with
 * croner from the injected clock's time — never from Date.now() — and the
 * send window (messages go out only between two local times). Pure.
 */

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** A rule that does not fire within this long is refused: it would never send (30 Feb) or nearly so. */
const NEVER_HORIZON_MS = 5 * 366 * DAY;
/** Two runs closer than this: a campaign texting the same members more than hourly is a mistake. */
const MIN_GAP_MS = HOUR;

function cronOf(rule: string, timeZone: string): Cron {
  const fields = rule.trim().split(/\s+/);
  if (fields.length !== 5) {
    throw new CampaignError(
      'CAMPAIGN_RULE_INVALID',
      `The repeat rule "${rule}" needs five parts: minute hour day month weekday, e.g. "0 10 * * 5" for every Friday at 10:00.`,
      400,
      { rule },
    );
  }
  try {
    return new Cron(fields.join(' '), { timezone: timeZone, paused: true });
  } catch (error) {
    throw new CampaignError('CAMPAIGN_RULE_INVALID', `The repeat rule "${rule}" is not valid: ${(error as Error).message}`, 400, { rule });
  }
}

/**
 * Checks a rule at save time: valid, fires within five years of `from`, and
 * not more often than hourly. Returns the rule as it will be stored.
 */
export function checkRule(rule: string, timeZone: string, from: number): string {
  const cron = cronOf(rule, timeZone);
  const [first, second] = cron.nextRuns(2, new Date(from));
  if (!first || first.getTime() - from > NEVER_HORIZON_MS) {
    throw new CampaignError('CAMPAIGN_RULE_NEVER_FIRES', `The repeat rule "${rule}" never fires (for example 30 February); check the day and month.`, 400, { rule });
  }
  if (second && second.getTime() - first.getTime() < MIN_GAP_MS) {
    throw new CampaignError(
      'CAMPAIGN_RULE_TOO_FREQUENT',
      `The repeat rule "${rule}" fires more often than once an hour; members would be texted again and again. Choose a daily or weekly rule.`,
      400,
      { rule },
    );
  }
  return rule.trim().split(/\s+/).join(' ');
}

/** The next `count` run times strictly after `from` (epoch ms), before `until` when given. */
export function nextRuns(rule: string, timeZone: string, from: number, count: number, until: number | null = null): number[] {
  const cron = cronOf(rule, timeZone);
  return cron
    .nextRuns(count, new Date(from))
    .map((d) => d.getTime())
    .filter((t) => until === null || t <= until);
}

export function nextRun(rule: string, timeZone: string, from: number, until: number | null = null): number | null {
  return nextRuns(rule, timeZone, from, 1, until)[0] ?? null;
}

export interface SendWindow {
  start: string;
  end: string;
}

/** 'HH:MM', 00:00–23:59. */
export const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function checkWindow(window: SendWindow | null): SendWindow | null {
  if (!window) return null;
  if (!TIME_OF_DAY.test(window.start) || !TIME_OF_DAY.test(window.end)) {
    throw new CampaignError('CAMPAIGN_WINDOW_INVALID', `The send window must be two times such as 10:00 and 20:00 (got ${window.start}–${window.end}).`, 400);
  }
  if (window.start === window.end) {
    throw new CampaignError('CAMPAIGN_WINDOW_INVALID', 'The send window starts and ends at the same time; leave it empty to send at any time.', 400);
  }
  return window;
}

/**
 * Where `at` stands against the window: inside it, or when it next opens.
 * A window may cross midnight (20:00–02:00).
 */
export function windowAt(window: SendWindow, timeZone: string, at: number): { inside: true } | { inside: false; opensAt: number } {
  const start = parseTimeOfDay(window.start);
  const end = parseTimeOfDay(window.end);
  const time = localTimeOfDay(timeZone, at);
  const inside = start < end ? time >= start && time < end : time >= start || time < end;
  if (inside) return { inside: true };
  let opensAt = at + ((start - time + DAY) % DAY);
  // A day on which the zone changes its offset: correct by the difference (twice settles it).
  opensAt -= zoneOffset(timeZone, opensAt) - zoneOffset(timeZone, at);
  return { inside: false, opensAt };
}
