import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../auth/audit.js';
import { systemClock } from '../clock.js';
import { openMessagingCore, type MessagingCore } from '../messaging/outbox/testing.js';
import { startStandaloneSimulator, type StandaloneSimulator } from '../modem/sim/standalone.js';
import { tempPtyDir } from '../../tests/support/pty.js';
import { ask, repliesTo, until } from '../../tests/support/sim-replies.js';
import { FakeStrategies, addMirrorMember, addSale, seedMirror, strategy } from './testing.js';

/**
 * End to end through a PTY: the modem simulator runs behind a socat pair as a
 * USB modem would, the real driver and pool open it as a serial port. A
 * customer's text is injected into the simulated network; the reply is what
 * the simulator accepted from the driver (PDUs decoded, parts joined).
 */
let t: MessagingCore;
let sim: StandaloneSimulator;
let ptyDir: { dir: string; dispose(): Promise<void> };
let strategies: FakeStrategies;
const db = () => t.core.services.db;

beforeAll(async () => {
  t = await openMessagingCore(systemClock.now());
  ptyDir = await tempPtyDir();
  const link = path.join(ptyDir.dir, 'ttySIM0');
  sim = await startStandaloneSimulator({ link, modem: { latency: 'zero', statusReports: { delayMs: [3_600_000, 3_600_000] } } });
  const pool = t.core.services.modems;
  await pool.add({ name: '短信猫 1', kind: 'serial', portPath: link, limits: { minGapMs: 0, perHour: 10_000, perDay: 10_000 } }, SYSTEM_ACTOR);
  await pool.start();
  await until(async () => ((await pool.list()).some((m) => m.status?.state === 'ready') ? true : undefined), 30_000);
  await t.core.services.messaging.start(pool);

  const now = systemClock.now();
  await seedMirror(db(), now, { syncedAt: now - 60_000 });
  const member = await addMirrorMember(db(), now, { mobile: '+8613900000001', name: '张伟', gender: 'M', points: 1280, storeCode: 'S01' });
  await addSale(db(), member, 'S02', now - 3_600_000, 12_345);
  await t.core.services.staff.create(SYSTEM_ACTOR, { name: '陈店长', mobile: '13800000001', storeCodes: ['S01', 'S02'], mayApprove: true });
  await t.core.services.smsServices.refreshProductIndex();
  strategies = new FakeStrategies();
  t.core.services.smsServices.strategies = strategies;
}, 60_000);

afterAll(async () => {
  await t.core.services.messaging.stop();
  await t.core.services.modems.stop();
  await sim.stop();
  await ptyDir.dispose();
  await t.close();
});

describe('SMS services through the modem simulator on a PTY', { timeout: 60_000 }, () => {
  it('answers 积分 with the member’s real points, through the modem the text came in on', async () => {
    expect(await ask(sim, '+8613900000001', '我的积分是多少？')).toBe('尊敬的张先生，您的会员积分为1280分。【好又多超市】');
    const row = await db()('outbox_messages').where({ recipient: '+8613900000001', automatic: true }).first();
    expect(row).toMatchObject({ category: 'reply', source: 'auto-reply' });
    expect(row.reply_modem).toBe(t.core.services.modems.modemIds()[0]);
  });

  it('answers 消费: this month, this year, the last purchase', async () => {
    const reply = await ask(sim, '+8613900000001', 'XF');
    expect(reply).toMatch(/^尊敬的张先生，您本月消费\d+(\.\d+)?元，今年累计\d+(\.\d+)?元；最近一次：\d+月\d+日在解放路店消费123\.45元。【好又多超市】$/);
  });

  it('answers 促销 from approved strategies, home store first', async () => {
    strategies.promotions = [
      { strategyId: 1, storeCode: 'S02', storeName: '解放路店', text: '可口可乐330ml 买二送一', endsAt: Date.now() + 86_400_000 },
      { strategyId: 2, storeCode: 'S01', storeName: '人民路店', text: '羊肉卷 8.5折(至12/20)', endsAt: Date.now() + 86_400_000 },
    ];
    expect(await ask(sim, '+8613900000001', '促销')).toBe('人民路店优惠：羊肉卷 8.5折(至12/20)；解放路店:可口可乐330ml 买二送一【好又多超市】');
  });

  it('answers 库存 to a staff mobile, refuses it to anyone else', async () => {
    expect(await ask(sim, '+8613800000001', '库存 羊肉卷')).toBe('羊肉卷 散装（P0801）库存：人民路店36.5kg；解放路店12kg【好又多超市】');
    expect(await ask(sim, '+8613700000099', '库存 羊肉卷')).toBe('抱歉，该服务仅限本店员工使用。【好又多超市】');
  });

  it('approves a strategy by text: its state changes', async () => {
    strategies.strategies = [strategy({ id: 21, storeCode: 'S01' })];
    expect(await ask(sim, '+8613800000001', '同意 21')).toBe('已同意策略#21：#21促销 羊肉卷 8.5折 人民路店【好又多超市】');
    expect(strategies.strategies[0]!.state).toBe('approved');
  });

  it('locks a number out after 5 refused staff requests in an hour, then stays silent', async () => {
    const from = '+8613700000001';
    for (let i = 1; i <= 4; i++) expect(await ask(sim, from, `KC 可乐${i}`)).toBe('抱歉，该服务仅限本店员工使用。【好又多超市】');
    // The fifth refusal locks the number out; its own answer is held back at dispatch by the new entry.
    sim.modem.injectInbound({ from, text: '库存 可乐' });
    const fifth = await until(async () => {
      const rows = await db()('outbox_messages').where({ recipient: from }).orderBy('id');
      return rows.length === 5 && rows[4].status !== 'queued' ? rows[4] : undefined;
    });
    expect(fifth).toMatchObject({ status: 'blocked', blocked_rule: 'blacklist' });
    expect((await t.core.services.lists.statusOf(from)).blacklist).toMatchObject({ scope: 'inbound', source: 'lockout' });
    sim.modem.injectInbound({ from, text: '帮助' });
    const inbound = await until(async () => {
      const row = await db()('inbox_messages').where({ sender: from, text: '帮助' }).whereNotNull('processed_at').first();
      return row ?? undefined;
    });
    expect(inbound.handled_by_rule).toBeNull();
    expect((await db()('sms_query_log').where('inbox_id', inbound.id).first()).outcome).toBe('silent');
    // Give the dispatcher a moment: nothing more goes to that number.
    await new Promise((r) => setTimeout(r, 300));
    expect(repliesTo(sim, from)).toHaveLength(4);
  });
});
