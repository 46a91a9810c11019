import type { Knex } from 'knex';
import { applyMemberFilter } from '../members/filter.js';
import { endOfLocalDate, localDate, parseTimeOfDay, startOfLocalDate } from '../messaging/policy/local-time.js';
import {
  earnedSinceSql,
  isRuleExpiryDate,
  keptEarningsFrom,
  memberPointsExpiry,
  nextRuleExpiryDate,
  type PointsExpiry,
  type PointsExpirySettings,
} from '../members/points-expiry.js';
import type { Automation } from './automations.js';
import { addDays, annualDateIn, festivalDate, parseIsoDate } from './dates.js';

/**
 * Which occasion an automation has on a send day, and who it is for: the
 * members' query (audience MemberFilter AND the kind's own condition) and the
 * occasion date that goes into each member's idempotency key.
 */

/** The first day of the points period that holds `day`. */
export function periodStart(day: string, period: 'month' | 'quarter' | 'year'): string {
  const { year, month } = parseIsoDate(day);
  const first = period === 'month' ? month : period === 'quarter' ? month - ((month - 1) % 3) : 1;
  return `${year}-${String(first).padStart(2, '0')}-01`;
}

/** The store's points expiry rule, and whether any member carries the POS's own expiry date. */
export interface ExpiryContext {
  rule: PointsExpirySettings;
  posDates: boolean;
}

/**
 * The occasion date of `automation` for send day `sendDay`: a date, 'member'
 * when each member has their own (win-back: the day their absence reached N
 * days), or undefined when the automation has nothing to send that day.
 * Points expiry reminders go by the store's rule (members/points-expiry.ts):
 * the rule's expiry days, and any day when members carry the POS's own dates.
 */
export function occasionOn(automation: Automation, sendDay: string, expiry: ExpiryContext): string | 'member' | undefined {
  const target = addDays(sendDay, automation.leadDays);
  const year = Number(target.slice(0, 4));
  const s = automation.settings;
  switch (s.kind) {
    case 'birthday':
      return target;
    case 'holiday':
      return festivalDate(s.festival, year) === target ? target : undefined;
    case 'date':
      return annualDateIn(year, s.month, s.day, s.lunar) === target ? target : undefined;
    case 'invitation':
      return s.eventDate === target ? target : undefined;
    case 'points':
      if (s.mode === 'threshold') return periodStart(sendDay, s.period);
      return isRuleExpiryDate(expiry.rule, target) || (expiry.posDates && expiry.rule.usePosDate) ? target : undefined;
    case 'welcome':
      return sendDay;
    case 'winback':
      return 'member';
  }
}

/** The send day on or after `from` (within `horizon` days) on which the automation next has an occasion. */
export function nextSendDay(automation: Automation, from: string, expiry: ExpiryContext, horizon = 400): { sendDay: string; occasion: string | 'member' } | undefined {
  for (let i = 0; i <= horizon; i += 1) {
    const day = addDays(from, i);
    const occasion = occasionOn(automation, day, expiry);
    if (occasion !== undefined) return { sendDay: day, occasion };
  }
  return undefined;
}

export interface AudienceContext {
  timeZone: string;
  /** When the first store sync finished (members it brought are not "new"); null when none did. */
  firstSyncAt: number | null;
  /** Forecast (the calendar): for win-back only members whose absence reaches N days on the day itself. */
  forecast?: boolean;
  /** Win-back: the latest send day a finished run covered (members whose absence reached N days by then had their turn). */
  coveredThrough?: string | null;
  /** Points reminders: the store's expiry rule. */
  expiry: ExpiryContext;
}

/** The columns a care text is personalised with, and what the occasion needs. */
export const AUDIENCE_COLUMNS = [
  'members.id',
  'members.mobile',
  'members.name',
  'members.gender',
  'members.points',
  'members.card_no',
  'members.birthday',
  'members.birthday_lunar',
  'members.last_purchase_at',
  'members.store_code',
  'members.points_expire_on',
  'members.points_expiring',
] as const;

export interface AudienceRow {
  id: number;
  mobile: string;
  name: string;
  gender: string;
  points: number | string;
  card_no: string | null;
  birthday: string | null;
  birthday_lunar: number | boolean;
  last_purchase_at: number | string | null;
  store_code: string | null;
  points_expire_on: string | null;
  points_expiring: number | string | null;
  /** Points reminders under the rolling rule: what the member earned in the months still running. */
  earned_since?: number | string | null;
}


/**
 * The members an automation would text on `sendDay` for `occasion`, as a query
 * over `members` (callers add columns, order and paging). Only members with a
 * mobile and marketing consent: care texts are commercial (the outbox's policy
 * checks again, with the lists, when they are queued and sent).
 */
