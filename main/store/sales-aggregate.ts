/**
 * Sales per (store, product, day) and each (store, product)'s last sale, kept
 * in step with the mirror's receipts and sale lines (tables sales_daily and
 * sales_last_sold, migration 20261206_1400), so the strategy engine reads a few
 * weeks of day totals instead of a year of lines.
 *
 * A line counts under its receipt's store and the UTC day of its sale time
 * (what joining sale_lines to sales gives; a line whose receipt is not mirrored
 * yet, or has no store, counts once the receipt arrives). The mirror's writer
 * asks what a batch changes before writing it: a line or receipt that adds
 * sales is an increment of its day row; one that takes sales away (a line
 * changed or deleted, a receipt moved to another store or time) has its day row
 * recounted from the lines after the write — exact, and the day's last sale
 * time is right again — and then that product's last sale in the store.
 */
import type { Knex } from 'knex';
import { rawRows } from '../db/raw-rows.js';

export const SALES_DAY_MS = 86_400_000;

/** The day number a sale time counts under (UTC days since 1970). */
export const salesDayOf = (at: number): number => Math.floor(at / SALES_DAY_MS);

/** What one sale line adds to the aggregate: its receipt's store and time, its product and figures. */
export interface LineContribution {
  storeCode: string;
  productCode: string;
  soldAt: number;
  quantity: number;
  amountCents: number;
}

/** A line's contribution before a write and after it (null: it counts nowhere). */
export interface LineChange {
  before: LineContribution | null;
  after: LineContribution | null;
}

export interface DayKey {
  storeCode: string;
  productCode: string;
  day: number;
}

export interface DayIncrement extends DayKey {
  quantity: number;
  amountCents: number;
  lines: number;
  lastSoldAt: number;
}

export interface AggregateChanges {
  /** Day rows that only gain sales: added to. */
  increments: DayIncrement[];
  /** Day rows that lose a sale: counted again from the lines after the write. */
  recount: DayKey[];
}

const keyOf = (k: DayKey) => `${k.storeCode}\u0001${k.day}\u0001${k.productCode}`;

function sameContribution(a: LineContribution | null, b: LineContribution | null): boolean {
  if (a === null || b === null) return a === b;
  return a.storeCode === b.storeCode && a.productCode === b.productCode && a.soldAt === b.soldAt && a.quantity === b.quantity && a.amountCents === b.amountCents;
}

/**
 * What a set of line changes does to the aggregate: an unchanged line nothing;
 * a line that stops counting where it did makes its day row a recount; a line
 * that starts counting is an increment — unless its day row is recounted
 * anyway (the recount reads it).
 */
export function aggregateChanges(changes: Iterable<LineChange>): AggregateChanges {
  const increments = new Map<string, DayIncrement>();
  const recount = new Map<string, DayKey>();
  for (const { before, after } of changes) {
    if (sameContribution(before, after)) continue;
    if (before) {
      const key = { storeCode: before.storeCode, productCode: before.productCode, day: salesDayOf(before.soldAt) };
      recount.set(keyOf(key), key);
    }
    if (after) {
      const day = salesDayOf(after.soldAt);
      const key = keyOf({ storeCode: after.storeCode, productCode: after.productCode, day });
      const entry = increments.get(key);
      if (entry) {
        entry.quantity += after.quantity;
        entry.amountCents += after.amountCents;
        entry.lines += 1;
        if (after.soldAt > entry.lastSoldAt) entry.lastSoldAt = after.soldAt;
      } else {
        increments.set(key, { storeCode: after.storeCode, productCode: after.productCode, day, quantity: after.quantity, amountCents: after.amountCents, lines: 1, lastSoldAt: after.soldAt });
      }
    }
  }
  for (const key of recount.keys()) increments.delete(key);
  return { increments: [...increments.values()], recount: [...recount.values()] };
}

