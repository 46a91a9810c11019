/**
 * One recomputation of the strategies from the mirror: for each store, its
 * sales over the windows (day totals the sync keeps) and the last sale of each
 * product, then its stock rows against the
 * rules (pure decisions in decide.ts), then what changed written a chunk at a
 * time — new suggestions inserted, changed ones refreshed, cleared ones ended.
 * Progress after every step; cancellable between any two.
 */
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { EventBus } from '../events/bus.js';
import { DAY_MS, decide, lookbackDaysOf, ruleFor, type Decision } from './decide.js';
import { productsByCode, salesOfStore, stockOfStore, storesWithStock, type ProductInfo, type ProductSales } from './figures.js';
import { OPEN_STRATEGY_STATES, type RecomputeSummary, type StrategyKind, type StrategyRule } from './types.js';

export interface RecomputeContext {
  db: Knex;
  clock: Clock;
  events: EventBus;
  logger: Logger;
  /** The rules as they are now. */
  rules(): Promise<StrategyRule[]>;
  /** Starts and ends strategies by their dates. */
  sweep(now: number): Promise<{ activated: number; ended: number }>;
}

/** Stock rows evaluated (and written) per step: one short transaction each. */
const EVALUATE_CHUNK = 2_000;
/** SQLite page cache while recomputing (the sync uses the same). */
const RECOMPUTE_PAGE_CACHE_KIB = 32_768;

const openKey = (storeCode: string, productCode: string, kind: StrategyKind) => `${storeCode}|${productCode}|${kind}`;

/** The decision's columns as the row keeps them (also what tells an unchanged suggestion). */
function decisionColumns(decision: Decision, signature: string): Record<string, unknown> {
  return {
    reason_codes: decision.codes.join(','),
    reason_text: decision.text,
    figures: JSON.stringify(decision.figures),
    discount_percent: decision.discountPercent,
    buy_n_get_one: decision.buyNGetOne,
    restock_quantity: decision.restockQuantity,
    limit_per_customer: decision.limitPerCustomer,
    price_rise_percent: decision.priceRisePercent,
    signature,
  };
}

/**
 * A short hash of what a manager sees of a suggestion (reason words, action):
 * equal hashes mean nothing to refresh, so a recompute reads one short column
 * per open suggestion instead of its text (cyrb53; a collision only skips one refresh).
 */
export function signatureOf(decision: Pick<Decision, 'codes' | 'text' | 'discountPercent' | 'buyNGetOne' | 'restockQuantity' | 'limitPerCustomer' | 'priceRisePercent'>): string {
  const text = [decision.codes.join(','), decision.text, decision.discountPercent, decision.buyNGetOne, decision.restockQuantity, decision.limitPerCustomer, decision.priceRisePercent].join('\u0001');
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

function priorityOf(decision: Decision, priceCents: number | null): number {
  const price = priceCents ?? 100;
  const { stock, avgDailySales } = decision.figures;
  return Math.round(decision.kind === 'promotion' ? stock * price : Math.max(avgDailySales, 0.01) * price);
}

class Cancelled extends Error {}

/** Sets SQLite's page cache (negative: KiB) and returns the previous value; other engines ignore it. */
async function pageCache(db: Knex, value: number): Promise<number | undefined> {
  if (db.client.config.client !== 'sqlite3') return undefined;
  try {
    const rows = (await db.raw('PRAGMA cache_size')) as Array<{ cache_size: number }>;
    await db.raw(`PRAGMA cache_size = ${Math.trunc(value)}`);
    return rows[0]?.cache_size;
  } catch {
    return undefined;
  }
}

const INSERT_COLUMNS = [
  'kind',
  'state',
  'origin',
  'store_code',
  'product_code',
  'product_name',
  'category',
  'open_key',
  'reason_codes',
  'reason_text',
  'figures',
  'discount_percent',
  'buy_n_get_one',
  'restock_quantity',
  'limit_per_customer',
  'price_rise_percent',
  'signature',
  'promotion_days',
  'priority',
  'created_at',
  'updated_at',
] as const;
const ROWS_PER_INSERT = 400;
const insertStatements = new Map<number, string>();

/**
 * New suggestions, many rows per INSERT with the SQL built once per row count
 * (a first recompute writes hundreds of thousands). A race with another
 * writer of the same open suggestion keeps the first (the unique open_key).
 */
async function insertSuggestions(trx: Knex, rows: ReadonlyArray<Record<string, unknown>>): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const chunk = rows.slice(i, i + ROWS_PER_INSERT);
    let sql = insertStatements.get(chunk.length);
    if (!sql) {
      const tuple = `(${INSERT_COLUMNS.map(() => '?').join(',')})`;
      sql = `INSERT INTO strategies (${INSERT_COLUMNS.join(',')}) VALUES ${new Array(chunk.length).fill(tuple).join(',')} ON CONFLICT (open_key) DO NOTHING`;
      if (chunk.length === ROWS_PER_INSERT || chunk.length < 50) insertStatements.set(chunk.length, sql);
    }
    const bindings: unknown[] = [];
    for (const row of chunk) for (const column of INSERT_COLUMNS) bindings.push(row[column] ?? null);
    await trx.raw(sql, bindings as Knex.RawBinding[]);
  }
}

