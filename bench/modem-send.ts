/**
 * Send rate of one modem against a zero-latency simulator over a PTY (issue 3
 * target: at least 80% of what a 115,200-baud serial line allows for the bytes
 * exchanged). The driver opens the PTY with serialport exactly as a USB dongle;
 * the simulator answers on the other end of a socat pair.
 *
 * What the line allows: every byte crossing it in either direction, at 10 bits
 * a byte (start, 8 data, stop). The exchange of a part is strictly one way at a
 * time — AT+CMGS=n, then the "> " prompt, then the PDU + Ctrl-Z, then +CMGS/OK,
 * and only then the next command — so the two directions never overlap and the
 * line time of a message is (bytes out + bytes in) × 10 / 115,200 s.
 *
 * A PTY has no speed: the first run shows the raw round-trip cost per message
 * (driver + socat + simulator), which is all the held run can lose to overhead.
 * The held runs carry the bytes no faster than a 115,200-baud cable in each
 * direction; their median ratio is the figure that counts. The machine's load
 * average is printed with it: the PTY hops need socat and the simulator to be
 * scheduled, so a busy machine lowers the figure.
 *
 *   npx tsx bench/modem-send.ts [--messages 200] [--rounds 3]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { systemClock } from '../main/clock.js';
import { MemoryInboundSink } from '../main/modem/inbound.js';
import { Modem } from '../main/modem/modem.js';
import { LinePacer } from '../main/modem/sim/line-pacer.js';
import { startStandaloneSimulator } from '../main/modem/sim/standalone.js';
import { SerialTransport } from '../main/modem/transport/serial.js';
import type { ByteTransport } from '../main/modem/transport/types.js';

export const TARGET_RATIO = 0.8;
const BAUD = 115_200;

export interface SendBenchResult {
  messages: number;
  seconds: number;
  messagesPerSecond: number;
  bytesOut: number;
  bytesIn: number;
  /** Messages per second a 115,200-baud line allows for the bytes each message takes (both directions). */
  lineLimitPerSecond: number;
  ratioToLine: number;
  target: number;
}

/** Counts the bytes crossing a transport. */
function counting(inner: ByteTransport): ByteTransport & { out: number; in: number } {
  const counter = {
    out: 0,
    in: 0,
    get isOpen() {
      return inner.isOpen;
    },
    get description() {
      return inner.description;
    },
    open: () => inner.open(),
    close: () => inner.close(),
    write: (data: Buffer | string) => {
      counter.out += typeof data === 'string' ? Buffer.byteLength(data, 'latin1') : data.length;
      return inner.write(data);
    },
    onData: (listener: (chunk: Buffer) => void) =>
      inner.onData((chunk) => {
        counter.in += chunk.length;
        listener(chunk);
      }),
    onClose: (listener: (error?: Error) => void) => inner.onClose(listener),
  };
  return counter;
}

/**
 * Holds bytes for the time a serial line at `baud` takes to carry them (10 bits a byte, each
 * direction on its own wire), so the PTY behaves like a real 115,200-baud cable. The pacing is
 * the simulator's own LinePacer: a chunk arrives when its last bit would have, never earlier (a
 * bare setTimeout fires up to a millisecond early on large chunks and a millisecond late on small
 * ones, both errors of the harness, not the driver's). A write resolves once the bytes are queued,
 * as a UART driver takes them into its buffer.
 */
