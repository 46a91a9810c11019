import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../auth/audit.js';
import { ManualClock } from '../clock.js';
import { writeDemoSqlite } from '../store/demo/sinks.js';
import { createTestAppliance, tempDir, type TestAppliance } from '../../tests/support/appliance.js';
import { DAY_MS } from './decide.js';
import type { Strategy } from './types.js';

const DEMO = { members: 300, products: 120, stores: 3, receipts: 1500, days: 90, until: Date.UTC(2026, 10, 21, 14) };

/**
 * The engine on the demo POS: a real sync from the generated SQLite POS, the
 * recompute it triggers by itself, and every figure behind every suggestion
 * checked against the mirror with SQL written here.
 */
describe('strategies on the demo POS', () => {
  const temp = tempDir('storemas-strategies-demo-');
  let app: TestAppliance;
  let clock: ManualClock;
  let all: Strategy[];
  let stopStrategies: () => Promise<void>;

  beforeAll(async () => {
    const file = path.join(temp.dir, 'pos.sqlite');
    await writeDemoSqlite(file, DEMO);
    clock = new ManualClock(Date.UTC(2026, 10, 22, 2));
    app = await createTestAppliance({ clock });
    stopStrategies = app.services.strategies.start(); // as the served appliance does
    const connection = await app.services.store.createConnection(CLI_ACTOR, { name: 'demo', client: 'sqlite', settings: { file } });
    await app.services.store.applyPreset(CLI_ACTOR, connection.id, 'demo-pos');
    const { done } = await app.services.store.startSync(CLI_ACTOR, connection.id);
    expect((await done).state).toBe('finished');
    // The finished sync started a recompute by itself.
    for (let i = 0; i < 200 && !((await app.services.strategies.lastRun())?.state === 'finished' && !app.services.strategies.recomputing); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    all = (await app.services.strategies.list({ states: ['suggested'], limit: 500 })).items;
  }, 120_000);
  afterAll(async () => {
    await stopStrategies();
    await app.close();
    temp.remove();
  });

  it('recomputes after the sync on its own', async () => {
    expect(await app.services.strategies.lastRun()).toMatchObject({ trigger: 'sync', state: 'finished' });
  });

  it('finds the slow movers and the near-empty shelves the demo has', () => {
    const codes = new Set(all.flatMap((s) => s.reason.codes));
    expect(codes.has('slow-mover')).toBe(true);
    expect(codes.has('low-min') || codes.has('low-cover')).toBe(true);
    expect(all.some((s) => s.kind === 'restock')).toBe(true);
    expect(all.some((s) => s.kind === 'promotion')).toBe(true);
  });

  it('every reason figure agrees with the mirror', async () => {
    const db = app.services.db;
    const now = clock.now();
    for (const s of all) {
      const f = s.reason.figures!;
      const stock = (await db('inventory').where({ store_code: s.storeCode, product_code: s.productCode }).first('quantity')) as { quantity: number };
      expect(f.stock, `${s.id} stock`).toBeCloseTo(Number(stock.quantity), 6);
      const [window] = (await db('sales as s')
        .join('sale_lines as l', 'l.receipt_no', 's.receipt_no')
        .where({ 's.store_code': s.storeCode, 'l.product_code': s.productCode })
        .where('s.sold_at', '>=', now - f.windowDays * DAY_MS)
        .sum({ sold: 'l.quantity' })) as [{ sold: number | null }];
      expect(f.soldInWindow, `${s.id} sold`).toBeCloseTo(Number(window.sold ?? 0), 6);
      expect(f.avgDailySales).toBeCloseTo(f.soldInWindow / f.windowDays, 9);
      const [last] = (await db('sales as s')
        .join('sale_lines as l', 'l.receipt_no', 's.receipt_no')
        .where({ 's.store_code': s.storeCode, 'l.product_code': s.productCode })
        .where('s.sold_at', '>=', now - 45 * DAY_MS)
        .max({ at: 's.sold_at' })) as [{ at: number | null }];
      expect(f.lastSoldAt, `${s.id} last sale`).toBe(last.at === null ? null : Number(last.at));
      if (s.reason.codes.includes('slow-mover')) expect(f.lastSoldAt === null || now - f.lastSoldAt >= 45 * DAY_MS).toBe(true);
      if (s.reason.codes.includes('low-min')) expect(f.stock).toBeLessThan(f.threshold!);
      if (f.daysOfCover !== null) expect(f.daysOfCover).toBeCloseTo(f.stock / f.avgDailySales, 6);
      expect(s.reason.text).toContain(`库存 ${Number.isInteger(f.stock) ? f.stock : Math.round(f.stock * 10) / 10}`);
      const product = (await db('products').where('code', s.productCode).first('deleted_at', 'name')) as { deleted_at: number | null; name: string };
      expect(product.deleted_at).toBeNull();
      expect(s.productName).toBe(product.name);
    }
  });
});
