import type { Knex } from 'knex';
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { ValidationError } from '../errors.js';
import { addDays, isLeapYear, isoDate, lunarCodeRangesBetween, type CodeRange } from '../care/dates.js';
import { tryNormalizeMobile } from '../messaging/numbers.js';
// The member levels are the ones survey statistics cross-tab by: one banding of total spend for the whole product.
import { MEMBER_LEVELS } from './levels.js';

/**
 * The one member filter: what the member list searches with and what campaign
 * audiences are saved as. Plain JSON (serialisable, versionable), validated by
 * the schema below, compiled to SQL in one place (applyMemberFilter).
 *
 * Every part is optional; parts combine with AND. Ranges are inclusive.
 * Deleted members (removed at the POS) never match.
 */
/** Bounds of any range value (ages, points, cents): far past real data, inside safe integers. */
const RANGE_LIMIT = 10_000_000_000_000;
/** The latest time a filter may name: the end of year 9999 (epoch ms). */
const LATEST_MS = 253_402_300_799_999;

const Range = (description: string) =>
  Type.Object(
    {
      min: Type.Optional(Type.Integer({ minimum: -RANGE_LIMIT, maximum: RANGE_LIMIT, description: 'inclusive lower bound' })),
      max: Type.Optional(Type.Integer({ minimum: -RANGE_LIMIT, maximum: RANGE_LIMIT, description: 'inclusive upper bound' })),
    },
    { additionalProperties: false, description },
  );

const MonthDay = Type.Object(
  {
    month: Type.Integer({ minimum: 1, maximum: 12 }),
    day: Type.Integer({ minimum: 1, maximum: 31 }),
  },
  { additionalProperties: false },
);

export const MEMBER_GENDERS = ['M', 'F', 'U'] as const;
export const MEMBER_SOURCES = ['pos', 'manual', 'import'] as const;
export type MemberGender = (typeof MEMBER_GENDERS)[number];
export type MemberSource = (typeof MEMBER_SOURCES)[number];
/** 普通/银卡/金卡/钻石: the member level, banded from total spend. */
export const MEMBER_LEVEL_NAMES = MEMBER_LEVELS.map((band) => band.level);
export type MemberLevelName = (typeof MEMBER_LEVELS)[number]['level'];
/** The longest look-back of a relative purchase criterion: 100 years. */
const MAX_DAYS = 36_500;

