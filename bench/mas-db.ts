/**
 * MAS database interface intake (issue 13): 10,000 rows inserted into
 * api_mt_<code> at once (one multi-row INSERT, as a busy ERP's backlog or a
 * marketing blast written row by row) → all queued in the outbox and the
 * table emptied, through the real runner (SELECT in AUTO_SN order, read and
 * decode each row, Outbox.enqueue with per-row texts and idempotency keys,
 * link rows, DELETE), against a real MariaDB. Baseline in the same run: the
 * same 10,000 recipients and texts given straight to Outbox.enqueue (what
 * intake costs on top of the outbox). Runs alternate (baseline, intake) ×3;
 * medians count. Target: ≥ 2,000 rows/s.
 *
 *   npx tsx bench/mas-db.ts [--rows 10000] [--runs 3]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { SYSTEM_ACTOR } from '../main/auth/audit.js';
import { defaultConfig } from '../main/config.js';
import { openCore, type OpenedCore } from '../main/index.js';
import type { Recipient } from '../main/messaging/outbox/enqueue.js';
import { startMariaDb, type DbServer } from '../tests/support/dbservers.js';

const TARGET_ROWS_PER_SECOND = 2_000;

const mobile = (i: number) => `139${String(i).padStart(8, '0')}`;
const content = (i: number) => `尊敬的会员：您的订单 ${100000 + i} 已发货，快递单号 SF${String(i * 7919).padStart(10, '0')}。`;

async function freshCore(): Promise<{ core: OpenedCore; remove(): Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-bench-mas-'));
  const core = await openCore(
    defaultConfig({ dataDir: dir, port: 0, logLevel: 'warn', logToConsole: false, auth: { sessionIdleMinutes: 30, maxFailedLogins: 5, lockoutMinutes: 15, scryptCost: 1024 } }),
    { lock: false },
  );
  return {
    core,
    remove: async () => {
      await core.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The same recipients and texts straight into the outbox, in the poll-sized calls intake makes. */
async function baseline(rows: number): Promise<number> {
  const { core, remove } = await freshCore();
  try {
    const started = performance.now();
    for (let first = 0; first < rows; first += 1_000) {
      const recipients: Recipient[] = [];
      for (let i = first; i < Math.min(rows, first + 1_000); i += 1) {
        recipients.push({ number: `+86${mobile(i)}`, text: content(i), idempotencyKey: `bench:${i}` });
      }
      await core.services.messaging.outbox.enqueue(recipients, { text: 'MAS bench', category: 'transactional', source: 'mas-db', batch: { id: 'bench', label: 'bench', kind: 'mas-db' } }, SYSTEM_ACTOR);
    }
    return (performance.now() - started) / 1000;
  } finally {
    await remove();
  }
}

async function intake(server: DbServer, rows: number, run: number): Promise<number> {
  const database = `bench_mas_${run}`;
  await server.exec(`CREATE DATABASE ${database} CHARACTER SET utf8mb4`);
  const { core, remove } = await freshCore();
  const admin = await mysql.createConnection({ host: server.host, port: server.port, user: server.adminUser, password: server.adminPassword, database, charset: 'UTF8MB4_GENERAL_CI' });
  try {
    const { masDb, db } = core.services;
    await masDb.createCode(SYSTEM_ACTOR, { code: 'erp' });
    await masDb.start();
    await masDb.saveConnection(SYSTEM_ACTOR, { host: server.host, port: server.port, user: server.adminUser, password: server.adminPassword, database, tls: { mode: 'off' } });
    await waitFor(async () => (await masDb.status()).codes[0]?.waiting === 0, 60_000);
    // Paused while the backlog is written, so the clock starts with all 10,000 rows waiting.
    await masDb.setPaused(SYSTEM_ACTOR, 'erp', true);
    for (let first = 0; first < rows; first += 2_000) {
      const chunk = Array.from({ length: Math.min(2_000, rows - first) }, (_, k) => [mobile(first + k), content(first + k)]);
      await admin.query('INSERT INTO api_mt_erp (MOBILES, CONTENT) VALUES ?', [chunk]);
    }
    const started = performance.now();
    await masDb.setPaused(SYSTEM_ACTOR, 'erp', false);
    await waitFor(async () => {
      const [left] = await admin.query('SELECT COUNT(*) AS n FROM api_mt_erp');
      return Number((left as Array<{ n: number }>)[0]!.n) === 0;
    }, 600_000);
    const seconds = (performance.now() - started) / 1000;
    const queued = Number((await db('outbox_messages').where('source', 'mas-db').count({ n: '*' }))[0]!.n);
    if (queued !== rows) throw new Error(`expected ${rows} queued, found ${queued}`);
    await masDb.stop();
    return seconds;
  } finally {
    await admin.end();
    await remove();
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function run(options: { rows?: number; runs?: number; log?: (line: string) => void } = {}): Promise<{ rowsPerSecond: number; ratio: number; withinTarget: boolean }> {
  const rows = options.rows ?? 10_000;
  const runs = options.runs ?? 3;
  const log = options.log ?? console.log;
  log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.availableParallelism()} CPUs; starting MariaDB …`);
  const server = await startMariaDb();
  const baselines: number[] = [];
  const intakes: number[] = [];
  try {
    for (let i = 0; i < runs; i += 1) {
      baselines.push(await baseline(rows));
      log(`  run ${i + 1}: Outbox.enqueue of ${rows.toLocaleString()} texts ${baselines[i]!.toFixed(2)} s (${Math.round(rows / baselines[i]!).toLocaleString()}/s)`);
      intakes.push(await intake(server, rows, i));
      log(`  run ${i + 1}: api_mt → outbox of ${rows.toLocaleString()} rows ${intakes[i]!.toFixed(2)} s (${Math.round(rows / intakes[i]!).toLocaleString()} rows/s)`);
    }
  } finally {
    await server.stop();
  }
  const rowsPerSecond = rows / median(intakes);
  const ratio = median(intakes) / median(baselines);
  log(
    `median: ${Math.round(rowsPerSecond).toLocaleString()} rows/s taken from api_mt (target ≥ ${TARGET_ROWS_PER_SECOND.toLocaleString()}); ` +
      `${ratio.toFixed(2)}× the time of enqueueing the same texts directly; load average now ${os.loadavg()[0]!.toFixed(1)}`,
  );
  return { rowsPerSecond, ratio, withinTarget: rowsPerSecond >= TARGET_ROWS_PER_SECOND };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name: string) => {
    const at = process.argv.indexOf(name);
    return at > 0 ? Number(process.argv[at + 1]) : undefined;
  };
  const result = await run({ rows: arg('--rows'), runs: arg('--runs') });
  process.exitCode = result.withinTarget ? 0 : 1;
}