export async function recomputeStrategies(ctx: RecomputeContext, runId: number, startedAt: number, signal: AbortSignal, onProgress?: (done: number, total: number) => void): Promise<RecomputeSummary> {
  const { clock, events } = ctx;
  const summary: RecomputeSummary = {
    runId,
    state: 'finished',
    startedAt,
    finishedAt: startedAt,
    durationMs: 0,
    evaluated: 0,
    created: 0,
    refreshed: 0,
    resolved: 0,
    coolingDown: 0,
    activated: 0,
    ended: 0,
    errorMessage: null,
  };
  const jobId = `strategies-${runId}`;
  let done = 0;
  let total = 0;
  let lastReport = 0;
  const began = performance.now();
  const report = (state: 'running' | 'finished' | 'failed' | 'cancelled', force = false) => {
    const t = performance.now();
    if (!force && t - lastReport < 250) return;
    lastReport = t;
    const seconds = (t - began) / 1000;
    const rate = seconds > 0.05 ? done / seconds : null;
    onProgress?.(done, total);
    events.publish(
      'job.progress',
      {
        jobId,
        kind: 'strategies.recompute',
        label: '营销策略计算',
        done,
        total,
        ratePerSecond: rate === null ? null : Math.round(rate),
        etaSeconds: rate ? Math.round(Math.max(0, total - done) / rate) : null,
        state,
      },
      'strategies.read',
    );
  };
  // A first recompute writes a suggestion per shelf; index pages fit a 32 MiB cache, given back after.
  const cacheBefore = await pageCache(ctx.db, -RECOMPUTE_PAGE_CACHE_KIB);
  try {
    const now = clock.now();
    const swept = await ctx.sweep(now);
    summary.activated = swept.activated;
    summary.ended = swept.ended;
    const rules = (await ctx.rules()).filter((r) => r.enabled);
    const lookbackDays = lookbackDaysOf(rules);
    const windows = [...new Set(rules.map((r) => r.windowDays))].sort((a, b) => a - b);
    const windowStarts = windows.map((days) => now - days * DAY_MS);
    const stores = await storesWithStock(ctx.db);
    const products = await productsByCode(ctx.db);
    const rowsPerStore = new Map(
      ((await ctx.db('inventory').groupBy('store_code').select('store_code').count({ c: '*' })) as Array<{ store_code: string; c: number | string }>).map((r) => [r.store_code, Number(r.c)]),
    );
    // Steps: the store's sales, then one per chunk of stock rows evaluated and written.
    total = stores.reduce((sum, s) => sum + 1 + Math.ceil((rowsPerStore.get(s.code) ?? 0) / EVALUATE_CHUNK) + 1, 0);
    report('running', true);
    const yieldNow = () => new Promise((resolve) => setImmediate(resolve));
    const check = () => {
      if (signal.aborted) throw new Cancelled();
    };
    for (const store of stores) {
      check();
      const sales = await salesOfStore(ctx.db, store.code, now, windowStarts, lookbackDays);
      done += 1;
      report('running');
      check();
      await yieldNow();
      await evaluateStore(ctx, store.code, now, rules, windows, lookbackDays, products, sales, summary, () => {
        done += 1;
        report('running');
        check();
      });
      done += 1;
      await yieldNow();
    }
  } catch (error) {
    if (error instanceof Cancelled) {
      summary.state = 'cancelled';
      summary.errorMessage = 'The recompute was cancelled. Stores finished before the cancel keep their new suggestions.';
    } else {
      summary.state = 'failed';
      summary.errorMessage = error instanceof Error ? error.message : String(error);
      ctx.logger.warn({ err: error, runId }, 'strategy recompute failed');
    }
  } finally {
    if (cacheBefore !== undefined) await pageCache(ctx.db, cacheBefore);
  }
  summary.finishedAt = clock.now();
  summary.durationMs = Math.round(performance.now() - began);
  await ctx.db('strategy_runs').where('id', runId).update({ state: summary.state, finished_at: summary.finishedAt, summary: JSON.stringify(summary) });
  report(summary.state, true);
  events.publish('strategies.changed', { ids: [], reason: 'recompute' }, 'strategies.read');
  return summary;
}

