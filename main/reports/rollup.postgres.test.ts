import type { Knex } from 'knex';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../auth/audit.js';
import { ManualClock } from '../clock.js';
import { EventBus } from '../events/bus.js';
import { Messaging } from '../messaging/dispatcher/service.js';
import { NumberLists } from '../messaging/lists/lists.js';
import { Settings } from '../settings/settings.js';
import type { Surveys } from '../surveys/surveys.js';
import { startMigratedPostgres, type DbServer } from '../../tests/support/dbservers.js';
import { Reports } from './reports.js';
import { DailyRollup } from './rollup.js';
import { businessDashboard } from './dashboard.js';
import { feedbackNotConfigured, mailNotConfigured, upcomingNotConfigured } from './sources.js';

const ACTOR = { userId: null, username: 'pg-test', ip: 'local' };

/**
 * The roll-up and the reports' own SQL on PostgreSQL (a real server on
 * 127.0.0.1): the planned-time index, the billed parts, the month sums and a
 * range read from whole months plus partial ones stay portable.
 */
describe('report aggregates on PostgreSQL', () => {
  let server: DbServer;
  let db: Knex;
  let messaging: Messaging;
  let rollup: DailyRollup;
  let reports: Reports;
  let settings: Settings;
  const clock = new ManualClock(Date.UTC(2026, 10, 30, 15, 50)); // 11-30 23:50 in Shanghai

  beforeAll(async () => {
    ({ server, db } = await startMigratedPostgres());
    const events = new EventBus(() => clock.now());
    const audit = new AuditLog(db, clock);
    settings = new Settings(db, clock, audit, events);
    const lists = new NumberLists(db, clock, audit, async () => 'Asia/Shanghai', events);
    const logger = pino({ level: 'silent' });
    messaging = new Messaging({ db, clock, audit, events, logger, settings, lists });
    rollup = new DailyRollup({ db, clock, logger, events, timeZone: async () => 'Asia/Shanghai' });
    rollup.batchFlushEntries = 1; // the rebuild's batch sums added day by day (the upsert that adds)
    // The survey and feedback reports are not read here.
    reports = new Reports({ db, clock, audit, settings, rollup, surveys: {} as Surveys, feedback: feedbackNotConfigured });
  }, 120_000);
  afterAll(async () => {
    await db?.destroy();
    await server?.stop();
  });

  async function sendAll(modemId: string): Promise<void> {
    const outbox = messaging.outbox;
    for (let claimed = await outbox.claim(modemId, [modemId]); claimed; claimed = await outbox.claim(modemId, [modemId])) {
      for (const [i, part] of claimed.parts.entries()) {
        await outbox.beginPart(part.id, modemId);
        await outbox.partAccepted(part.id, (claimed.id + i) % 256);
      }
      await outbox.messageSent(claimed);
    }
  }

  it('rolls days, months and batches up, and reads a long range from them', async () => {
    const long = '本周六会员日：全场生鲜八折，熟食第二件半价，积分双倍，凭会员卡到服务台领取环保袋一个，数量有限送完即止。周日上午九点起还有鸡蛋特价，每人限购两盒，欢迎光临。';
    const first = await messaging.outbox.enqueue([{ number: '13900001231' }, { number: '13900001232' }], { text: long, category: 'transactional', source: 'ui', batch: { label: '到货通知', kind: 'send' } }, ACTOR);
    await sendAll('1');
    expect(await rollup.run()).toMatchObject({ rebuilt: true });
    clock.set(Date.UTC(2026, 10, 30, 16, 10)); // 12-01 00:10
    // The same send goes on after midnight: its batch spans two days.
    await messaging.outbox.enqueue([{ number: '13900001233' }], { text: '您的订单已到店', category: 'transactional', source: 'ui', batch: { id: first.batchId!, label: '到货通知', kind: 'send' } }, ACTOR);
    // A scheduled one for 12-03, counted on its day.
    await messaging.outbox.enqueue([{ number: '13900001234' }], { text: '周末大促', category: 'transactional', source: 'ui', notBefore: Date.UTC(2026, 11, 3, 2, 0) }, ACTOR);
    await sendAll('2');
    expect(await rollup.run()).toMatchObject({ rebuilt: false });

    const all = await reports.run('volume', { from: '2026-11-01', to: '2026-12-31', groupBy: 'category' });
    expect(all.totals).toMatchObject({ messages: 4, partsSent: 5, cost: 500, waiting: 1 });
    const november = await reports.run('volume', { from: '2026-11-01', to: '2026-11-30', groupBy: 'operator' });
    expect(november.rows).toEqual([expect.objectContaining({ group: 'pg-test', messages: 2, partsSent: 4 })]);
    const edge = await reports.run('volume', { from: '2026-11-15', to: '2026-12-02', groupBy: 'source' });
    expect(edge.totals).toMatchObject({ messages: 3 });
    const scheduled = await reports.run('volume', { from: '2026-12-03', to: '2026-12-03' });
    expect(scheduled.totals).toMatchObject({ messages: 1, waiting: 1 });
    const delivery = await reports.run('delivery', { from: '2026-11-01', to: '2026-12-31' });
    expect(delivery.rows.map((r) => [r['group'], r['out']])).toEqual([
      ['1', 2],
      ['2', 1],
    ]);
    const campaigns = await reports.run('campaigns', { from: '2026-11-30', to: '2026-11-30' });
    expect(campaigns.rows).toEqual([expect.objectContaining({ label: '到货通知', messages: 3, partsSent: 5, cost: 500 })]);
    // A rebuild adds the batch's two days together (day by day here).
    await rollup.rebuild('Asia/Shanghai');
    expect((await reports.run('campaigns', { from: '2026-11-30', to: '2026-11-30' })).rows).toEqual(campaigns.rows);
    const dashboard = await businessDashboard({ db, clock, settings, rollup, sources: { mail: mailNotConfigured, feedback: feedbackNotConfigured, upcoming: upcomingNotConfigured }, strategyCounts: async () => ({}) }, () => true);
    expect(dashboard.messaging!.today).toMatchObject({ messages: 1, partsSent: 1 });
    expect(dashboard.modems!.map((m) => [m.modemId, m.out])).toEqual([
      ['1', 2],
      ['2', 1],
    ]);
  });
});
