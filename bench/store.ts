/**
 * First sync from MariaDB (issue 5): 1,000,000 members and ~5,000,000 sale
 * lines of the demo POS, read by StoreMAS as a SELECT-only user into its
 * mirror, against a bare baseline in the same run that streams the very same
 * SELECTs through the same driver into SQLite with plain bulk INSERTs (no
 * transforms, no upserts, no watermarks), reading the next batch while the
 * last one is written. Targets: StoreMAS ≥ 0.5× the
 * baseline's rows/s, and the process's peak memory during the sync ≤ 300 MB.
 *
 * The baseline writes into the same mirror tables (a fresh database with the
 * real migrations, so the same indexes), so the ratio measures what the sync
 * pipeline costs, not what SQLite indexes cost. A throwaway MariaDB is started
 * on 127.0.0.1 and the demo dump loaded into it first (a few minutes at full size).
 *
 * Rounds alternate (baseline, StoreMAS), each into a fresh database; figures
 * are medians of --rounds rounds (at least 3), with the machine's load printed.
 *
 *   npx tsx bench/store.ts [--members 1000000] [--receipts 1390000] [--rounds 3]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import knexFactory, { type Knex } from 'knex';
import { CLI_ACTOR } from '../main/auth/audit.js';
import { defaultConfig } from '../main/config.js';
import { openSqlite } from '../main/db/connection.js';
import { migrateToLatest } from '../main/db/migrate.js';
import { openCore } from '../main/index.js';
import { buildSelect, validateMapping, type Entity } from '../main/store/mapping.js';
import { PRESETS } from '../main/store/presets.js';
import { startMariaDb } from '../tests/support/dbservers.js';
import { alternate, machine } from './support/runs.js';

export interface StoreBenchResult {
  members: number;
  saleLines: number;
  setupSeconds: number;
  storemas: { seconds: number; rowsPerSecond: number; peakRssMb: number };
  baseline: { seconds: number; rowsPerSecond: number; peakRssMb: number };
  ratio: number;
  withinTarget: { ratio: boolean; memory: boolean };
}

const ENTITIES: Entity[] = ['members', 'sale_lines'];
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function peakRss(): { stop: () => number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.round(Math.max(peak, process.memoryUsage().rss) / 1048576);
    },
  };
}

/**
 * The bare baseline: the same SELECTs, the same driver, plain multi-row INSERTs in 10,000-row
 * transactions, reading the next batch while the last one is written (read and write overlapped).
 */
async function baseline(source: Knex, target: Knex): Promise<number> {
  let rows = 0;
  const quote = (i: string) => '`' + i + '`';
  for (const entity of ENTITIES) {
    const mapping = validateMapping(entity, PRESETS['demo-pos'].mappings[entity]);
    const query = buildSelect(mapping, quote);
    const fields = Object.entries(mapping.fields);
    const table = entity;
    // Raw values into the column each lands in: the ID number's last four, the POS's own consent flag (nullable).
    const rename: Record<string, string> = entity === 'members' ? { id_number: 'id_number_last4', marketing_consent: 'pos_marketing_consent' } : {};
    const columns = fields.map(([name]) => rename[name] ?? name);
    const fixed = entity === 'members' ? { source: 'pos', created_at: 0, updated_at: 0 } : { updated_at: 0 };
    const allColumns = [...columns, ...Object.keys(fixed)];
    const placeholder = `(${allColumns.map(() => '?').join(',')})`;
    const insert = (chunk: unknown[][]) =>
      target.raw(`INSERT INTO ${table} (${allColumns.map((c) => `"${c}"`).join(',')}) VALUES ${new Array<string>(chunk.length).fill(placeholder).join(',')}`, chunk.flat() as Knex.RawBinding[]);
    let batch: unknown[][] = [];
    // Pipelined: a batch is written while the next one is read (one write in flight, as the sync may do).
    let writing: Promise<void> = Promise.resolve();
    const flush = async () => {
      const rowsToWrite = batch;
      batch = [];
      await writing;
      writing = target.transaction(async (trx) => {
        for (let i = 0; i < rowsToWrite.length; i += 400) await insert(rowsToWrite.slice(i, i + 400)).transacting(trx);
      });
    };
    const stream = source.raw(query.sql, query.bindings as Knex.RawBinding[]).stream({ highWaterMark: 1000 }) as unknown as Readable;
    for await (const row of stream as AsyncIterable<Record<string, unknown>>) {
      const values: unknown[] = fields.map(([name, f]) => {
        const v = row[f.column];
        // Raw values only; the ID number column gets its last four characters so it fits.
        return entity === 'members' && name === 'id_number' && typeof v === 'string' ? v.slice(-4) : (v ?? null);
      });
      values.push(...Object.values(fixed));
      batch.push(values);
      rows++;
      if (batch.length >= 10_000) await flush();
    }
    if (batch.length) await flush();
    await writing;
  }
  return rows;
}

