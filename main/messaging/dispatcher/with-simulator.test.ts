import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../auth/audit.js';
import { systemClock } from '../../clock.js';
import { decodePdu } from '../../modem/pdu/index.js';
import type { ModemPool } from '../../modem/pool.js';
import { actor, openMessagingCore, type MessagingCore } from '../outbox/testing.js';

/**
 * The messaging core with the real modem driver and pool, on in-process
 * simulated modems (zero latency): what the dispatcher sends is what the
 * simulators accept, texts they receive reach the inbox, their status
 * reports move messages to delivered.
 */
let t: MessagingCore;
let pool: ModemPool;
const messaging = () => t.core.services.messaging;
const db = () => t.core.services.db;

async function until(predicate: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}
const statusOf = async (id: number) => (await messaging().outbox.get(id)).status;

beforeEach(async () => {
  t = await openMessagingCore(systemClock.now());
  pool = t.core.services.modems;
  for (const name of ['A', 'B']) {
    await pool.add(
      { name: `SIM-${name}`, kind: 'simulator', limits: { minGapMs: 0, perHour: 10_000, perDay: 10_000 }, simulator: { latency: 'zero', statusReports: { delayMs: [50, 50] } } },
      SYSTEM_ACTOR,
    );
  }
  await pool.start();
  await until(async () => pool.modemIds().length === 2);
  await messaging().start(pool);
}, 60_000);
afterEach(async () => {
  await messaging().stop();
  await pool.stop();
  await t.close();
});

describe('messaging through the modem pool and simulated modems', () => {
  it('sends a long Chinese message part by part and a status report per part moves it to delivered', async () => {
    const text = '尊敬的会员：本周六会员日全场生鲜八折，积分双倍，满一百元再送十元电子券，凭本短信到服务台另领鸡蛋一盒，欢迎光临好又多超市人民路店。';
    // Transactional: the real clock may be in quiet hours, which hold commercial texts back.
    const result = await messaging().outbox.enqueue([{ number: '13900139101' }], { text, category: 'transactional', source: 'test' }, actor);
    messaging().poke();
    const id = result.messageIds[0]!;
    await until(async () => (await statusOf(id)) === 'delivered');
    const detail = await messaging().outbox.detail(id);
    expect(detail.parts).toHaveLength(2);
    expect(detail.reports).toHaveLength(2);
    const modemId = detail.parts[0]!.modemId!;
    const accepted = pool.simulator(modemId)!.acceptedLog().map((e) => decodePdu(e.pdu));
    const texts = accepted.map((p) => (p.type === 'submit' ? p.text : '')).join('');
    expect(texts).toBe(`${text}【好又多超市】`);
  });

  it('stores a received text, opts the sender out on TD and confirms through the modem it came in on', async () => {
    const [a, b] = pool.modemIds().sort();
    pool.simulator(b!)!.injectInbound({ from: '+8613900139102', text: '退订' });
    await until(async () => Number((await db()('outbox_messages').where({ automatic: true }).whereIn('status', ['sent', 'delivered']).count({ n: '*' }))[0]!.n) === 1);
    const inbound = await db()('inbox_messages').first();
    expect(inbound).toMatchObject({ sender: '+8613900139102', text: '退订', modem_id: b, handled_by_rule: 'opt-out' });
    expect((await t.core.services.lists.statusOf('13900139102')).blacklist).toMatchObject({ source: 'opt-out', scope: 'marketing' });
    const confirmation = pool.simulator(b!)!.acceptedLog().map((e) => decodePdu(e.pdu));
    expect(confirmation).toHaveLength(1);
    expect(pool.simulator(a!)!.acceptedLog()).toHaveLength(0);

    // An operator's reply to that conversation goes out through the same modem.
    const { items } = await messaging().inbox.conversations({ page: 1, pageSize: 5 });
    await messaging().inbox.reply(SYSTEM_ACTOR, items[0]!.id, '已为您退订，欢迎再来');
    await until(async () => pool.simulator(b!)!.acceptedLog().length === 2);
    expect(pool.simulator(a!)!.acceptedLog()).toHaveLength(0);
  });

  it('re-checks quiet hours at dispatch: marketing queued before they began waits, a transactional notice goes at once', async () => {
    await messaging().stop();
    const marketing = await messaging().outbox.enqueue([{ number: '13900139103' }], { text: '周末特价', category: 'marketing', source: 'test' }, actor);
    const careToo = await messaging().outbox.enqueue([{ number: '13900139105' }], { text: '生日快乐', category: 'care', source: 'test' }, actor);
    expect(await statusOf(marketing.messageIds[0]!)).toBe('queued');
    // Quiet hours begin (all day, 00:00–23:59) while it waits in the queue.
    const policy = await t.core.services.settings.get('policy');
    await t.core.services.settings.update(SYSTEM_ACTOR, { policy: { ...policy, quietHours: { enabled: true, start: '00:00', end: '23:59' } } });
    const care = await messaging().outbox.enqueue([{ number: '13900139104' }], { text: '取货提醒', category: 'transactional', source: 'test' }, actor);
    await messaging().start(pool);
    await until(async () => (await statusOf(care.messageIds[0]!)) === 'delivered');
    const deferred = await messaging().outbox.get(marketing.messageIds[0]!);
    expect(deferred.status).toBe('queued');
    expect(deferred.dueAt).toBeGreaterThan(t.clock.now());
    expect((await messaging().outbox.get(careToo.messageIds[0]!)).status).toBe('queued');
    expect(pool.modemIds().flatMap((id) => pool.simulator(id)!.acceptedLog())).toHaveLength(1);
  });
});
