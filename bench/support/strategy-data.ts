/**
 * A store-sized mirror for the strategy benchmark, written straight into the
 * mirror tables (what a sync would have left): a product master, a year of
 * receipts, and stock in one of two variants over the same sales.
 *
 * Sales: each store carries an assortment (a range every store has plus picks
 * of its own); a carried product sells at a rate from a floor up to a long
 * tail of best sellers, so nearly every carried product sells every few weeks.
 * About 5% of the carried products are slow movers: they sold earlier in the
 * year and not in the last 90 days.
 *
 * Stock, realistic: the carried products only, each at 9–60 days of its
 * expected sales (at least a facing of 4), the slow movers with shelf stock,
 * and a handful of best sellers per store nearly empty.
 *
 * Stock, worst case: every product in every store, at quantities unrelated to
 * sales (most 10–300, some 400–2,000, some 0–3), so nearly every stock row
 * becomes a suggestion — the most a recompute ever writes.
 */
import type { Knex } from 'knex';

export interface StrategyDataOptions {
  stores: number;
  products: number;
  /** Products each store carries (of `products`). */
  carried: number;
  receipts: number;
  linesPerReceipt: number;
  days: number;
  until: number;
  seed: number;
}

export type StockVariant = 'realistic' | 'worst-case';

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
const DAY_MS = 86_400_000;
/** Units per line on average: 80% one unit, 20% two to six. */
const UNITS_PER_LINE = 0.8 * 1 + 0.2 * 4;
/** A slow mover has not sold for this many days. */
const SLOW_FOR_DAYS = 90;
const SLOW_SHARE = 0.05;
const NEAR_EMPTY_PER_STORE = 8;

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

interface Assortment {
  /** Product indexes the store carries, best sellers first. */
  products: Int32Array;
  /** Cumulative sales weight (last = 1). */
  cumulative: Float64Array;
  /** Share of the store's lines each carried product takes. */
  share: Float64Array;
  slow: Uint8Array;
}

/** The mirror's sales and what each store carries; stock is written by writeStock. */
export interface StrategyData {
  saleLines: number;
  assortments: Assortment[];
  options: StrategyDataOptions;
}

