/**
 * The appliance as a store runs it, for the messaging benchmarks: the real
 * core on a SQLite file, and N AT simulators on PTYs (socat pairs) that the
 * ModemPool opens as serial devices — serialport, AT session, PDU codec and
 * dispatcher exactly as with USB modems.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SYSTEM_ACTOR } from '../../main/auth/audit.js';
import { systemClock } from '../../main/clock.js';
import { defaultConfig } from '../../main/config.js';
import { openCore, type OpenedCore } from '../../main/index.js';
import type { ModemPool } from '../../main/modem/pool.js';
import type { SendLimits } from '../../main/modem/send-ledger.js';
import type { LatencySettings } from '../../main/modem/sim/options.js';
import { startStandaloneSimulator, type StandaloneSimulator } from '../../main/modem/sim/standalone.js';

export const NO_PACING: SendLimits = { minGapMs: 0, perHour: 1_000_000, perDay: 1_000_000 };

/** N simulators on PTYs in a temp directory, stopped (and the directory removed) by the returned function. */
export async function startSimulators(count: number, latency: LatencySettings): Promise<{ sims: StandaloneSimulator[]; stop: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-bench-sims-'));
  const sims: StandaloneSimulator[] = [];
  const stop = async () => {
    for (const sim of sims) await sim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < count; i++) {
      // Reports an hour later: the runs measure sending, not report handling.
      sims.push(await startStandaloneSimulator({ link: path.join(dir, `ttySIM${i}`), modem: { name: `sim-${i}`, latency, statusReports: { delayMs: [3_600_000, 3_600_000] } } }));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { sims, stop };
}

export interface PtyAppliance {
  core: OpenedCore;
  pool: ModemPool;
  sims: StandaloneSimulator[];
  /** The pool's modem id for each simulator (same order). */
  modemIds: string[];
  close(): Promise<void>;
}

/** The core with its pool opening every simulator as a serial modem, all ready and the dispatcher sending. */
export async function openPtyAppliance(count: number, latency: LatencySettings, limits: SendLimits = NO_PACING): Promise<PtyAppliance> {
  const { sims, stop } = await startSimulators(count, latency);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-bench-core-'));
  const core = await openCore(
    defaultConfig({ dataDir, port: 0, logLevel: 'warn', logToConsole: false, auth: { sessionIdleMinutes: 30, maxFailedLogins: 5, lockoutMinutes: 15, scryptCost: 1024 } }),
    { clock: systemClock, lock: false },
  );
  const pool = core.services.modems;
  const close = async () => {
    await core.services.messaging.stop().catch(() => undefined);
    await pool.stop();
    await core.close();
    await stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const modemIds: string[] = [];
    for (const sim of sims) {
      const view = await pool.add({ name: path.basename(sim.link), kind: 'serial', portPath: sim.link, limits }, SYSTEM_ACTOR);
      modemIds.push(view.config.id);
    }
    await pool.start();
    const deadline = Date.now() + 120_000;
    while (pool.modemIds().length < count) {
      if (Date.now() > deadline) throw new Error(`only ${pool.modemIds().length} of ${count} modems ready`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await core.services.messaging.start(pool);
    return { core, pool, sims, modemIds, close };
  } catch (error) {
    await close();
    throw error;
  }
}
