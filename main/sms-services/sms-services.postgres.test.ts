import type { Knex } from 'knex';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, SYSTEM_ACTOR } from '../auth/audit.js';
import { ManualClock } from '../clock.js';
import { EventBus } from '../events/bus.js';
import { Messaging } from '../messaging/dispatcher/service.js';
import { NumberLists } from '../messaging/lists/lists.js';
import { Settings } from '../settings/settings.js';
import { StaffDirectory } from '../staff/staff.js';
import { startMigratedPostgres, type DbServer } from '../../tests/support/dbservers.js';
import { ProductSearch } from './product-search.js';
import { SmsServices } from './service.js';
import { NO_STRATEGIES } from './strategy-answers.js';
import { addMirrorMember, addSale, seedMirror } from './testing.js';

const NOW = Date.parse('2026-11-22T10:00:00+08:00');

/** The SMS services' queries on PostgreSQL: the product index (bigint bigrams), the chain, the lock-out upsert, the figures. */
describe('SMS services on PostgreSQL (a real server on 127.0.0.1)', () => {
  let server: DbServer;
  let db: Knex;
  let messaging: Messaging;
  let sms: SmsServices;
  const clock = new ManualClock(NOW);

  beforeAll(async () => {
    ({ server, db } = await startMigratedPostgres());
    const audit = new AuditLog(db, clock);
    const events = new EventBus(() => clock.now());
    const settings = new Settings(db, clock, audit, events);
    const lists = new NumberLists(db, clock, audit, async () => 'Asia/Shanghai', events);
    const logger = pino({ level: 'silent' });
    messaging = new Messaging({ db, clock, audit, events, logger, settings, lists });
    const staff = new StaffDirectory(db, clock, audit, events, 1024);
    const products = new ProductSearch(db, events, logger);
    sms = new SmsServices({ db, clock, audit, events, logger, settings, lists, staff, products, strategies: NO_STRATEGIES });
    sms.attach(messaging.inbox);
    await seedMirror(db, NOW, { syncedAt: NOW - 60_000 });
    const member = await addMirrorMember(db, NOW, { mobile: '+8613900000001', name: '张伟', gender: 'M', points: 1280, storeCode: 'S01' });
    await addSale(db, member, 'S02', NOW - 3_600_000, 8_990);
    await staff.create(SYSTEM_ACTOR, { name: '陈店长', mobile: '13800000001', storeCodes: ['S01', 'S02'] });
    await sms.refreshProductIndex();
  }, 120_000);
  afterAll(async () => {
    await db?.destroy();
    await server?.stop();
  });

  let key = 0;
  const text = async (from: string, body: string) => {
    key += 1;
    clock.advance(1_000);
    const stored = await messaging.inbox.write({ modemId: '7', sender: from, text: body, key: `pg${key}` });
    await messaging.inbox.processStored(stored.stored);
    const reply = (await db('outbox_messages').where('in_reply_to', stored.id).first()) as { text: string } | undefined;
    return reply?.text ?? null;
  };

  it('answers 积分, 消费 and 库存 (name, initials, one character) from the mirror', async () => {
    expect(await text('13900000001', '我的積分是多少')).toBe('尊敬的张先生，您的会员积分为1280分。【好又多超市】');
    expect(await text('13900000001', 'XF')).toContain('最近一次：11月22日在解放路店消费89.9元');
    expect(await text('13800000001', '库存 羊肉卷')).toBe('羊肉卷 散装（P0801）库存：人民路店36.5kg；解放路店12kg【好又多超市】');
    expect(await text('13800000001', 'kc kkkl')).toContain('找到2个商品');
    expect(await text('13800000001', '库存 菜')).toContain('有机菠菜（P1001）');
  });

  it('locks a number out after 5 refusals and counts the day’s queries per service', async () => {
    for (let i = 0; i < 5; i++) await text('13700000001', `库存 可乐${i}`);
    const entry = await db('number_lists').where({ mobile: '+8613700000001' }).first();
    expect(entry).toMatchObject({ list: 'black', scope: 'inbound', source: 'lockout' });
    const stats = await sms.dailyCounts(3);
    const today = Object.fromEntries(stats.series.map((s) => [s.service, s.counts[2]]));
    expect(today).toEqual({ points: 1, spending: 1, stock: 8 });
    expect(stats.refused[2]).toBe(5);
    expect((await sms.summary()).lockouts.map((l) => l.mobile)).toEqual(['+8613700000001']);
    expect((await sms.queryLog({ service: 'stock', outcome: 'refused', page: 1, pageSize: 10 })).total).toBe(5);
  });
});
