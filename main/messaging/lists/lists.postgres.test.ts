import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../auth/audit.js';
import { ManualClock } from '../../clock.js';
import { startMigratedPostgres, type DbServer } from '../../../tests/support/dbservers.js';
import { Templates } from '../templates/templates.js';
import { NumberLists } from './lists.js';

const NOW = Date.parse('2026-11-22T10:00:00+08:00');
const ACTOR = { userId: null, username: 'pg-test', ip: 'local' };

/** The lists and templates on PostgreSQL: the SQL stays portable (a store may run its database there). */
describe('lists and templates on PostgreSQL (a real server on 127.0.0.1)', () => {
  let server: DbServer;
  let db: Knex;
  let lists: NumberLists;
  let templates: Templates;

  beforeAll(async () => {
    ({ server, db } = await startMigratedPostgres());
    const clock = new ManualClock(NOW);
    const audit = new AuditLog(db, clock);
    lists = new NumberLists(db, clock, audit, async () => 'Asia/Shanghai');
    templates = new Templates(db, clock, audit);
  }, 120_000);
  afterAll(async () => {
    await db?.destroy();
    await server?.stop();
  });

  it('adds, searches, looks up, imports and opts out', async () => {
    const entry = await lists.add(ACTOR, 'black', { mobile: '13800138000', scope: 'marketing', reason: '投诉', expiresAt: NOW + 60_000 });
    expect(entry).toMatchObject({ id: expect.any(Number), mobile: '+8613800138000', expiresAt: NOW + 60_000, expired: false });
    expect((await lists.search({ list: 'black', q: '0013', page: 1, pageSize: 10 })).total).toBe(1);
    const csv = Buffer.from('号码,原因\n13900000001,店长\n12345,坏\n', 'utf8');
    const report = await lists.importFile(ACTOR, 'white', { name: 'w.csv', content: csv }, { mode: 'keep-good' });
    expect(report).toMatchObject({ committed: true, added: 1, errors: [expect.objectContaining({ row: 3, code: 'INVALID_NUMBER' })] });
    const status = await lists.lookup(['+8613800138000', '+8613900000001', '+8613700000000']);
    expect(status.get('+8613800138000')!.blacklist).toMatchObject({ scope: 'marketing', expiresAt: NOW + 60_000 });
    expect(status.get('+8613900000001')!.whitelist).toEqual({ expiresAt: null });
    expect((await lists.lookup(['+8613800138000'], NOW + 60_000)).get('+8613800138000')!.blacklist).toBeNull();
    expect(await lists.addOptOut('13800138000')).toBe('updated');
    const exported = await lists.exportFile('white', 'csv');
    expect(exported.content.toString('utf8')).toContain('+8613900000001,all,店长,import');
  });

  it('seeds the template library and archives a template', async () => {
    const seeded = await templates.search({ category: 'birthday', page: 1, pageSize: 10 });
    expect(seeded.total).toBe(2);
    const created = await templates.create(ACTOR, { name: '测试', category: 'notice', body: '{称呼}：明天停车场维修。' });
    expect(created).toMatchObject({ messageCategory: 'transactional', archived: false });
    await templates.update(ACTOR, created.id, { archived: true });
    expect((await templates.search({ q: '测试', archived: true, page: 1, pageSize: 10 })).items[0]!.archived).toBe(true);
  });
});
