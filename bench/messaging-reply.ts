/**
 * Inbound text → automatic reply, as the modem sees it: from the modem's
 * +CMTI (or +CMT) line announcing a customer's text to the AT+CMGS that sends
 * the reply, both taken on the simulator's side of the PTY. In between, all of
 * StoreMAS: the driver reads the text (AT+CMGR), the inbox stores it before it
 * is deleted from the SIM, the handler chain answers (an opt-out word from a new
 * number, the heaviest: blacklist entry, audit, confirmation through the outbox
 * with policy, auto-reply limit and rendering), and the dispatcher claims the
 * reply and sends it through the modem the text came in on. At realistic
 * latency: 20–120 ms per ordinary command, 1.5 s for the network to accept a
 * part.
 *
 * Baseline, in the same run, on the same kind of simulator: the least an
 * auto-responder does (bench/support/bare-at.ts answerNext: AT+CMGR, AT+CMGD,
 * AT+CMGS of a fixed reply; no database). Rounds alternate (bare, StoreMAS),
 * --texts texts each, one at a time (the next once the reply is accepted);
 * figures are medians of --rounds rounds (at least 3), with the load printed.
 *
 *   npx tsx bench/messaging-reply.ts [--texts 10] [--rounds 3]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StandaloneSimulator } from '../main/modem/sim/standalone.js';
import { REALISTIC } from './modem-send.js';
import { BareAtLoop } from './support/bare-at.js';
import { openPtyAppliance, startSimulators } from './support/pty-appliance.js';
import { alternate, machine, median, numberArg } from './support/runs.js';

/**
 * Watches the simulator's side of the wire: when it announced a text (+CMTI /
 * +CMT) and when the host's AT+CMGS arrived.
 */
function wireProbe(sim: StandaloneSimulator): { nextReply: () => Promise<number>; announced: () => number } {
  let announcedAt = 0;
  let heard = '';
  let waiting: ((at: number) => void) | undefined;
  sim.modem.onOutput((chunk) => {
    if (/\+CMTI?: /.test(chunk.toString('latin1'))) announcedAt = performance.now();
  });
  // The PTY service hands every byte from the host to receive(): listen there, then pass it on.
  const receive = sim.modem.receive.bind(sim.modem);
  sim.modem.receive = (data: Buffer | string) => {
    heard = (heard + (typeof data === 'string' ? data : data.toString('latin1'))).slice(-32);
    if (waiting && heard.includes('AT+CMGS=')) {
      heard = '';
      const w = waiting;
      waiting = undefined;
      w(performance.now());
    }
    receive(data);
  };
  return {
    announced: () => announcedAt,
    nextReply: () => new Promise<number>((resolve) => (waiting = resolve)),
  };
}

const sender = (round: number, i: number, offset: number) => `+86137${String(offset + round * 1000 + i).padStart(8, '0')}`;

async function untilAccepted(sim: StandaloneSimulator, count: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (sim.modem.acceptedLog().length < count) {
    if (Date.now() > deadline) throw new Error(`only ${sim.modem.acceptedLog().length} of ${count} replies accepted`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Milliseconds from +CMTI to AT+CMGS for each of `texts` texts. */
async function bare(texts: number, round: number): Promise<number[]> {
  const { sims, stop } = await startSimulators(1, REALISTIC);
  const sim = sims[0]!;
  const loop = new BareAtLoop(sim.link);
  try {
    await loop.open();
    await loop.indicateNewMessages();
    const probe = wireProbe(sim);
    const latencies: number[] = [];
    for (let i = 0; i < texts; i++) {
      const reply = probe.nextReply();
      const answered = loop.answerNext('您已退订本店营销短信。', i % 256);
      sim.modem.injectInbound({ from: sender(round, i, 0), text: 'TD' });
      latencies.push((await reply) - probe.announced());
      await answered;
    }
    return latencies;
  } finally {
    await loop.close().catch(() => undefined);
    await stop();
  }
}

async function storemas(texts: number, round: number): Promise<number[]> {
  const app = await openPtyAppliance(1, REALISTIC);
  const sim = app.sims[0]!;
  try {
    const probe = wireProbe(sim);
    const latencies: number[] = [];
    for (let i = 0; i < texts; i++) {
      const reply = probe.nextReply();
      sim.modem.injectInbound({ from: sender(round, i, 500), text: i % 2 ? 'TD' : '退订' });
      latencies.push((await reply) - probe.announced());
      await untilAccepted(sim, i + 1);
    }
    const optedOut = await app.core.services.db('inbox_messages').where('handled_by_rule', 'opt-out').count<Array<{ n: number | string }>>({ n: '*' });
    if (Number(optedOut[0]?.n) !== texts) throw new Error(`${String(optedOut[0]?.n)} of ${texts} texts handled as opt-outs`);
    return latencies;
  } finally {
    await app.close();
  }
}

export async function run(options: { texts?: number; rounds?: number; log?: (line: string) => void } = {}): Promise<{ bare: number; storemas: number }> {
  const texts = options.texts ?? 10;
  const rounds = options.rounds ?? 3;
  const log = options.log ?? console.log;
  const all = { bare: [] as number[], storemas: [] as number[] };
  log(`+CMTI → reply's AT+CMGS, ${texts} opt-out texts a run, one at a time, commands ${REALISTIC.commandMs[0]}–${REALISTIC.commandMs[1]} ms:`);
  const measured = await alternate<number[]>(
    rounds,
    [
      { name: 'bare responder', run: async (round) => { const l = await bare(texts, round); all.bare.push(...l); return { value: median(l), detail: l }; } },
      { name: 'StoreMAS', run: async (round) => { const l = await storemas(texts, round); all.storemas.push(...l); return { value: median(l), detail: l }; } },
    ],
    log,
    (_name, value, l) => `median ${value.toFixed(0)} ms (min ${Math.min(...l!).toFixed(0)}, max ${Math.max(...l!).toFixed(0)})`,
  );
  const b = measured.get('bare responder')!.median;
  const s = measured.get('StoreMAS')!.median;
  const p95 = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length * 0.95)]!;
  log('');
  log(`Inbound → reply on the wire, medians of ${rounds} alternating rounds (${machine()}):`);
  log(`  StoreMAS ${s.toFixed(0)} ms (p95 of all ${all.storemas.length} texts ${p95(all.storemas).toFixed(0)} ms); bare responder ${b.toFixed(0)} ms (p95 ${p95(all.bare).toFixed(0)} ms) → ${(s / b).toFixed(2)}× the bare responder, ${(s - b).toFixed(0)} ms more`);
  return { bare: b, storemas: s };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run({ texts: numberArg('texts', 10), rounds: numberArg('rounds', 3) });
}