export const MemberFilterSchema = Type.Object(
  {
    keyword: Type.Optional(
      Type.String({ minLength: 1, maxLength: 64, description: 'Quick search: name prefix, or exact mobile or card number' }),
    ),
    name: Type.Optional(
      Type.Object(
        {
          value: Type.String({ minLength: 1, maxLength: 64 }),
          match: Type.Union([Type.Literal('prefix'), Type.Literal('contains')]),
        },
        { additionalProperties: false },
      ),
    ),
    mobile: Type.Optional(Type.String({ minLength: 3, maxLength: 20, description: 'Exact mobile number, any common format' })),
    cardNo: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: 'Exact card number' })),
    storeCodes: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { minItems: 1, maxItems: 200 })),
    genders: Type.Optional(Type.Array(Type.Unsafe<MemberGender>({ type: 'string', enum: [...MEMBER_GENDERS] }), { minItems: 1, maxItems: 3 })),
    sources: Type.Optional(Type.Array(Type.Unsafe<MemberSource>({ type: 'string', enum: [...MEMBER_SOURCES] }), { minItems: 1, maxItems: 3 })),
    age: Type.Optional(Range('Age in whole years, from the birthday, on the day of the search')),
    birthday: Type.Optional(
      Type.Object(
        { from: MonthDay, to: MonthDay },
        {
          additionalProperties: false,
          description:
            'Birthday (month and day) between from and to; from after to wraps across the year end (12-20 … 01-10). A lunar birthday counts on the solar day it falls on this year; 02-29 on 02-28 in a common year',
        },
      ),
    ),
    birthdayWithin: Type.Optional(
      Type.Object(
        { days: Type.Integer({ minimum: 1, maximum: 366 }) },
        {
          additionalProperties: false,
          description:
            'Birthday (each member by their own calendar, as for birthday) from the day of the search through days − 1 days later: 1 is today, 7 the coming week. Relative: a saved segment moves with the calendar',
        },
      ),
    ),
    birthdayCalendar: Type.Optional(
      Type.Union([Type.Literal('solar'), Type.Literal('lunar')], { description: 'Members whose birthday is recorded by this calendar (公历 or 农历)' }),
    ),
    points: Type.Optional(Range('Points balance')),
    totalSpentCents: Type.Optional(Range('Total spent, in cents (分)')),
    levels: Type.Optional(
      Type.Array(Type.Unsafe<MemberLevelName>({ type: 'string', enum: [...MEMBER_LEVEL_NAMES] }), {
        minItems: 1,
        maxItems: MEMBER_LEVEL_NAMES.length,
        description: 'Member level (普通 regular, 银卡 silver, 金卡 gold, 钻石 diamond), banded from total spent',
      }),
    ),
    lastPurchase: Type.Optional(
      Type.Object(
        {
          from: Type.Optional(Type.Integer({ minimum: 0, maximum: LATEST_MS, description: 'epoch ms, inclusive' })),
          to: Type.Optional(Type.Integer({ minimum: 0, maximum: LATEST_MS, description: 'epoch ms, inclusive' })),
          never: Type.Optional(Type.Boolean({ description: 'true: only members who never bought anything' })),
          withinDays: Type.Optional(
            Type.Integer({ minimum: 1, maximum: MAX_DAYS, description: 'Bought in the last N days, today included (relative: moves with the calendar)' }),
          ),
          notWithinDays: Type.Optional(
            Type.Integer({ minimum: 1, maximum: MAX_DAYS, description: 'Bought before, but not in the last N days (沉睡会员: 90)' }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    tags: Type.Optional(
      Type.Object(
        {
          values: Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { minItems: 1, maxItems: 50 }),
          match: Type.Union([Type.Literal('any'), Type.Literal('all')]),
        },
        { additionalProperties: false },
      ),
    ),
    marketingConsent: Type.Optional(Type.Boolean()),
    subscribedTo: Type.Optional(
      Type.Object(
        { topicIds: Type.Array(Type.Integer({ minimum: 1, maximum: 2_147_483_647 }), { minItems: 1, maxItems: 50 }) },
        { additionalProperties: false, description: 'Members subscribed to any of these topics (订阅: 促销信息, 电子杂志 …)' },
      ),
    ),
  },
  { additionalProperties: false, $id: 'MemberFilter' },
);
export type MemberFilter = Static<typeof MemberFilterSchema>;

/** Sortable columns: the API names on the left, never a column name from the request. */
export const MEMBER_SORT_COLUMNS = {
  id: 'members.id',
  name: 'members.name',
  points: 'members.points',
  totalSpentCents: 'members.total_spent_cents',
  lastPurchaseAt: 'members.last_purchase_at',
  birthday: 'members.birthday',
  createdAt: 'members.created_at',
  cardNo: 'members.card_no',
  storeCode: 'members.store_code',
} as const;
export type MemberSortField = keyof typeof MEMBER_SORT_COLUMNS;

export const MemberSortSchema = Type.Object(
  {
    field: Type.Unsafe<MemberSortField>({ type: 'string', enum: Object.keys(MEMBER_SORT_COLUMNS) }),
    direction: Type.Union([Type.Literal('asc'), Type.Literal('desc')]),
  },
  { additionalProperties: false },
);
export type MemberSort = Static<typeof MemberSortSchema>;

/**
 * Checks an untrusted value (a saved audience, a request body) and returns it
 * typed, or throws VALIDATION_FAILED naming the first wrong field.
 */
export function parseMemberFilter(value: unknown): MemberFilter {
  if (!Value.Check(MemberFilterSchema, value)) {
    const [first] = Value.Errors(MemberFilterSchema, value);
    const where = first?.instancePath ? `filter${first.instancePath.replace(/\//g, '.')}` : 'filter';
    throw new ValidationError(`The member filter is not valid: ${where} ${first?.message ?? 'is wrong'}. Correct it and search again.`, {
      field: where,
    });
  }
  checkMemberFilter(value);
  return value;
}

/** Rules the schema cannot express: ranges the right way round, real dates. */
export function checkMemberFilter(filter: MemberFilter): void {
  const range = (name: string, r: { min?: number | undefined; max?: number | undefined } | undefined) => {
    if (r && r.min !== undefined && r.max !== undefined && r.min > r.max) {
      throw new ValidationError(`The member filter ${name} runs backwards (from ${r.min} to ${r.max}); swap the two values.`, {
        field: `filter.${name}`,
      });
    }
  };
  range('age', filter.age);
  range('points', filter.points);
  range('totalSpentCents', filter.totalSpentCents);
  if (filter.lastPurchase) {
    const { from, to, never, withinDays, notWithinDays } = filter.lastPurchase;
    range('lastPurchase', { min: from, max: to });
    if (withinDays !== undefined && notWithinDays !== undefined && notWithinDays >= withinDays) {
      throw new ValidationError(
        `The member filter asks for a purchase in the last ${withinDays} days but none in the last ${notWithinDays}: no member can match. Make the "no purchase" days fewer than the "bought within" days.`,
        { field: 'filter.lastPurchase.notWithinDays' },
      );
    }
    if (never && (from !== undefined || to !== undefined || withinDays !== undefined || notWithinDays !== undefined)) {
      throw new ValidationError('The member filter asks for members who never bought anything and for a purchase time: choose one.', {
        field: 'filter.lastPurchase.never',
      });
    }
  }
  if (filter.age && ((filter.age.min ?? 0) < 0 || (filter.age.max ?? 0) > 150)) {
    throw new ValidationError('The member filter age must be between 0 and 150.', { field: 'filter.age' });
  }
  if (filter.birthday) {
    for (const end of ['from', 'to'] as const) {
      const { month, day } = filter.birthday[end];
      if (day > DAYS_IN_MONTH[month - 1]!) {
        throw new ValidationError(`The member filter birthday.${end} is not a day of the year (${month}-${day}).`, {
          field: `filter.birthday.${end}`,
        });
      }
    }
  }
  if (filter.mobile !== undefined && tryNormalizeMobile(filter.mobile) === undefined) {
    throw new ValidationError(`The member filter mobile "${filter.mobile}" is not a mobile number; enter 11 digits such as 13800138000.`, {
      field: 'filter.mobile',
    });
  }
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export interface FilterContext {
  /** Local date of the search, 'YYYY-MM-DD' (ages are counted on this day). */
  today: string;
  /**
   * When a local day begins (epoch ms), for the relative purchase criteria;
   * default: midnight in this process's zone, the zone `localDate` reads.
   */
  startOfDay?: (date: string) => number;
}

function processStartOfDay(date: string): number {
  return new Date(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))).getTime();
}

/** The local calendar date of an instant, as 'YYYY-MM-DD'. */
export function localDate(epochMs: number): string {
  const d = new Date(epochMs);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `date` moved back by whole years, as a string; 02-29 stays 02-29 (string order still places it right). */
function yearsBefore(date: string, years: number): string {
  return `${pad(Number(date.slice(0, 4)) - years, 4)}${date.slice(4)}`;
}

/** Escapes LIKE wildcards so user text matches literally. */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Name prefix as a range (name >= 'x' AND name < 'x\uFFFF'): uses the
 * (deleted_at, name) index on SQLite and PostgreSQL alike, unlike LIKE 'x%'.
 * The deleted_at term is repeated so the range stays usable inside an OR.
 */
function wherePrefix(qb: Knex.QueryBuilder, column: string, prefix: string): void {
  void qb.whereNull('members.deleted_at').andWhere(column, '>=', prefix).andWhere(column, '<', `${prefix}\uFFFF`);
}

/** Adds the filter's conditions to a query over `members`. */
export function applyMemberFilter(qb: Knex.QueryBuilder, filter: MemberFilter, context: FilterContext): Knex.QueryBuilder {
  void qb.whereNull('members.deleted_at');

  if (filter.keyword !== undefined) {
    const keyword = filter.keyword.trim();
    const mobile = tryNormalizeMobile(keyword);
    void qb.where((or) => {
      void or.where((q) => wherePrefix(q, 'members.name', keyword));
      void or.orWhere('members.card_no', keyword);
      if (mobile) void or.orWhere('members.mobile', mobile);
    });
  }
  if (filter.name) {
    const { value, match } = filter.name;
    if (match === 'prefix') wherePrefix(qb, 'members.name', value);
    else void qb.whereRaw("members.name LIKE ? ESCAPE '\\'", [`%${likeLiteral(value)}%`]);
  }
  if (filter.mobile !== undefined) void qb.where('members.mobile', tryNormalizeMobile(filter.mobile) ?? filter.mobile);
  if (filter.cardNo !== undefined) void qb.where('members.card_no', filter.cardNo.trim());
  if (filter.storeCodes) void qb.whereIn('members.store_code', filter.storeCodes);
  if (filter.genders) void qb.whereIn('members.gender', filter.genders);
  if (filter.sources) void qb.whereIn('members.source', filter.sources);

  if (filter.age) {
    // Age ≥ min  ⇔ born on or before today minus min years;
    // age ≤ max  ⇔ born after today minus (max + 1) years.
    if (filter.age.min !== undefined) void qb.where('members.birthday', '<=', yearsBefore(context.today, filter.age.min));
    if (filter.age.max !== undefined) void qb.where('members.birthday', '>', yearsBefore(context.today, filter.age.max + 1));
    void qb.whereNotNull('members.birthday');
  }

  if (filter.birthday) applyBirthdayRange(qb, filter.birthday, context.today);
  if (filter.birthdayWithin) applyBirthdayRange(qb, comingBirthdays(context.today, filter.birthdayWithin.days), context.today);
  if (filter.birthdayCalendar) void qb.whereNotNull('members.birthday').where('members.birthday_lunar', filter.birthdayCalendar === 'lunar');

  const range = (column: string, r: { min?: number | undefined; max?: number | undefined } | undefined) => {
    if (!r) return;
    if (r.min !== undefined) void qb.where(column, '>=', r.min);
    if (r.max !== undefined) void qb.where(column, '<=', r.max);
  };
  range('members.points', filter.points);
  range('members.total_spent_cents', filter.totalSpentCents);
  if (filter.levels) {
    const bands = levelBands(filter.levels);
    void qb.where((any) => {
      for (const [from, below] of bands) {
        void any.orWhere((q) => {
          void q.where('members.total_spent_cents', '>=', from);
          if (below !== null) void q.where('members.total_spent_cents', '<', below);
        });
      }
    });
  }

  if (filter.lastPurchase) {
    const { from, to, never, withinDays, notWithinDays } = filter.lastPurchase;
    if (never) void qb.whereNull('members.last_purchase_at');
    range('members.last_purchase_at', { min: from, max: to });
    // "In the last N days" starts at midnight N − 1 days ago: today counts as one.
    const dayStart = context.startOfDay ?? processStartOfDay;
    if (withinDays !== undefined) void qb.where('members.last_purchase_at', '>=', dayStart(addDays(context.today, 1 - withinDays)));
    if (notWithinDays !== undefined) void qb.where('members.last_purchase_at', '<', dayStart(addDays(context.today, 1 - notWithinDays)));
  }

  if (filter.tags) {
    const tags = [...new Set(filter.tags.values)];
    if (filter.tags.match === 'any' || tags.length === 1) {
      void qb.whereIn('members.id', (sub) => void sub.select('member_id').from('member_tags').whereIn('tag', tags));
    } else {
      void qb.whereIn(
        'members.id',
        (sub) =>
          void sub
            .select('member_id')
            .from('member_tags')
            .whereIn('tag', tags)
            .groupBy('member_id')
            .havingRaw('COUNT(*) = ?', [tags.length]),
      );
    }
  }

  if (filter.marketingConsent !== undefined) void qb.where('members.marketing_consent', filter.marketingConsent);
  if (filter.subscribedTo) {
    const topics = [...new Set(filter.subscribedTo.topicIds)];
    void qb.whereIn('members.id', (sub) => void sub.select('member_id').from('member_subscriptions').whereIn('topic_id', topics).andWhere('subscribed', true));
  }
  return qb;
}

/** Total-spent bands [from, below) of the chosen levels (below null: no upper end). */
function levelBands(levels: readonly MemberLevelName[]): Array<[number, number | null]> {
  return MEMBER_LEVELS.flatMap((band, i) => (levels.includes(band.level) ? [[band.fromCents, MEMBER_LEVELS[i + 1]?.fromCents ?? null] as [number, number | null]] : []));
}

/** The month-day range of the next `days` days from `today` (a whole year from 365 days on). */
export function comingBirthdays(today: string, days: number): { from: { month: number; day: number }; to: { month: number; day: number } } {
  const last = addDays(today, days >= 365 ? -1 : days - 1);
  const md = (date: string) => ({ month: Number(date.slice(5, 7)), day: Number(date.slice(8, 10)) });
  return { from: md(today), to: md(last) };
}

/**
 * The solar days a birthday range means on `today`: this year's from…to, or,
 * for a range across the year end, the one that contains today or comes next
 * (12-20…01-10 on 2026-01-05 is 2025-12-20…2026-01-10, on 2026-06-01 it is
 * 2026-12-20…2027-01-10). 02-29 in a common year ends a window on 02-28 and starts one on 03-01.
 */
export function birthdayWindow(range: { from: { month: number; day: number }; to: { month: number; day: number } }, today: string): { start: string; end: string } {
  const year = Number(today.slice(0, 4));
  const { from, to } = range;
  // 02-29 of a common year: a window starts after 02-28 and ends on it.
  const first = (y: number) => (from.month === 2 && from.day === 29 && !isLeapYear(y) ? isoDate(y, 3, 1) : isoDate(y, from.month, from.day));
  const last = (y: number) => (to.month === 2 && to.day === 29 && !isLeapYear(y) ? isoDate(y, 2, 28) : isoDate(y, to.month, to.day));
  const a = from.month * 100 + from.day;
  const b = to.month * 100 + to.day;
  if (a <= b) return { start: first(year), end: last(year) };
  const todayCode = Number(today.slice(5, 7)) * 100 + Number(today.slice(8, 10));
  return todayCode <= b ? { start: first(year - 1), end: last(year) } : { start: first(year), end: last(year + 1) };
}

/** True when a solar 02-29 birthday is celebrated inside the window (02-29 itself, or 02-28 of a common year). */
function windowHoldsLeapDayBirthday(start: string, end: string): boolean {
  for (let year = Number(start.slice(0, 4)); year <= Number(end.slice(0, 4)); year += 1) {
    const celebrated = isLeapYear(year) ? isoDate(year, 2, 29) : isoDate(year, 2, 28);
    if (celebrated >= start && celebrated <= end) return true;
  }
  return false;
}

const MONTH_DAY = '(members.birth_month * 100 + members.birth_day)';

/** One inclusive month-day range; the birth_month bounds let the (birth_month, birth_day) index narrow the scan. */
function whereCodes(qb: Knex.QueryBuilder, [lo, hi]: CodeRange): void {
  const loMonth = Math.floor(lo / 100);
  const hiMonth = Math.floor(hi / 100);
  if (lo === hi) void qb.where('members.birth_month', loMonth).where('members.birth_day', lo % 100);
  else void qb.whereBetween('members.birth_month', [loMonth, hiMonth]).whereRaw(`${MONTH_DAY} BETWEEN ? AND ?`, [lo, hi]);
}

/**
 * Birthday between two month-days, by each member's own calendar: a solar
 * birthday by its month and day (02-29 celebrated on 02-28 in a common year),
 * a lunar one (birthday_lunar: the recorded month and day are lunar) by the
 * solar day it falls on in the window (see dates.ts: a 30th missing from this
 * year's month falls on the 29th). The lunar days of the window are computed
 * here, once, as a few code ranges: no per-member work, the index still serves.
 */
function applyBirthdayRange(
  qb: Knex.QueryBuilder,
  range: { from: { month: number; day: number }; to: { month: number; day: number } },
  today: string,
): void {
  const { from, to } = range;
  const a = from.month * 100 + from.day;
  const b = to.month * 100 + to.day;
  const solarRanges: CodeRange[] = a <= b ? [[a, b]] : [[a, 1231], [101, b]];
  const { start, end } = birthdayWindow(range, today);
  const leapDay = windowHoldsLeapDayBirthday(start, end);
  const leapDayInRanges = solarRanges.some(([lo, hi]) => lo <= 229 && 229 <= hi);
  const lunarRanges = lunarCodeRangesBetween(start, end > addDays(start, 366) ? addDays(start, 366) : end);
  void qb.where((either) => {
    void either.where((solar) => {
      void solar.where('members.birthday_lunar', false).where((any) => {
        for (const codes of solarRanges) void any.orWhere((q) => whereCodes(q, codes));
        if (leapDay && !leapDayInRanges) void any.orWhere((q) => whereCodes(q, [229, 229]));
      });
      if (!leapDay && leapDayInRanges) void solar.whereNot((q) => whereCodes(q, [229, 229]));
    });
    if (lunarRanges.length > 0) {
      void either.orWhere((lunar) => {
        void lunar.where('members.birthday_lunar', true).where((any) => {
          for (const codes of lunarRanges) void any.orWhere((q) => whereCodes(q, codes));
        });
      });
    }
  });
}

/** Applies a whitelisted sort, with id as the tie-break so pages never overlap. */
export function applyMemberSort(qb: Knex.QueryBuilder, sort: MemberSort | undefined): Knex.QueryBuilder {
  const field = sort?.field ?? 'id';
  const direction = sort?.direction ?? (field === 'id' ? 'desc' : 'asc');
  const column = Object.hasOwn(MEMBER_SORT_COLUMNS, field) ? MEMBER_SORT_COLUMNS[field] : undefined;
  if (!column) throw new ValidationError(`Members cannot be sorted by "${String(field)}".`, { field: 'sort.field' });
  void qb.orderBy(column, direction);
  if (field !== 'id') void qb.orderBy('members.id', direction);
  return qb;
}
