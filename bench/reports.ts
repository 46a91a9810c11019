/**
 * The dashboard and the reports over a year of messages (issue 12): target
 * ≤ 500 ms each over 10,000,000 messages.
 *
 * Seeding: one year of outbox rows (time-ordered ids, as a store's outbox
 * grows) written by SQLite itself (INSERT … SELECT over a recursive sequence,
 * a million rows per transaction): categories, sources, senders, members in
 * ten stores, four modems, one- and two-part texts, scheduled sends, statuses
 * from delivered to blocked, campaign and care batches; inbound texts with
 * TD opt-outs. The aggregates are then made the way production reaches them:
 * the real roll-up's first run (a rebuild, day by day), timed; then a minute of
 * traffic (new messages, late status reports) and the incremental run, timed.
 *
 * Measured, alternating, median of --rounds: the business dashboard (every
 * block, as an administrator sees it) and each report over the last 365 days
 * (volume by each grouping, delivery, campaigns, surveys, feedback, opt-outs),
 * against a baseline measured in the same rounds: one outbox row read by its
 * id (a trivial indexed query). The reads find the aggregates current (the
 * roll-up ran just before), so what is timed is the read path; the incremental
 * run a read may trigger once a minute is the figure printed above it.
 *
 *   npx tsx bench/reports.ts [--messages 10000000] [--rounds 3] [--keep DIR]
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
import { businessDashboard } from '../main/reports/dashboard.js';
import { VOLUME_GROUPS, type ReportKind, type ReportQuery } from '../main/reports/reports.js';
import { alternate, machine, numberArg, type Variant } from './support/runs.js';

const messages = numberArg('messages', 10_000_000);
const rounds = numberArg('rounds', 3);
const keepIndex = process.argv.indexOf('--keep');
const keepDir = keepIndex >= 0 ? process.argv[keepIndex + 1] : undefined;
const TARGET_MS = 500;
const DAY = 86_400_000;
const YEAR_DAYS = 365;
// "Now": 2027-12-31 20:00 in Shanghai; the year of messages ends here.
const NOW = Date.UTC(2027, 11, 31, 12, 0);
const FIRST = NOW - YEAR_DAYS * DAY;
const MEMBERS = 100_000;
const STORES = 10;
const MODEMS = 4;
const CHUNK = 1_000_000;
const log = (line: string) => console.log(line);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * One chunk of outbox rows [lo, hi]: row n was queued at first + n·step. The
 * r1…r3 columns are fixed pseudo-random draws per row (multiplicative hashes),
 * so every run writes the same year.
 */
function outboxChunkSql(first: number, step: number): string {
  return `WITH RECURSIVE seq(n) AS (SELECT ? UNION ALL SELECT n + 1 FROM seq WHERE n < ?)
INSERT INTO outbox_messages (recipient, text, category, priority, status, member_id, batch_id, source, automatic, part_count, attempts,
  due_at, not_before, modem_id, created_at, created_by, updated_at, sent_at, finished_at)
SELECT
  '+86139' || printf('%08d', (n * 7919) % 100000000),
  '会员日全场八折',
  cat,
  CASE cat WHEN 'reply' THEN 0 WHEN 'marketing' THEN 2 ELSE 1 END,
  status,
  CASE WHEN r2 < 850 THEN 1 + (n * 31) % ${MEMBERS} END,
  CASE cat WHEN 'reply' THEN NULL WHEN 'transactional' THEN 'send-' || (n / 200) ELSE cat || '-' || day END,
  CASE cat WHEN 'care' THEN 'care' WHEN 'marketing' THEN 'campaign' WHEN 'transactional' THEN 'ui' ELSE 'reply' END,
  cat = 'reply',
  CASE WHEN r2 % 5 = 0 THEN 2 ELSE 1 END,
  CASE WHEN status = 'failed' THEN 1 ELSE 0 END,
  t,
  nb,
  CASE WHEN status IN ('blocked', 'cancelled', 'expired', 'queued') THEN NULL ELSE CAST(1 + n % ${MODEMS} AS TEXT) END,
  t,
  CASE cat WHEN 'care' THEN 'system' WHEN 'reply' THEN 'system' WHEN 'marketing' THEN 'manager' || (r3 % 2) ELSE 'operator' || (r3 % 4) END,
  t + 60000,
  CASE WHEN status IN ('delivered', 'failed', 'sent') THEN COALESCE(nb, t) + 5000 END,
  CASE WHEN status IN ('delivered', 'failed', 'blocked', 'cancelled', 'expired') THEN COALESCE(nb, t) + 60000 END
FROM (
  SELECT n, t, day, r2, r3, cat, nb,
    CASE
      WHEN t > ${NOW - 3_600_000} THEN CASE WHEN r3 < 500 THEN 'queued' WHEN r3 < 900 THEN 'sent' ELSE 'delivered' END
      WHEN r3 < 850 THEN 'delivered' WHEN r3 < 900 THEN 'failed' WHEN r3 < 940 THEN 'sent' WHEN r3 < 970 THEN 'blocked'
      WHEN r3 < 985 THEN 'cancelled' WHEN r3 < 990 THEN 'unknown' ELSE 'expired'
    END AS status
  FROM (
    SELECT n, t, (t - ${FIRST}) / ${DAY} AS day, r2, r3,
      CASE WHEN r1 < 300 THEN 'care' WHEN r1 < 700 THEN 'marketing' WHEN r1 < 900 THEN 'transactional' ELSE 'reply' END AS cat,
      CASE WHEN r1 BETWEEN 300 AND 699 AND r2 % 10 = 0 AND t < ${NOW - 2 * 3_600_000} THEN t + 3600000 END AS nb
    FROM (SELECT n, ${first} + CAST(n * ${step} AS INTEGER) AS t, (n * 2654435761) % 1000 AS r1, (n * 40503 + 7) % 997 AS r2, (n * 69069 + 1) % 1009 AS r3 FROM seq)
  )
)`;
}