export function audienceQuery(db: Knex, automation: Automation, sendDay: string, occasion: string | 'member', context: AudienceContext): Knex.QueryBuilder {
  const q = db('members').whereNotNull('members.mobile').where('members.marketing_consent', true);
  applyMemberFilter(q, automation.audience, { today: sendDay, startOfDay: (day) => startOfLocalDate(context.timeZone, day) });
  const s = automation.settings;
  switch (s.kind) {
    case 'birthday': {
      const { month, day } = parseIsoDate(occasion);
      applyMemberFilter(q, { birthday: { from: { month, day }, to: { month, day } } }, { today: occasion });
      break;
    }
    case 'points':
      if (s.mode === 'threshold') void q.where('members.points', '>=', s.minPoints);
      else whereExpiring(q, db, occasion, sendDay, s.minPoints, context);
      break;
    case 'welcome': {
      // New in the mirror since the last send time (24 hours), not before the automation was switched on,
      // and not brought by the first store sync (those members are not new to the store). Imports are not new either.
      const sendAt = parseTimeOfDay(automation.sendTime);
      const windowEnd = startOfLocalDate(context.timeZone, sendDay) + sendAt;
      const windowStart = Math.max(startOfLocalDate(context.timeZone, addDays(sendDay, -1)) + sendAt, automation.enabledAt ?? 0);
      void q.where('members.created_at', '>=', windowStart).where('members.created_at', '<', windowEnd);
      void q.where((source) => {
        void source.where('members.source', 'manual');
        if (context.firstSyncAt !== null) void source.orWhere((pos) => void pos.where('members.source', 'pos').where('members.created_at', '>=', context.firstSyncAt!));
      });
      break;
    }
    case 'winback': {
      const reachedBy = endOfLocalDate(context.timeZone, addDays(sendDay, -s.days));
      let notBefore = context.forecast ? startOfLocalDate(context.timeZone, addDays(sendDay, -s.days)) : endOfLocalDate(context.timeZone, addDays(sendDay, -s.maxDays - 1));
      if (context.coveredThrough) notBefore = Math.max(notBefore, endOfLocalDate(context.timeZone, addDays(context.coveredThrough, -s.days)));
      void q.where('members.last_purchase_at', '<', reachedBy).where('members.last_purchase_at', '>=', notBefore);
      break;
    }
    case 'holiday':
    case 'date':
    case 'invitation':
      break;
  }
  return q;
}

/** A member's points on the POS's own expiry date: those it names, never more than the balance. */
const POS_EXPIRING = 'CASE WHEN members.points_expiring IS NOT NULL AND members.points_expiring < members.points THEN members.points_expiring ELSE members.points END';

/**
 * Points expiry reminders: members with at least `minPoints` expiring on
 * `occasion` — by the POS's own date where the member has one still to come
 * (and the rule says to use it), by the store's rule for everyone else.
 */
function whereExpiring(q: Knex.QueryBuilder, db: Knex, occasion: string, sendDay: string, minPoints: number, context: AudienceContext): void {
  const { rule } = context.expiry;
  const byRule = isRuleExpiryDate(rule, occasion);
  if (!byRule && !rule.usePosDate) {
    void q.whereRaw('1 = 0');
    return;
  }
  void q.where((either) => {
    if (rule.usePosDate) void either.orWhere((pos) => void pos.where('members.points_expire_on', occasion).whereRaw(`${POS_EXPIRING} >= ?`, [minPoints]));
    if (byRule) {
      void either.orWhere((ruled) => {
        if (rule.usePosDate) void ruled.where((none) => void none.whereNull('members.points_expire_on').orWhere('members.points_expire_on', '<', sendDay));
        const kept = keptEarningsFrom(rule, occasion);
        if (kept === null) void ruled.where('members.points', '>=', minPoints);
        else void ruled.whereRaw(`members.points - ${earnedSinceSql(db, kept, (day) => startOfLocalDate(context.timeZone, day)).toQuery()} >= ?`, [minPoints]);
      });
    }
  });
}

/**
 * The day whose expiry a points reminder speaks of: an expiry reminder its
 * occasion, a threshold reminder the next expiry from its send day.
 */
export function expiryFiguresDay(automation: Automation, sendDay: string, occasion: string | 'member'): string | null {
  if (automation.settings.kind !== 'points') return null;
  return automation.settings.mode === 'expiry' && occasion !== 'member' ? occasion : sendDay;
}

/** The rolling rule's earnings column for a points reminder's members (undefined when none is needed). */
export function earnedColumn(db: Knex, automation: Automation, sendDay: string, occasion: string | 'member', context: AudienceContext): Knex.Raw | undefined {
  const day = expiryFiguresDay(automation, sendDay, occasion);
  if (day === null) return undefined;
  const date = nextRuleExpiryDate(context.expiry.rule, day);
  const kept = date === null ? null : keptEarningsFrom(context.expiry.rule, date);
  return kept === null ? undefined : db.raw(`${earnedSinceSql(db, kept, (d) => startOfLocalDate(context.timeZone, d)).toQuery()} AS earned_since`);
}

/** What a points reminder says of a member's expiring points ({到期积分}, {到期日期}); null for other kinds or nothing due. */
export function memberExpiry(automation: Automation, sendDay: string, occasion: string | 'member', row: AudienceRow, context: AudienceContext): PointsExpiry | null {
  const day = expiryFiguresDay(automation, sendDay, occasion);
  if (day === null) return null;
  return memberPointsExpiry(
    context.expiry.rule,
    { points: Number(row.points), posExpiresOn: row.points_expire_on, posExpiring: row.points_expiring === null ? null : Number(row.points_expiring) },
    day,
    Number(row.earned_since ?? 0),
  );
}

/** The occasion date of one member (win-back: the day the absence reached N days). */
export function memberOccasion(automation: Automation, occasion: string | 'member', row: Pick<AudienceRow, 'last_purchase_at'>, timeZone: string): string {
  if (occasion !== 'member') return occasion;
  const days = automation.settings.kind === 'winback' ? automation.settings.days : 0;
  return addDays(localDate(timeZone, Number(row.last_purchase_at)), days);
}

/** The idempotency key: the same automation never texts a member twice for one occasion. */
export function careKey(automationId: number, memberId: number, occasion: string): string {
  return `care:${automationId}:${memberId}:${occasion}`;
}

/** One batch per automation and send day; a run resumed after a stop joins it. */
export function careBatchId(automationId: number, sendDay: string): string {
  return `care:${automationId}:${sendDay}`;
}