/** Keys per IN list: well under every engine's bound parameters. */
const KEYS_PER_QUERY = 500;
const ROWS_PER_UPSERT = 400;
/** Past this many day rows to recount, one full recount is cheaper. */
const RECOUNT_ALL_ABOVE = 20_000;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const maxOf = (table: string) => `CASE WHEN excluded.last_sold_at > ${table}.last_sold_at THEN excluded.last_sold_at ELSE ${table}.last_sold_at END`;

/** Applies the changes, after the mirror rows they describe are written (same transaction). */
export async function applyAggregateChanges(trx: Knex, changes: AggregateChanges): Promise<void> {
  if (changes.recount.length > RECOUNT_ALL_ABOVE) {
    await rebuildSalesAggregate(trx);
    return;
  }
  for (const chunk of chunks(changes.increments, ROWS_PER_UPSERT)) {
    const bindings: Knex.RawBinding[] = [];
    for (const r of chunk) bindings.push(r.storeCode, r.productCode, r.day, r.quantity, r.amountCents, r.lines, r.lastSoldAt);
    await trx.raw(
      `INSERT INTO sales_daily (store_code, product_code, day, quantity, amount_cents, lines, last_sold_at)
       VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}
       ON CONFLICT (store_code, day, product_code) DO UPDATE SET
         quantity = sales_daily.quantity + excluded.quantity,
         amount_cents = sales_daily.amount_cents + excluded.amount_cents,
         lines = sales_daily.lines + excluded.lines,
         last_sold_at = ${maxOf('sales_daily')}`,
      bindings,
    );
  }
  const lastSold = new Map<string, { storeCode: string; productCode: string; at: number }>();
  for (const r of changes.increments) {
    const key = `${r.storeCode}\u0001${r.productCode}`;
    const entry = lastSold.get(key);
    if (!entry) lastSold.set(key, { storeCode: r.storeCode, productCode: r.productCode, at: r.lastSoldAt });
    else if (r.lastSoldAt > entry.at) entry.at = r.lastSoldAt;
  }
  for (const chunk of chunks([...lastSold.values()], ROWS_PER_UPSERT)) {
    const bindings: Knex.RawBinding[] = [];
    for (const r of chunk) bindings.push(r.storeCode, r.productCode, r.at);
    await trx.raw(
      `INSERT INTO sales_last_sold (store_code, product_code, last_sold_at) VALUES ${chunk.map(() => '(?, ?, ?)').join(', ')}
       ON CONFLICT (store_code, product_code) DO UPDATE SET last_sold_at = ${maxOf('sales_last_sold')}`,
      bindings,
    );
  }
  await recountDays(trx, changes.recount);
}

/** Counts these day rows again from the mirror's lines, then those products' last sale in their store. */
async function recountDays(trx: Knex, keys: readonly DayKey[]): Promise<void> {
  if (keys.length === 0) return;
  const byStoreDay = new Map<string, { storeCode: string; day: number; products: Set<string> }>();
  const byStore = new Map<string, Set<string>>();
  for (const k of keys) {
    const sd = `${k.storeCode}\u0001${k.day}`;
    let group = byStoreDay.get(sd);
    if (!group) byStoreDay.set(sd, (group = { storeCode: k.storeCode, day: k.day, products: new Set() }));
    group.products.add(k.productCode);
    let products = byStore.get(k.storeCode);
    if (!products) byStore.set(k.storeCode, (products = new Set()));
    products.add(k.productCode);
  }
  for (const { storeCode, day, products } of byStoreDay.values()) {
    for (const chunk of chunks([...products], KEYS_PER_QUERY)) {
      const list = chunk.map(() => '?').join(', ');
      await trx.raw(`DELETE FROM sales_daily WHERE store_code = ? AND day = ? AND product_code IN (${list})`, [storeCode, day, ...chunk]);
      await trx.raw(
        `INSERT INTO sales_daily (store_code, product_code, day, quantity, amount_cents, lines, last_sold_at)
         SELECT s.store_code, l.product_code, CAST(? AS INTEGER), SUM(l.quantity), SUM(l.amount_cents), COUNT(*), MAX(s.sold_at)
         FROM sales s JOIN sale_lines l ON l.receipt_no = s.receipt_no
         WHERE s.store_code = ? AND s.sold_at >= ? AND s.sold_at < ? AND l.product_code IN (${list})
         GROUP BY s.store_code, l.product_code`,
        [day, storeCode, day * SALES_DAY_MS, (day + 1) * SALES_DAY_MS, ...chunk],
      );
    }
  }
  for (const [storeCode, products] of byStore) {
    for (const chunk of chunks([...products], KEYS_PER_QUERY)) {
      const list = chunk.map(() => '?').join(', ');
      await trx.raw(`DELETE FROM sales_last_sold WHERE store_code = ? AND product_code IN (${list})`, [storeCode, ...chunk]);
      await trx.raw(
        `INSERT INTO sales_last_sold (store_code, product_code, last_sold_at)
         SELECT store_code, product_code, MAX(last_sold_at) FROM sales_daily
         WHERE store_code = ? AND product_code IN (${list})
         GROUP BY store_code, product_code`,
        [storeCode, ...chunk],
      );
    }
  }
}

