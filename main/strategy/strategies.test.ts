import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR, type AuditActor } from '../auth/audit.js';
import { ManualClock } from '../clock.js';
import { createTestAppliance, type TestAppliance } from '../../tests/support/appliance.js';
import { DAY_MS } from './decide.js';
import type { Strategies } from './strategies.js';
import { STRATEGY_TEST_NOW, seedStrategyMirror, sell } from './testing.js';
import type { Strategy, StrategyActor } from './types.js';

const MANAGER: AuditActor = { userId: null, username: 'manager-zhang', ip: '127.0.0.1' };
const byManager: StrategyActor = { kind: 'user', actor: MANAGER };
const staffOf01: StrategyActor = { kind: 'staff', staffId: 7, name: '李店长', mobile: '13800000007', storeCodes: ['01'] };
const staffOf02: StrategyActor = { kind: 'staff', staffId: 8, name: '王店长', mobile: '13800000008', storeCodes: ['02'] };

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe('the strategy engine on a hand-built mirror', () => {
  let app: TestAppliance;
  let clock: ManualClock;
  let strategies: Strategies;
  let memberIds: number[];
  const suggested = async () => (await strategies.list({ states: ['suggested'], limit: 500 })).items;
  const find = (items: Strategy[], product: string, kind = 'promotion') => items.find((s) => s.productCode === product && s.kind === kind);

  beforeAll(async () => {
    clock = new ManualClock(STRATEGY_TEST_NOW);
    app = await createTestAppliance({ clock });
    strategies = app.services.strategies;
    ({ memberIds } = await seedStrategyMirror(app.services.db));
  });
  afterAll(async () => {
    await app.close();
  });

  it('suggests exactly what the thresholds say, with reasons consistent with the mirror', async () => {
    const progress: Array<[number, number]> = [];
    const summary = await strategies.recompute({ actor: CLI_ACTOR, onProgress: (done, total) => progress.push([done, total]) });
    expect(summary.state).toBe('finished');
    expect(summary.created).toBe(5);
    const items = await suggested();
    expect(items.map((s) => `${s.storeCode}:${s.productCode}:${s.kind}:${s.reason.codes.join('+')}`).sort()).toEqual([
      '01:P-LOW:restock:low-cover',
      '01:P-OVER:promotion:overstock-cover',
      '01:P-RICE:promotion:overstock-cover',
      '01:P-SLOW:promotion:slow-mover',
      '01:P-ZERO:restock:low-min',
    ]);
    const over = find(items, 'P-OVER')!;
    expect(over.reason.text).toBe('库存 480，近28天日均销量 6.1，可售 79 天 > 45 天');
    expect(over.storeName).toBe('人民路店');
    expect(find(items, 'P-SLOW')!.reason.text).toBe('库存 40，近 45 天无销售（≥ 45 天）');
    expect(find(items, 'P-LOW', 'restock')!.restockQuantity).toBe(21 * 2 - 4);

    // Every figure against the mirror, computed here independently.
    for (const s of items) {
      const stock = (await app.services.db('inventory').where({ store_code: s.storeCode, product_code: s.productCode }).first('quantity')) as { quantity: number };
      const [{ sold }] = (await app.services.db('sales as s')
        .join('sale_lines as l', 'l.receipt_no', 's.receipt_no')
        .where({ 's.store_code': s.storeCode, 'l.product_code': s.productCode })
        .where('s.sold_at', '>=', STRATEGY_TEST_NOW - 28 * DAY_MS)
        .sum({ sold: 'l.quantity' })) as [{ sold: number | null }];
      const f = s.reason.figures!;
      expect(f.stock).toBe(Number(stock.quantity));
      expect(f.soldInWindow).toBe(Number(sold ?? 0));
      expect(f.avgDailySales).toBeCloseTo(Number(sold ?? 0) / 28, 10);
      expect(s.reason.text).toContain(`库存 ${f.stock}`);
    }
    // Progress ends where it said it would.
    expect(progress.length).toBeGreaterThan(0);
    const [lastDone, lastTotal] = progress.at(-1)!;
    expect(lastDone).toBe(lastTotal);
    expect(progress.every(([done, total]) => done <= total)).toBe(true);
  });

  it('does not repeat an open suggestion, and ends one whose condition cleared', async () => {
    clock.advance(3_600_000);
    const again = await strategies.recompute();
    expect(again.created).toBe(0);
    expect((await suggested()).length).toBe(5);
    // The empty shelf was filled: its restock suggestion ends unanswered.
    await app.services.db('inventory').where({ store_code: '01', product_code: 'P-ZERO' }).update({ quantity: 20 });
    // P-ZERO with 20 in stock and no sale becomes a slow mover: a different suggestion (promotion).
    const third = await strategies.recompute();
    expect(third.resolved).toBe(1);
    const ended = (await strategies.list({ states: ['ended'] })).items;
    expect(ended.map((s) => [s.productCode, s.kind, s.endedReason])).toEqual([['P-ZERO', 'restock', 'resolved']]);
    expect(find(await suggested(), 'P-ZERO')?.reason.codes).toEqual(['slow-mover']);
  });

  it('approves: active now with default dates, in the active promotions, audited', async () => {
    const over = find(await suggested(), 'P-OVER')!;
    const approved = await strategies.approve(over.id, byManager, { discountPercent: 15 });
    expect(approved.state).toBe('active');
    expect(approved.startsAt).toBe(clock.now());
    expect(approved.endsAt).toBe(clock.now() + 14 * DAY_MS);
    expect(approved.decidedBy).toMatchObject({ kind: 'user', name: 'manager-zhang' });
    expect(approved.promotionText).toBe('金龙鱼花生油5L 8.5折(至12/20)');
    const promotions = await strategies.activePromotions({ preferStoreCode: '01' });
    expect(promotions.map((p) => p.text)).toEqual(['金龙鱼花生油5L 8.5折(至12/20)']);
    const audit = await app.services.audit.search({ action: 'strategies.approve', page: 1, pageSize: 10 });
    expect(audit.items[0]).toMatchObject({ username: 'manager-zhang', target: String(over.id) });
    expect(audit.items[0]!.detail).toMatchObject({ productCode: 'P-OVER', discountPercent: 15 });
    // Approving twice is refused with a code a staff text can be answered from.
    expect(await codeOf(strategies.approve(over.id, staffOf01))).toBe('STRATEGY_NOT_PENDING');
  });

  it('a staff member decides only for their stores; unknown numbers are named', async () => {
    const rice = find(await suggested(), 'P-RICE')!;
    expect(await codeOf(strategies.approve(rice.id, staffOf02))).toBe('STRATEGY_STORE_NOT_ALLOWED');
    expect(await codeOf(strategies.reject(999_999, staffOf01))).toBe('STRATEGY_NOT_FOUND');
    expect((await strategies.get(rice.id)).state).toBe('suggested');
  });

  it('a future start waits (approved), starts and ends by the clock', async () => {
    const rice = find(await suggested(), 'P-RICE')!;
    const startsAt = clock.now() + DAY_MS;
    const endsAt = startsAt + 3 * DAY_MS;
    const approved = await strategies.approve(rice.id, staffOf01, { startsAt, endsAt });
    expect(approved.state).toBe('approved');
    expect(approved.decidedBy).toMatchObject({ kind: 'staff', name: '李店长', staffId: 7 });
    expect((await strategies.activePromotions({})).map((p) => p.productCode)).toEqual(['P-OVER']);
    const audit = await app.services.audit.search({ action: 'strategies.approve', page: 1, pageSize: 1 });
    expect(audit.items[0]).toMatchObject({ username: 'staff:李店长', ip: 'sms:13800000007' });

    clock.set(startsAt);
    expect((await strategies.get(rice.id)).state).toBe('active');
    expect((await strategies.activePromotions({})).map((p) => p.productCode).sort()).toEqual(['P-OVER', 'P-RICE']);
    clock.set(endsAt);
    const over = await strategies.get(rice.id);
    expect(over).toMatchObject({ state: 'ended', endedReason: 'expired' });
    expect((await strategies.activePromotions({})).map((p) => p.productCode)).toEqual(['P-OVER']);
  });

  it('dates are checked', async () => {
    const slow = find(await suggested(), 'P-SLOW')!;
    expect(await codeOf(strategies.approve(slow.id, byManager, { endsAt: clock.now() - 1 }))).toBe('STRATEGY_DATES_INVALID');
    expect(await codeOf(strategies.approve(slow.id, byManager, { startsAt: clock.now() + 5 * DAY_MS, endsAt: clock.now() + 2 * DAY_MS }))).toBe('STRATEGY_DATES_INVALID');
    expect(await codeOf(strategies.approve(slow.id, byManager, { discountPercent: 95 }))).toBe('STRATEGY_DISCOUNT_INVALID');
    const restock = find(await suggested(), 'P-LOW', 'restock')!;
    expect(await codeOf(strategies.approve(restock.id, byManager, { discountPercent: 10 }))).toBe('STRATEGY_NOT_PROMOTION');
  });

  it('a rejection holds an equal suggestion back for the cool-down, then it comes back', async () => {
    const slow = find(await suggested(), 'P-SLOW')!;
    const rejected = await strategies.reject(slow.id, staffOf01, '下周有厂家活动');
    expect(rejected).toMatchObject({ state: 'rejected', decisionNote: '下周有厂家活动' });
    const held = await strategies.recompute();
    expect(held.coolingDown).toBe(1);
    expect(find(await suggested(), 'P-SLOW')).toBeUndefined();
    clock.advance(13 * DAY_MS);
    expect((await strategies.recompute()).coolingDown).toBe(1);
    clock.advance(DAY_MS + 1);
    await strategies.recompute();
    const back = find(await suggested(), 'P-SLOW')!;
    expect(back.id).not.toBe(slow.id);
    // History kept: the rejected one is still there.
    expect((await strategies.get(slow.id)).state).toBe('rejected');
  });

  it('a hand-typed promotion for every store sits after the preferred store’s own', async () => {
    const manual = await strategies.createManualPromotion(byManager, { text: '鸡蛋 每斤4.99元', storeCode: null, startsAt: clock.now(), endsAt: clock.now() + 2 * DAY_MS });
    expect(manual).toMatchObject({ origin: 'manual', state: 'active', storeCode: null });
    // The first P-OVER promotion ran its 14 days; the engine suggested it again: approve it for store 01.
    expect((await strategies.list({ states: ['ended'], kinds: ['promotion'] })).items.some((s) => s.productCode === 'P-OVER')).toBe(true);
    await strategies.approve(find(await suggested(), 'P-OVER')!.id, byManager);
    // Store 02's member: its own store has nothing; the all-stores one, then store 01's.
    const for02 = await strategies.activePromotions({ preferStoreCode: '02' });
    expect(for02[0]!.strategyId).toBe(manual.id);
    const for01 = await strategies.activePromotions({ preferStoreCode: '01' });
    expect(for01.map((p) => p.storeCode)).toEqual(['01', null]);
    expect(await strategies.activePromotions({ storeCodes: ['02'] })).toHaveLength(1);
    expect(await codeOf(strategies.createManualPromotion(byManager, { text: ' ', storeCode: null, startsAt: clock.now(), endsAt: clock.now() + DAY_MS }))).toBe('STRATEGY_TEXT_INVALID');
    expect(await codeOf(strategies.createManualPromotion(staffOf02, { text: '饮料第二件半价', storeCode: '01', startsAt: clock.now(), endsAt: clock.now() + DAY_MS }))).toBe('STRATEGY_STORE_NOT_ALLOWED');
  });

  it('pushes an approved promotion to the category’s recent buyers with consent, once per member', async () => {
    // A fresh P-RICE promotion (the first one ended): buyers of 粮油 at store 01 in 90 days.
    await app.services.db('strategies').where({ product_code: 'P-RICE' }).delete();
    await sell(app.services.db, clock.now(), '01', 'P-RICE', 1, 1); // sold in the window again (no member)
    await strategies.recompute();
    const rice = find(await suggested(), 'P-RICE')!;
    expect(await codeOf(strategies.pushAudience(rice.id))).toBe('STRATEGY_NOT_APPROVED');
    await strategies.approve(rice.id, byManager);
    const audience = await strategies.pushAudience(rice.id);
    // Member 1 only: 2 has no consent, 3 bought too long ago, 4 bought 生鲜, 5 bought at store 02.
    expect(audience.count).toBe(1);
    expect(audience.sample).toEqual([{ memberId: memberIds[0], name: '会员1', mobile: '139****0001' }]);
    const first = await strategies.pushToMembers(rice.id, MANAGER, '');
    expect(first.queued + first.deferred).toBe(1);
    const rows = (await app.services.db('outbox_messages').where('batch_id', first.batchId!).select('recipient', 'category', 'idempotency_key', 'text')) as Array<Record<string, string>>;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ category: 'marketing', idempotency_key: `strategy:${rice.id}:${memberIds[0]}` });
    expect(rows[0]!.text).toContain('五常大米5kg');
    const second = await strategies.pushToMembers(rice.id, MANAGER, '再次提醒');
    expect(second).toMatchObject({ duplicates: 1, queued: 0 });
    expect((await strategies.get(rice.id)).pushBatchId).toBe(first.batchId);
  });

  it('a recompute can be cancelled, and only one runs at a time', async () => {
    const controller = new AbortController();
    controller.abort();
    const cancelled = await strategies.recompute({ signal: controller.signal });
    expect(cancelled.state).toBe('cancelled');
    const started = await strategies.startRecompute();
    expect(await codeOf(strategies.recompute())).toBe('STRATEGY_RECOMPUTE_RUNNING');
    await started.done;
    expect((await strategies.lastRun())!.state).toBe('finished');
  });

  it('new sales move a suggestion: a refreshed reason, the same id', async () => {
    const low = find(await suggested(), 'P-LOW', 'restock')!;
    await sell(app.services.db, clock.now(), '01', 'P-LOW', 20, 0.1);
    const summary = await strategies.recompute();
    expect(summary.refreshed).toBeGreaterThanOrEqual(1);
    const refreshed = await strategies.get(low.id);
    expect(refreshed.state).toBe('suggested');
    expect(refreshed.reason.figures!.soldInWindow).not.toBe(low.reason.figures!.soldInWindow);
  });
});