async function seed(databaseFile: string): Promise<void> {
  const db = openSqlite(databaseFile);
  try {
    await migrateToLatest(db);
    const now = NOW - YEAR_DAYS * DAY;
    await db('stores').insert(Array.from({ length: STORES }, (_, i) => ({ code: `S${String(i + 1).padStart(2, '0')}`, name: `好又多(${i + 1}号店)`, created_at: now, updated_at: now })));
    await db('modems').insert(Array.from({ length: MODEMS }, (_, i) => ({ name: `短信猫 ${i + 1}`, kind: 'serial', port_path: `/dev/ttyUSB${i}`, min_gap_ms: 3000, per_hour: 600, per_day: 6000, created_at: now, updated_at: now })));
    await db.raw(
      `WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${MEMBERS})
       INSERT INTO members (source, source_key, store_code, name, gender, mobile, marketing_consent, points, created_at, updated_at)
       SELECT 'pos', 'm' || n, 'S' || printf('%02d', 1 + n % ${STORES}), '会员' || n, CASE n % 2 WHEN 0 THEN 'F' ELSE 'M' END, '+86138' || printf('%08d', n), 1, n % 5000, ${now}, ${now} FROM seq`,
    );
    const step = (YEAR_DAYS * DAY - 60_000) / messages;
    const sql = outboxChunkSql(FIRST, step);
    let started = performance.now();
    for (let lo = 0; lo < messages; lo += CHUNK) {
      const hi = Math.min(messages, lo + CHUNK) - 1;
      await db.transaction((trx) => trx.raw(sql, [lo, hi]));
      const done = hi + 1;
      const elapsed = performance.now() - started;
      log(`  outbox ${done.toLocaleString()} / ${messages.toLocaleString()} (${Math.round(done / (elapsed / 1000)).toLocaleString()} rows/s)`);
    }
    log(`  outbox written in ${seconds(performance.now() - started)}`);
    started = performance.now();
    // The batches the rows name: campaign and care runs (a day's), sends typed in 短信.
    await db.raw(
      `INSERT INTO outbox_batches (id, label, kind, total, created_at, created_by, state)
       SELECT batch_id, MIN(source) || ' ' || batch_id, CASE MIN(category) WHEN 'care' THEN 'care' WHEN 'marketing' THEN 'campaign' ELSE 'send' END,
         COUNT(*), MIN(created_at), MIN(created_by), 'completed'
       FROM outbox_messages WHERE batch_id IS NOT NULL GROUP BY batch_id`,
    );
    // One inbound text for every hundred sent, a tenth of them TD, from a thousand conversations.
    await db.raw(
      `WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 1000)
       INSERT INTO conversations (number, last_text, last_at, unhandled) SELECT '+86137' || printf('%08d', n), '', ${NOW}, n % 7 = 0 FROM seq`,
    );
    await db.raw(
      `WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ${Math.floor(messages / 100)})
       INSERT INTO inbox_messages (conversation_id, sender, text, modem_id, member_id, received_at, dedupe_key, handled_by_rule, processed_at)
       SELECT 1 + n % 1000, '+86137' || printf('%08d', 1 + n % 1000), CASE WHEN n % 10 = 0 THEN 'TD' ELSE '好的' END, CAST(1 + n % ${MODEMS} AS TEXT),
         CASE WHEN n % 3 = 0 THEN 1 + (n * 17) % ${MEMBERS} END, t, 'bench-' || n, CASE WHEN n % 10 = 0 THEN 'opt-out' END, t + 1000
       FROM (SELECT n, ${FIRST} + CAST(n * ${(YEAR_DAYS * DAY) / Math.max(1, Math.floor(messages / 100))} AS INTEGER) - 120000 AS t FROM seq)`,
    );
    await db.raw('ANALYZE');
    log(`  batches, inbox, ANALYZE in ${seconds(performance.now() - started)}`);
  } finally {
    await db.destroy();
  }
}

