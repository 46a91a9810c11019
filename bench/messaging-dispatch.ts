/**
 * Modem pool busy share and scaling (issue 4 targets: modems busy ≥ 95% of
 * the time with 4 modems; 8 modems ≥ 7.5× the throughput of 1), through the
 * whole sending path a store runs: outbox on a SQLite file, dispatcher (claim,
 * policy re-check, part rows written before and after each part), ModemPool,
 * the serial driver, and AT simulators on PTYs at realistic latency (1.5 s for
 * the network to accept a part — the physical limit, 40 parts a minute per
 * modem — and 20–120 ms per ordinary command).
 *
 * Baseline, in the same run: the bare AT loop (bench/support/bare-at.ts) on as
 * many simulators, each sending its share one part after the other — the
 * modems' own pace. For each modem count, rounds alternate (bare, StoreMAS);
 * figures are medians of --rounds rounds (at least 3) with the load printed.
 *
 *  - busy share: the dispatcher's time inside the modems' sends ÷ (modems ×
 *    wall time), from the enqueue to the last part accepted by a simulator;
 *  - pace: StoreMAS's messages per minute ÷ the bare loop's on as many modems;
 *  - scaling: StoreMAS with 8 modems ÷ with 1 (the bare loop's beside it).
 *
 *   npx tsx bench/messaging-dispatch.ts [--per-modem 10] [--modems 1,4,8] [--rounds 3]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SYSTEM_ACTOR } from '../main/auth/audit.js';
import { BareAtLoop } from './support/bare-at.js';
import { REALISTIC } from './modem-send.js';
import { openPtyAppliance, startSimulators } from './support/pty-appliance.js';
import { alternate, machine, numberArg } from './support/runs.js';

const TEXT = '您的积分已到账，本月消费满两百元可兑换礼品，感谢光临。';

interface DispatchRun {
  messages: number;
  seconds: number;
  perMinute: number;
  busyShare: number | null;
}

/** The bare loop on `modems` simulators at once, `perModem` messages each. */
async function bare(modems: number, perModem: number): Promise<DispatchRun> {
  const { sims, stop } = await startSimulators(modems, REALISTIC);
  const loops = sims.map((sim) => new BareAtLoop(sim.link));
  try {
    for (const loop of loops) await loop.open();
    const started = performance.now();
    await Promise.all(
      loops.map(async (loop, m) => {
        for (let i = 0; i < perModem; i++) await loop.send(`+86139${String(m * perModem + i).padStart(8, '0')}`, TEXT, i % 256);
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return { messages: modems * perModem, seconds, perMinute: ((modems * perModem) / seconds) * 60, busyShare: null };
  } finally {
    for (const loop of loops) await loop.close().catch(() => undefined);
    await stop();
  }
}

/** StoreMAS: `modems × perModem` messages enqueued at once and dispatched over the pool. */
async function storemas(modems: number, perModem: number): Promise<DispatchRun> {
  const app = await openPtyAppliance(modems, REALISTIC);
  try {
    const messages = modems * perModem;
    let accepted = 0;
    let lastAcceptedAt = 0;
    for (const sim of app.sims) {
      sim.modem.onAccepted(() => {
        accepted += 1;
        lastAcceptedAt = performance.now();
      });
    }
    const messaging = app.core.services.messaging;
    const busyBefore = [...messaging.busyMs().values()].reduce((a, b) => a + b, 0);
    const started = performance.now();
    // Transactional: the bench may run at night, when quiet hours hold commercial texts back.
    await messaging.outbox.enqueue(
      Array.from({ length: messages }, (_, i) => ({ number: `+86139${String(i).padStart(8, '0')}` })),
      { text: TEXT, category: 'transactional', source: 'bench' },
      SYSTEM_ACTOR,
    );
    messaging.poke();
    const deadline = Date.now() + 600_000;
    while (accepted < messages) {
      if (Date.now() > deadline) throw new Error(`only ${accepted} of ${messages} parts accepted`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const seconds = (lastAcceptedAt - started) / 1000;
    const busy = ([...messaging.busyMs().values()].reduce((a, b) => a + b, 0) - busyBefore) / 1000;
    return { messages, seconds, perMinute: (messages / seconds) * 60, busyShare: busy / (modems * seconds) };
  } finally {
    await app.close();
  }
}

export interface DispatchBenchResult {
  byModems: Array<{ modems: number; bare: number; storemas: number; busyShare: number }>;
  scaling: number;
  bareScaling: number;
  withinTarget: boolean;
}

export async function run(options: { perModem?: number; modems?: number[]; rounds?: number; log?: (line: string) => void } = {}): Promise<DispatchBenchResult> {
  const perModem = options.perModem ?? 10;
  const counts = options.modems ?? [1, 4, 8];
  const rounds = options.rounds ?? 3;
  const log = options.log ?? console.log;
  const byModems: DispatchBenchResult['byModems'] = [];
  for (const modems of counts) {
    log(`${modems} modem(s), ${perModem} single-part messages each, at ${REALISTIC.sendMs[0] / 1000} s per part:`);
    const busyShares: number[] = [];
    const measured = await alternate<DispatchRun>(
      rounds,
      [
        { name: 'bare AT loops', run: async () => { const r = await bare(modems, perModem); return { value: r.perMinute, detail: r }; } },
        {
          name: 'StoreMAS',
          run: async () => {
            const r = await storemas(modems, perModem);
            busyShares.push(r.busyShare!);
            return { value: r.perMinute, detail: r };
          },
        },
      ],
      log,
      (_name, value, r) => `${value.toFixed(1)} msg/min, ${r!.seconds.toFixed(1)} s${r!.busyShare === null ? '' : `, modems busy ${(r!.busyShare * 100).toFixed(1)}%`}`,
    );
    const sorted = [...busyShares].sort((a, b) => a - b);
    byModems.push({ modems, bare: measured.get('bare AT loops')!.median, storemas: measured.get('StoreMAS')!.median, busyShare: sorted[Math.floor(sorted.length / 2)]! });
  }
  const one = byModems.find((b) => b.modems === 1);
  const eight = byModems.find((b) => b.modems === 8);
  const scaling = one && eight ? eight.storemas / one.storemas : Number.NaN;
  const bareScaling = one && eight ? eight.bare / one.bare : Number.NaN;
  const four = byModems.find((b) => b.modems === 4);
  log('');
  log(`Dispatch through the pool over PTYs, medians of ${rounds} alternating rounds (${machine()}):`);
  for (const b of byModems) {
    log(
      `  ${b.modems} modem(s): StoreMAS ${b.storemas.toFixed(1)} msg/min = ${(b.storemas / b.bare).toFixed(2)}× the bare loops (${b.bare.toFixed(1)} msg/min; ` +
        `physical limit ${(b.modems * 40).toFixed(0)}); modems busy ${(b.busyShare * 100).toFixed(1)}%${b.modems === 4 ? ' (target ≥ 95%)' : ''}`,
    );
  }
  if (one && eight) log(`  scaling 8 modems ÷ 1: StoreMAS ${scaling.toFixed(2)}× (target ≥ 7.5×); bare loops ${bareScaling.toFixed(2)}×`);
  return { byModems, scaling, bareScaling, withinTarget: (four ? four.busyShare >= 0.95 : true) && (Number.isNaN(scaling) || scaling >= 7.5) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const modemsIndex = process.argv.indexOf('--modems');
  const modems = modemsIndex > 0 ? process.argv[modemsIndex + 1]!.split(',').map(Number) : undefined;
  const result = await run({ perModem: numberArg('per-modem', 10), modems, rounds: numberArg('rounds', 3) });
  process.exitCode = result.withinTarget ? 0 : 1;
}
