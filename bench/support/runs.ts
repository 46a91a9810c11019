/**
 * How every benchmark measures: the variants (a baseline and what StoreMAS
 * does) run one after the other, round after round, so a burst of load from
 * the other engineers on the machine hits both alike; each figure is the median
 * of the rounds, and the one-minute load average is printed at every run.
 */
import os from 'node:os';

export const loadAverage = (): number => os.loadavg()[0]!;

export const median = (values: readonly number[]): number => {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

export const machine = (): string => `${os.availableParallelism()} CPUs, load average ${loadAverage().toFixed(1)}`;

export interface Measured<T> {
  /** The figure of each round, in order. */
  values: number[];
  /** The one-minute load average when each round started. */
  loads: number[];
  /** What the last round returned besides the figure. */
  last: T;
  median: number;
}

export interface Variant<T> {
  name: string;
  /** One measurement: the figure compared (e.g. seconds, messages per minute) and details to print. */
  run: (round: number) => Promise<{ value: number; detail?: T }> | { value: number; detail?: T };
}

/**
 * Runs every variant once per round, in the given order, for `rounds` rounds
 * (at least 3), printing each run with the load it started under.
 */
export async function alternate<T>(
  rounds: number,
  variants: ReadonlyArray<Variant<T>>,
  log: (line: string) => void,
  show: (name: string, value: number, detail: T | undefined) => string,
): Promise<Map<string, Measured<T | undefined>>> {
  if (rounds < 3) throw new Error('--rounds must be at least 3: the figures are medians');
  const results = new Map<string, Measured<T | undefined>>(variants.map((v) => [v.name, { values: [], loads: [], last: undefined, median: Number.NaN }]));
  for (let round = 0; round < rounds; round++) {
    for (const variant of variants) {
      const entry = results.get(variant.name)!;
      const load = loadAverage();
      global.gc?.();
      const { value, detail } = await variant.run(round);
      entry.values.push(value);
      entry.loads.push(load);
      entry.last = detail;
      log(`  round ${round + 1}, ${variant.name}: ${show(variant.name, value, detail)} (load ${load.toFixed(1)})`);
    }
  }
  for (const entry of results.values()) entry.median = median(entry.values);
  return results;
}

/** Reads `--name value` as a number. */
export function numberArg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isFinite(value)) throw new Error(`--${name} needs a number`);
  return value;
}
