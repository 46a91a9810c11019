import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMigratedPostgres, type DbServer } from '../../tests/support/dbservers.js';
import { DAY_MS } from '../strategy/decide.js';
import { salesOfStore } from '../strategy/figures.js';
import { SALES_DAY_MS, aggregateChanges, applyAggregateChanges, dayRowsLosing, rebuildSalesAggregate, type LineContribution } from './sales-aggregate.js';

const NOW = Date.UTC(2026, 11, 6, 4);

/** The aggregate's SQL (upserts, recounts, the rebuild) and the engine's read of it on a PostgreSQL mirror. */
describe('sales aggregate on PostgreSQL (a real server on 127.0.0.1)', () => {
  let server: DbServer;
  let db: Knex;

  beforeAll(async () => {
    ({ server, db } = await startMigratedPostgres());
  }, 120_000);
  afterAll(async () => {
    await db?.destroy();
    await server?.stop();
  });

  const recount = async () =>
    (
      (await db.raw(
        `SELECT s.store_code, l.product_code, CAST(s.sold_at / ${SALES_DAY_MS} AS INTEGER) AS day, SUM(l.quantity) AS quantity, SUM(l.amount_cents) AS amount_cents, COUNT(*) AS lines, MAX(s.sold_at) AS last_sold_at
         FROM sales s JOIN sale_lines l ON l.receipt_no = s.receipt_no WHERE s.store_code IS NOT NULL
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      )) as { rows: Array<Record<string, unknown>> }
    ).rows.map((r) => ({ ...r, day: Number(r['day']), quantity: Number(r['quantity']), amount_cents: Number(r['amount_cents']), lines: Number(r['lines']), last_sold_at: Number(r['last_sold_at']) }));
  const kept = async () =>
    ((await db('sales_daily').orderBy(['store_code', 'product_code', 'day']).select('store_code', 'product_code', 'day', 'quantity', 'amount_cents', 'lines', 'last_sold_at')) as Array<Record<string, unknown>>).map((r) => ({
      ...r,
      day: Number(r['day']),
      quantity: Number(r['quantity']),
      amount_cents: Number(r['amount_cents']),
      lines: Number(r['lines']),
      last_sold_at: Number(r['last_sold_at']),
    }));

  it('increments, recounts of a day row a line leaves, and the rebuild all equal a recount of the lines; the engine reads windows from them', async () => {
    const sales: Array<{ receipt: string; store: string; product: string; at: number; quantity: number }> = [
      { receipt: 'R1', store: '01', product: 'A', at: NOW - 3 * DAY_MS, quantity: 2 },
      { receipt: 'R2', store: '01', product: 'A', at: NOW - 3 * DAY_MS + 60_000, quantity: 1.5 },
      { receipt: 'R3', store: '01', product: 'B', at: NOW - 20 * DAY_MS, quantity: 4 },
      { receipt: 'R4', store: '02', product: 'A', at: NOW - 30 * DAY_MS, quantity: 1 },
      { receipt: 'R5', store: '01', product: 'A', at: NOW - 60_000, quantity: 3 },
    ];
    const changes: Array<{ before: LineContribution | null; after: LineContribution }> = [];
    for (const s of sales) {
      await db('sales').insert({ receipt_no: s.receipt, store_code: s.store, sold_at: s.at, total_cents: s.quantity * 100, updated_at: NOW });
      await db('sale_lines').insert({ receipt_no: s.receipt, line_no: 1, product_code: s.product, quantity: s.quantity, amount_cents: s.quantity * 100, updated_at: NOW });
      changes.push({ before: null, after: { storeCode: s.store, productCode: s.product, soldAt: s.at, quantity: s.quantity, amountCents: s.quantity * 100 } });
    }
    // Two batches hitting the same day row: the second adds to the first.
    await applyAggregateChanges(db, aggregateChanges(changes.slice(0, 1)));
    await applyAggregateChanges(db, aggregateChanges(changes.slice(1)));
    expect(await kept()).toEqual(await recount());
    expect(Number((await db('sales_last_sold').where({ store_code: '01', product_code: 'A' }).first('last_sold_at'))?.last_sold_at)).toBe(NOW - 60_000);

    // A line deleted: its day row is recounted from the lines that remain.
    const losing = await dayRowsLosing(db, 'l.receipt_no = ?', ['R2']);
    expect(losing).toEqual([{ storeCode: '01', productCode: 'A', day: Math.floor((NOW - 3 * DAY_MS) / SALES_DAY_MS) }]);
    await db('sale_lines').where('receipt_no', 'R2').delete();
    await applyAggregateChanges(db, { increments: [], recount: losing });
    expect(await kept()).toEqual(await recount());

    // The engine's windows, exact at the edges, as a sum over the lines gives.
    const figures = await salesOfStore(db, '01', NOW, [NOW - 7 * DAY_MS, NOW - 28 * DAY_MS], 90);
    expect(figures.get('A')).toEqual({ sold: [5, 5], lastSoldAt: NOW - 60_000 });
    expect(figures.get('B')).toEqual({ sold: [0, 4], lastSoldAt: NOW - 20 * DAY_MS });

    // The rebuild gives the same.
    const before = await kept();
    await db('sales_daily').update({ quantity: 999 });
    expect(await rebuildSalesAggregate(db)).toEqual({ days: before.length, pairs: 3 });
    expect(await kept()).toEqual(before);
  });
});
