import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  addDays,
  festivalsOf,
  lunarBirthdayIn,
  lunarCodeRangesBetween,
  lunarCodesOn,
  lunarDateOf,
  lunarMonthDayText,
  lunarMonthDays,
  nextBirthday,
  solarBirthdayIn,
  solarCodesOn,
} from './dates.js';

/**
 * The lunar calendar checked against an independent, table-based one:
 * Debian's python3-lunardate (it loads only under /usr/bin/python3), for every
 * day of 2024–2035. The table is made once per run by one child process.
 */
const PYTHON = '/usr/bin/python3';
const FIRST_YEAR = 2024;
const LAST_YEAR = 2035;

const SCRIPT = `
import datetime, json, sys
from lunardate import LunarDate
first, last = int(sys.argv[1]), int(sys.argv[2])
days = []
d = datetime.date(first, 1, 1)
end = datetime.date(last, 12, 31)
while d <= end:
    l = LunarDate.fromSolarDate(d.year, d.month, d.day)
    days.append([d.isoformat(), l.year, l.month, l.day, 1 if l.isLeapMonth else 0])
    d += datetime.timedelta(days=1)
festivals = {}
for y in range(first, last + 1):
    s = lambda m, dd: LunarDate(y, m, dd).toSolarDate().isoformat()
    festivals[y] = {
        'spring-festival': s(1, 1), 'lantern': s(1, 15), 'dragon-boat': s(5, 5), 'qixi': s(7, 7),
        'mid-autumn': s(8, 15), 'double-ninth': s(9, 9),
        'spring-festival-eve': (LunarDate(y, 1, 1).toSolarDate() - datetime.timedelta(days=1)).isoformat(),
    }
print(json.dumps({'days': days, 'festivals': festivals}))
`;

interface Table {
  days: Array<[string, number, number, number, 0 | 1]>;
  festivals: Record<string, Record<string, string>>;
}

let table: Table;

