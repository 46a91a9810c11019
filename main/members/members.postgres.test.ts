import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../auth/audit.js';
import { ManualClock } from '../clock.js';
import { loadOrCreateSecretBox } from '../crypto/secret-box.js';
import { startMigratedPostgres, type DbServer } from '../../tests/support/dbservers.js';
import type { MemberFilter } from './filter.js';
import { importMembers } from './import.js';
import { Members } from './members.js';

const NOW = new Date(2026, 10, 22, 12, 0, 0).getTime();
const ACTOR = { userId: null, username: 'pg-test', ip: 'local' };

/** Member search, detail and import on PostgreSQL: the compiled filter SQL and the partial indexes stay portable. */
describe('members on PostgreSQL (a real server on 127.0.0.1)', () => {
  let server: DbServer;
  let db: Knex;
  let members: Members;
  let dir: string;

  beforeAll(async () => {
    ({ server, db } = await startMigratedPostgres());
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-members-pg-'));
    const clock = new ManualClock(NOW);
    const audit = new AuditLog(db, clock);
    members = new Members(db, clock, audit, loadOrCreateSecretBox(dir));
    const csv = [
      '姓名,手机号,性别,生日,门店编码,积分,标签,接受营销短信',
      '王伟,13800000001,男,1990-11-22,S001,100,VIP,是',
      '王芳,13800000002,女,1990-11-23,S002,5000,VIP、老顾客,是',
      '李明,13800000003,男,2000-12-25,S001,0,,否',
      '张明华,13800000004,女,1975-01-05,S003,20000,老顾客,是',
      '刘_100%,13800000005,女,2008-02-29,S003,10,,是',
    ].join('\n');
    const result = await importMembers(members, audit, ACTOR, { fileName: 'm.csv', content: Buffer.from(csv) }, { mode: 'all-or-nothing' });
    expect(result).toMatchObject({ imported: 5, committed: true });
  }, 120_000);

  afterAll(async () => {
    await db?.destroy();
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function names(filter: MemberFilter): Promise<string[]> {
    const result = await members.search({ filter, pageSize: 50 });
    expect(await members.count(filter)).toBe(result.total);
    return result.items.map((m) => m.name).sort();
  }

  it('compiles every kind of filter to SQL PostgreSQL runs with the same answers', async () => {
    expect(await names({})).toHaveLength(5);
    expect(await names({ keyword: '王' })).toEqual(['王伟', '王芳']);
    expect(await names({ name: { value: '_1', match: 'contains' } })).toEqual(['刘_100%']);
    expect(await names({ mobile: '138 0000 0003' })).toEqual(['李明']);
    expect(await names({ storeCodes: ['S003'], genders: ['F'] })).toEqual(['刘_100%', '张明华']);
    expect(await names({ age: { min: 36, max: 36 } })).toEqual(['王伟']);
    expect(await names({ birthday: { from: { month: 12, day: 20 }, to: { month: 1, day: 10 } } })).toEqual(['张明华', '李明']);
    expect(await names({ points: { min: 100, max: 5000 } })).toEqual(['王伟', '王芳']);
    expect(await names({ tags: { values: ['VIP', '老顾客'], match: 'all' } })).toEqual(['王芳']);
    expect(await names({ tags: { values: ['VIP', '老顾客'], match: 'any' } })).toEqual(['张明华', '王伟', '王芳']);
    expect(await names({ marketingConsent: false })).toEqual(['李明']);
    expect(await names({ lastPurchase: { never: true }, totalSpentCents: { max: 0 } })).toHaveLength(5);
    const sorted = await members.search({ sort: { field: 'points', direction: 'desc' }, pageSize: 2, page: 2 });
    expect(sorted.items.map((m) => m.points)).toEqual([100, 10]);
  });

  it('reads a member with tags and answers the tag list', async () => {
    const [first] = (await members.search({ filter: { keyword: '王芳' } })).items;
    const detail = await members.get(first!.id, { revealIdNumber: true });
    expect(detail).toMatchObject({ name: '王芳', source: 'import', tags: ['VIP', '老顾客'], gender: 'F', birthday: '1990-11-23', points: 5000 });
    expect(await members.tags()).toEqual([
      { tag: 'VIP', count: 2 },
      { tag: '老顾客', count: 2 },
    ]);
    expect((await members.purchases(first!.id)).items).toEqual([]);
  });
});
