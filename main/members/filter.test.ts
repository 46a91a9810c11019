import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../auth/audit.js';
import { ManualClock } from '../clock.js';
import { loadOrCreateSecretBox } from '../crypto/secret-box.js';
import { openSqlite } from '../db/connection.js';
import { migrateToLatest } from '../db/migrate.js';
import { applyMemberFilter, parseMemberFilter, type MemberFilter } from './filter.js';
import { Members } from './members.js';
import { filterFromFlatQuery } from './query.js';

// 2026-11-22 12:00 local time: ages are counted on this day.
const NOW = new Date(2026, 10, 22, 12, 0, 0).getTime();
const DAY = 86_400_000;

interface Fixture {
  name: string;
  store?: string;
  gender?: 'M' | 'F' | 'U';
  birthday?: string | null;
  mobile?: string;
  card?: string;
  points?: number;
  spent?: number;
  lastPurchaseDaysAgo?: number | null;
  consent?: boolean;
  tags?: string[];
  deleted?: boolean;
  source?: 'pos' | 'manual' | 'import';
}

const FIXTURES: Fixture[] = [
  { name: '王伟', store: 'S001', gender: 'M', birthday: '1990-11-22', mobile: '+8613800000001', card: 'C001', points: 100, spent: 50_000, lastPurchaseDaysAgo: 3, tags: ['VIP'] },
  { name: '王芳', store: 'S002', gender: 'F', birthday: '1990-11-23', mobile: '+8613800000002', card: 'C002', points: 5000, spent: 200_000, lastPurchaseDaysAgo: 40, tags: ['VIP', '老顾客'] },
  { name: '李明', store: 'S001', gender: 'M', birthday: '2000-12-25', mobile: '+8613800000003', card: 'C003', points: 0, spent: 0, lastPurchaseDaysAgo: null, consent: false },
  { name: '张明华', store: 'S003', gender: 'F', birthday: '1975-01-05', mobile: '+8613800000004', card: 'C004', points: 20000, spent: 900_000, lastPurchaseDaysAgo: 200, tags: ['老顾客'] },
  { name: '赵小明', store: 'S002', gender: 'U', birthday: null, mobile: '+8613800000005', card: 'C005', points: 300, spent: 1000, lastPurchaseDaysAgo: 10, source: 'manual' },
  { name: '刘_100%', store: 'S003', gender: 'F', birthday: '2008-02-29', mobile: '+8613800000006', card: 'C006', points: 10, spent: 100, lastPurchaseDaysAgo: 1, source: 'import' },
  { name: '王删除', store: 'S001', gender: 'M', birthday: '1990-11-22', mobile: '+8613800000007', card: 'C007', points: 100, spent: 50_000, lastPurchaseDaysAgo: 3, tags: ['VIP'], deleted: true },
  { name: '陈晨', store: 'S004', gender: 'F', birthday: '1960-12-31', mobile: '+8613800000008', card: 'C008', points: 800, spent: 30_000, lastPurchaseDaysAgo: 365, tags: ['团购'] },
];

let dir: string;
let db: Knex;
let members: Members;
const ids = new Map<string, number>();

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-filter-'));
  db = openSqlite(path.join(dir, 'test.sqlite'));
  await migrateToLatest(db);
  const clock = new ManualClock(NOW);
  members = new Members(db, clock, new AuditLog(db, clock), loadOrCreateSecretBox(dir));
  let key = 1;
  for (const f of FIXTURES) {
    const [inserted] = await db('members')
      .insert({
        source: f.source ?? 'pos',
        source_key: f.source && f.source !== 'pos' ? null : `K${key++}`,
        store_code: f.store ?? null,
        card_no: f.card ?? null,
        name: f.name,
        gender: f.gender ?? 'U',
        birthday: f.birthday ?? null,
        birth_month: f.birthday ? Number(f.birthday.slice(5, 7)) : null,
        birth_day: f.birthday ? Number(f.birthday.slice(8, 10)) : null,
        mobile: f.mobile ?? null,
        points: f.points ?? 0,
        total_spent_cents: f.spent ?? 0,
        last_purchase_at: f.lastPurchaseDaysAgo === null || f.lastPurchaseDaysAgo === undefined ? null : NOW - f.lastPurchaseDaysAgo * DAY,
        marketing_consent: f.consent ?? true,
        created_at: NOW,
        updated_at: NOW,
        deleted_at: f.deleted ? NOW : null,
      })
      .returning('id');
    const id = typeof inserted === 'object' ? (inserted as { id: number }).id : (inserted as number);
    ids.set(f.name, id);
    for (const tag of f.tags ?? []) await db('member_tags').insert({ member_id: id, tag });
  }
});

