import { decodePdu, type DecodedSubmit } from '../../main/modem/pdu/index.js';
import type { StandaloneSimulator } from '../../main/modem/sim/standalone.js';

/** Polls `probe` until it gives a value (not undefined), or fails after `timeoutMs`. */
export async function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The texts the simulated network took for `to`, each with its concatenated parts joined. */
export function repliesTo(sim: StandaloneSimulator, to: string): string[] {
  const messages = new Map<string, { total: number; parts: Array<{ sequence: number; text: string }> }>();
  for (const [index, entry] of sim.modem.acceptedLog().entries()) {
    const pdu = decodePdu(entry.pdu) as DecodedSubmit;
    if (pdu.type !== 'submit' || pdu.recipient.number !== to) continue;
    // The driver leaves TP-MR to the modem: single parts are told apart by their place in the log.
    const key = pdu.concat ? `c${pdu.concat.reference}` : `s${index}`;
    const message = messages.get(key) ?? { total: pdu.concat?.total ?? 1, parts: [] };
    message.parts.push({ sequence: pdu.concat?.sequence ?? 1, text: pdu.text });
    messages.set(key, message);
  }
  // Only whole messages: a long answer counts once all its parts went out.
  return [...messages.values()].filter((m) => m.parts.length === m.total).map((m) => m.parts.sort((a, b) => a.sequence - b.sequence).map((p) => p.text).join(''));
}

/** Injects a text from `from` into the simulated network and waits for the next reply to it. */
export async function ask(sim: StandaloneSimulator, from: string, text: string): Promise<string> {
  const before = repliesTo(sim, from).length;
  sim.modem.injectInbound({ from, text });
  return until(() => {
    const replies = repliesTo(sim, from);
    return replies.length > before ? replies[replies.length - 1] : undefined;
  });
}

/**
 * The texts the simulated network takes, per recipient, kept up to date as the simulator
 * accepts PDUs (concatenated parts joined once all are in): for suites that follow hundreds
 * of numbers at once, where decoding the whole log on every poll (repliesTo) would not keep up.
 */
export class NetworkTexts {
  private readonly complete = new Map<string, string[]>();
  private readonly partial = new Map<string, { total: number; parts: Map<number, string> }>();
  private readonly waiters = new Set<() => void>();
  private readonly off: () => void;

  constructor(sim: StandaloneSimulator) {
    for (const entry of sim.modem.acceptedLog()) this.take(entry.pdu);
    this.off = sim.modem.onAccepted((entry) => this.take(entry.pdu));
  }

  /** Every whole text sent to `number` so far, in the order they were completed. */
  to(number: string): string[] {
    return [...(this.complete.get(number) ?? [])];
  }

  /** The numbers anything was sent to. */
  numbers(): string[] {
    return [...this.complete.keys()];
  }

  /** Waits until `number` has received more than `count` texts; returns text number `count` (0-based). */
  async next(number: string, count: number, timeoutMs = 60_000): Promise<string> {
    return this.until(() => this.complete.get(number)?.[count], timeoutMs, () => `no text #${count + 1} reached ${number} (it has ${this.to(number).length})`);
  }

  /** Waits until `probe` gives a value, re-checked at every text the network takes. */
  async until<T>(probe: () => T | undefined, timeoutMs = 60_000, describe = () => 'timed out'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value !== undefined) return value;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(describe());
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, Math.min(left, 1_000));
        this.waiters.add(wake);
      });
    }
  }

  close(): void {
    this.off();
    for (const wake of [...this.waiters]) wake();
  }

  private take(hex: string): void {
    const pdu = decodePdu(hex) as DecodedSubmit;
    if (pdu.type !== 'submit') return;
    const to = pdu.recipient.number;
    let text: string | undefined = pdu.text;
    if (pdu.concat) {
      const key = `${to}#${pdu.concat.reference}`;
      const message = this.partial.get(key) ?? { total: pdu.concat.total, parts: new Map<number, string>() };
      message.parts.set(pdu.concat.sequence, pdu.text);
      this.partial.set(key, message);
      text = undefined;
      if (message.parts.size === message.total) {
        this.partial.delete(key);
        text = [...message.parts.entries()].sort((a, b) => a[0] - b[0]).map(([, part]) => part).join('');
      }
    }
    if (text === undefined) return;
    const list = this.complete.get(to) ?? [];
    list.push(text);
    this.complete.set(to, list);
    for (const wake of [...this.waiters]) wake();
  }
}
