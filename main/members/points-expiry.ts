import type { Knex } from 'knex';
import { daysInMonth, isoDate, parseIsoDate, solarBirthdayIn } from '../care/dates.js';
import { ValidationError } from '../errors.js';

/**
 * When members' points expire: the store's one rule (积分有效期), read by the
 * points reminders of member care and by the 积分 SMS answer alike.
 *
 * - never: points do not expire;
 * - annual: every point expires each year on one day (年底清零: 12-31; 02-29 on
 *   02-28 in a common year);
 * - rolling: points expire `months` months after the month they were earned,
 *   at the end of that month (earned in March with 12 months: gone on 31 March
 *   next year). Which points go first is first-in, first-out: of the balance,
 *   what was not earned in the months still running expires.
 *
 * With usePosDate, a member whose POS record carries an expiry date (mapped as
 * points_expire_on, and points_expiring for how many) goes by that date while it
 * has not passed; the rule covers everyone else.
 */
export const POINTS_EXPIRY_RULES = ['never', 'annual', 'rolling'] as const;
export type PointsExpiryRule = (typeof POINTS_EXPIRY_RULES)[number];

export interface PointsExpirySettings {
  rule: PointsExpiryRule;
  /** annual: the day every point expires. */
  month: number;
  day: number;
  /** rolling: months after the month of earning. */
  months: number;
  usePosDate: boolean;
}

/** Never, until the store says otherwise: no customer is told their points expire on a guess. The POS's own dates are facts. */
export const POINTS_EXPIRY_DEFAULTS: PointsExpirySettings = { rule: 'never', month: 12, day: 31, months: 12, usePosDate: true };

const int = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);

/** Checks a whole or partial value (missing keys keep the defaults); throws naming the field. */
export function validatePointsExpiry(value: unknown): PointsExpirySettings {
  if (typeof value !== 'object' || value === null) throw new ValidationError('The points expiry must be an object with rule, month, day, months and usePosDate.');
  const raw = { ...POINTS_EXPIRY_DEFAULTS, ...(value as Record<string, unknown>) } as Record<string, unknown>;
  const rule = raw['rule'];
  if (!(POINTS_EXPIRY_RULES as readonly unknown[]).includes(rule)) {
    throw new ValidationError('The points expiry rule must be never, annual (one day every year) or rolling (months after earning).', { field: 'pointsExpiry.rule' });
  }
  const { month, day, months, usePosDate } = raw;
  if (!int(month) || month < 1 || month > 12) throw new ValidationError('The points expiry month must be 1 to 12.', { field: 'pointsExpiry.month' });
  if (!int(day) || day < 1 || day > daysInMonth(2024, month)) {
    throw new ValidationError(`The points expiry day must be a day of month ${month} (1 to ${daysInMonth(2024, month)}).`, { field: 'pointsExpiry.day' });
  }
  if (!int(months) || months < 1 || months > 120) throw new ValidationError('Points expire 1 to 120 months after they are earned.', { field: 'pointsExpiry.months' });
  if (typeof usePosDate !== 'boolean') throw new ValidationError('usePosDate must be true or false.', { field: 'pointsExpiry.usePosDate' });
  return { rule: rule as PointsExpiryRule, month, day, months, usePosDate };
}

function monthEnd(year: number, month: number): string {
  return isoDate(year, month, daysInMonth(year, month));
}

/** The first day of the month `offset` months from the month of `date`. */
function monthStart(date: string, offset: number): string {
  const { year, month } = parseIsoDate(date);
  const index = year * 12 + (month - 1) + offset;
  return isoDate(Math.floor(index / 12), (index % 12) + 1, 1);
}

/** Whether the rule has points expire on `date` (for everyone it covers). */
export function isRuleExpiryDate(settings: PointsExpirySettings, date: string): boolean {
  const { year, month } = parseIsoDate(date);
  if (settings.rule === 'annual') return solarBirthdayIn(year, settings.month, settings.day) === date;
  if (settings.rule === 'rolling') return monthEnd(year, month) === date;
  return false;
}

