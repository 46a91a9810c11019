import path from 'node:path';
import fc from 'fast-check';
import type { Knex } from 'knex';
import type sqlite3 from 'sqlite3';
import { describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../auth/audit.js';
import { ManualClock } from '../clock.js';
import { createTestAppliance, tempDir } from '../../tests/support/appliance.js';
import { closeSqliteFile, openSqliteFile } from './demo/sinks.js';
import { SALES_DAY_MS, aggregateChanges, rebuildSalesAggregate, type LineContribution } from './sales-aggregate.js';

function exec(db: sqlite3.Database, sql: string, params: unknown[] = []): Promise<void> {
  return new Promise((resolve, reject) => db.run(sql, params, (error: Error | null) => (error ? reject(error) : resolve())));
}

const line = (over: Partial<LineContribution> = {}): LineContribution => ({ storeCode: '01', productCode: 'P1', soldAt: 10 * SALES_DAY_MS + 3_600_000, quantity: 2, amountCents: 500, ...over });

describe('what a batch does to the sales aggregate (pure)', () => {
  it('a new line is an increment of its day row; lines of one day row add up', () => {
    const changes = aggregateChanges([
      { before: null, after: line() },
      { before: null, after: line({ quantity: 3, amountCents: 700, soldAt: 10 * SALES_DAY_MS + 7_200_000 }) },
      { before: null, after: line({ productCode: 'P2' }) },
    ]);
    expect(changes.recount).toEqual([]);
    expect(changes.increments).toEqual([
      { storeCode: '01', productCode: 'P1', day: 10, quantity: 5, amountCents: 1200, lines: 2, lastSoldAt: 10 * SALES_DAY_MS + 7_200_000 },
      { storeCode: '01', productCode: 'P2', day: 10, quantity: 2, amountCents: 500, lines: 1, lastSoldAt: 10 * SALES_DAY_MS + 3_600_000 },
    ]);
  });

  it('an unchanged line changes nothing; one that changes or goes recounts the day row it left', () => {
    expect(aggregateChanges([{ before: line(), after: line() }])).toEqual({ increments: [], recount: [] });
    expect(aggregateChanges([{ before: line(), after: line({ quantity: 1 }) }])).toEqual({ increments: [], recount: [{ storeCode: '01', productCode: 'P1', day: 10 }] });
    expect(aggregateChanges([{ before: line(), after: null }])).toEqual({ increments: [], recount: [{ storeCode: '01', productCode: 'P1', day: 10 }] });
    // Moved to another product and day: the old row is recounted, the new one incremented.
    const moved = aggregateChanges([{ before: line(), after: line({ productCode: 'P9', soldAt: 11 * SALES_DAY_MS }) }]);
    expect(moved.recount).toEqual([{ storeCode: '01', productCode: 'P1', day: 10 }]);
    expect(moved.increments).toEqual([{ storeCode: '01', productCode: 'P9', day: 11, quantity: 2, amountCents: 500, lines: 1, lastSoldAt: 11 * SALES_DAY_MS }]);
  });

  it('a day row that is recounted is not also incremented (the recount reads every line)', () => {
    const changes = aggregateChanges([
      { before: line(), after: null },
      { before: null, after: line({ quantity: 7 }) },
    ]);
    expect(changes.increments).toEqual([]);
    expect(changes.recount).toEqual([{ storeCode: '01', productCode: 'P1', day: 10 }]);
  });
});

/** The aggregate counted from scratch, independently of the code under test. */
async function recount(db: Knex) {
  const days = (await db.raw(
    `SELECT s.store_code AS store_code, l.product_code AS product_code, CAST(s.sold_at / ${SALES_DAY_MS} AS INTEGER) AS day,
            SUM(l.quantity) AS quantity, SUM(l.amount_cents) AS amount_cents, COUNT(*) AS lines, MAX(s.sold_at) AS last_sold_at
     FROM sales s JOIN sale_lines l ON l.receipt_no = s.receipt_no WHERE s.store_code IS NOT NULL
     GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
  )) as Array<Record<string, unknown>>;
  const last = (await db.raw(
    `SELECT s.store_code AS store_code, l.product_code AS product_code, MAX(s.sold_at) AS last_sold_at
     FROM sales s JOIN sale_lines l ON l.receipt_no = s.receipt_no WHERE s.store_code IS NOT NULL
     GROUP BY 1, 2 ORDER BY 1, 2`,
  )) as Array<Record<string, unknown>>;
  return { days: days.map((r) => ({ ...r, quantity: Number(r['quantity']) })), last };
}

async function aggregate(db: Knex) {
  const days = (await db('sales_daily').orderBy(['store_code', 'product_code', 'day']).select('store_code', 'product_code', 'day', 'quantity', 'amount_cents', 'lines', 'last_sold_at')) as Array<Record<string, unknown>>;
  const last = await db('sales_last_sold').orderBy(['store_code', 'product_code']).select('store_code', 'product_code', 'last_sold_at');
  return { days: days.map((r) => ({ ...r, quantity: Number(r['quantity']) })), last };
}

describe('the sales aggregate kept by the sync', () => {
  it('property: after random syncs of new, changed, moved, hidden and deleted receipts and lines, the aggregate equals a recount of the lines', { timeout: 120_000 }, async () => {
    const temp = tempDir('storemas-sales-aggregate-');
    const clock = new ManualClock(Date.UTC(2026, 10, 22, 2));
    const app = await createTestAppliance({ clock });
    const pos = await openSqliteFile(path.join(temp.dir, 'pos.sqlite'));
    const db = app.services.db;
    try {
      // Receipts a query can hide (a POS that writes the lines before the receipt, or a receipt filtered out).
      await exec(pos, 'CREATE TABLE rcpt (no TEXT PRIMARY KEY, store TEXT, at INTEGER NOT NULL, visible INTEGER NOT NULL, changed INTEGER NOT NULL)');
      await exec(pos, 'CREATE TABLE line (no TEXT NOT NULL, line INTEGER NOT NULL, item TEXT NOT NULL, qty REAL NOT NULL, money INTEGER NOT NULL, changed INTEGER NOT NULL, PRIMARY KEY (no, line))');
      const store = app.services.store;
      const { id } = await store.createConnection(CLI_ACTOR, { name: 'prop', client: 'sqlite', settings: { file: path.join(temp.dir, 'pos.sqlite') } });
      await store.setMapping(CLI_ACTOR, id, 'sales', {
        source: { kind: 'query', sql: 'SELECT no, store, at, changed FROM rcpt WHERE visible = 1' },
        fields: { receipt_no: { column: 'no' }, store_code: { column: 'store' }, sold_at: { column: 'at', format: 'epoch-ms' }, total_cents: { column: 'changed', unit: 'fen' } },
        watermark: { column: 'changed', kind: 'id' },
        detectDeletes: true,
      });
      await store.setMapping(CLI_ACTOR, id, 'sale_lines', {
        source: { kind: 'query', sql: 'SELECT no, line, item, qty, money, changed FROM line' },
        fields: { receipt_no: { column: 'no' }, line_no: { column: 'line' }, product_code: { column: 'item' }, quantity: { column: 'qty' }, amount_cents: { column: 'money', unit: 'fen' } },
        watermark: { column: 'changed', kind: 'id' },
        detectDeletes: true,
      });
      let stamp = 0;
      let mostDayRows = 0;

      // Sale times over three days, some at a day's very first and last millisecond.
      const base = Date.UTC(2026, 10, 19);
      const time = fc.oneof(fc.integer({ min: 0, max: 3 * SALES_DAY_MS - 1 }), fc.constantFrom(0, SALES_DAY_MS - 1, SALES_DAY_MS, 2 * SALES_DAY_MS - 1)).map((t) => base + t);
      const receiptNo = fc.integer({ min: 1, max: 5 }).map((n) => `R${n}`);
      const lineNo = fc.integer({ min: 1, max: 3 });
      const item = fc.constantFrom('P1', 'P2', 'P3');
      const qty = fc.constantFrom(1, 2, 0.5, 1.25, -1);
      const op = fc.oneof(
        { weight: 4, arbitrary: fc.record({ kind: fc.constant('receipt' as const), no: receiptNo, store: fc.constantFrom('01', '02', '02', null), at: time, visible: fc.constantFrom(true, true, true, false) }) },
        { weight: 6, arbitrary: fc.record({ kind: fc.constant('line' as const), no: receiptNo, line: lineNo, item, qty, money: fc.integer({ min: -500, max: 5000 }) }) },
        { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete-line' as const), no: receiptNo, line: lineNo }) },
        { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete-receipt' as const), no: receiptNo }) },
        { weight: 2, arbitrary: fc.record({ kind: fc.constant('sync' as const), mode: fc.constantFrom('incremental' as const, 'incremental' as const, 'full' as const) }) },
      );
      const sync = async (mode: 'incremental' | 'full') => {
        clock.advance(1_000);
        const result = await (await store.startSync(CLI_ACTOR, id, { mode })).done;
        expect(result.state).toBe('finished');
      };
      await fc.assert(
        fc.asyncProperty(fc.array(op, { minLength: 8, maxLength: 24 }), async (ops) => {
          // Each run from an empty POS and mirror, so a counterexample is the whole story.
          await exec(pos, 'DELETE FROM line');
          await exec(pos, 'DELETE FROM rcpt');
          for (const table of ['sale_lines', 'sales', 'sales_daily', 'sales_last_sold']) await db(table).delete();
          await db('store_mappings').where('connection_id', id).update({ watermark: null });
          for (const o of ops) {
            stamp += 1;
            if (o.kind === 'receipt') {
              await exec(pos, 'INSERT INTO rcpt VALUES (?, ?, ?, ?, ?) ON CONFLICT (no) DO UPDATE SET store = excluded.store, at = excluded.at, visible = excluded.visible, changed = excluded.changed', [o.no, o.store, o.at, o.visible ? 1 : 0, stamp]);
            } else if (o.kind === 'line') {
              await exec(pos, 'INSERT INTO line VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (no, line) DO UPDATE SET item = excluded.item, qty = excluded.qty, money = excluded.money, changed = excluded.changed', [o.no, o.line, o.item, o.qty, o.money, stamp]);
            } else if (o.kind === 'delete-line') {
              await exec(pos, 'DELETE FROM line WHERE no = ? AND line = ?', [o.no, o.line]);
            } else if (o.kind === 'delete-receipt') {
              await exec(pos, 'DELETE FROM line WHERE no = ?', [o.no]);
              await exec(pos, 'DELETE FROM rcpt WHERE no = ?', [o.no]);
            } else {
              await sync(o.mode);
              expect(await aggregate(db)).toEqual(await recount(db));
            }
          }
          await sync('full');
          const counted = await recount(db);
          expect(await aggregate(db)).toEqual(counted);
          mostDayRows = Math.max(mostDayRows, counted.days.length);
        }),
        { numRuns: 15 },
      );
      // The runs did count sales (not only empty mirrors).
      expect(mostDayRows).toBeGreaterThanOrEqual(3);
      // The rebuild (for mirrors synced before the aggregate) gives the same.
      const kept = await aggregate(db);
      await db('sales_daily').update({ quantity: 999 });
      await db('sales_last_sold').delete();
      await rebuildSalesAggregate(db);
      expect(await aggregate(db)).toEqual(kept);
    } finally {
      await closeSqliteFile(pos);
      await app.close();
      temp.remove();
    }
  });
});
