import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { openSqlite } from '../db/connection.js';
import { migrateToLatest } from '../db/migrate.js';
import { rebuildSalesAggregate } from '../store/sales-aggregate.js';
import { tempDir } from '../../tests/support/appliance.js';
import { DAY_MS } from './decide.js';
import { salesOfStore } from './figures.js';

/**
 * The engine's sales figures come from day totals plus the part days at a
 * window's edges: they must equal what reading every line would give, for any
 * time of day, with sales on the edges and after now.
 */
describe('sales per product from the day totals', () => {
  const temp = tempDir('storemas-figures-');
  let db: Knex;
  beforeAll(async () => {
    db = openSqlite(path.join(temp.dir, 'mirror.sqlite'));
    await migrateToLatest(db);
  });
  afterAll(async () => {
    await db.destroy();
    temp.remove();
  });

  const sumOfLines = async (store: string, product: string, from: number, to: number) => {
    const [row] = (await db('sales as s').join('sale_lines as l', 'l.receipt_no', 's.receipt_no').where({ 's.store_code': store, 'l.product_code': product }).where('s.sold_at', '>=', from).where('s.sold_at', '<', to).sum({ q: 'l.quantity' }).max({ at: 's.sold_at' })) as [{ q: number | null; at: number | null }];
    return { sold: Number(row.q ?? 0), last: row.at === null ? null : Number(row.at) };
  };

  it('property: units per window and the last sale equal a sum over the lines', async () => {
    const now0 = Date.UTC(2026, 11, 6);
    const sale = fc.record({
      store: fc.constantFrom('01', '02'),
      product: fc.constantFrom('A', 'B', 'C'),
      // From 50 days before to 2 days after the day of `now`, some on the window edges exactly.
      at: fc.oneof(fc.integer({ min: -50 * DAY_MS, max: 2 * DAY_MS }), fc.constantFrom(-28 * DAY_MS, -7 * DAY_MS, -45 * DAY_MS, 0, -1)),
      quantity: fc.constantFrom(1, 2, 3, 0.5),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(sale, { maxLength: 40 }), fc.integer({ min: 0, max: DAY_MS - 1 }), async (sales, timeOfDay) => {
        const now = now0 + timeOfDay;
        await db('sale_lines').delete();
        await db('sales').delete();
        for (const [i, s] of sales.entries()) {
          // Edge cases are relative to now; the rest spread over the days.
          const at = now + s.at;
          await db('sales').insert({ receipt_no: `R${i}`, store_code: s.store, sold_at: at, total_cents: 0, updated_at: 0 });
          await db('sale_lines').insert({ receipt_no: `R${i}`, line_no: 1, product_code: s.product, quantity: s.quantity, amount_cents: 0, updated_at: 0 });
        }
        await rebuildSalesAggregate(db);
        const windows = [28, 7];
        for (const store of ['01', '02']) {
          const figures = await salesOfStore(db, store, now, windows.map((d) => now - d * DAY_MS), 45);
          for (const product of ['A', 'B', 'C']) {
            const got = figures.get(product) ?? { sold: [0, 0], lastSoldAt: null };
            for (const [i, days] of windows.entries()) expect(got.sold[i], `${store}/${product} ${days} days`).toBe((await sumOfLines(store, product, now - days * DAY_MS, now)).sold);
            expect(got.lastSoldAt, `${store}/${product} last sale`).toBe((await sumOfLines(store, product, now - 45 * DAY_MS, now)).last);
          }
        }
      }),
      { numRuns: 40 },
    );
  });
});
