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
  });
});
