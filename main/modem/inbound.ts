import { createHash } from 'node:crypto';

/**
 * Where received messages, parts of long messages and status reports go. The
 * modem calls the sink and only after it resolved deletes the message (or the
 * part) from the SIM (persist before delete); a sink that throws leaves it on
 * the SIM for the next listing. The durable sink (the inbox) belongs to
 * messaging; the in-memory one here serves tests and the simulator demo.
 */
export interface InboundMessage {
  modemId: string;
  /** Sender as the network gave it: '+8613…', national digits, or a name (alphanumeric). */
  from: string;
  text: string;
  /** When the service centre received it (SCTS), epoch ms; for a reassembled message, the first part's. */
  sentAt: number;
  receivedAt: number;
  /** Concatenated message: reference and the number of parts announced. */
  concat: { reference: number; total: number; received: number[] } | null;
  /** The reassembly window ended before every part came: text holds the parts received, in order. */
  partial: boolean;
  /** Class 0 message (shown, not stored, by phones). */
  flash: boolean;
  /** The PDUs as received (one per part), hex. */
  pdus: string[];
  /** Set when the PDU could not be decoded: text is empty, pdus hold the raw data. */
  undecodable?: string;
  /** Stable key for de-duplication by the sink (same message seen twice after a crash). */
  key: string;
}

export interface InboundStatusReport {
  modemId: string;
  messageReference: number;
  recipient: string;
  outcome: 'delivered' | 'pending' | 'failed';
  status: number;
  reason: string;
  /** When the SMSC accepted the part and when it was delivered (or the attempt ended), epoch ms. */
  submittedAt: number;
  dischargedAt: number;
  receivedAt: number;
  /** The sent part this report belongs to, when it was found among the recent sends. */
  matched: { sendId: string; reference: string | null; partNumber: number; partCount: number } | null;
  pdu: string;
}

/** One part of a long (concatenated) message, kept until its message is whole or given up on. */
export interface InboundPart {
  modemId: string;
  /** Stable: the same part read twice has the same key (partKey of its PDU). */
  key: string;
  sender: string;
  reference: number;
  total: number;
  /** 1-based. */
  sequence: number;
  text: string;
  pdu: string;
  /** SCTS of the part, epoch ms. */
  sentAt: number;
  flash: boolean;
  receivedAt: number;
}

export interface InboundSink {
  storeInbound(message: InboundMessage): Promise<void>;
  storeStatusReport(report: InboundStatusReport): Promise<void>;
  /** Keeps one part of a long message (storing it twice keeps one); the modem deletes it from the SIM after. */
  storePart(part: InboundPart): Promise<void>;
  /** The parts of this modem still waiting for their siblings, oldest first (read after a restart). */
  waitingParts(modemId: string): Promise<InboundPart[]>;
  /** Forgets parts whose message was stored. */
  dropParts(modemId: string, keys: readonly string[]): Promise<void>;
}

/** The key of a received part: its PDU, hashed. */
export function partKey(pdu: string): string {
  return createHash('sha256').update(pdu.toUpperCase()).digest('hex').slice(0, 32);
}

/** Keeps everything in arrays; `failNext` makes the next store throw (to test persist-before-delete). */
export class MemoryInboundSink implements InboundSink {
  readonly messages: InboundMessage[] = [];
  readonly reports: InboundStatusReport[] = [];
  /** Parts waiting for their siblings, by key. */
  readonly parts = new Map<string, InboundPart>();
  /** Parts stored in all (a part stored twice counts once). */
  partsStored = 0;
  private readonly keys = new Set<string>();
  failNext = 0;
  private readonly waiters: Array<() => void> = [];

  async storeInbound(message: InboundMessage): Promise<void> {
    this.maybeFail();
    if (!this.keys.has(message.key)) {
      this.keys.add(message.key);
      this.messages.push(message);
    }
    this.notify();
  }

  async storeStatusReport(report: InboundStatusReport): Promise<void> {
    this.maybeFail();
    this.reports.push(report);
    this.notify();
  }

  async storePart(part: InboundPart): Promise<void> {
    this.maybeFail();
    if (!this.parts.has(part.key)) this.partsStored += 1;
    this.parts.set(part.key, part);
    this.notify();
  }

  async waitingParts(modemId: string): Promise<InboundPart[]> {
    return [...this.parts.values()].filter((p) => p.modemId === modemId).sort((a, b) => a.receivedAt - b.receivedAt);
  }

  async dropParts(modemId: string, keys: readonly string[]): Promise<void> {
    for (const key of keys) if (this.parts.get(key)?.modemId === modemId) this.parts.delete(key);
  }

  /** Resolves when `predicate` holds (checked after each store), or rejects after `timeoutMs`. */
  async waitFor(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the inbound sink');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  private maybeFail(): void {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('inbound store failed (test)');
    }
  }

  private notify(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }
}
