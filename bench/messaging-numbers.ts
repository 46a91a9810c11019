/**
 * The number rule per message (hardening issue, item 5): decide() classifies every
 * recipient, so already-normalised mainland mobiles take the fast path of
 * classifyNumber. Measured against, in the same run: the old plain regex check
 * decide() used before (the baseline: what the fast path may cost at most) and
 * libphonenumber's full parse with number type (what every message would cost
 * without the fast path). Median of 5 alternating runs; machine load printed.
 *
 *   npx tsx bench/messaging-numbers.ts [--numbers 200000]
 */
import os from 'node:os';
import { classifyNumber, classifyWithParser } from '../main/messaging/numbers.js';

const arg = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const COUNT = arg('numbers', 200_000);
const PREFIXES = ['138', '139', '150', '186', '199', '177', '166', '147'];
const e164 = Array.from({ length: COUNT }, (_, i) => `+86${PREFIXES[i % PREFIXES.length]}${String((i * 7919) % 100_000_000).padStart(8, '0')}`);
const typed = e164.map((n, i) => (i % 3 === 0 ? `${n.slice(3, 6)} ${n.slice(6, 10)} ${n.slice(10)}` : i % 3 === 1 ? n.slice(3) : `0086-${n.slice(3)}`));

const OLD_REGEX = /^\+861[3-9]\d{9}$/;

function measure(run: () => number): number {
  const start = process.hrtime.bigint();
  const kept = run();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (kept !== COUNT) throw new Error(`expected ${COUNT} mobiles, got ${kept}`);
  return seconds;
}

const runs = {
  baseline: [] as number[],
  fast: [] as number[],
  parser: [] as number[],
  typed: [] as number[],
};
for (let round = 0; round < 5; round++) {
  runs.baseline.push(measure(() => e164.filter((n) => OLD_REGEX.test(n)).length));
  runs.fast.push(measure(() => e164.filter((n) => classifyNumber(n).kind === 'mobile').length));
  runs.parser.push(measure(() => e164.filter((n) => classifyWithParser(n).kind === 'mobile').length));
  runs.typed.push(measure(() => typed.filter((n) => classifyNumber(n).kind === 'mobile').length));
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const perNumber = (seconds: number) => `${((seconds / COUNT) * 1e6).toFixed(3)} µs`;
const [load1] = os.loadavg();
console.log(`numbers: ${COUNT.toLocaleString()} per run, median of 5 alternating runs, load ${load1!.toFixed(2)} on ${os.cpus().length} cores`);
const base = median(runs.baseline);
for (const [name, label] of [
  ['baseline', 'old regex check (baseline)'],
  ['fast', 'classifyNumber, E.164 mobiles (fast path)'],
  ['parser', 'full parse + number type, E.164'],
  ['typed', 'classifyNumber, typed forms (parser)'],
] as const) {
  const m = median(runs[name]);
  console.log(`  ${label.padEnd(44)} ${perNumber(m).padStart(10)} per number   ${(m / base).toFixed(1)}× baseline`);
}
