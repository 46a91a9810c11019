import { Lunar, LunarMonth, LunarYear, Solar } from 'lunar-typescript';

/**
 * The calendar of member care, pure: solar and lunar birthdays, the festivals
 * of a year, dates as 'YYYY-MM-DD' strings (local calendar days, no time zone).
 *
 * Lunar dates come from lunar-typescript (table-based, maintained); the tests
 * compare every day of 2024–2035 with Debian's python3-lunardate. Node's ICU
 * Chinese calendar is not used: it misplaces new moons near midnight.
 *
 * How members' lunar birthdays are recorded: the mirror's `birthday` holds the
 * date as the POS recorded it, and `birthday_lunar` = true means its month and
 * day are lunar (day 30 allowed in any month; `birth_month`/`birth_day` are then
 * the lunar month and day). The mirror has no leap-month flag, so a member's
 * lunar birthday is in the regular month; `lunarBirthdayIn` takes one anyway.
 */

export interface DateParts {
  year: number;
  month: number;
  day: number;
}

const DAY_MS = 86_400_000;

export function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

export function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;

/** 'YYYY-MM-DD' → parts; undefined when it is not a real solar date. */
export function tryParseIsoDate(text: string): DateParts | undefined {
  const match = ISO.exec(text);
  if (!match) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return { year, month, day };
}