/** Counts the whole aggregate again from the mirror's receipts and lines (for mirrors synced before it existed, or after a mass delete). */
export async function rebuildSalesAggregate(db: Knex): Promise<{ days: number; pairs: number }> {
  await db.raw('DELETE FROM sales_last_sold');
  await db.raw('DELETE FROM sales_daily');
  await db.raw(
    `INSERT INTO sales_daily (store_code, product_code, day, quantity, amount_cents, lines, last_sold_at)
     SELECT s.store_code, l.product_code, s.sold_at / ${SALES_DAY_MS}, SUM(l.quantity), SUM(l.amount_cents), COUNT(*), MAX(s.sold_at)
     FROM sales s JOIN sale_lines l ON l.receipt_no = s.receipt_no
     WHERE s.store_code IS NOT NULL
     GROUP BY s.store_code, l.product_code, s.sold_at / ${SALES_DAY_MS}`,
  );
  await db.raw(
    `INSERT INTO sales_last_sold (store_code, product_code, last_sold_at)
     SELECT store_code, product_code, MAX(last_sold_at) FROM sales_daily GROUP BY store_code, product_code`,
  );
  const count = async (table: string) => Number(((await db(table).count({ n: '*' })) as Array<{ n: number | string }>)[0]?.n ?? 0);
  return { days: await count('sales_daily'), pairs: await count('sales_last_sold') };
}

// ---- what a batch changes, read before it is written --------------------------------------

interface ReceiptPlace {
  storeCode: string | null;
  soldAt: number;
}

interface LineFigures {
  productCode: string;
  quantity: number;
  amountCents: number;
}

const contribution = (receipt: ReceiptPlace | undefined, line: LineFigures | undefined): LineContribution | null =>
  receipt && line && receipt.storeCode !== null ? { storeCode: receipt.storeCode, soldAt: receipt.soldAt, ...line } : null;

async function receiptsByNo(trx: Knex, receiptNos: readonly string[]): Promise<Map<string, ReceiptPlace>> {
  const found = new Map<string, ReceiptPlace>();
  for (const chunk of chunks(receiptNos, KEYS_PER_QUERY)) {
    const rows = (await trx('sales').whereIn('receipt_no', chunk).select('receipt_no', 'store_code', 'sold_at')) as Array<{ receipt_no: string; store_code: string | null; sold_at: number | string }>;
    for (const r of rows) found.set(r.receipt_no, { storeCode: r.store_code, soldAt: Number(r.sold_at) });
  }
  return found;
}

