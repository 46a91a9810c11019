/**
 * Send rate of one modem against a zero-latency simulator over a PTY (issue 3
 * target: at least 80% of what a 115,200-baud serial line allows for the bytes
 * exchanged). The driver opens the PTY with serialport exactly as a USB dongle;
 * the simulator answers on the other end of a socat pair. Bytes in both
 * directions are counted, so the line's limit is computed from the real
 * exchange (command, prompt, PDU + Ctrl-Z, +CMGS, OK; at 10 bits per byte, the
 * busier direction decides). A PTY does not throttle to the baud rate, so the
 * unthrottled ratio can exceed 1; the second run holds the bytes to 115,200
 * baud in each direction, as a cable would, which is the figure that counts.
 *
 *   npx tsx bench/modem-send.ts [--messages 300]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { systemClock } from '../main/clock.js';
import { MemoryInboundSink } from '../main/modem/inbound.js';
import { Modem } from '../main/modem/modem.js';
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
  /** Messages per second a 115,200-baud line allows for the bytes each message takes. */
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
 * direction on its own wire), so the PTY behaves like a real 115,200-baud cable.
 */
function throttled(inner: ByteTransport, baud: number): ByteTransport {
  const msPerByte = 10_000 / baud;
  let outFreeAt = 0;
  let inFreeAt = 0;
  const wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));
  return {
    get isOpen() {
      return inner.isOpen;
    },
    get description() {
      return `${inner.description} (throttled)`;
    },
    open: () => inner.open(),
    close: () => inner.close(),
    write: async (data: Buffer | string) => {
      const bytes = typeof data === 'string' ? Buffer.byteLength(data, 'latin1') : data.length;
      const start = Math.max(performance.now(), outFreeAt);
      outFreeAt = start + bytes * msPerByte;
      await wait(outFreeAt - performance.now());
      await inner.write(data);
    },
    onData: (listener: (chunk: Buffer) => void) =>
      inner.onData((chunk) => {
        inFreeAt = Math.max(performance.now(), inFreeAt) + chunk.length * msPerByte;
        const due = inFreeAt;
        setTimeout(() => listener(chunk), Math.max(0, due - performance.now()));
      }),
    onClose: (listener: (error?: Error) => void) => inner.onClose(listener),
  };
}

export async function run(options: { messages?: number; throttle?: boolean } = {}): Promise<SendBenchResult> {
  const messages = options.messages ?? 300;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'storemas-bench-'));
  const link = path.join(dir, 'ttyBENCH');
  // Reports an hour later: the run measures sending, not report handling.
  const simulator = await startStandaloneSimulator({ link, modem: { latency: 'zero', statusReports: { delayMs: [3_600_000, 3_600_000] } } });
  const serial = new SerialTransport({ path: link, baudRate: BAUD });
  const transport = counting(options.throttle ? throttled(serial, BAUD) : serial);
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
    const bytesPerMessage = Math.max(bytesOut, bytesIn) / messages;
    const lineLimitPerSecond = BAUD / 10 / bytesPerMessage;
    const messagesPerSecond = messages / seconds;
    return { messages, seconds, messagesPerSecond, bytesOut, bytesIn, lineLimitPerSecond, ratioToLine: messagesPerSecond / lineLimitPerSecond, target: TARGET_RATIO };
  } finally {
    await modem.stop();
    await simulator.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf('--messages');
  const messages = at > 0 ? Number(process.argv[at + 1]) : undefined;
  const f = (n: number) => n.toFixed(1);
  for (const throttle of [false, true]) {
    const result = await run({ messages, throttle });
    console.log(
      `one modem over a PTY${throttle ? ' held to 115,200 baud' : ' (unthrottled)'}, zero-latency simulator: ${f(result.messagesPerSecond)} msg/s; ` +
        `the line allows ${f(result.lineLimitPerSecond)} msg/s for ${Math.round(Math.max(result.bytesOut, result.bytesIn) / result.messages)} bytes each ` +
        `→ ${(result.ratioToLine * 100).toFixed(0)}% of the line (target ${result.target * 100}%)`,
    );
    console.log(JSON.stringify({ throttle, ...result }));
  }
}