beforeAll(() => {
  const result = spawnSync(PYTHON, ['-c', SCRIPT, String(FIRST_YEAR), String(LAST_YEAR)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw new Error(`Could not run ${PYTHON} (install python3-lunardate): ${result.error.message}`);
  if (result.status !== 0) throw new Error(`python3-lunardate failed (is the python3-lunardate package installed?):\n${result.stderr}`);
  table = JSON.parse(result.stdout) as Table;
}, 60_000);

describe('lunar dates against python3-lunardate, every day of 2024–2035', () => {
  it('gives every solar day the same lunar date', () => {
    expect(table.days.length).toBe(4383);
    const wrong: string[] = [];
    for (const [date, year, month, day, leap] of table.days) {
      const mine = lunarDateOf(date);
      if (mine.year !== year || mine.month !== month || mine.day !== day || mine.leap !== (leap === 1)) {
        wrong.push(`${date}: lunardate ${year}-${month}-${day}${leap ? ' leap' : ''}, ours ${mine.year}-${mine.month}-${mine.day}${mine.leap ? ' leap' : ''}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('maps every lunar date back to its solar day, and month lengths agree', () => {
    const lengths = new Map<string, number>();
    for (const [, year, month, day, leap] of table.days) {
      const key = `${year}|${month}|${leap}`;
      lengths.set(key, Math.max(lengths.get(key) ?? 0, day));
    }
    const wrong: string[] = [];
    for (const [date, year, month, day, leap] of table.days) {
      if (lunarBirthdayIn(year, month, day, leap === 1) !== date) wrong.push(`${year}-${leap ? 'leap ' : ''}${month}-${day} → ${date}`);
    }
    for (const [key, days] of lengths) {
      const [year, month, leap] = key.split('|').map(Number) as [number, number, number];
      // Months cut by the table's first and last day are incomplete.
      if (year <= FIRST_YEAR - 1 || year >= LAST_YEAR) continue;
      if (lunarMonthDays(year, month, leap === 1) !== days) wrong.push(`${year} month ${leap ? 'leap ' : ''}${month}: lunardate ${days} days`);
    }
    expect(wrong).toEqual([]);
  });

  it('puts every festival of every year on lunardate’s day', () => {
    for (let year = FIRST_YEAR; year <= LAST_YEAR; year += 1) {
      const expected = table.festivals[String(year)]!;
      const festivals = festivalsOf(year);
      for (const [key, date] of Object.entries(expected)) {
        expect(festivals.find((f) => f.key === key)?.date, `${key} ${year}`).toBe(date);
      }
      const solar = Object.fromEntries(festivals.filter((f) => !f.lunar).map((f) => [f.key, f.date]));
      expect(solar).toEqual({ 'new-year': `${year}-01-01`, 'womens-day': `${year}-03-08`, 'labour-day': `${year}-05-01`, 'national-day': `${year}-10-01` });
      expect(festivals.map((f) => f.date)).toEqual([...festivals.map((f) => f.date)].sort());
    }
  });

  it('celebrates a lunar birthday on the 30th on the 29th of a 29-day month, and finds it by that day', () => {
    const lengths = new Map<string, number>();
    for (const [, year, month, day, leap] of table.days) if (!leap) lengths.set(`${year}|${month}`, Math.max(lengths.get(`${year}|${month}`) ?? 0, day));
    const solarOf = new Map(table.days.filter(([, , , , leap]) => !leap).map(([date, y, m, d]) => [`${y}|${m}|${d}`, date]));
    let short = 0;
    for (const [key, days] of lengths) {
      const [year, month] = key.split('|').map(Number) as [number, number];
      if (year <= FIRST_YEAR - 1 || year >= LAST_YEAR) continue;
      const day29 = solarOf.get(`${year}|${month}|29`)!;
      if (days === 29) {
        short += 1;
        expect(lunarBirthdayIn(year, month, 30), `${year}-${month}-30`).toBe(day29);
        expect(lunarCodesOn(day29)).toEqual([month * 100 + 29, month * 100 + 30]);
      } else {
        expect(lunarBirthdayIn(year, month, 30)).toBe(solarOf.get(`${year}|${month}|30`));
        expect(lunarCodesOn(day29)).toEqual([month * 100 + 29]);
      }
    }
    expect(short).toBeGreaterThan(50);
  });
});

describe('birthdays', () => {
  it('celebrates 29 February on 28 February in a common year', () => {
    expect(solarBirthdayIn(2027, 2, 29)).toBe('2027-02-28');
    expect(solarBirthdayIn(2028, 2, 29)).toBe('2028-02-29');
    expect(solarCodesOn('2027-02-28')).toEqual([228, 229]);
    expect(solarCodesOn('2028-02-28')).toEqual([228]);
    expect(solarCodesOn('2028-02-29')).toEqual([229]);
  });

  it('celebrates a leap-month birthday in the leap month only in a year with the same leap month', () => {
    // 2025 has a leap 6th month (闰六月 from 2025-07-25); 2028 has a leap 5th month.
    expect(lunarBirthdayIn(2025, 6, 1, true)).toBe('2025-07-25');
    expect(lunarBirthdayIn(2025, 6, 1, false)).toBe('2025-06-25');
    expect(lunarBirthdayIn(2026, 6, 1, true)).toBe(lunarBirthdayIn(2026, 6, 1, false));
    // Nobody recorded in a regular month is celebrated in the leap month.
    expect(lunarCodesOn('2025-07-25')).toEqual([]);
    expect(lunarCodesOn('2025-06-25')).toEqual([601]);
  });

  it('finds the next birthday, solar or lunar, across the year end', () => {
    expect(nextBirthday('2026-12-30', 1, 2, false)).toBe('2027-01-02');
    expect(nextBirthday('2026-03-01', 3, 1, false)).toBe('2026-03-01');
    // 腊月廿九 of lunar year 2025 is 2026-02-16; after it, the next is in lunar year 2026 (early 2027).
    expect(nextBirthday('2026-02-01', 12, 29, true)).toBe('2026-02-16');
    expect(nextBirthday('2026-02-17', 12, 29, true)).toBe(lunarBirthdayIn(2026, 12, 29));
    expect(nextBirthday('2026-02-17', 12, 29, true) > '2027-01-01').toBe(true);
  });

  it('turns a window of solar days into lunar code ranges', () => {
    // 2026-02-17 is 正月初一 of lunar 2026; the day before is 除夕 (腊月廿九, a 29-day month).
    expect(lunarCodeRangesBetween('2026-02-16', '2026-02-18')).toEqual([
      [101, 102],
      [1229, 1230],
    ]);
    const all = lunarCodeRangesBetween('2026-01-01', '2026-12-31');
    // A whole solar year holds every regular lunar month-day at least once.
    expect(all).toEqual([[101, 1230]]);
    expect(lunarCodeRangesBetween('2026-03-10', '2026-03-09')).toEqual([]);
  });

  it('names lunar days as people say them', () => {
    expect(lunarMonthDayText(8, 15)).toBe('八月十五');
    expect(lunarMonthDayText(12, 30)).toBe('腊月三十');
    expect(lunarMonthDayText(4, 3, true)).toBe('闰四月初三');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });
});
