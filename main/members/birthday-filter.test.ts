import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lunarDateOf } from '../care/dates.js';
import { openSqlite } from '../db/connection.js';
import { migrateToLatest } from '../db/migrate.js';
import { applyMemberFilter, birthdayWindow, parseMemberFilter, type MemberFilter } from './filter.js';

/**
 * The birthday filter by each member's own calendar: lunar birthdays count on
 * the solar day they fall on this year (the mirror's birthday_lunar flag),
 * 29 February on 28 February in a common year.
 */
let dir: string;
let db: Knex;

const lunarCodeOf = (date: string) => {
  const l = lunarDateOf(date);
  return `${String(l.month).padStart(2, '0')}-${String(l.day).padStart(2, '0')}`;
};

// [name, birthday as recorded, lunar]
const MEMBERS: Array<[string, string, boolean]> = [
  ['solar-0216', '1985-02-16', false],
  ['solar-1229', '1985-12-29', false],
  // 腊月 of lunar year 2025 has 29 days: 廿九 is 2026-02-16 (除夕), and a 腊月三十 birthday falls on it too.
  ['lunar-1229', '1980-12-29', true],
  ['lunar-1230', '1970-12-30', true],
  ['lunar-0101', '1990-01-01', true],
  ['lunar-0216', '1990-02-16', true],
  ['leap-day', '2008-02-29', false],
  // Lunar days that fall in early January 2027 and late January 2027.
  ['lunar-jan-05', `1975-${lunarCodeOf('2027-01-05')}`, true],
  ['lunar-jan-20', `1975-${lunarCodeOf('2027-01-20')}`, true],
];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-birthday-filter-'));
  db = openSqlite(path.join(dir, 'test.sqlite'));
  await migrateToLatest(db);
  let n = 0;
  for (const [name, birthday, lunar] of MEMBERS) {
    n += 1;
    await db('members').insert({
      source: 'manual',
      name,
      gender: 'U',
      birthday,
      birthday_lunar: lunar,
      birth_month: Number(birthday.slice(5, 7)),
      birth_day: Number(birthday.slice(8, 10)),
      mobile: `+86138000000${String(n).padStart(2, '0')}`,
      marketing_consent: true,
      created_at: 0,
      updated_at: 0,
    });
  }
});

afterAll(async () => {
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function who(filter: MemberFilter, today: string): Promise<string[]> {
  const rows = (await applyMemberFilter(db('members').select('name'), parseMemberFilter(filter), { today })) as Array<{ name: string }>;
  return rows.map((r) => r.name).sort();
}

const day = (md: string) => ({ month: Number(md.slice(0, 2)), day: Number(md.slice(3, 5)) });
const on = (md: string): MemberFilter => ({ birthday: { from: day(md), to: day(md) } });

describe('birthday filter with lunar birthdays', () => {
  it('counts a lunar birthday on the solar day it falls on this year; a missing 30th on the 29th', async () => {
    expect(await who(on('02-16'), '2026-02-10')).toEqual(['lunar-1229', 'lunar-1230', 'solar-0216']);
    expect(await who(on('02-17'), '2026-02-10')).toEqual(['lunar-0101']);
    // 二月十六 of lunar 2026 is in April, not on 2-16.
    expect(await who(on('12-29'), '2026-02-10')).toEqual(['solar-1229']);
    const lunar0216 = await who({ birthday: { from: day('03-01'), to: day('04-30') } }, '2026-02-10');
    expect(lunar0216).toEqual(['lunar-0216']);
  });

  it('celebrates 29 February on 28 February in a common year only', async () => {
    expect(await who(on('02-28'), '2026-06-01')).toEqual(['leap-day']);
    expect(await who(on('02-28'), '2028-06-01')).toEqual([]);
    expect(await who(on('02-29'), '2028-06-01')).toEqual(['leap-day']);
    expect(await who({ birthday: { from: day('02-29'), to: day('03-01') } }, '2026-06-01')).toEqual([]);
    expect(await who({ birthday: { from: day('02-01'), to: day('02-29') } }, '2026-06-01')).toContain('leap-day');
  });

  it('a range across the year end means the one containing today or the next', async () => {
    expect(birthdayWindow({ from: day('12-20'), to: day('01-10') }, '2026-12-25')).toEqual({ start: '2026-12-20', end: '2027-01-10' });
    expect(birthdayWindow({ from: day('12-20'), to: day('01-10') }, '2027-01-05')).toEqual({ start: '2026-12-20', end: '2027-01-10' });
    expect(birthdayWindow({ from: day('12-20'), to: day('01-10') }, '2026-06-01')).toEqual({ start: '2026-12-20', end: '2027-01-10' });
    const names = await who({ birthday: { from: day('12-20'), to: day('01-10') } }, '2026-12-25');
    expect(names).toContain('lunar-jan-05');
    expect(names).not.toContain('lunar-jan-20');
    expect(names).toContain('solar-1229');
  });

  it('the coming days, by each member’s calendar, across the year end; solar or lunar only', async () => {
    // From 2026-02-10: 2-16 is the sixth day after, so a week finds it and six days do not.
    expect(await who({ birthdayWithin: { days: 7 } }, '2026-02-10')).toEqual(['lunar-1229', 'lunar-1230', 'solar-0216']);
    expect(await who({ birthdayWithin: { days: 6 } }, '2026-02-10')).toEqual([]);
    expect(await who({ birthdayWithin: { days: 7 }, birthdayCalendar: 'lunar' }, '2026-02-10')).toEqual(['lunar-1229', 'lunar-1230']);
    expect(await who({ birthdayWithin: { days: 7 }, birthdayCalendar: 'solar' }, '2026-02-10')).toEqual(['solar-0216']);
    // Late December: the window runs into January 2027 (lunar-jan-05 falls on 2027-01-05).
    expect(await who({ birthdayWithin: { days: 10 } }, '2026-12-27')).toEqual(['lunar-jan-05', 'solar-1229']);
    expect(await who({ birthdayWithin: { days: 366 } }, '2026-06-01')).toEqual(MEMBERS.map(([name]) => name).sort());
  });

  it('a whole year finds every member with a birthday', async () => {
    expect(await who({ birthday: { from: day('01-01'), to: day('12-31') } }, '2026-06-01')).toEqual(MEMBERS.map(([name]) => name).sort());
  });
});
