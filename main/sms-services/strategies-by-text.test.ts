import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../auth/audit.js';
import { systemClock } from '../clock.js';
import { openMessagingCore, type MessagingCore } from '../messaging/outbox/testing.js';
import { startStandaloneSimulator, type StandaloneSimulator } from '../modem/sim/standalone.js';
import type { Strategies } from '../strategy/strategies.js';
import { SEEDED_PRODUCTS, seedStrategyMirror } from '../strategy/testing.js';
import type { Strategy } from '../strategy/types.js';
import { tempPtyDir } from '../../tests/support/pty.js';
import { ask, until } from '../../tests/support/sim-replies.js';
import { addMirrorMember } from './testing.js';

/**
 * 促销, 策略, 同意 and 拒绝 with the real strategy engine, end to end through
 * the modem simulator on a PTY: the engine suggests promotions for the
 * strategy tests' mirror (金龙鱼花生油 overstocked at store 01, 老坛酸菜 not
 * selling), a staff member approves one by text (its state changes) and a
 * member's 促销 then lists it; another is rejected by text.
 */
let t: MessagingCore;
let sim: StandaloneSimulator;
let ptyDir: { dir: string; dispose(): Promise<void> };
let strategies: Strategies;
const db = () => t.core.services.db;

async function suggestionFor(productCode: string, storeCode: string): Promise<Strategy> {
  const { items } = await strategies.list({ states: ['suggested'], storeCodes: [storeCode], kinds: ['promotion'], limit: 100 });
  const found = items.find((s) => s.productCode === productCode);
  expect(found, `a promotion suggested for ${productCode} in ${storeCode}`).toBeDefined();
  return found!;
}

beforeAll(async () => {
  t = await openMessagingCore(systemClock.now());
  strategies = t.core.services.strategies;
  ptyDir = await tempPtyDir();
  const link = path.join(ptyDir.dir, 'ttySIM0');
  sim = await startStandaloneSimulator({ link, modem: { latency: 'zero', statusReports: { delayMs: [3_600_000, 3_600_000] } } });
  const pool = t.core.services.modems;
  await pool.add({ name: '短信猫 1', kind: 'serial', portPath: link, limits: { minGapMs: 0, perHour: 10_000, perDay: 10_000 } }, SYSTEM_ACTOR);
  await pool.start();
  await until(async () => ((await pool.list()).some((m) => m.status?.state === 'ready') ? true : undefined), 30_000);
  await t.core.services.messaging.start(pool);

  const now = systemClock.now();
  await seedStrategyMirror(db(), now);
  await addMirrorMember(db(), now, { mobile: '+8613900000099', name: '张伟', gender: 'M', points: 1280, storeCode: '01' });
  await t.core.services.staff.create(SYSTEM_ACTOR, { name: '陈店长', mobile: '13800000001', storeCodes: ['01'], mayApprove: true });
  await t.core.services.staff.create(SYSTEM_ACTOR, { name: '二店店长', mobile: '13800000002', storeCodes: ['02'], mayApprove: true });
  await strategies.recompute({ trigger: 'manual' });
}, 90_000);

afterAll(async () => {
  await t.core.services.messaging.stop();
  await t.core.services.modems.stop();
  await sim.stop();
  await ptyDir.dispose();
  await t.close();
});

describe('strategies by text, with the real strategy engine, through the modem simulator', { timeout: 60_000 }, () => {
  it('is wired in: the SMS services answer from the engine', () => {
    expect(t.core.services.smsServices.strategies).toBe(strategies);
  });

  it('lists the suggested strategies of the staff member’s stores (策略)', async () => {
    const oil = await suggestionFor(SEEDED_PRODUCTS.over, '01');
    const reply = await ask(sim, '+8613800000001', '策略');
    expect(reply).toContain(`#${oil.id}促销`);
    expect(reply).toContain('回复“同意 编号”或“拒绝 编号”');
    expect(await ask(sim, '+8613800000002', 'CL')).toBe('您的门店暂无待审批或进行中的策略。【好又多超市】');
  });

  it('refuses another store’s strategy, then approves by text: the state changes and 促销 lists it', async () => {
    const oil = await suggestionFor(SEEDED_PRODUCTS.over, '01');
    expect(await ask(sim, '+8613800000002', `同意 ${oil.id}`)).toBe(`策略#${oil.id}不属于您可管理的门店。【好又多超市】`);
    expect((await strategies.get(oil.id)).state).toBe('suggested');

    expect(await ask(sim, '+8613800000001', `同意 ${oil.id}`)).toMatch(new RegExp(`^已同意策略#${oil.id}：`));
    const approved = await strategies.get(oil.id);
    expect(approved.state).toBe('active');
    expect(approved.decidedBy).toMatchObject({ kind: 'staff', name: '陈店长' });
    // A second 同意 is answered, not done twice.
    expect(await ask(sim, '+8613800000001', `TY ${oil.id}`)).toBe(`策略#${oil.id}已不是待审批状态（进行中）。【好又多超市】`);

    const promotion = (await strategies.activePromotions({ preferStoreCode: '01', storeCodes: 'all' })).find((p) => p.strategyId === oil.id);
    expect(promotion, 'the approved promotion is active').toBeDefined();
    expect(await ask(sim, '+8613900000099', '促销')).toContain(promotion!.text);
  });

  it('rejects by text', async () => {
    const pickles = await suggestionFor(SEEDED_PRODUCTS.slow, '01');
    expect(await ask(sim, '+8613800000001', `拒绝 ${pickles.id}`)).toMatch(new RegExp(`^已拒绝策略#${pickles.id}：`));
    const rejected = await strategies.get(pickles.id);
    expect(rejected.state).toBe('rejected');
    expect(rejected.decisionNote).toBe('短信拒绝（陈店长）');
  });
});