const dataDir = keepDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-bench-reports-'));
fs.mkdirSync(dataDir, { recursive: true });
const databaseFile = path.join(dataDir, 'storemas.sqlite');
try {
  log(`${messages.toLocaleString()} messages over ${YEAR_DAYS} days; ${machine()}`);
  const fresh = !fs.existsSync(databaseFile);
  if (fresh) {
    log('Seeding …');
    const started = performance.now();
    await seed(databaseFile);
    log(`  seeded in ${seconds(performance.now() - started)}, ${(fs.statSync(databaseFile).size / 1e9).toFixed(2)} GB`);
  } else {
    log(`Reusing ${databaseFile}`);
  }

  const clock = new ManualClock(NOW);
  const core = await openCore({ ...defaultConfig(), dataDir, logLevel: 'warn' }, { clock, lock: false });
  const { db, reports, reportRollup: rollup, settings, reportSources, strategies } = core.services;
  try {
    // The aggregates as production reaches them: the first run of the roll-up rebuilds every day from the outbox (a kept database too).
    await db('report_rollups').delete();
    let started = performance.now();
    const first = await rollup.run();
    log(`roll-up, first run: ${first.rebuilt ? `rebuilt ${first.days} days, ${first.batches.toLocaleString()} batches` : `incremental (${first.days} days)`} in ${seconds(performance.now() - started)}; load ${os.loadavg()[0]!.toFixed(1)}`);

    // A minute of traffic: 500 new messages, 2,000 reports on yesterday's sends; then the incremental run a read would trigger.
    clock.advance(60_000);
    const maxId = Number(((await db('outbox_messages').max({ id: 'id' }).first()) as { id: number }).id);
    await db.transaction(async (trx) => {
      await trx.raw(outboxChunkSql(NOW - 60_000, 100), [0, 499]);
      await trx('outbox_messages').whereIn('id', trx('outbox_messages').select('id').where('status', 'sent').where('id', '<', maxId).orderBy('id', 'desc').limit(2000)).update({ status: 'delivered', updated_at: clock.now() });
    });
    started = performance.now();
    const incremental = await rollup.run();
    log(`roll-up, incremental after a minute of traffic: ${incremental.days} days, ${incremental.batches} batches recounted in ${(performance.now() - started).toFixed(0)} ms`);
    const aggregateRows = Number(((await db('message_daily').count({ n: '*' }).first()) as { n: number }).n);
    log(`message_daily holds ${aggregateRows.toLocaleString()} rows (${Math.round(aggregateRows / YEAR_DAYS)} a day)`);

    const year = await reports.lastDays(YEAR_DAYS);
    const may = () => true;
    const sample = Math.max(1, Math.floor(maxId / 2));
    const kinds: Array<{ name: string; kind: ReportKind; query: ReportQuery }> = [
      ...VOLUME_GROUPS.map((groupBy) => ({ name: `volume by ${groupBy}`, kind: 'volume' as const, query: { ...year, groupBy } })),
      ...(['delivery', 'campaigns', 'surveys', 'feedback', 'opt-outs'] as const).map((kind) => ({ name: kind, kind, query: year })),
      { name: 'volume by day, one store', kind: 'volume', query: { ...year, storeCode: 'S03' } },
    ];
    const timed = (run: () => Promise<unknown>) => async () => {
      const t = performance.now();
      const result = await run();
      return { value: performance.now() - t, detail: result };
    };
    const variants: Array<Variant<unknown>> = [
      { name: 'baseline (one outbox row by id)', run: timed(() => db('outbox_messages').where('id', sample).first()) },
      {
        name: 'dashboard',
        run: timed(() => businessDashboard({ db, clock, settings, rollup, sources: reportSources, strategyCounts: () => strategies.counts() }, may)),
      },
      ...kinds.map((k) => ({ name: k.name, run: timed(() => reports.run(k.kind, k.query)) })),
    ];
    log(`\nReads over ${year.from} – ${year.to}, ${rounds} rounds:`);
    const results = await alternate(rounds, variants, log, (_name, value) => `${value.toFixed(1)} ms`);
    const baseline = results.get(variants[0]!.name)!.median;
    log('');
    log(`messages ${messages.toLocaleString()}; ${machine()}`);
    let worst = 0;
    for (const variant of variants) {
      const measured = results.get(variant.name)!;
      const isBaseline = variant === variants[0];
      if (!isBaseline) worst = Math.max(worst, measured.median);
      log(
        `${variant.name.padEnd(32)} median ${measured.median.toFixed(1).padStart(8)} ms${isBaseline ? '' : `  ${(measured.median / Math.max(baseline, 1e-3)).toFixed(0).padStart(6)}× baseline  ${measured.median <= TARGET_MS ? 'within' : 'OVER'} ${TARGET_MS} ms`}  (loads ${measured.loads.map((l) => l.toFixed(1)).join(' / ')})`,
      );
    }
    log(`slowest read ${worst.toFixed(1)} ms — target ≤ ${TARGET_MS} ms: ${worst <= TARGET_MS ? 'met' : 'NOT met'}`);
    log(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
    if (worst > TARGET_MS) process.exitCode = 1;
  } finally {
    await core.close();
  }
} finally {
  if (!keepDir) fs.rmSync(dataDir, { recursive: true, force: true });
}
