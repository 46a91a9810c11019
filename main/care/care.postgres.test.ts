import type { Knex } from 'knex';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../auth/audit.js';
import { ManualClock } from '../clock.js';
import { EventBus } from '../events/bus.js';
import { Messaging } from '../messaging/dispatcher/service.js';
import { NumberLists } from '../messaging/lists/lists.js';
import { Settings } from '../settings/settings.js';
import { startMigratedPostgres, type DbServer } from '../../tests/support/dbservers.js';
import { Care } from './care.js';

const ACTOR = { userId: null, username: 'pg-test', ip: 'local' };

/** Care's queries on PostgreSQL (a real server on 127.0.0.1): the key anti-join and the run bookkeeping stay portable. */
describe('care on PostgreSQL', () => {
  let server: DbServer;
  let db: Knex;
  let care: Care;
  const clock = new ManualClock(Date.UTC(2027, 2, 15, 2, 0)); // 03-15 10:00 in Shanghai

  beforeAll(async () => {
    ({ server, db } = await startMigratedPostgres());
    const events = new EventBus(() => clock.now());
    const audit = new AuditLog(db, clock);
    const settings = new Settings(db, clock, audit, events);
    const lists = new NumberLists(db, clock, audit, async () => 'Asia/Shanghai', events);
    const logger = pino({ level: 'silent' });
    const messaging = new Messaging({ db, clock, audit, events, logger, settings, lists });
    care = new Care({ db, clock, audit, events, logger, settings, messaging, lists });
    await care.load();
    for (const n of [1, 2]) {
      await db('members').insert({ source: 'manual', name: `会员${n}`, birthday: '1980-03-15', birth_month: 3, birth_day: 15, mobile: `+861380000000${n}`, created_at: 0, updated_at: 0 });
    }
  }, 120_000);
  afterAll(async () => {
    await care?.stop();
    await db?.destroy();
    await server?.stop();
  });

  it('queues a day once, previews and counts on PostgreSQL', async () => {
    const birthday = (await care.list()).find((a) => a.kind === 'birthday')!;
    await care.setEnabled(ACTOR, birthday.id, true);
    expect(await care.preview('2027-03-15')).toMatchObject({ total: 2 });
    const [run] = await care.tick();
    expect(run).toMatchObject({ state: 'done', queued: 2 });
    expect(await care.runDay(birthday.id, '2027-03-15')).toMatchObject({ queued: 2, duplicates: 0 });
    expect(await db('outbox_messages').where('source', 'care').count({ n: '*' })).toEqual([{ n: '2' }]);
    expect(await care.preview('2027-03-15')).toMatchObject({ total: 0, items: [expect.objectContaining({ alreadySent: 2 })] });
    expect(await care.occurrences('2028-03-14', '2028-03-15')).toEqual([expect.objectContaining({ date: '2028-03-15', count: 2 })]);
    await care.setEnabled(ACTOR, birthday.id, false);
  });

  it('finds expiring points by the rolling rule (receipts summed per member) and by the POS’s own date', async () => {
    const [first, second] = (await db('members').orderBy('id').select('id')) as Array<{ id: number }>;
    await db('members').where('id', first!.id).update({ points: 900 });
    await db('members').where('id', second!.id).update({ points: 900, points_expire_on: '2027-03-20', points_expiring: 300 });
    await db('sales').insert({ receipt_no: 'PG-EXP-1', member_id: first!.id, sold_at: Date.UTC(2027, 0, 10, 4), total_cents: 5000, points: 100, updated_at: 0 });
    await care.setPointsExpiry(ACTOR, { rule: 'rolling', month: 12, day: 31, months: 12, usePosDate: true });
    const points = (await care.list()).find((a) => a.kind === 'points')!;
    await care.update(ACTOR, points.id, { kind: 'points', name: points.name, text: '{到期积分}分于{到期日期}到期', sendTime: '09:00', leadDays: 5, audience: {}, settings: { mode: 'expiry', minPoints: 300 } });
    const names = async (day: string) => (await care.preview(day, { automationId: points.id })).items[0]?.members.map((m) => m.name) ?? [];
    expect(await names('2027-03-15')).toEqual(['会员2']); // her POS date, 03-20
    expect(await names('2027-03-26')).toEqual(['会员1', '会员2']); // month end by the rule: 800 of 会员1's points; 会员2's own date has passed
  });
});