/** Evaluates one store's stock rows against the rules and writes the changes, a chunk per transaction. */
async function evaluateStore(
ctx: RecomputeContext,
  storeCode: string,
  now: number,
  rules: StrategyRule[],
  windows: number[],
  lookbackDays: number,
  products: Map<string, ProductInfo>,
  sales: Map<string, ProductSales>,
  summary: RecomputeSummary,
  step: () => void,
): Promise<void> {
  const stock = await stockOfStore(ctx.db, storeCode, products);
  const open = new Map<string, { id: number; state: string; signature: string | null }>();
  const openRows = (await ctx.db('strategies')
    .where({ origin: 'engine', store_code: storeCode })
    .whereIn('state', OPEN_STRATEGY_STATES)
    .whereNotNull('open_key')
    .select('id', 'state', 'product_code', 'kind', 'signature')) as Array<{ id: number; state: string; product_code: string | null; kind: string; signature: string | null }>;
  for (const row of openRows) {
    open.set(`${row.product_code}|${row.kind}`, { id: row.id, state: row.state, signature: row.signature });
  }
  const longestCooldown = Math.max(0, ...rules.map((r) => r.rejectCooldownDays));
  const rejectedAt = new Map<string, number>();
  if (longestCooldown > 0) {
    const rows = (await ctx.db('strategies')
      .where({ origin: 'engine', store_code: storeCode, state: 'rejected' })
      .where('decided_at', '>=', now - longestCooldown * DAY_MS)
      .groupBy('product_code', 'kind')
      .select('product_code', 'kind')
      .max({ at: 'decided_at' })) as Array<{ product_code: string; kind: string; at: number | string }>;
    for (const row of rows) rejectedAt.set(`${row.product_code}|${row.kind}`, Number(row.at));
  }
  const seen = new Set<number>();
  for (let i = 0; i < stock.length; i += EVALUATE_CHUNK) {
    const inserts: Array<Record<string, unknown>> = [];
    const updates: Array<{ id: number; columns: Record<string, unknown> }> = [];
    for (const row of stock.slice(i, i + EVALUATE_CHUNK)) {
      if (row.deleted) continue;
      const rule = ruleFor(rules, storeCode, row.category, row.productCode);
      if (!rule) continue;
      summary.evaluated += 1;
      const productSales = sales.get(row.productCode);
      const decisions = decide(
        { stock: row.stock, soldInWindow: productSales?.sold[windows.indexOf(rule.windowDays)] ?? 0, lastSoldAt: productSales?.lastSoldAt ?? null, lookbackDays },
        rule,
        now,
      );
      for (const decision of decisions) {
        const key = `${row.productCode}|${decision.kind}`;
        // The signature alone tells an unchanged suggestion: the row's columns (figures as JSON) only for what is written.
        const signature = signatureOf(decision);
        const existing = open.get(key);
        if (existing) {
          seen.add(existing.id);
          if (existing.state === 'suggested' && existing.signature !== signature) {
            updates.push({ id: existing.id, columns: { ...decisionColumns(decision, signature), product_name: row.productName ?? row.productCode, category: row.category, priority: priorityOf(decision, row.priceCents), promotion_days: rule.promotionDays, updated_at: now } });
          }
          continue;
        }
        const rejected = rejectedAt.get(key);
        if (rejected !== undefined && now - rejected < rule.rejectCooldownDays * DAY_MS) {
          summary.coolingDown += 1;
          continue;
        }
        inserts.push({
          kind: decision.kind,
          state: 'suggested',
          origin: 'engine',
          store_code: storeCode,
          product_code: row.productCode,
          product_name: (row.productName ?? row.productCode).slice(0, 128),
          category: row.category,
          open_key: openKey(storeCode, row.productCode, decision.kind),
          ...decisionColumns(decision, signature),
          promotion_days: rule.promotionDays,
          priority: priorityOf(decision, row.priceCents),
          created_at: now,
          updated_at: now,
        });
      }
    }
    await ctx.db.transaction(async (trx) => {
      await insertSuggestions(trx, inserts);
      // Only a suggestion still waiting is refreshed: one decided meanwhile keeps its figures.
      for (const update of updates) await trx('strategies').where({ id: update.id, state: 'suggested' }).update(update.columns);
    });
    summary.created += inserts.length;
    summary.refreshed += updates.length;
    step();
    await new Promise((resolve) => setImmediate(resolve));
  }
  // Suggestions whose condition cleared (sold down, restocked, product gone) end unanswered.
  const cleared = [...open.values()].filter((o) => o.state === 'suggested' && !seen.has(o.id)).map((o) => o.id);
  const deletedProducts = new Set(stock.filter((s) => s.deleted).map((s) => s.productCode));
  const deletedIds = new Set(openRows.filter((r) => r.product_code !== null && deletedProducts.has(r.product_code)).map((r) => r.id));
  for (let j = 0; j < cleared.length; j += 500) {
    const chunk = cleared.slice(j, j + 500);
    await ctx.db.transaction(async (trx) => {
      const gone = chunk.filter((id) => deletedIds.has(id));
      const resolved = chunk.filter((id) => !deletedIds.has(id));
      const end = (ids: number[], reason: string) =>
        ids.length === 0 ? 0 : trx('strategies').whereIn('id', ids).where('state', 'suggested').update({ state: 'ended', ended_reason: reason, ended_at: now, open_key: null, updated_at: now });
      summary.resolved += (await end(resolved, 'resolved')) + (await end(gone, 'product-deleted'));
    });
  }
}