export async function run(options: { members?: number; receipts?: number; rounds?: number; log?: (line: string) => void } = {}): Promise<StoreBenchResult> {
  const rounds = options.rounds ?? 3;
  const members = options.members ?? 1_000_000;
  // ~3.6 lines per receipt in the demo data: 1.39 M receipts give ~5 M lines.
  const receipts = options.receipts ?? Math.round(members * 1.39);
  const log = options.log ?? ((line: string) => console.log(line));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-bench-store-'));
  const setupStart = performance.now();
  log(`Starting MariaDB and loading the demo POS: ${members} members, ${receipts} receipts …`);
  const server = await startMariaDb();
  try {
    const dump = path.join(work, 'pos.sql');
    // Generated by the CLI in its own process, so this process's peak memory is the sync's alone.
    const cli = spawnSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'bin', 'storemas.mjs'), 'demo-pos', '--format', 'mysql', '--out', dump, '--members', String(members), '--receipts', String(receipts)], { stdio: 'inherit' });
    if (cli.status !== 0) throw new Error(`storemas demo-pos failed (exit ${cli.status})`);
    await server.createDatabase('pos');
    await server.loadFile(dump, 'pos');
    fs.rmSync(dump);
    await server.createReadOnlyUser('reader', 'reader-pw', 'pos');
    const [saleLinesText] = (await server.exec('SELECT COUNT(*) FROM t_sale_detail', 'pos')).trim().split('\n');
    const saleLines = Number(saleLinesText);
    const setupSeconds = (performance.now() - setupStart) / 1000;
    log(`Setup took ${setupSeconds.toFixed(0)} s; ${saleLines} sale lines.`);
    const total = members + saleLines;

    // StoreMAS: the real core, the real connector (read-only session, SELECT-only user), the preset mappings.
    // Unencrypted, like the baseline it is compared with (the bench server has no certificate).
    let firstSyncPeakMb: number | undefined;
    const storemasRun = async (round: number) => {
      const dataDir = path.join(work, `storemas-${round}`);
      const core = await openCore(defaultConfig({ dataDir, logLevel: 'warn', logToConsole: false }), { lock: false });
      try {
        const store = core.services.store;
        const connection = await store.createConnection(CLI_ACTOR, { name: 'bench', client: 'mysql', settings: { host: server.host, port: server.port, database: 'pos', user: 'reader', tls: { mode: 'off' } }, password: 'reader-pw' });
        for (const entity of ENTITIES) await store.setMapping(CLI_ACTOR, connection.id, entity, PRESETS['demo-pos'].mappings[entity], true);
        const memory = peakRss();
        const started = performance.now();
        const result = await (await store.startSync(CLI_ACTOR, connection.id)).done;
        const seconds = (performance.now() - started) / 1000;
        const peak = memory.stop();
        if (result.state !== 'finished' || result.rowsWritten !== total) throw new Error(`StoreMAS sync ended ${result.state} with ${result.rowsWritten} of ${total} rows: ${result.errorMessage ?? ''}`);
        firstSyncPeakMb ??= peak;
        return { value: total / seconds, detail: { seconds, peakRssMb: peak } };
      } finally {
        await core.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    };
    // Baseline: same SELECTs, same driver, plain INSERTs into the same tables of a fresh database.
    const baselineRun = async (round: number) => {
      const file = path.join(work, `baseline-${round}.sqlite`);
      const target = openSqlite(file);
      await migrateToLatest(target);
      const source = knexFactory({ client: 'mysql2', connection: { host: server.host, port: server.port, user: 'reader', password: 'reader-pw', database: 'pos', dateStrings: true, supportBigNumbers: true, bigNumberStrings: true }, pool: { min: 0, max: 1 } });
      try {
        const memory = peakRss();
        const started = performance.now();
        const rows = await baseline(source, target);
        const seconds = (performance.now() - started) / 1000;
        return { value: rows / seconds, detail: { seconds, peakRssMb: memory.stop() } };
      } finally {
        await source.destroy();
        await target.destroy();
        fs.rmSync(file, { force: true });
      }
    };
    log(`First sync of ${total.toLocaleString()} rows (${members.toLocaleString()} members + ${saleLines.toLocaleString()} sale lines), rows per second:`);
    const measured = await alternate<{ seconds: number; peakRssMb: number }>(
      rounds,
      // StoreMAS first: its first round's peak RSS is then the sync's alone (the demo dump is written by a child process).
      [
        { name: 'StoreMAS sync', run: storemasRun },
        { name: 'baseline (bare pipelined copy)', run: baselineRun },
      ],
      log,
      (_name, value, d) => `${Math.round(value).toLocaleString()} rows/s, ${d!.seconds.toFixed(1)} s, peak RSS ${d!.peakRssMb} MB`,
    );
    const sm = measured.get('StoreMAS sync')!;
    const bm = measured.get('baseline (bare pipelined copy)')!;
    const storemas = { seconds: Math.round((total / sm.median) * 10) / 10, rowsPerSecond: Math.round(sm.median), peakRssMb: firstSyncPeakMb ?? Number.NaN };
    // The baseline's peak includes what earlier rounds left in the heap: printed per round, not a target.
    const base = { seconds: Math.round((total / bm.median) * 10) / 10, rowsPerSecond: Math.round(bm.median), peakRssMb: bm.last!.peakRssMb };
    const ratio = Math.round((storemas.rowsPerSecond / base.rowsPerSecond) * 100) / 100;
    const result: StoreBenchResult = {
      members,
      saleLines,
      setupSeconds: Math.round(setupSeconds),
      storemas,
      baseline: base,
      ratio,
      withinTarget: { ratio: ratio >= 0.5, memory: storemas.peakRssMb <= 300 },
    };
    log('');
    log(`First sync, medians of ${rounds} alternating rounds (${machine()}):`);
    log(`  StoreMAS ${storemas.rowsPerSecond.toLocaleString()} rows/s, baseline (bare pipelined copy) ${base.rowsPerSecond.toLocaleString()} rows/s`);
    log(`  ratio StoreMAS / baseline: ${ratio}× (target ≥ 0.5×); StoreMAS peak RSS ${storemas.peakRssMb} MB in the first round, the sync alone in this process (target ≤ 300 MB)`);
    return result;
  } finally {
    await server.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name: string) => {
    const index = process.argv.indexOf(name);
    return index > 0 ? Number(process.argv[index + 1]) : undefined;
  };
  run({ members: arg('--members'), receipts: arg('--receipts'), rounds: arg('--rounds') }).then(
    (result) => {
      const missed = Object.values(result.withinTarget).filter((ok) => !ok).length;
      console.log(`${2 - missed} within target, ${missed} over target`);
      process.exitCode = missed > 0 ? 1 : 0;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
