import fs from 'node:fs';
import path from 'node:path';
import { SYSTEM_ACTOR } from '../../auth/audit.js';
import type { ApplianceServices } from '../../services.js';
import { writeDemoSqlite } from './sinks.js';

export const DEMO_FILE = 'demo-pos.sqlite';
export const DEMO_CONNECTION = '演示POS';

/**
 * The embedded default: on a fresh data directory (no store connection, no
 * demo file yet) generate the demo POS next to the database, configure it as
 * the store connection with the demo preset, and sync it once — so a newcomer
 * sees members and stock. Run in the background after start; a data
 * directory that already has a connection, or had the demo once, is left alone
 * (deleting the demo connection keeps it deleted).
 */
export async function ensureDemoStore(services: ApplianceServices, options: { members?: number } = {}): Promise<number | undefined> {
  const file = path.join(services.config.dataDir, DEMO_FILE);
  if (fs.existsSync(file)) return undefined;
  if ((await services.store.listConnections()).length > 0) return undefined;
  services.logger.info({ file }, 'generating the demo POS database');
  await writeDemoSqlite(file, { members: options.members ?? 10_000, until: services.clock.now() });
  const connection = await services.store.createConnection(SYSTEM_ACTOR, { name: DEMO_CONNECTION, client: 'sqlite', settings: { file }, scheduleMinutes: 15, fullCompareHours: 24 });
  await services.store.applyPreset(SYSTEM_ACTOR, connection.id, 'demo-pos');
  const { runId, done } = await services.store.startSync(SYSTEM_ACTOR, connection.id, { mode: 'incremental', trigger: 'startup' });
  const run = await done;
  services.logger.info({ runId, state: run.state, rows: run.rowsRead }, 'demo POS synced');
  return runId;
}
