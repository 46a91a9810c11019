/**
 * Where received messages and status reports go. The modem calls the sink and
 * only after it resolved deletes the message from the SIM (persist before
 * delete); a sink that throws leaves the message on the SIM for the next
 * listing. The durable sink (the inbox) belongs to messaging; the in-memory
 * one here serves tests and the simulator demo.
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

export interface InboundSink {
  storeInbound(message: InboundMessage): Promise<void>;
  storeStatusReport(report: InboundStatusReport): Promise<void>;
}

/** Keeps everything in arrays; `failNext` makes the next store throw (to test persist-before-delete). */
export class MemoryInboundSink implements InboundSink {
  readonly messages: InboundMessage[] = [];
  readonly reports: InboundStatusReport[] = [];
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
