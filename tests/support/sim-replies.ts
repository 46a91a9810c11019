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
