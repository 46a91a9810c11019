/**
 * Strategy recomputation (issue 10): 100,000 products × 5 stores with a year
 * of sales (1.4 M receipts, ~5.6 M sale lines) in the mirror. Target: a full
 * recompute ≤ 30 s.
 *
 * Baseline, measured in the same run on the same database: one plain grouped
 * aggregate over the year's sales (units and last sale per store and product,
 * sale lines joined to their receipts) — what any "average daily sales" needs
 * at least once without the engine's windowing. Runs alternate (baseline,
 * first recompute that writes every suggestion, recompute that refreshes) and
 * the median of 3 of each is reported, with the machine's load beside it.
 *
 *   npx tsx bench/strategies.ts [--products 100000] [--stores 5] [--receipts 1400000] [--runs 3] [--keep DIR]
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
import { writeStrategyData } from './support/strategy-data.js';

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}
const keepIndex = process.argv.indexOf('--keep');
const keepDir = keepIndex >= 0 ? process.argv[keepIndex + 1] : undefined;
const products = arg('products', 100_000);
const stores = arg('stores', 5);
const receipts = arg('receipts', 1_400_000);
const runs = arg('runs', 3);
const until = Date.UTC(2026, 11, 1, 4, 0, 0);
const log = (line: string) => console.log(line);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;
const load = () => os.loadavg()[0]!.toFixed(2);

const dataDir = keepDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-bench-strategies-'));
fs.mkdirSync(dataDir, { recursive: true });
const databaseFile = path.join(dataDir, 'storemas.sqlite');
try {
  if (!fs.existsSync(databaseFile)) {
    log(`Writing the mirror: ${stores} stores × ${products.toLocaleString()} products, ${receipts.toLocaleString()} receipts over 365 days …`);
    const started = performance.now();
    const db = openSqlite(databaseFile);
    await migrateToLatest(db);
    const { saleLines } = await writeStrategyData(db, { stores, products, receipts, linesPerReceipt: 4, days: 365, until, seed: 20261206 }, log);
    await db.raw('ANALYZE');
    await db.destroy();
    log(`  ${saleLines.toLocaleString()} sale lines, ${round((performance.now() - started) / 1000, 1)} s`);
  } else {
    log(`Reusing the mirror in ${dataDir}`);
  }

  const clock = new ManualClock(until);
  const core = await openCore({ ...defaultConfig(), dataDir, logLevel: 'warn' }, { clock, lock: false });
  const { db, strategies } = core.services;
  try {
    const baselineTimes: number[] = [];
    const firstTimes: number[] = [];
    const againTimes: number[] = [];
    const loads: string[] = [];
    let lastSummary: Awaited<ReturnType<typeof strategies.recompute>> | undefined;
    for (let run = 0; run < runs; run++) {
      loads.push(load());
      let t = performance.now();
      const rows = (await db.raw(
        `SELECT s.store_code, l.product_code, SUM(l.quantity) AS sold, MAX(s.sold_at) AS last_sold_at
         FROM sales s JOIN sale_lines l ON l.receipt_no = s.receipt_no
         GROUP BY s.store_code, l.product_code`,
      )) as unknown[];
      baselineTimes.push((performance.now() - t) / 1000);
      log(`run ${run + 1}: baseline aggregate ${round(baselineTimes.at(-1)!)} s (${rows.length.toLocaleString()} groups), load ${loads.at(-1)}`);

      // A first recompute on an empty board writes every suggestion; the next one refreshes them.
      await db('strategies').delete();
      t = performance.now();
      const first = await strategies.recompute({ trigger: 'cli' });
      firstTimes.push((performance.now() - t) / 1000);
      clock.advance(3_600_000);
      t = performance.now();
      lastSummary = await strategies.recompute({ trigger: 'cli' });
      againTimes.push((performance.now() - t) / 1000);
      log(
        `run ${run + 1}: recompute (empty board) ${round(firstTimes.at(-1)!)} s — ${first.evaluated.toLocaleString()} stock rows, ${first.created.toLocaleString()} suggestions; ` +
          `again ${round(againTimes.at(-1)!)} s (${lastSummary.refreshed.toLocaleString()} refreshed, ${lastSummary.resolved} resolved)`,
      );
    }
    const baseline = median(baselineTimes);
    const first = median(firstTimes);
    const again = median(againTimes);
    const byState = (await db('strategies').groupBy('kind').select('kind').count({ c: '*' })) as Array<{ kind: string; c: number }>;
    log('');
    log(`Machine: ${os.availableParallelism()} CPUs, load average per run ${loads.join(' / ')} (now ${load()})`);
    log(`Baseline (plain aggregate over the year's sales): median ${round(baseline)} s`);
    log(`Recompute, empty board:   median ${round(first)} s  = ${round(first / baseline)}× baseline   (target ≤ 30 s: ${first <= 30 ? 'met' : 'MISSED'})`);
    log(`Recompute, refresh:       median ${round(again)} s  = ${round(again / baseline)}× baseline   (target ≤ 30 s: ${again <= 30 ? 'met' : 'MISSED'})`);
    log(`Suggestions by kind: ${byState.map((r) => `${r.kind} ${Number(r.c).toLocaleString()}`).join(', ')}`);
    if (first > 30 || again > 30) process.exitCode = 1;
  } finally {
    await core.close();
  }
} finally {
  if (!keepDir) fs.rmSync(dataDir, { recursive: true, force: true });
}
