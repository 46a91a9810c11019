import type { Clock } from '../clock.js';

/**
 * Puts concatenated parts together by sender + reference + total. A message
 * whose parts do not all arrive within the window is released as partial
 * (flagged) when the window ends, measured from its first part on the
 * injected clock. Each part carries a `token` (the modem's stored part) so
 * the caller can drop exactly the parts of a message once it is stored.
 */
export interface IncomingPart<T> {
  sender: string;
  reference: number;
  total: number;
  /** 1-based. */
  sequence: number;
  text: string;
  token: T;
  /** When the part came in, when it is not now (a part read back from the store after a restart). */
  receivedAt?: number;
}

export interface AssembledMessage<T> {
  sender: string;
  reference: number;
  total: number;
  text: string;
  partial: boolean;
  received: number[];
  tokens: T[];
  firstSeenAt: number;
}

interface Group<T> {
  sender: string;
  reference: number;
  total: number;
  parts: Map<number, { text: string; token: T }>;
  firstSeenAt: number;
}

export const DEFAULT_REASSEMBLY_WINDOW_MS = 10 * 60_000;
export const MIN_REASSEMBLY_WINDOW_MS = 10 * 60_000;

export class Reassembler<T> {
  private readonly groups = new Map<string, Group<T>>();
  private window = DEFAULT_REASSEMBLY_WINDOW_MS;

  constructor(
    private readonly clock: Clock,
    windowMs = DEFAULT_REASSEMBLY_WINDOW_MS,
  ) {
    this.windowMs = windowMs;
  }

  get windowMs(): number {
    return this.window;
  }

  /** A new window applies to the messages already waiting too. */
  set windowMs(windowMs: number) {
    if (!Number.isFinite(windowMs) || windowMs < MIN_REASSEMBLY_WINDOW_MS) {
      throw new RangeError(`The reassembly window must be at least ${MIN_REASSEMBLY_WINDOW_MS / 60_000} minutes (got ${windowMs} ms).`);
    }
    this.window = windowMs;
  }

  /** Adds a part; returns the whole message when this part completed it. A repeated part is ignored. */
  add(part: IncomingPart<T>): AssembledMessage<T> | undefined {
    const key = `${normaliseSender(part.sender)}|${part.reference}|${part.total}`;
    const seenAt = part.receivedAt ?? this.clock.now();
    let group = this.groups.get(key);
    if (!group) {
      group = { sender: part.sender, reference: part.reference, total: part.total, parts: new Map(), firstSeenAt: seenAt };
      this.groups.set(key, group);
    }
    group.firstSeenAt = Math.min(group.firstSeenAt, seenAt);
    if (!group.parts.has(part.sequence)) group.parts.set(part.sequence, { text: part.text, token: part.token });
    if (group.parts.size < group.total) return undefined;
    this.groups.delete(key);
    return assemble(group, false);
  }

  /** Messages whose window ended, released as partial and forgotten. */
  expire(): AssembledMessage<T>[] {
    const now = this.clock.now();
    const expired: AssembledMessage<T>[] = [];
    for (const [key, group] of this.groups) {
      if (now - group.firstSeenAt >= this.windowMs) {
        this.groups.delete(key);
        expired.push(assemble(group, true));
      }
    }
    return expired;
  }

  /** When the earliest waiting message's window ends (for the modem loop's sleep), or undefined. */
  nextDeadline(): number | undefined {
    let earliest: number | undefined;
    for (const group of this.groups.values()) {
      const deadline = group.firstSeenAt + this.windowMs;
      if (earliest === undefined || deadline < earliest) earliest = deadline;
    }
    return earliest;
  }

  get waiting(): number {
    return this.groups.size;
  }
}

function assemble<T>(group: Group<T>, partial: boolean): AssembledMessage<T> {
  const sequences = [...group.parts.keys()].sort((a, b) => a - b);
  return {
    sender: group.sender,
    reference: group.reference,
    total: group.total,
    text: sequences.map((s) => group.parts.get(s)!.text).join(''),
    partial,
    received: sequences,
    tokens: sequences.map((s) => group.parts.get(s)!.token),
    firstSeenAt: group.firstSeenAt,
  };
}

/** Parts of one message may carry the sender as +86…, 86… or national digits on some networks. */
function normaliseSender(sender: string): string {
  return /^[+\d]+$/.test(sender) ? nationalDigits(sender) : sender;
}

/**
 * Digits of a number without international prefix and country code, so
 * '+8613800138000', '008613800138000', '8613800138000' and '13800138000'
 * compare equal. Only the given country code is stripped.
 */
export function nationalDigits(number: string, countryCode = '86'): string {
  let digits = number.replace(/[^\d]/g, '');
  if (number.trim().startsWith('+')) digits = digits.startsWith(countryCode) ? digits.slice(countryCode.length) : `+${digits}`;
  else if (digits.startsWith(`00${countryCode}`)) digits = digits.slice(2 + countryCode.length);
  else if (digits.startsWith(countryCode) && digits.length > 11) digits = digits.slice(countryCode.length);
  if (digits.startsWith('0') && !digits.startsWith('00')) digits = digits.slice(1);
  return digits;
}
