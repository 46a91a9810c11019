/**
 * Reads what the engine decides from, out of the local mirror (never the POS):
 * per store, each product's stock and its sales over the look-back.
 *
 * Sales are summed per product in short time slices (a week of one store's
 * receipts per query) and merged: SUM and MAX merge across slices, each query
 * stays short on the appliance's single database connection (SMS sending goes
 * on between slices), and a recompute can stop between any two.
 */
import type { Knex } from 'knex';
import { DAY_MS } from './decide.js';

/** Days per aggregate query: one store's week of receipts. */
export const SLICE_DAYS = 7;

export interface ProductSales {
  /** Units sold since each window start (same order as the windows asked for). */
  sold: number[];
  lastSoldAt: number;
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

/** The time slices [from, to) covering the look-back, newest last. */
export function slicesOf(now: number, lookbackDays: number, sliceDays = SLICE_DAYS): Array<{ from: number; to: number }> {
  const start = now - lookbackDays * DAY_MS;
  const slices: Array<{ from: number; to: number }> = [];
  for (let from = start; from < now; from += sliceDays * DAY_MS) slices.push({ from, to: Math.min(now, from + sliceDays * DAY_MS) });
  return slices;
}

/**
 * Sums one slice of one store's sales per product into `into`: units since each
 * window start, and the last sale time. Sale lines join their receipt for the
 * store and the time (the receipt_no index of sale_lines serves the join).
 */
export async function addSalesSlice(
  db: Knex,
  storeCode: string,
  slice: { from: number; to: number },
  windowStarts: readonly number[],
  into: Map<string, ProductSales>,
): Promise<void> {
  const sums = windowStarts.map((_, i) => `SUM(CASE WHEN s.sold_at >= ? THEN l.quantity ELSE 0 END) AS w${i}`).join(', ');
  const rows = (await db.raw(
    `SELECT l.product_code AS product_code, ${sums}${sums ? ', ' : ''}MAX(s.sold_at) AS last_sold_at
     FROM sales s JOIN sale_lines l ON l.receipt_no = s.receipt_no
     WHERE s.store_code = ? AND s.sold_at >= ? AND s.sold_at < ?
     GROUP BY l.product_code`,
    [...windowStarts, storeCode, slice.from, slice.to],
  )) as Array<Record<string, unknown>> | { rows: Array<Record<string, unknown>> };
  for (const row of Array.isArray(rows) ? rows : rows.rows) {
    const code = String(row['product_code']);
    const last = Number(row['last_sold_at']);
    let entry = into.get(code);
    if (!entry) {
      entry = { sold: windowStarts.map(() => 0), lastSoldAt: last };
      into.set(code, entry);
    }
    for (let i = 0; i < windowStarts.length; i++) entry.sold[i]! += Number(row[`w${i}`] ?? 0);
    if (last > entry.lastSoldAt) entry.lastSoldAt = last;
  }
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
