import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { CLI_ACTOR } from '../auth/audit.js';
import { AppError } from '../errors.js';
import { StoreError } from '../store/errors.js';
import { startLive } from '../store/demo/live.js';
import { writeDemoDump, writeDemoSqlite } from '../store/demo/sinks.js';
import type { StoreConnection } from '../store/service.js';
import { withCore } from './common.js';
import { table, type CliOutput } from './output.js';

function parseCount(value: string): number {
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError('give a whole number ≥ 0.');
  return n;
}

function when(ms: number | null): string {
  return ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : 'never';
}

function pickConnection(connections: StoreConnection[], wanted: string | undefined): StoreConnection {
  if (wanted) {
    const found = connections.find((c) => c.name === wanted || String(c.id) === wanted);
    if (!found) throw new StoreError('CONNECTION_NOT_FOUND', `There is no store connection “${wanted}”. See \`storemas sync status\` for the names.`, 404);
    return found;
  }
  const enabled = connections.filter((c) => c.enabled);
  if (enabled.length === 0) throw new StoreError('CONNECTION_NOT_FOUND', 'No store connection is configured. Add one in 门店数据 (or start `storemas serve` once for the demo POS).', 404);
  if (enabled.length > 1) throw new StoreError('CONNECTION_AMBIGUOUS', `There are ${enabled.length} store connections; name one with --store (${enabled.map((c) => c.name).join(', ')}).`, 400);
  return enabled[0]!;
}

export function registerStoreCommands(program: Command, out: CliOutput): void {
  const sync = program.command('sync').description('read the store (POS) database into the StoreMAS mirror — read-only');

  sync
    .command('run')
    .description('sync now: incremental (new and changed rows), or --full to compare every key and detect deletions')
    .option('-s, --store <name>', 'the store connection (name or id); needed when there are several')
    .option('--full', 'read everything and mark rows gone from the POS as deleted')
    .action(async (options: { store?: string; full?: boolean }, command: Command) => {
      await withCore(command, async (core) => {
        const { store, events } = core.services;
        const connection = pickConnection(await store.listConnections(), options.store);
        let lastLine = 0;
        const unsubscribe = events.onDidPublish((event) => {
          if (event.type !== 'job.progress') return;
          const p = event.data as { done: number; total: number | null; ratePerSecond: number | null; etaSeconds: number | null; message?: string };
          const now = performance.now();
          if (now - lastLine < 1000) return;
          lastLine = now;
          const total = p.total ? `/${p.total}` : '';
          out.err(`  ${p.message ?? ''} ${p.done}${total} rows, ${p.ratePerSecond ?? 0} rows/s${p.etaSeconds ? `, ~${p.etaSeconds} s left` : ''}`);
        });
        try {
          const { runId, done } = await store.startSync(CLI_ACTOR, connection.id, { mode: options.full ? 'full' : 'incremental', trigger: 'cli' });
          out.out(`Sync run ${runId} of “${connection.name}” started (${options.full ? 'full comparison' : 'incremental'}).`);
          const stopOnSignal = () => void store.cancel(CLI_ACTOR, runId).catch(() => undefined);
          process.once('SIGINT', stopOnSignal);
          const run = await done.finally(() => process.off('SIGINT', stopOnSignal));
          const counts = run.detail?.counts ?? {};
          for (const line of table([
            ['ENTITY', 'READ', 'WRITTEN', 'REJECTED', 'DELETED'],
            ...Object.entries(counts).map(([entity, c]) => [entity, String(c.read), String(c.written), String(c.rejected), c.compared ? String(c.deleted) : '-']),
          ])) out.out(line);
          out.out(`${run.state}: ${run.rowsRead} rows read in ${((run.durationMs ?? 0) / 1000).toFixed(1)} s.`);
          if (run.rowsNotMobile > 0) out.out(`${run.rowsNotMobile} members have a landline or service number instead of a mobile: kept as their phone, they get no texts.`);
          if (run.state === 'failed') throw new AppError(run.errorCode ?? 'SYNC_FAILED', run.errorMessage ?? 'The sync failed.', 502);
          if (run.errorMessage) out.err(run.errorMessage);
        } finally {
          unsubscribe();
        }
      });
    });

  sync
    .command('status')
    .description('store connections, their schedule, the last runs and what the mirror holds')
    .action(async (_options: unknown, command: Command) => {
      await withCore(command, async (core) => {
        const { store } = core.services;
        const connections = await store.listConnections();
        if (connections.length === 0) {
          out.out('No store connection is configured.');
          return;
        }
        const rows: string[][] = [['ID', 'NAME', 'TYPE', 'SCHEDULE', 'LAST SYNC', 'LAST RUN']];
        for (const c of connections) {
          const [last] = (await store.listRuns({ connectionId: c.id, page: 1, pageSize: 1 })).items;
          rows.push([
            String(c.id),
            c.name,
            c.client,
            c.enabled ? `${c.scheduleMinutes ? `every ${c.scheduleMinutes} min` : 'on demand'}; full every ${c.fullCompareHours || '-'} h` : 'disabled',
            when(c.lastSyncAt),
            last ? `#${last.id} ${last.state}${last.errorCode ? ` (${last.errorCode})` : ''}, ${last.rowsRead} rows` : '-',
          ]);
        }
        for (const line of table(rows)) out.out(line);
        const counts = await store.counts();
        out.out(`Mirror: ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}.`);
      });
    });

  program
    .command('demo-pos')
    .description('generate the demo POS database (its own schema, Chinese-POS style) for trying StoreMAS out')
    .requiredOption('-o, --out <file>', 'the SQLite file to create (or the .sql dump with --format)')
    .option('-m, --members <n>', 'number of members', parseCount, 10_000)
    .option('--stores <n>', 'number of stores', parseCount, 5)
    .option('--products <n>', 'number of products', parseCount, 2_000)
    .option('--receipts <n>', 'receipts over the year (default 8 per member)', parseCount)
    .option('--seed <n>', 'random seed: the same seed gives the same data', parseCount, 20261122)
    .option('--format <format>', 'sqlite (default), or an SQL dump for mysql (MariaDB) or pg (PostgreSQL)', 'sqlite')
    .option('--live', 'after generating, keep adding sales every few seconds until Ctrl+C')
    .action(async (options: { out: string; members: number; stores: number; products: number; receipts?: number; seed: number; format: string; live?: boolean }) => {
      const file = path.resolve(options.out);
      const demo = { members: options.members, stores: options.stores, products: options.products, seed: options.seed, ...(options.receipts !== undefined ? { receipts: options.receipts } : {}) };
      const progress = (tableName: string, rows: number) => out.err(`  ${tableName}: ${rows} rows`);
      const started = performance.now();
      if (options.format === 'mysql' || options.format === 'pg') {
        if (options.live) throw new StoreError('DEMO_LIVE_NEEDS_SQLITE', 'Live mode writes to a SQLite demo file; drop --format or --live.', 400);
        await writeDemoDump(file, options.format, demo, progress);
      } else if (options.format === 'sqlite') {
        await writeDemoSqlite(file, demo, progress);
      } else {
        throw new StoreError('DEMO_FORMAT_UNKNOWN', `Unknown format “${options.format}”: use sqlite, mysql or pg.`, 400);
      }
      out.out(`Demo POS written to ${file} in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
      if (!options.live) return;
      out.out('Live mode: adding a sale every 3 s. Press Ctrl+C to stop.');
      let sales = 0;
      const stop = await startLive(file, { onSale: () => sales++ });
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
      await stop();
      out.out(`Live mode stopped after ${sales} sales.`);
    });
}