/** What each store carries and sells (the same for the same options and seed). */
export function assortmentsOf(o: StrategyDataOptions): Assortment[] {
  const random = new Random(o.seed);
  // A shared range (70% of what a store carries) plus picks of the store's own.
  const order = Array.from({ length: o.products }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const core = Math.round(o.carried * 0.7);
  const assortments: Assortment[] = [];
  for (let s = 0; s < o.stores; s++) {
    const picked = new Set(order.slice(0, core));
    while (picked.size < o.carried) picked.add(order[random.int(core, o.products - 1)]!);
    const products = Int32Array.from(picked);
    // Rank within the store: mostly the shared order, shuffled a little per store.
    for (let i = products.length - 1; i > 0; i--) {
      if (random.next() < 0.3) {
        const j = Math.max(0, i - random.int(1, 200));
        [products[i], products[j]] = [products[j]!, products[i]!];
      }
    }
    // Weight: a floor every carried product has, plus a Zipf tail for the best sellers.
    const weights = new Float64Array(products.length);
    let zipfTotal = 0;
    for (let i = 0; i < products.length; i++) zipfTotal += 1 / (i + 1);
    let total = 0;
    for (let i = 0; i < products.length; i++) {
      weights[i] = 0.6 / products.length + (0.4 * (1 / (i + 1))) / zipfTotal;
      total += weights[i]!;
    }
    const slow = new Uint8Array(products.length);
    for (let i = 0; i < products.length; i++) if (i > 200 && random.next() < SLOW_SHARE) slow[i] = 1;
    const cumulative = new Float64Array(products.length);
    const share = new Float64Array(products.length);
    let running = 0;
    for (let i = 0; i < products.length; i++) {
      share[i] = weights[i]! / total;
      running += share[i]!;
      cumulative[i] = running;
    }
    cumulative[products.length - 1] = 1;
    assortments.push({ products, cumulative, share, slow });
  }
  return assortments;
}

export async function writeStrategyData(db: Knex, o: StrategyDataOptions, log: (line: string) => void = () => undefined): Promise<StrategyData> {
  const random = new Random(o.seed + 3);
  const now = o.until;
  await db.transaction(async (trx) => {
    await insertRows(trx, 'stores', ['code', 'name', 'created_at', 'updated_at'], Array.from({ length: o.stores }, (_, i) => [storeCode(i), `门店${i + 1}`, now, now]));
    const products: unknown[][] = [];
    for (let p = 0; p < o.products; p++) products.push([productCode(p), `商品${p + 1}`, CATEGORIES[p % CATEGORIES.length], 500 + (p % 50) * 100, now, now]);
    await insertRows(trx, 'products', ['code', 'name', 'category', 'price_cents', 'created_at', 'updated_at'], products);
  });
  const assortments = assortmentsOf(o);
  const pick = (a: Assortment, recent: boolean): number => {
    for (;;) {
      const r = random.next();
      let lo = 0;
      let hi = a.products.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (a.cumulative[mid]! < r) lo = mid + 1;
        else hi = mid;
      }
      if (!(recent && a.slow[lo])) return a.products[lo]!;
    }
  };

  let saleLines = 0;
  const start = now - o.days * DAY_MS;
  const slowSince = now - SLOW_FOR_DAYS * DAY_MS;
  const perTransaction = 50_000;
  for (let r0 = 0; r0 < o.receipts; r0 += perTransaction) {
    const sales: unknown[][] = [];
    const lines: unknown[][] = [];
    for (let r = r0; r < Math.min(o.receipts, r0 + perTransaction); r++) {
      const receipt = `R${r}`;
      // Receipts in time order, so the bench reads the mirror as a sync would have written it.
      const at = start + Math.floor(((r + random.next()) / o.receipts) * o.days * DAY_MS);
      const store = random.int(0, o.stores - 1);
      sales.push([receipt, storeCode(store), at, 0, now]);
      const count = random.int(1, o.linesPerReceipt * 2 - 1);
      for (let l = 0; l < count; l++) {
        const quantity = random.next() < 0.8 ? 1 : random.int(2, 6);
        lines.push([receipt, l + 1, productCode(pick(assortments[store]!, at >= slowSince)), quantity, quantity * 500, now]);
        saleLines++;
      }
    }
    await db.transaction(async (trx) => {
      await insertRows(trx, 'sales', ['receipt_no', 'store_code', 'sold_at', 'total_cents', 'updated_at'], sales);
      await insertRows(trx, 'sale_lines', ['receipt_no', 'line_no', 'product_code', 'quantity', 'amount_cents', 'updated_at'], lines);
    });
    if ((r0 / perTransaction) % 10 === 0) log(`  receipts ${r0.toLocaleString()} / ${o.receipts.toLocaleString()}`);
  }
  return { saleLines, assortments, options: o };
}

/** Replaces the mirror's stock with one variant; returns the number of stock rows. */
export async function writeStock(db: Knex, data: StrategyData, variant: StockVariant): Promise<number> {
  const o = data.options;
  const random = new Random(o.seed + (variant === 'realistic' ? 1 : 2));
  const linesPerStoreDay = (o.receipts / o.stores / o.days) * o.linesPerReceipt;
  await db('inventory').delete();
  let written = 0;
  for (let s = 0; s < o.stores; s++) {
    const rows: unknown[][] = [];
    if (variant === 'realistic') {
      const a = data.assortments[s]!;
      let nearEmpty = 0;
      for (let i = 0; i < a.products.length; i++) {
        const unitsPerDay = a.share[i]! * linesPerStoreDay * UNITS_PER_LINE;
        let quantity: number;
        if (a.slow[i]) quantity = random.int(6, 40);
        else if (i < 100 && nearEmpty < NEAR_EMPTY_PER_STORE && random.next() < 0.1) {
          quantity = random.int(0, 2);
          nearEmpty++;
        } else quantity = Math.max(4, Math.round(unitsPerDay * (9 + random.next() * 51)));
        rows.push([storeCode(s), productCode(a.products[i]!), quantity, o.until]);
      }
    } else {
      for (let p = 0; p < o.products; p++) {
        const r = random.next();
        const quantity = r < 0.06 ? random.int(0, 3) : r < 0.16 ? random.int(400, 2000) : random.int(10, 300);
        rows.push([storeCode(s), productCode(p), quantity, o.until]);
      }
    }
    await db.transaction((trx) => insertRows(trx, 'inventory', ['store_code', 'product_code', 'quantity', 'updated_at'], rows));
    written += rows.length;
  }
  return written;
}
