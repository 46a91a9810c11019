/**
 * Strategy recomputation (issue 10): 100,000 products × 5 stores with a year
 * of sales (1.4 M receipts, ~5.6 M sale lines) in the mirror. Target: a full
 * recompute ≤ 30 s.
 *
 * Two stock variants over the same sales (bench/support/strategy-data.ts):
 * realistic (each store's 20,000 carried products at 9–60 days of cover, ~5%
 * slow movers, a few near-empty best sellers) and worst case (all 500,000
 * store × product rows at quantities unrelated to sales: nearly every row a
 * suggestion, the most a recompute writes).
 *
 * Baseline, measured in the same run on the same database: one plain grouped
 * aggregate over the year's sales (units and last sale per store and product,
 * sale lines joined to their receipts) — what any "average daily sales" costs
 * when read from the lines. Runs alternate (baseline, realistic, worst case;
 * each variant: a recompute on an empty board that writes every suggestion,
 * then one that refreshes them) and the median of 3 of each is reported, with
 * the machine's load beside every run.
 *
 * The day totals the engine reads are kept by the sync; here the mirror is
 * written directly, so they are counted once with the rebuild a migrated
 * mirror gets (its time is printed too).
 *
 *   npx tsx bench/strategies.ts [--products 100000] [--stores 5] [--carried 20000] [--receipts 1400000] [--runs 3] [--keep DIR]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ManualClock } from '../main/clock.js';
import { defaultConfig } from '../main/config.js';
import { openSqlite } from '../main/db/connection.js';
import { migrateToLatest } from '../main/db/migrate.js';
import { openCore } from '../main/index.js';
import { rebuildSalesAggregate } from '../main/store/sales-aggregate.js';
import { assortmentsOf, writeStock, writeStrategyData, type StockVariant, type StrategyData, type StrategyDataOptions } from './support/strategy-data.js';

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}
const keepIndex = process.argv.indexOf('--keep');
const keepDir = keepIndex >= 0 ? process.argv[keepIndex + 1] : undefined;
const runs = arg('runs', 3);
const until = Date.UTC(2026, 11, 1, 4, 0, 0);
const options: StrategyDataOptions = {
  stores: arg('stores', 5),
  products: arg('products', 100_000),
  carried: arg('carried', 20_000),
  receipts: arg('receipts', 1_400_000),
  linesPerReceipt: 4,
  days: 365,
  until,
  seed: 20261206,
};
const log = (line: string) => console.log(line);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;
const load = () => os.loadavg()[0]!.toFixed(1);
const VARIANTS: StockVariant[] = ['realistic', 'worst-case'];

const dataDir = keepDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-bench-strategies-'));
fs.mkdirSync(dataDir, { recursive: true });
const databaseFile = path.join(dataDir, 'storemas.sqlite');
try {
  let data: StrategyData;
  if (!fs.existsSync(databaseFile)) {
    log(`Writing the mirror: ${options.stores} stores × ${options.products.toLocaleString()} products (${options.carried.toLocaleString()} carried per store), ${options.receipts.toLocaleString()} receipts over 365 days …`);
    const started = performance.now();
    const db = openSqlite(databaseFile);
    await migrateToLatest(db);
    data = await writeStrategyData(db, options, log);
    log(`  ${data.saleLines.toLocaleString()} sale lines, ${round((performance.now() - started) / 1000, 1)} s`);
    const counting = performance.now();
    const loadBefore = load();
    const counted = await db.transaction((trx) => rebuildSalesAggregate(trx));
    log(
      `  day totals counted once (the rebuild a mirror synced before them gets): ${counted.days.toLocaleString()} day rows, ${counted.pairs.toLocaleString()} pairs, ` +
        `${round((performance.now() - counting) / 1000, 1)} s (load ${loadBefore})`,
    );
    await db.raw('ANALYZE');
    await db.destroy();
  } else {
    log(`Reusing the mirror in ${dataDir}`);
    data = { saleLines: 0, assortments: assortmentsOf(options), options };
  }

  const clock = new ManualClock(until);
  const core = await openCore({ ...defaultConfig(), dataDir, logLevel: 'warn' }, { clock, lock: false });
  const { db, strategies } = core.services;
  try {
    const baselineTimes: number[] = [];
    const times = Object.fromEntries(VARIANTS.map((v) => [v, { first: [] as number[], again: [] as number[], rows: 0, created: 0, byKind: '' }]));
    const runLoads: string[] = [];
    for (let run = 0; run < runs; run++) {
      runLoads.push(load());
      let t = performance.now();
      const rows = (await db.raw(
        `SELECT s.store_code, l.product_code, SUM(l.quantity) AS sold, MAX(s.sold_at) AS last_sold_at
         FROM sales s JOIN sale_lines l ON l.receipt_no = s.receipt_no
         GROUP BY s.store_code, l.product_code`,
      )) as unknown[];
      baselineTimes.push((performance.now() - t) / 1000);
      log(`run ${run + 1}: baseline aggregate ${round(baselineTimes.at(-1)!)} s (${rows.length.toLocaleString()} groups), load ${runLoads.at(-1)}`);

      for (const variant of VARIANTS) {
        const stockRows = await writeStock(db, data, variant);
        // A first recompute on an empty board writes every suggestion; the next one refreshes them.
        await db('strategies').delete();
        const loadAt = load();
        t = performance.now();
        const first = await strategies.recompute({ trigger: 'cli' });
        const firstSeconds = (performance.now() - t) / 1000;
        clock.advance(3_600_000);
        t = performance.now();
        const again = await strategies.recompute({ trigger: 'cli' });
        const againSeconds = (performance.now() - t) / 1000;
        if (first.state !== 'finished' || again.state !== 'finished') throw new Error(`recompute ${first.state}/${again.state}: ${first.errorMessage ?? again.errorMessage ?? ''}`);
        const entry = times[variant]!;
        entry.first.push(firstSeconds);
        entry.again.push(againSeconds);
        entry.rows = stockRows;
        entry.created = first.created;
        const byKind = (await db('strategies').where('state', 'suggested').groupBy('kind').select('kind').count({ c: '*' })) as Array<{ kind: string; c: number }>;
        const byReason = (await db('strategies').where('state', 'suggested').groupBy('reason_codes').select('reason_codes').count({ c: '*' })) as Array<{ reason_codes: string; c: number }>;
        entry.byKind = `${byKind.map((r) => `${r.kind} ${Number(r.c).toLocaleString()}`).join(', ')} (by reason: ${byReason.map((r) => `${r.reason_codes} ${Number(r.c).toLocaleString()}`).join(', ')})`;
        log(
          `run ${run + 1}: ${variant}: ${stockRows.toLocaleString()} stock rows; recompute (empty board) ${round(firstSeconds)} s, ${first.created.toLocaleString()} suggestions; ` +
            `again ${round(againSeconds)} s (${again.refreshed.toLocaleString()} refreshed, ${again.resolved} resolved); load ${loadAt}`,
        );
      }
    }
    const baseline = median(baselineTimes);
    log('');
    log(`Machine: ${os.availableParallelism()} CPUs, load average at each run's start ${runLoads.join(' / ')} (now ${load()})`);
    log(`Baseline (plain grouped aggregate over the year's ${data.saleLines ? data.saleLines.toLocaleString() + ' ' : ''}sale lines): median ${round(baseline)} s`);
    let missed = false;
    for (const variant of VARIANTS) {
      const e = times[variant]!;
      const first = median(e.first);
      const again = median(e.again);
      missed ||= first > 30 || again > 30;
      log(`${variant} (${e.rows.toLocaleString()} stock rows, ${e.created.toLocaleString()} suggestions):`);
      log(`  recompute, empty board: median ${round(first)} s = ${round(first / baseline)}× baseline (target ≤ 30 s: ${first <= 30 ? 'met' : 'MISSED'})`);
      log(`  recompute, refresh:     median ${round(again)} s = ${round(again / baseline)}× baseline (target ≤ 30 s: ${again <= 30 ? 'met' : 'MISSED'})`);
      log(`  suggestions: ${e.byKind}`);
    }
    if (missed) process.exitCode = 1;
  } finally {
    await core.close();
  }
} finally {
  if (!keepDir) fs.rmSync(dataDir, { recursive: true, force: true });
}