/** The rule's next expiry day on or after `today`; null when points never expire. */
export function nextRuleExpiryDate(settings: PointsExpirySettings, today: string): string | null {
  const { year, month } = parseIsoDate(today);
  if (settings.rule === 'annual') {
    const thisYear = solarBirthdayIn(year, settings.month, settings.day);
    return thisYear >= today ? thisYear : solarBirthdayIn(year + 1, settings.month, settings.day);
  }
  if (settings.rule === 'rolling') return monthEnd(year, month);
  return null;
}

/**
 * Rolling: points earned on or after this day are still running on
 * `expiryDate` (the months after the one whose points expire then); null for
 * the other rules, where the whole balance expires.
 */
export function keptEarningsFrom(settings: PointsExpirySettings, expiryDate: string): string | null {
  return settings.rule === 'rolling' ? monthStart(expiryDate, 1 - settings.months) : null;
}

export interface MemberPoints {
  points: number;
  /** The POS's own expiry date for the member ('YYYY-MM-DD'), when the mapping reads one. */
  posExpiresOn: string | null;
  /** How many points expire on that date; null: the whole balance. */
  posExpiring: number | null;
}

export interface PointsExpiry {
  /** 'YYYY-MM-DD': the day the points expire (they are gone the day after). */
  date: string;
  points: number;
  source: 'pos' | 'rule';
}

/** Whether the member goes by the POS's date rather than the rule on `today`. */
export function usesPosDate(settings: PointsExpirySettings, member: Pick<MemberPoints, 'posExpiresOn'>, today: string): boolean {
  return settings.usePosDate && member.posExpiresOn !== null && member.posExpiresOn >= today;
}

/**
 * The member's next expiry: when, and how many points. `earnedSince` is what
 * the member earned from keptEarningsFrom(…) on (rolling only; 0 otherwise).
 * Null when nothing is due to expire (never, or no points).
 */
export function memberPointsExpiry(settings: PointsExpirySettings, member: MemberPoints, today: string, earnedSince = 0): PointsExpiry | null {
  if (usesPosDate(settings, member, today)) {
    const points = Math.min(member.posExpiring ?? member.points, member.points);
    return points > 0 ? { date: member.posExpiresOn!, points, source: 'pos' } : null;
  }
  const date = nextRuleExpiryDate(settings, today);
  if (date === null) return null;
  const points = settings.rule === 'rolling' ? Math.max(0, member.points - Math.max(0, earnedSince)) : member.points;
  return points > 0 ? { date, points, source: 'rule' } : null;
}

/**
 * SQL (over `members`) for the points a member earned on receipts from the
 * start of `fromDate`: the rolling rule's points still running. `startOfDay`
 * turns the store's local day into epoch ms.
 */
export function earnedSinceSql(db: Knex, fromDate: string, startOfDay: (date: string) => number): Knex.Raw {
  return db.raw('(SELECT COALESCE(SUM(earned.points), 0) FROM sales AS earned WHERE earned.member_id = members.id AND earned.sold_at >= ?)', [startOfDay(fromDate)]);
}

/** Reads what memberPointsExpiry needs of one member (the rolling rule sums their receipts). */
export async function readMemberPointsExpiry(
  db: Knex,
  settings: PointsExpirySettings,
  memberId: number,
  today: string,
  startOfDay: (date: string) => number,
): Promise<PointsExpiry | null> {
  const row = (await db('members').select('points', 'points_expire_on', 'points_expiring').where('id', memberId).first()) as
    | { points: number | string; points_expire_on: string | null; points_expiring: number | string | null }
    | undefined;
  if (!row) return null;
  const member: MemberPoints = {
    points: Number(row.points),
    posExpiresOn: row.points_expire_on,
    posExpiring: row.points_expiring === null ? null : Number(row.points_expiring),
  };
  let earned = 0;
  const date = usesPosDate(settings, member, today) ? null : nextRuleExpiryDate(settings, today);
  const keptFrom = date === null ? null : keptEarningsFrom(settings, date);
  if (keptFrom !== null) {
    const sum = (await db('sales').where('member_id', memberId).andWhere('sold_at', '>=', startOfDay(keptFrom)).sum({ n: 'points' }).first()) as { n: number | string | null } | undefined;
    earned = Number(sum?.n ?? 0);
  }
  return memberPointsExpiry(settings, member, today, earned);
}

