/**
 * Inbound (issue 4): from an inbound text stored (its row committed, what the
 * modem waits for before deleting it from the SIM) to its automatic reply
 * queued, at 50 texts per second, through the real Inbox and handler chain on
 * a real SQLite file. Every text is an opt-out word from a new number, the
 * heaviest handler: blacklist entry + audit + confirmation enqueue (policy,
 * auto-reply limit, rendering). Target: p99 ≤ 20 ms.
 *
 * Baseline, in the same run, on a core of its own at the same pace: one reply
 * row committed to SQLite (a plain INSERT in its own transaction), the least a
 * queued reply costs. Rounds alternate (baseline, StoreMAS), each on a fresh
 * core; figures are medians of --rounds rounds (at least 3), load printed. The
 * whole path from the modem's +CMTI to the reply's AT+CMGS is
 * bench/messaging-reply.ts.
 *
 *   npx tsx bench/messaging-inbound.ts [--seconds 10] [--rate 50] [--rounds 3]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../main/clock.js';
import { defaultConfig } from '../main/config.js';
import { openCore } from '../main/index.js';
import { alternate, machine, median, numberArg } from './support/runs.js';

export interface InboundBenchResult {
  texts: number;
  ratePerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  repliesQueued: number;
  withinTarget: boolean;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

interface RoundResult {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  repliesQueued: number;
}

/**
 * One round on a fresh core: `total` texts at `rate` per second; `handle(i)`
 * is timed from its own start (the baseline) or from the commit of the stored
 * text (StoreMAS) and returns that start.
 */
async function round(seconds: number, rate: number, variant: 'baseline' | 'storemas'): Promise<RoundResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-bench-inbound-'));
  const core = await openCore(
    defaultConfig({ dataDir: dir, port: 0, logLevel: 'warn', logToConsole: false, auth: { sessionIdleMinutes: 30, maxFailedLogins: 5, lockoutMinutes: 15, scryptCost: 1024 } }),
    { clock: systemClock, lock: false },
  );
  try {
    const { inbox } = core.services.messaging;
    const db = core.services.db;
    if (variant === 'baseline') await db.schema.createTable('bench_reply', (t) => {
      t.increments('id');
      t.string('number', 32).notNullable();
      t.text('text').notNullable();
      t.bigInteger('created_at').notNullable();
    });
    const total = seconds * rate;
    const latencies: number[] = [];
    const pending: Array<Promise<void>> = [];
    const started = performance.now();
    for (let i = 0; i < total; i += 1) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const sender = `+86137${String(i).padStart(8, '0')}`;
      pending.push(
        (async () => {
          if (variant === 'baseline') {
            const begun = performance.now();
            await db('bench_reply').insert({ number: sender, text: '您已退订本店营销短信。', created_at: Date.now() });
            latencies.push(performance.now() - begun);
            return;
          }
          const stored = await inbox.write({ modemId: `sim-${(i % 4) + 1}`, sender, text: i % 2 ? 'TD' : '退订', key: `bench-${i}` });
          const committed = performance.now();
          await inbox.processStored(stored.stored);
          latencies.push(performance.now() - committed);
        })(),
      );
    }
    await Promise.all(pending);
    const table = variant === 'baseline' ? db('bench_reply') : db('outbox_messages').where({ automatic: true, status: 'queued' });
    const replies = (await table.count({ n: '*' })) as Array<{ n: number | string }>;
    const sorted = [...latencies].sort((a, b) => a - b);
    return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted[sorted.length - 1]!, repliesQueued: Number(replies[0]?.n ?? 0) };
  } finally {
    await core.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(options: { seconds?: number; rate?: number; rounds?: number; log?: (line: string) => void } = {}): Promise<InboundBenchResult> {
  const seconds = options.seconds ?? 10;
  const rate = options.rate ?? 50;
  const rounds = options.rounds ?? 3;
  const log = options.log ?? console.log;
  const total = seconds * rate;
  const show = (r: RoundResult) => `p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, max ${r.max.toFixed(1)} ms`;
  log(`${total} opt-out texts a round at ${rate}/s: stored → reply queued (baseline: one reply row committed):`);
  const storemasRounds: RoundResult[] = [];
  const measured = await alternate<RoundResult>(
    rounds,
    [
      { name: 'baseline', run: async () => { const r = await round(seconds, rate, 'baseline'); return { value: r.p99, detail: r }; } },
      {
        name: 'StoreMAS',
        run: async () => {
          const r = await round(seconds, rate, 'storemas');
          if (r.repliesQueued !== total) throw new Error(`${r.repliesQueued} of ${total} confirmations queued`);
          storemasRounds.push(r);
          return { value: r.p99, detail: r };
        },
      },
    ],
    log,
    (_name, _value, r) => show(r!),
  );
  const baselineP99 = measured.get('baseline')!.median;
  const result: InboundBenchResult = {
    texts: total,
    ratePerSecond: rate,
    p50: median(storemasRounds.map((r) => r.p50)),
    p95: median(storemasRounds.map((r) => r.p95)),
    p99: measured.get('StoreMAS')!.median,
    max: Math.max(...storemasRounds.map((r) => r.max)),
    repliesQueued: total,
    withinTarget: false,
  };
  result.withinTarget = result.p99 <= 20;
  log('');
  log(`Stored → reply queued at ${rate} texts/s, medians of ${rounds} alternating rounds (${machine()}):`);
  log(
    `  StoreMAS p50 ${result.p50.toFixed(1)} ms, p95 ${result.p95.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms (target ≤ 20 ms: ${result.withinTarget ? 'met' : 'MISSED'}); ` +
      `baseline (one row committed) p99 ${baselineP99.toFixed(1)} ms → ${(result.p99 / baselineP99).toFixed(1)}× baseline`,
  );
  return result;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const result = await run({ seconds: numberArg('seconds', 10), rate: numberArg('rate', 50), rounds: numberArg('rounds', 3) });
  process.exitCode = result.withinTarget ? 0 : 1;
}