function heldToLine(inner: ByteTransport, baud: number): ByteTransport {
  const listeners = new Set<(chunk: Buffer) => void>();
  const toDevice = new LinePacer(baud, (chunk) => void inner.write(chunk).catch(() => undefined));
  const fromDevice = new LinePacer(baud, (chunk) => {
    for (const listener of [...listeners]) listener(chunk);
  });
  inner.onData((chunk) => fromDevice.push(chunk));
  return {
    get isOpen() {
      return inner.isOpen;
    },
    get description() {
      return `${inner.description} (held to ${baud} baud)`;
    },
    open: () => inner.open(),
    close: async () => {
      toDevice.stop();
      fromDevice.stop();
      await inner.close();
    },
    write: async (data: Buffer | string) => {
      if (!inner.isOpen) throw new Error(`${inner.description} is not open`);
      toDevice.push(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
    },
    onData: (listener: (chunk: Buffer) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onClose: (listener: (error?: Error) => void) => inner.onClose(listener),
  };
}

export async function run(options: { messages?: number; throttle?: boolean; rounds?: number } = {}): Promise<SendBenchResult[]> {
  const messages = options.messages ?? 200;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'storemas-bench-'));
  const link = path.join(dir, 'ttyBENCH');
  // Reports an hour later: the run measures sending, not report handling.
  const simulator = await startStandaloneSimulator({ link, modem: { latency: 'zero', statusReports: { delayMs: [3_600_000, 3_600_000] } } });
  const serial = new SerialTransport({ path: link, baudRate: BAUD });
  const transport = counting(options.throttle ? heldToLine(serial, BAUD) : serial);
  // No pacing gap and caps out of reach: the figure is the driver and the line, not the operator-safety limits.
  const modem = new Modem(
    { id: 'bench', name: 'bench', limits: { minGapMs: 0, perHour: 1_000_000, perDay: 1_000_000 }, healthIntervalMs: 3_600_000, listingIntervalMs: 3_600_000 },
    { transport, clock: systemClock, sink: new MemoryInboundSink() },
  );
  try {
    modem.start();
    const deadline = Date.now() + 30_000;
    while (modem.state !== 'ready') {
      if (Date.now() > deadline) throw new Error(`modem not ready: ${modem.state} ${modem.status().reason ?? ''}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const text = '尊敬的会员您好，本周六日全场生鲜八折，满百再减十元，积分可抵现金，详情请咨询服务台，退订回复T。谢谢光临';
    const results: SendBenchResult[] = [];
    for (let round = 0; round < (options.rounds ?? 1); round++) {
      const out0 = transport.out;
      const in0 = transport.in;
      const started = process.hrtime.bigint();
      for (let i = 0; i < messages; i++) {
        const result = await modem.send({ to: '+8613800138000', text });
        if (!result.ok) throw new Error(`send ${i} failed: ${JSON.stringify(result.parts[0]?.error)}`);
      }
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const bytesOut = transport.out - out0;
      const bytesIn = transport.in - in0;
      const lineLimitPerSecond = BAUD / 10 / ((bytesOut + bytesIn) / messages);
      const messagesPerSecond = messages / seconds;
      results.push({ messages, seconds, messagesPerSecond, bytesOut, bytesIn, lineLimitPerSecond, ratioToLine: messagesPerSecond / lineLimitPerSecond, target: TARGET_RATIO });
    }
    return results;
  } finally {
    await modem.stop();
    await simulator.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string) => {
    const at = process.argv.indexOf(name);
    return at > 0 ? Number(process.argv[at + 1]) : undefined;
  };
  const messages = arg('--messages');
  const f = (n: number) => n.toFixed(1);
  const [raw] = await run({ messages: (messages ?? 200) * 2, throttle: false });
  console.log(
    `one modem over a PTY at PTY speed (no line), zero-latency simulator: ${f(raw!.messagesPerSecond)} msg/s, ` +
      `${(1000 / raw!.messagesPerSecond).toFixed(2)} ms per message for driver + socat + simulator`,
  );
  const load = os.loadavg()[0]!;
  const held = await run({ messages, throttle: true, rounds: arg('--rounds') ?? 3 });
  const byRatio = [...held].sort((a, b) => a.ratioToLine - b.ratioToLine);
  const median = byRatio[Math.floor(byRatio.length / 2)]!;
  const bytes = (median.bytesOut + median.bytesIn) / median.messages;
  console.log(
    `held to 115,200 baud: ${f(median.messagesPerSecond)} msg/s (median of ${held.length} rounds of ${median.messages}); the line allows ` +
      `${f(median.lineLimitPerSecond)} msg/s for ${Math.round(bytes)} bytes each (${Math.round(median.bytesOut / median.messages)} out + ${Math.round(median.bytesIn / median.messages)} in) ` +
      `→ ${(median.ratioToLine * 100).toFixed(0)}% of the line (rounds ${held.map((r) => `${(r.ratioToLine * 100).toFixed(0)}%`).join(', ')}; target ${TARGET_RATIO * 100}%; load average ${load.toFixed(1)} on ${os.cpus().length} cores)`,
  );
  console.log(JSON.stringify({ raw, held, medianRatio: median.ratioToLine, loadAverage: load, target: TARGET_RATIO }));
}
