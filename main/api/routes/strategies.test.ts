import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../clock.js';
import { DAY_MS } from '../../strategy/decide.js';
import { STRATEGY_TEST_NOW, seedStrategyMirror } from '../../strategy/testing.js';
import type { StrategyDto } from '../schemas/strategies.js';
import { createTestAppliance, type ApiClient, type TestAppliance } from '../../../tests/support/appliance.js';

describe('strategies API', () => {
  let app: TestAppliance;
  let clock: ManualClock;
  let manager: ApiClient;
  let operator: ApiClient;

  beforeAll(async () => {
    clock = new ManualClock(STRATEGY_TEST_NOW);
    app = await createTestAppliance({ clock });
    await seedStrategyMirror(app.services.db);
    manager = await app.client('manager');
    operator = await app.client('operator');
  });
  afterAll(() => app.close());

  const suggestions = async (client: ApiClient): Promise<StrategyDto[]> => (await client.get('/api/strategies?states=suggested&pageSize=100')).json().items;

  it('recomputes on request; operators read the board but may not recompute or decide', async () => {
    expect((await operator.post('/api/strategies/recompute', { wait: true })).statusCode).toBe(403);
    const run = await manager.post('/api/strategies/recompute', { wait: true });
    expect(run.statusCode).toBe(200);
    expect(run.json()).toMatchObject({ state: 'finished', created: 5 });
    const items = await suggestions(operator);
    expect(items).toHaveLength(5);
    // Most at stake first: 480 bottles of oil at 89.90 lead.
    expect(items[0]).toMatchObject({ productCode: 'P-OVER', storeName: '人民路店', reason: { codes: ['overstock-cover'] } });
    expect((await operator.get('/api/strategies/counts')).json()).toEqual({ suggested: 5, approved: 0, active: 0, ended: 0, rejected: 0 });
    expect((await operator.get('/api/strategies?states=suggested&kinds=restock')).json().total).toBe(2);
    expect((await operator.get('/api/strategies?q=大米')).json().items.map((s: StrategyDto) => s.productCode)).toEqual(['P-RICE']);
    expect((await operator.get('/api/strategies/recompute')).json()).toMatchObject({ running: null, last: { state: 'finished', trigger: 'api' } });
    expect((await operator.post(`/api/strategies/${items[0]!.id}/approve`, {})).statusCode).toBe(403);
  });

  it('approves with dates and a discount; the promotion is active and listed for 促销', async () => {
    const over = (await suggestions(manager)).find((s) => s.productCode === 'P-OVER')!;
    const endsAt = STRATEGY_TEST_NOW + 7 * DAY_MS;
    const approved = await manager.post(`/api/strategies/${over.id}/approve`, { endsAt, discountPercent: 20 });
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ state: 'active', endsAt, discountPercent: 20, decidedBy: { kind: 'user', name: 'test-manager' } });
    const promotions = (await operator.get('/api/strategies/active-promotions?preferStoreCode=01')).json().items;
    expect(promotions).toEqual([expect.objectContaining({ strategyId: over.id, text: '金龙鱼花生油5L 8折(至12/13)' })]);
    const again = await manager.post(`/api/strategies/${over.id}/approve`, {});
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('STRATEGY_NOT_PENDING');
    // Change the end, then end it early.
    const moved = await manager.patch(`/api/strategies/${over.id}`, { endsAt: endsAt + DAY_MS });
    expect(moved.json().endsAt).toBe(endsAt + DAY_MS);
    const series = (await operator.get(`/api/strategies/${over.id}/series`)).json();
    expect(series.days).toHaveLength(28);
    expect(series.days.reduce((sum: number, d: { sold: number }) => sum + d.sold, 0)).toBe(171);
  });

  it('rejects with a reason; a missing id is a clear 404', async () => {
    const slow = (await suggestions(manager)).find((s) => s.productCode === 'P-SLOW')!;
    const rejected = await manager.post(`/api/strategies/${slow.id}/reject`, { reason: '临期处理中' });
    expect(rejected.json()).toMatchObject({ state: 'rejected', decisionNote: '临期处理中' });
    const missing = await manager.post('/api/strategies/99999/reject', {});
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('STRATEGY_NOT_FOUND');
    const bad = await manager.post(`/api/strategies/${slow.id}/approve`, { discountPercent: 'lots' });
    expect(bad.statusCode).toBe(400);
  });

  it('a hand-typed promotion; the audience and a push of an approved one', async () => {
    const created = await manager.post('/api/strategies/promotions', { text: '鸡蛋 每斤4.99元', storeCode: '01', startsAt: clock.now(), endsAt: clock.now() + 3 * DAY_MS });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ origin: 'manual', state: 'active', promotionText: '鸡蛋 每斤4.99元(至12/9)' });
    const unknownStore = await manager.post('/api/strategies/promotions', { text: '全场9折', storeCode: '99', startsAt: clock.now(), endsAt: clock.now() + DAY_MS });
    expect(unknownStore.json().error.code).toBe('STRATEGY_STORE_NOT_ALLOWED');

    const rice = (await suggestions(manager)).find((s) => s.productCode === 'P-RICE')!;
    expect((await manager.get(`/api/strategies/${rice.id}/audience`)).json().error.code).toBe('STRATEGY_NOT_APPROVED');
    await manager.post(`/api/strategies/${rice.id}/approve`, {});
    const audience = (await manager.get(`/api/strategies/${rice.id}/audience`)).json();
    expect(audience).toMatchObject({ count: 1, sample: [{ name: '会员1', mobile: '139****0001' }] });
    expect(audience.preview.text).toContain('五常大米5kg');
    expect(audience.preview.text).toContain('回T退订');
    const pushed = await manager.post(`/api/strategies/${rice.id}/push`, { text: '{称呼}：五常大米本周9折，欢迎选购！' });
    expect(pushed.statusCode).toBe(200);
    expect(pushed.json()).toMatchObject({ queued: 1, duplicates: 0 });
    const audit = (await app.services.audit.search({ action: 'strategies.push', page: 1, pageSize: 5 })).items;
    expect(audit[0]).toMatchObject({ username: 'test-manager', target: String(rice.id) });
  });

  it('rules: listed with categories, validated, the default kept; only rule managers change them', async () => {
    const list = (await operator.get('/api/strategies/rules')).json();
    expect(list.categories).toEqual(['杂货', '生鲜', '粮油', '饮料']);
    const defaults = list.items.find((r: { storeCode: string | null; category: string | null }) => r.storeCode === null && r.category === null);
    const { id, enabled: _enabled, updatedAt: _u, updatedBy: _b, ...settings } = defaults;
    expect((await operator.post('/api/strategies/rules', { ...settings, category: '饮料' })).statusCode).toBe(403);
    const created = await manager.post('/api/strategies/rules', { ...settings, storeCode: '01', category: '饮料', slowDays: 20 });
    expect(created.statusCode).toBe(201);
    const clash = await manager.post('/api/strategies/rules', { ...settings, storeCode: '01', category: '饮料' });
    expect(clash.json().error.code).toBe('STRATEGY_RULE_EXISTS');
    const invalid = await manager.put(`/api/strategies/rules/${created.json().id}`, { ...settings, storeCode: '01', category: '饮料', lowCoverDays: 200 });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error).toMatchObject({ code: 'STRATEGY_RULE_INVALID', details: { field: 'lowCoverDays' } });
    const removeDefault = await manager.delete(`/api/strategies/rules/${id}`);
    expect(removeDefault.json().error.code).toBe('STRATEGY_RULE_DEFAULT');
    expect((await manager.delete(`/api/strategies/rules/${created.json().id}`)).statusCode).toBe(200);
  });

  it('cancel with nothing running says so', async () => {
    const response = await manager.post('/api/strategies/recompute/cancel', {});
    expect(response.statusCode).toBe(409);
    expect(response.json().error.code).toBe('STRATEGY_RECOMPUTE_NOT_RUNNING');
  });
});