async function linesOfReceipts(trx: Knex, receiptNos: readonly string[]): Promise<Map<string, LineFigures & { receiptNo: string }>> {
  const found = new Map<string, LineFigures & { receiptNo: string }>();
  for (const chunk of chunks(receiptNos, KEYS_PER_QUERY)) {
    const rows = (await trx('sale_lines').whereIn('receipt_no', chunk).select('receipt_no', 'line_no', 'product_code', 'quantity', 'amount_cents')) as Array<{
      receipt_no: string;
      line_no: number | string;
      product_code: string;
      quantity: number | string;
      amount_cents: number | string;
    }>;
    for (const r of rows) found.set(`${r.receipt_no}\u0001${Number(r.line_no)}`, { receiptNo: r.receipt_no, productCode: r.product_code, quantity: Number(r.quantity), amountCents: Number(r.amount_cents) });
  }
  return found;
}

/** A batch of sale lines about to be upserted: each line's contribution now and once written. */
export async function saleLineChanges(trx: Knex, rows: ReadonlyArray<Record<string, unknown>>): Promise<LineChange[]> {
  const receiptNos = [...new Set(rows.map((r) => String(r['receipt_no'])))];
  const receipts = await receiptsByNo(trx, receiptNos);
  const lines = await linesOfReceipts(trx, receiptNos);
  const changes: LineChange[] = [];
  for (const row of rows) {
    const receiptNo = String(row['receipt_no']);
    const key = `${receiptNo}\u0001${Number(row['line_no'])}`;
    const receipt = receipts.get(receiptNo);
    const next = { receiptNo, productCode: String(row['product_code']), quantity: Number(row['quantity']), amountCents: Number(row['amount_cents']) };
    changes.push({ before: contribution(receipt, lines.get(key)), after: contribution(receipt, next) });
    // A key twice in one batch: the second write replaces the first.
    lines.set(key, next);
  }
  return changes;
}

/**
 * A batch of receipts about to be upserted: the lines of every receipt that is
 * new or changes store or time, under its place now and once written (a
 * mapping without the store keeps the mirror's store).
 */
export async function receiptChanges(trx: Knex, rows: ReadonlyArray<Record<string, unknown>>, storeMapped: boolean): Promise<LineChange[]> {
  const receipts = await receiptsByNo(trx, [...new Set(rows.map((r) => String(r['receipt_no'])))]);
  const moved = new Map<string, { before: ReceiptPlace | undefined; after: ReceiptPlace }>();
  for (const row of rows) {
    const receiptNo = String(row['receipt_no']);
    const before = moved.get(receiptNo)?.before ?? receipts.get(receiptNo);
    const storeCode = storeMapped ? ((row['store_code'] as string | null | undefined) ?? null) : (receipts.get(receiptNo)?.storeCode ?? null);
    const after = { storeCode, soldAt: Number(row['sold_at']) };
    moved.set(receiptNo, { before, after });
  }
  for (const [receiptNo, { before, after }] of moved) {
    if (before && before.storeCode === after.storeCode && before.soldAt === after.soldAt) moved.delete(receiptNo);
  }
  if (moved.size === 0) return [];
  const changes: LineChange[] = [];
  for (const line of (await linesOfReceipts(trx, [...moved.keys()])).values()) {
    const { before, after } = moved.get(line.receiptNo)!;
    changes.push({ before: contribution(before, line), after: contribution(after, line) });
  }
  return changes;
}

/**
 * Day rows that lose the lines matching `condition` (on sale lines `l` joined to
 * their receipts `s`), read before those rows are deleted.
 */
export async function dayRowsLosing(trx: Knex, condition: string, bindings: readonly Knex.RawBinding[]): Promise<DayKey[]> {
  const rows = rawRows<{ store_code: string; product_code: string; day: number | string }>(
    await trx.raw(
      `SELECT DISTINCT s.store_code AS store_code, l.product_code AS product_code, s.sold_at / ${SALES_DAY_MS} AS day
       FROM sale_lines l JOIN sales s ON s.receipt_no = l.receipt_no
       WHERE s.store_code IS NOT NULL AND (${condition})`,
      bindings,
    ),
  );
  return rows.map((r) => ({ storeCode: r.store_code, productCode: r.product_code, day: Number(r.day) }));
}