export function parseIsoDate(text: string): DateParts {
  const parts = tryParseIsoDate(text);
  if (!parts) throw new RangeError(`not a date: ${text}`);
  return parts;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The date `days` later (earlier when negative). */
export function addDays(date: string, days: number): string {
  const { year, month, day } = parseIsoDate(date);
  return new Date(Date.UTC(year, month - 1, day) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `a` to `b` (b − a). */
export function daysBetween(a: string, b: string): number {
  const pa = parseIsoDate(a);
  const pb = parseIsoDate(b);
  return Math.round((Date.UTC(pb.year, pb.month - 1, pb.day) - Date.UTC(pa.year, pa.month - 1, pa.day)) / DAY_MS);
}

/** month × 100 + day: the one number birthdays are compared by (birth_month * 100 + birth_day in SQL). */
export function monthDayCode(month: number, day: number): number {
  return month * 100 + day;
}

// ---- solar ----------------------------------------------------------------

/** A solar birthday in `year`: 29 February falls on 28 February in a common year. */
export function solarBirthdayIn(year: number, month: number, day: number): string {
  if (month === 2 && day === 29 && !isLeapYear(year)) return isoDate(year, 2, 28);
  return isoDate(year, month, Math.min(day, daysInMonth(year, month)));
}

/** The solar month-day codes whose birthday is celebrated on `date` (0228 also takes 0229 in a common year). */
export function solarCodesOn(date: string): number[] {
  const { year, month, day } = parseIsoDate(date);
  const codes = [monthDayCode(month, day)];
  if (month === 2 && day === 28 && !isLeapYear(year)) codes.push(229);
  return codes;
}

// ---- lunar ----------------------------------------------------------------

export interface LunarDate {
  /** The lunar year (its 正月初一 falls in January or February of the same solar year). */
  year: number;
  month: number;
  day: number;
  leap: boolean;
  /** Days in this lunar month: 29 or 30. */
  monthDays: number;
}

/** The lunar date of a solar date. */
export function lunarDateOf(date: string): LunarDate {
  const { year, month, day } = parseIsoDate(date);
  const lunar = Solar.fromYmd(year, month, day).getLunar();
  const signedMonth = lunar.getMonth();
  const lunarMonth = LunarMonth.fromYm(lunar.getYear(), signedMonth);
  return {
    year: lunar.getYear(),
    month: Math.abs(signedMonth),
    day: lunar.getDay(),
    leap: signedMonth < 0,
    monthDays: lunarMonth?.getDayCount() ?? 30,
  };
}

/** The leap month of a lunar year (1–12), or 0 when it has none. */
export function leapMonthOf(lunarYear: number): number {
  return LunarYear.fromYear(lunarYear).getLeapMonth();
}

/** Days in a lunar month (29 or 30); `leap` for the year's leap month. */
export function lunarMonthDays(lunarYear: number, month: number, leap = false): number {
  const found = LunarMonth.fromYm(lunarYear, leap ? -month : month);
  if (!found) throw new RangeError(`lunar year ${lunarYear} has no ${leap ? 'leap ' : ''}month ${month}`);
  return found.getDayCount();
}

/** A lunar date as a solar date; a day past the month's end (30th of a 29-day month) falls on its last day. */
export function lunarToSolar(lunarYear: number, month: number, day: number, leap = false): string {
  const last = lunarMonthDays(lunarYear, month, leap);
  const solar = Lunar.fromYmd(lunarYear, leap ? -month : month, Math.min(day, last)).getSolar();
  return isoDate(solar.getYear(), solar.getMonth(), solar.getDay());
}

/**
 * The solar date of a lunar birthday in lunar year `year`. A birthday on the
 * 30th of a month that has 29 days this year falls on the 29th. A birthday in
 * a leap month is celebrated in that leap month only in a year that has the
 * same leap month; otherwise in the regular month of that number (most years
 * have no such leap month, and the family celebrates on the regular one).
 */
export function lunarBirthdayIn(year: number, lunarMonth: number, lunarDay: number, leap = false): string {
  const inLeap = leap && leapMonthOf(year) === lunarMonth;
  return lunarToSolar(year, lunarMonth, lunarDay, inLeap);
}

/**
 * Lunar month-day codes (regular months, as members are recorded) whose
 * birthday falls on `date`: the day itself, and the 30th on the 29th of a
 * 29-day month. A day in a leap month is nobody's birthday: recorded lunar
 * birthdays are in the regular month, celebrated there.
 */
export function lunarCodesOn(date: string): number[] {
  const lunar = lunarDateOf(date);
  if (lunar.leap) return [];
  const codes = [monthDayCode(lunar.month, lunar.day)];
  if (lunar.day === 29 && lunar.monthDays === 29) codes.push(monthDayCode(lunar.month, 30));
  return codes;
}

/** The next solar date on or after `from` of a birthday recorded as month/day, solar or lunar. */
export function nextBirthday(from: string, month: number, day: number, lunar: boolean): string {
  const { year } = parseIsoDate(from);
  for (const y of [year - 1, year, year + 1]) {
    const date = lunar ? lunarBirthdayIn(y, month, day) : solarBirthdayIn(y, month, day);
    if (date >= from) return date;
  }
  // Unreachable for real dates: lunar year y+1 always reaches past `from`.
  return lunar ? lunarBirthdayIn(year + 1, month, day) : solarBirthdayIn(year + 1, month, day);
}

const LUNAR_MONTH_NAMES = ['正月', '二月', '三月', '四月', '五月', '六月', '七月', '八月', '九月', '十月', '冬月', '腊月'];
const LUNAR_DAY_NAMES = [
  '初一', '初二', '初三', '初四', '初五', '初六', '初七', '初八', '初九', '初十',
  '十一', '十二', '十三', '十四', '十五', '十六', '十七', '十八', '十九', '二十',
  '廿一', '廿二', '廿三', '廿四', '廿五', '廿六', '廿七', '廿八', '廿九', '三十',
];

/** 农历八月十五, 闰四月初三: a lunar month and day as people say them. */
export function lunarMonthDayText(month: number, day: number, leap = false): string {
  return `${leap ? '闰' : ''}${LUNAR_MONTH_NAMES[month - 1] ?? `${month}月`}${LUNAR_DAY_NAMES[day - 1] ?? String(day)}`;
}

// ---- festivals ------------------------------------------------------------

export const FESTIVAL_KEYS = [
  'new-year',
  'spring-festival-eve',
  'spring-festival',
  'lantern',
  'womens-day',
  'labour-day',
  'dragon-boat',
  'qixi',
  'mid-autumn',
  'national-day',
  'double-ninth',
] as const;
export type FestivalKey = (typeof FESTIVAL_KEYS)[number];

export interface Festival {
  key: FestivalKey;
  name: string;
  /** Solar date in the year asked for. */
  date: string;
  lunar: boolean;
  /** 农历正月十五 for a lunar festival, null for a solar one. */
  lunarText: string | null;
}

const SOLAR_FESTIVALS: ReadonlyArray<{ key: FestivalKey; name: string; month: number; day: number }> = [
  { key: 'new-year', name: '元旦', month: 1, day: 1 },
  { key: 'womens-day', name: '妇女节', month: 3, day: 8 },
  { key: 'labour-day', name: '劳动节', month: 5, day: 1 },
  { key: 'national-day', name: '国庆节', month: 10, day: 1 },
];

const LUNAR_FESTIVALS: ReadonlyArray<{ key: FestivalKey; name: string; month: number; day: number }> = [
  { key: 'spring-festival', name: '春节', month: 1, day: 1 },
  { key: 'lantern', name: '元宵节', month: 1, day: 15 },
  { key: 'dragon-boat', name: '端午节', month: 5, day: 5 },
  { key: 'qixi', name: '七夕', month: 7, day: 7 },
  { key: 'mid-autumn', name: '中秋节', month: 8, day: 15 },
  { key: 'double-ninth', name: '重阳节', month: 9, day: 9 },
];

export const FESTIVAL_NAMES: Readonly<Record<FestivalKey, string>> = Object.fromEntries([
  ...SOLAR_FESTIVALS.map((f) => [f.key, f.name]),
  ...LUNAR_FESTIVALS.map((f) => [f.key, f.name]),
  ['spring-festival-eve', '除夕'],
]) as Record<FestivalKey, string>;

const festivalCache = new Map<number, readonly Festival[]>();

/**
 * The festivals of solar year `year`, by date. Lunar festivals are those of
 * lunar year `year` (all fall inside solar year `year`); 除夕 is the last day of
 * the previous lunar year's 12th month (its 29th or 30th), the eve of this 春节.
 */
export function festivalsOf(year: number): readonly Festival[] {
  const cached = festivalCache.get(year);
  if (cached) return cached;
  const list: Festival[] = [
    ...SOLAR_FESTIVALS.map((f) => ({ key: f.key, name: f.name, date: isoDate(year, f.month, f.day), lunar: false, lunarText: null })),
    ...LUNAR_FESTIVALS.map((f) => ({ key: f.key, name: f.name, date: lunarToSolar(year, f.month, f.day), lunar: true, lunarText: `农历${lunarMonthDayText(f.month, f.day)}` })),
  ];
  const eveDay = lunarMonthDays(year - 1, 12);
  list.push({ key: 'spring-festival-eve', name: '除夕', date: lunarToSolar(year - 1, 12, eveDay), lunar: true, lunarText: `农历${lunarMonthDayText(12, eveDay)}` });
  list.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  festivalCache.set(year, list);
  return list;
}

/** The date of one festival in solar year `year`. */
export function festivalDate(key: FestivalKey, year: number): string {
  const found = festivalsOf(year).find((f) => f.key === key);
  if (!found) throw new RangeError(`unknown festival ${key}`);
  return found.date;
}

/** An annual date of the store's own (店庆): solar month/day, or lunar month/day, in solar year `year`. */
export function annualDateIn(year: number, month: number, day: number, lunar: boolean): string {
  return lunar ? lunarBirthdayIn(year, month, day) : solarBirthdayIn(year, month, day);
}

// ---- birthday windows for the member filter --------------------------------

/** An inclusive range of month-day codes. */
export type CodeRange = readonly [number, number];

/** Consecutive codes in the order of the lunar year (month 1..12, day 1..30) merged into ranges. */
function toRanges(codes: ReadonlySet<number>): CodeRange[] {
  const ranges: Array<[number, number]> = [];
  let open: [number, number] | undefined;
  for (let month = 1; month <= 12; month += 1) {
    for (let day = 1; day <= 30; day += 1) {
      const code = monthDayCode(month, day);
      if (codes.has(code)) {
        if (open) open[1] = code;
        else {
          open = [code, code];
          ranges.push(open);
        }
      } else open = undefined;
    }
  }
  return ranges;
}

const lunarWindowCache = new Map<string, CodeRange[]>();

/**
 * The lunar month-day codes whose birthday falls between `from` and `to`
 * (solar dates, inclusive, at most a year apart), as few ranges as possible:
 * what the member filter turns into SQL for members with lunar birthdays.
 */
export function lunarCodeRangesBetween(from: string, to: string): CodeRange[] {
  const key = `${from}|${to}`;
  const cached = lunarWindowCache.get(key);
  if (cached) return cached;
  const codes = new Set<number>();
  for (let date = from, n = 0; date <= to && n < 400; date = addDays(date, 1), n += 1) {
    for (const code of lunarCodesOn(date)) codes.add(code);
  }
  const ranges = toRanges(codes);
  if (lunarWindowCache.size > 1_000) lunarWindowCache.clear();
  lunarWindowCache.set(key, ranges);
  return ranges;
}