afterAll(async () => {
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function names(filter: MemberFilter): Promise<string[]> {
  const result = await members.search({ filter: parseMemberFilter(filter), sort: { field: 'name', direction: 'asc' }, pageSize: 100 });
  expect(result.total).toBe(result.items.length);
  expect(await members.count(parseMemberFilter(filter))).toBe(result.total);
  return result.items.map((m) => m.name).sort();
}

const sorted = (...list: string[]) => [...list].sort();

describe('member filter compiled to SQL', () => {
  it('without conditions finds every member not deleted at the source', async () => {
    expect(await names({})).toEqual(sorted(...FIXTURES.filter((f) => !f.deleted).map((f) => f.name)));
  });

  it('name prefix and name contains (wildcards taken literally)', async () => {
    expect(await names({ name: { value: '王', match: 'prefix' } })).toEqual(sorted('王伟', '王芳'));
    expect(await names({ name: { value: '明', match: 'contains' } })).toEqual(sorted('李明', '张明华', '赵小明'));
    expect(await names({ name: { value: '_1', match: 'contains' } })).toEqual(['刘_100%']);
    expect(await names({ name: { value: '%', match: 'contains' } })).toEqual(['刘_100%']);
    expect(await names({ name: { value: '刘_', match: 'prefix' } })).toEqual(['刘_100%']);
  });

  it('mobile in any common format, card number, keyword', async () => {
    expect(await names({ mobile: '138 0000 0002' })).toEqual(['王芳']);
    expect(await names({ mobile: '+86 13800000003' })).toEqual(['李明']);
    expect(await names({ cardNo: 'C004' })).toEqual(['张明华']);
    expect(await names({ keyword: '王' })).toEqual(sorted('王伟', '王芳'));
    expect(await names({ keyword: '13800000005' })).toEqual(['赵小明']);
    expect(await names({ keyword: 'C008' })).toEqual(['陈晨']);
  });

  it('store, gender, source, consent', async () => {
    expect(await names({ storeCodes: ['S001', 'S004'] })).toEqual(sorted('王伟', '李明', '陈晨'));
    expect(await names({ genders: ['F'] })).toEqual(sorted('王芳', '张明华', '刘_100%', '陈晨'));
    expect(await names({ genders: ['U'] })).toEqual(['赵小明']);
    expect(await names({ sources: ['manual', 'import'] })).toEqual(sorted('赵小明', '刘_100%'));
    expect(await names({ marketingConsent: false })).toEqual(['李明']);
  });

  it('age range counts whole years on the day of the search', async () => {
    // 王伟 turns 36 today; 王芳 is still 35 until tomorrow.
    expect(await names({ age: { min: 36, max: 36 } })).toEqual(['王伟']);
    expect(await names({ age: { min: 35, max: 35 } })).toEqual(['王芳']);
    expect(await names({ age: { max: 25 } })).toEqual(sorted('李明', '刘_100%'));
    expect(await names({ age: { min: 60 } })).toEqual(['陈晨']);
    // Members without a birthday never match an age filter.
    expect(await names({ age: { min: 0 } })).not.toContain('赵小明');
  });

  it('birthday month/day range inside the year', async () => {
    expect(await names({ birthday: { from: { month: 11, day: 22 }, to: { month: 11, day: 30 } } })).toEqual(sorted('王伟', '王芳'));
    expect(await names({ birthday: { from: { month: 11, day: 23 }, to: { month: 11, day: 23 } } })).toEqual(['王芳']);
    expect(await names({ birthday: { from: { month: 2, day: 1 }, to: { month: 2, day: 29 } } })).toEqual(['刘_100%']);
  });

  it('birthday range that wraps across the year end', async () => {
    expect(await names({ birthday: { from: { month: 12, day: 20 }, to: { month: 1, day: 10 } } })).toEqual(sorted('李明', '张明华', '陈晨'));
    expect(await names({ birthday: { from: { month: 12, day: 31 }, to: { month: 1, day: 4 } } })).toEqual(['陈晨']);
    expect(await names({ birthday: { from: { month: 11, day: 23 }, to: { month: 11, day: 22 } } })).toEqual(
      sorted('王伟', '王芳', '李明', '张明华', '刘_100%', '陈晨'),
    );
  });

  it('points, total spent and last purchase ranges (inclusive), and never purchased', async () => {
    expect(await names({ points: { min: 300, max: 5000 } })).toEqual(sorted('王芳', '赵小明', '陈晨'));
    expect(await names({ totalSpentCents: { min: 200_000 } })).toEqual(sorted('王芳', '张明华'));
    expect(await names({ lastPurchase: { from: NOW - 10 * DAY } })).toEqual(sorted('王伟', '赵小明', '刘_100%'));
    expect(await names({ lastPurchase: { to: NOW - 180 * DAY } })).toEqual(sorted('张明华', '陈晨'));
    expect(await names({ lastPurchase: { never: true } })).toEqual(['李明']);
  });

  it('relative purchase recency: bought in the last N days (today counts), none in the last N days', async () => {
    // 赵小明 bought 10 days ago at noon: inside "the last 11 days" (from midnight 10 days ago), outside "the last 10".
    expect(await names({ lastPurchase: { withinDays: 10 } })).toEqual(sorted('王伟', '刘_100%'));
    expect(await names({ lastPurchase: { withinDays: 11 } })).toEqual(sorted('王伟', '赵小明', '刘_100%'));
    // 沉睡会员: bought before, but not in the last 40 days (李明 never bought: not asleep, never awake).
    expect(await names({ lastPurchase: { notWithinDays: 40 } })).toEqual(sorted('王芳', '张明华', '陈晨'));
    expect(await names({ lastPurchase: { withinDays: 300, notWithinDays: 30 } })).toEqual(sorted('王芳', '张明华'));
    // A day starts where the caller's zone says (care passes the store's): 刘 bought yesterday at noon.
    const localMidnight = (date: string) => new Date(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))).getTime();
    const within2 = (startOfDay?: (date: string) => number) =>
      applyMemberFilter(db('members').select('name'), { lastPurchase: { withinDays: 2 } }, { today: '2026-11-22', ...(startOfDay ? { startOfDay } : {}) }) as Promise<Array<{ name: string }>>;
    expect((await within2()).map((r) => r.name)).toEqual(['刘_100%']);
    expect((await within2((date) => localMidnight(date) + 13 * 3_600_000)).map((r) => r.name)).toEqual([]);
  });

  it('member level, banded from total spent like the survey statistics', async () => {
    expect(await names({ levels: ['silver', 'gold'] })).toEqual(sorted('王芳', '张明华'));
    expect(await names({ levels: ['regular'] })).toEqual(sorted('王伟', '李明', '赵小明', '刘_100%', '陈晨'));
    expect(await names({ levels: ['diamond'] })).toEqual([]);
  });

  it('birthdays in the coming days, and by calendar', async () => {
    expect(await names({ birthdayWithin: { days: 1 } })).toEqual(['王伟']);
    expect(await names({ birthdayWithin: { days: 2 } })).toEqual(sorted('王伟', '王芳'));
    expect(await names({ birthdayWithin: { days: 45 } })).toEqual(sorted('王伟', '王芳', '李明', '张明华', '陈晨'));
    expect(await names({ birthdayCalendar: 'solar' })).toEqual(sorted('王伟', '王芳', '李明', '张明华', '刘_100%', '陈晨'));
    expect(await names({ birthdayCalendar: 'lunar' })).toEqual([]);
  });

  it('tags: any and all', async () => {
    expect(await names({ tags: { values: ['VIP', '团购'], match: 'any' } })).toEqual(sorted('王伟', '王芳', '陈晨'));
    expect(await names({ tags: { values: ['VIP', '老顾客'], match: 'all' } })).toEqual(['王芳']);
    expect(await names({ tags: { values: ['VIP', '老顾客', 'VIP'], match: 'all' } })).toEqual(['王芳']);
    expect(await names({ tags: { values: ['无此标签'], match: 'any' } })).toEqual([]);
  });

  it('combinations are ANDed', async () => {
    expect(await names({ genders: ['F'], storeCodes: ['S002', 'S003'], points: { min: 1000 } })).toEqual(sorted('王芳', '张明华'));
    expect(await names({ keyword: '王', tags: { values: ['老顾客'], match: 'any' }, age: { max: 40 } })).toEqual(['王芳']);
    expect(
      await names({
        genders: ['F', 'M'],
        birthday: { from: { month: 12, day: 1 }, to: { month: 1, day: 31 } },
        marketingConsent: true,
        lastPurchase: { to: NOW - 100 * DAY },
      }),
    ).toEqual(sorted('张明华', '陈晨'));
  });

  it('pages and sorts on whitelisted columns, with id as tie-break', async () => {
    const page1 = await members.search({ sort: { field: 'points', direction: 'desc' }, page: 1, pageSize: 3 });
    const page2 = await members.search({ sort: { field: 'points', direction: 'desc' }, page: 2, pageSize: 3 });
    expect(page1.total).toBe(7);
    expect(page1.items.map((m) => m.points)).toEqual([20000, 5000, 800]);
    expect(page2.items.map((m) => m.points)).toEqual([300, 100, 10]);
    await expect(members.search({ sort: { field: 'notes' as never, direction: 'asc' } })).rejects.toThrow(/cannot be sorted/);
    await expect(members.search({ sort: { field: 'toString' as never, direction: 'asc' } })).rejects.toThrow(/cannot be sorted/);
  });

  it('rejects filters that are not valid, naming the field', () => {
    expect(() => parseMemberFilter({ genders: ['X'] })).toThrow(/filter\.genders/);
    expect(() => parseMemberFilter({ points: { min: 10, max: 1 } })).toThrow(/runs backwards/);
    expect(() => parseMemberFilter({ birthday: { from: { month: 2, day: 30 }, to: { month: 3, day: 1 } } })).toThrow(/not a day of the year/);
    expect(() => parseMemberFilter({ mobile: '12345' })).toThrow(/not a mobile number/);
    expect(() => parseMemberFilter({ unknown: 1 })).toThrow(/not valid/);
    expect(() => parseMemberFilter({ lastPurchase: { withinDays: 30, notWithinDays: 30 } })).toThrow(/no member can match/);
    expect(() => parseMemberFilter({ lastPurchase: { never: true, withinDays: 30 } })).toThrow(/choose one/);
    expect(() => parseMemberFilter({ levels: ['platinum'] })).toThrow(/filter\.levels/);
    expect(() => parseMemberFilter({ birthdayWithin: { days: 0 } })).toThrow(/filter\.birthdayWithin/);
    expect(() => parseMemberFilter({ name: { value: "x'; DROP TABLE members; --", match: 'contains' } })).not.toThrow();
  });

  it('is plain JSON: a filter survives a round trip through JSON and the flat query form', () => {
    const filter: MemberFilter = {
      storeCodes: ['S001'],
      genders: ['F'],
      age: { min: 20, max: 30 },
      birthday: { from: { month: 12, day: 20 }, to: { month: 1, day: 10 } },
      tags: { values: ['VIP'], match: 'all' },
      marketingConsent: true,
    };
    expect(parseMemberFilter(JSON.parse(JSON.stringify(filter)))).toEqual(filter);
    expect(
      filterFromFlatQuery({ store: 'S001', gender: 'f', ageMin: 20, ageMax: 30, birthdayFrom: '12-20', birthdayTo: '01-10', tags: 'VIP', tagMatch: 'all', consent: true }),
    ).toEqual(filter);
    // The UI's form: the whole filter as JSON, relative criteria included.
    const relative: MemberFilter = { levels: ['gold'], lastPurchase: { notWithinDays: 90 }, birthdayWithin: { days: 7 }, subscribedTo: { topicIds: [2] } };
    expect(filterFromFlatQuery({ filter: JSON.stringify(relative), gender: 'M' })).toEqual(relative);
    expect(() => filterFromFlatQuery({ filter: '{levels:' })).toThrow(/not JSON/);
    expect(() => filterFromFlatQuery({ filter: '{"levels":["x"]}' })).toThrow(/filter\.levels/);
  });

  it('compiles to parameterised SQL (user text never lands in the statement)', () => {
    const sql = applyMemberFilter(db('members'), { name: { value: "O'Brien", match: 'contains' } }, { today: '2026-11-22' }).toSQL();
    expect(sql.sql).not.toContain('Brien');
    expect(sql.bindings).toContain("%O'Brien%");
  });
});
