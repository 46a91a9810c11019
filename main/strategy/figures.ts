/**
 * Reads what the engine decides from, out of the local mirror (never the POS):
 * per store, each product's stock and its sales over the look-back.
 *
 * Sales come from the day totals the sync keeps (sales_daily, sales_last_sold:
 * main/store/sales-aggregate.ts): a window's whole days from the totals, the two
 * part days at its edges (where the window starts, and today up to now) from the
 * store's receipts of those days — so a window is exactly [now − N days, now),
 * as if every line were read, for the cost of reading N days of totals.
 */
import type { Knex } from 'knex';
import { SALES_DAY_MS, salesDayOf } from '../store/sales-aggregate.js';
import { rawRows } from '../db/raw-rows.js';

export interface ProductSales {
  /** Units sold since each window start (same order as the windows asked for). */
  sold: number[];
  /** Last sale within the look-back, null if none. */
  lastSoldAt: number | null;
}

export interface StockRow {
  productCode: string;
  productName: string | null;
  category: string | null;
  stock: number;
  priceCents: number | null;
  /** The product is gone from the POS (or never was in the product list). */
  deleted: boolean;
  known: boolean;
}

/** Units and last sale per product of one store's receipts in [from, to): the mirror's lines, for part days. */
async function linesBetween(db: Knex, storeCode: string, from: number, to: number): Promise<Map<string, { quantity: number; last: number }>> {
  const found = new Map<string, { quantity: number; last: number }>();
  if (to <= from) return found;
  const rows = rawRows(
    await db.raw(
      `SELECT l.product_code AS product_code, SUM(l.quantity) AS quantity, MAX(s.sold_at) AS last
       FROM sales s JOIN sale_lines l ON l.receipt_no = s.receipt_no
       WHERE s.store_code = ? AND s.sold_at >= ? AND s.sold_at < ?
       GROUP BY l.product_code`,
      [storeCode, from, to],
    ),
  );
  for (const r of rows) found.set(String(r['product_code']), { quantity: Number(r['quantity']), last: Number(r['last']) });
  return found;
}

/**
 * One store's sales per product: units since each window start (each start
 * before now by at least a day) and the last sale in [now − lookbackDays, now).
 */
export async function salesOfStore(db: Knex, storeCode: string, now: number, windowStarts: readonly number[], lookbackDays: number): Promise<Map<string, ProductSales>> {
  const sales = new Map<string, ProductSales>();
  const entry = (code: string) => {
    let e = sales.get(code);
    if (!e) sales.set(code, (e = { sold: windowStarts.map(() => 0), lastSoldAt: null }));
    return e;
  };
  const today = salesDayOf(now);
  const startDays = windowStarts.map(salesDayOf);
  if (windowStarts.length > 0) {
    // Whole days after each window's first (part) day and before today.
    const sums = startDays.map((_, i) => `SUM(CASE WHEN day > ? THEN quantity ELSE 0 END) AS w${i}`).join(', ');
    const rows = rawRows(
      await db.raw(`SELECT product_code, ${sums} FROM sales_daily WHERE store_code = ? AND day > ? AND day < ? GROUP BY product_code`, [...startDays, storeCode, Math.min(...startDays), today]),
    );
    for (const r of rows) {
      const e = entry(String(r['product_code']));
      for (let i = 0; i < startDays.length; i++) e.sold[i]! += Number(r[`w${i}`] ?? 0);
    }
    // Each window's first day, from its start.
    for (const [i, start] of windowStarts.entries()) {
      for (const [code, part] of await linesBetween(db, storeCode, start, Math.min(now, (startDays[i]! + 1) * SALES_DAY_MS))) entry(code).sold[i]! += part.quantity;
    }
  }
  // Today up to now: in every window.
  const todaySoFar = await linesBetween(db, storeCode, today * SALES_DAY_MS, now);
  for (const [code, part] of todaySoFar) {
    const e = entry(code);
    for (let i = 0; i < e.sold.length; i++) e.sold[i]! += part.quantity;
  }
  // Last sales: the pair's own, unless it lies at or after now (a POS clock ahead, a test's clock behind).
  const lookbackStart = now - lookbackDays * SALES_DAY_MS;
  const last = rawRows(await db.raw('SELECT product_code, last_sold_at FROM sales_last_sold WHERE store_code = ? AND last_sold_at >= ?', [storeCode, lookbackStart]));
  for (const r of last) {
    const code = String(r['product_code']);
    let at: number | null = Number(r['last_sold_at']);
    if (at >= now) at = todaySoFar.get(code)?.last ?? (await lastSaleBefore(db, storeCode, code, today));
    if (at !== null && at >= lookbackStart) entry(code).lastSoldAt = at;
  }
  return sales;
}

/** A product's last sale in a store on a day before `day` (null if none). */
async function lastSaleBefore(db: Knex, storeCode: string, productCode: string, day: number): Promise<number | null> {
  const rows = rawRows(await db.raw('SELECT MAX(last_sold_at) AS at FROM sales_daily WHERE store_code = ? AND product_code = ? AND day < ?', [storeCode, productCode, day]));
  const at = rows[0]?.['at'];
  return at === null || at === undefined ? null : Number(at);
}

export interface ProductInfo {
  name: string | null;
  category: string | null;
  priceCents: number | null;
  deleted: boolean;
}

/** Every product's name, category, price and whether it is deleted: read once per recompute, used for every store. */
export async function productsByCode(db: Knex): Promise<Map<string, ProductInfo>> {
  const rows = (await db('products').select('code', 'name', 'category', 'price_cents', 'deleted_at')) as Array<{
    code: string;
    name: string | null;
    category: string | null;
    price_cents: number | string | null;
    deleted_at: number | string | null;
  }>;
  const products = new Map<string, ProductInfo>();
  for (const r of rows) {
    products.set(r.code, { name: r.name || null, category: r.category || null, priceCents: r.price_cents === null ? null : Number(r.price_cents), deleted: r.deleted_at !== null });
  }
  return products;
}

/** A store's stock rows with each product's name, category and whether it is deleted. */
export async function stockOfStore(db: Knex, storeCode: string, products: Map<string, ProductInfo>): Promise<StockRow[]> {
  const rows = (await db('inventory').where('store_code', storeCode).select('product_code', 'quantity')) as Array<{ product_code: string; quantity: number | string }>;
  return rows.map((r) => {
    const product = products.get(r.product_code);
    return {
      productCode: r.product_code,
      productName: product?.name ?? null,
      category: product?.category ?? null,
      stock: Number(r.quantity),
      priceCents: product?.priceCents ?? null,
      deleted: product?.deleted ?? false,
      known: product !== undefined,
    };
  });
}

/** Stores with stock in the mirror (a deleted store's stock is not evaluated). */
export async function storesWithStock(db: Knex): Promise<Array<{ code: string; name: string | null }>> {
  const rows = (await db('inventory as i')
    .leftJoin('stores as s', 's.code', 'i.store_code')
    .whereNull('s.deleted_at')
    .distinct('i.store_code', 's.name')
    .orderBy('i.store_code')) as Array<{ store_code: string; name: string | null }>;
  return rows.map((r) => ({ code: r.store_code, name: r.name }));
}
