import { decodePdu } from '../../modem/pdu/index.js';
import type { OutboundChannel, OutboundPart, PartSendResult } from '../channel.js';
import type { PartFailure, StatusReportInput } from '../outbox/outbox.js';

export interface AcceptedPart {
  modemId: string;
  mr: number;
  pdu: string;
  messageId: number;
  partNumber: number;
  recipient: string;
  at: number;
}

export interface VirtualModemsOptions {
  /** Milliseconds a part takes from AT+CMGS to +CMGS (a real modem: about 2–4 s). */
  latencyMs?: number | (() => number);
  /** Delivery reports come back this long after a part was accepted; undefined: none. */
  reportAfterMs?: number;
  onStatusReport?: (report: StatusReportInput) => void | Promise<void>;
}

/**
 * Modems in memory behind the OutboundChannel seam, for dispatcher tests and
 * benchmarks: per-part latency, one part at a time per modem, an MR per part,
 * refusals and lost answers on demand, and a record of every accepted PDU
 * (decoded, so a test can prove what went out and that nothing went twice).
 */
export class VirtualModems implements OutboundChannel {
  readonly accepted: AcceptedPart[] = [];
  private readonly modems = new Map<string, { mr: number; busy: boolean; faults: PartFailure[]; outOfService: boolean }>();
  private readonly listeners = new Set<() => void>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    modemIds: readonly string[],
    private readonly options: VirtualModemsOptions = {},
  ) {
    for (const id of modemIds) this.modems.set(id, { mr: 0, busy: false, faults: [], outOfService: false });
  }

  modemIds(): string[] {
    return [...this.modems.keys()];
  }

  readyAt(modemId: string): number | null {
    const modem = this.modems.get(modemId);
    if (!modem || modem.outOfService) return null;
    return 0;
  }

  onDidChangeModems(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  add(modemId: string): void {
    this.modems.set(modemId, { mr: 0, busy: false, faults: [], outOfService: false });
    for (const l of this.listeners) l();
  }

  /** The next sends on this modem fail this way, in order. */
  fail(modemId: string, ...failures: PartFailure[]): void {
    this.modems.get(modemId)?.faults.push(...failures);
  }

  async sendPart(modemId: string, part: OutboundPart): Promise<PartSendResult> {
    const modem = this.modems.get(modemId);
    if (!modem) return { ok: false, failure: { kind: 'refused', retryable: true, code: 'MODEM_GONE', message: `Modem ${modemId} is not in the pool.` } };
    if (modem.busy) throw new Error(`modem ${modemId} was given a second part while sending one`);
    modem.busy = true;
    try {
      const latency = typeof this.options.latencyMs === 'function' ? this.options.latencyMs() : (this.options.latencyMs ?? 0);
      await new Promise<void>((resolve) => (latency > 0 ? setTimeout(resolve, latency) : setImmediate(resolve)));
      const fault = modem.faults.shift();
      if (fault) return { ok: false, failure: fault };
      const decoded = decodePdu(part.pdu);
      const recipient = decoded.type === 'submit' ? decoded.recipient.number : '';
      modem.mr = (modem.mr + 1) % 256;
      const mr = modem.mr;
      this.accepted.push({ modemId, mr, pdu: part.pdu, messageId: part.messageId, partNumber: part.partNumber, recipient, at: Date.now() });
      const { reportAfterMs, onStatusReport } = this.options;
      if (reportAfterMs !== undefined && onStatusReport) {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          void onStatusReport({ modemId, mr, recipient, status: 0, outcome: 'delivered', detail: 'delivered' });
        }, reportAfterMs);
        timer.unref();
        this.timers.add(timer);
      }
      return { ok: true, mr };
    } finally {
      modem.busy = false;
    }
  }

  /** Cancels pending status reports. */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }
}
