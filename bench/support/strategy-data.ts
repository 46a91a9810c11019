/**
 * A store-sized mirror for the strategy benchmark, written straight into the
 * mirror tables (what a sync would have left): stores × products stock rows and
 * a year of receipts whose products follow a long-tailed popularity, so there
 * are fast sellers, slow movers, overstock and near-empty shelves.
 */
import type { Knex } from 'knex';

export interface StrategyDataOptions {
  stores: number;
  products: number;
  receipts: number;
  linesPerReceipt: number;
  days: number;
  until: number;
  seed: number;
}

class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
}

const CATEGORIES = ['粮油', '饮料', '零食', '日化', '生鲜', '冷冻', '酒水', '母婴', '家居', '文具'];

async function insertRows(db: Knex, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  const per = Math.floor(30_000 / columns.length);
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per);
    const tuple = `(${columns.map(() => '?').join(',')})`;
    await db.raw(`INSERT INTO ${table} (${columns.join(',')}) VALUES ${new Array(chunk.length).fill(tuple).join(',')}`, chunk.flat() as Knex.RawBinding[]);
  }
}

export const storeCode = (i: number): string => String(i + 1).padStart(2, '0');
export const productCode = (i: number): string => `P${String(i + 1).padStart(6, '0')}`;

export async function writeStrategyData(db: Knex, o: StrategyDataOptions, log: (line: string) => void = () => undefined): Promise<{ saleLines: number }> {
  const random = new Random(o.seed);
  const now = o.until;
  await db.transaction(async (trx) => {
    await insertRows(trx, 'stores', ['code', 'name', 'created_at', 'updated_at'], Array.from({ length: o.stores }, (_, i) => [storeCode(i), `门店${i + 1}`, now, now]));
    const products: unknown[][] = [];
    for (let p = 0; p < o.products; p++) products.push([productCode(p), `商品${p + 1}`, CATEGORIES[p % CATEGORIES.length], now, now]);
    await insertRows(trx, 'products', ['code', 'name', 'category', 'created_at', 'updated_at'], products);
  });
  // Popularity: Zipf-like, shuffled so the best sellers are spread over the codes.
  const cumulative = new Float64Array(o.products);
  let total = 0;
  for (let i = 0; i < o.products; i++) {
    total += 1 / Math.pow(i + 1, 1.05);
    cumulative[i] = total;
  }
  for (let i = 0; i < o.products; i++) cumulative[i]! /= total;
  const order = Array.from({ length: o.products }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const pick = () => {
    const r = random.next();
    let lo = 0;
    let hi = o.products - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    return order[lo]!;
  };

  let saleLines = 0;
  const start = now - o.days * 86_400_000;
  const perTransaction = 50_000;
  for (let r0 = 0; r0 < o.receipts; r0 += perTransaction) {
    const sales: unknown[][] = [];
    const lines: unknown[][] = [];
    for (let r = r0; r < Math.min(o.receipts, r0 + perTransaction); r++) {
      const receipt = `R${r}`;
      // Receipts in time order, so the bench reads the mirror as a sync would have written it.
      const at = start + Math.floor(((r + random.next()) / o.receipts) * o.days * 86_400_000);
      sales.push([receipt, storeCode(random.int(0, o.stores - 1)), at, 0, now]);
      const count = random.int(1, o.linesPerReceipt * 2 - 1);
      for (let l = 0; l < count; l++) {
        lines.push([receipt, l + 1, productCode(pick()), random.next() < 0.8 ? 1 : random.int(2, 6), 0, now]);
        saleLines++;
      }
    }
    await db.transaction(async (trx) => {
      await insertRows(trx, 'sales', ['receipt_no', 'store_code', 'sold_at', 'total_cents', 'updated_at'], sales);
      await insertRows(trx, 'sale_lines', ['receipt_no', 'line_no', 'product_code', 'quantity', 'amount_cents', 'updated_at'], lines);
    });
    if ((r0 / perTransaction) % 10 === 0) log(`  receipts ${r0.toLocaleString()} / ${o.receipts.toLocaleString()}`);
  }
  // Stock: most shelves normal, some nearly empty, some piled up.
  for (let s = 0; s < o.stores; s++) {
    const rows: unknown[][] = [];
    for (let p = 0; p < o.products; p++) {
      const r = random.next();
      const quantity = r < 0.06 ? random.int(0, 3) : r < 0.16 ? random.int(400, 2000) : random.int(10, 300);
      rows.push([storeCode(s), productCode(p), quantity, now]);
    }
    await db.transaction((trx) => insertRows(trx, 'inventory', ['store_code', 'product_code', 'quantity', 'updated_at'], rows));
  }
  return { saleLines };
}
