import type { PartFailure } from './outbox/outbox.js';

/**
 * What the dispatcher needs from the modems, and nothing more: which modems are
 * in service, when each may take its next part (pacing and SIM caps are the
 * modem's business), and sending ONE already-encoded part on a given modem.
 * The modem pool implements it in production (modem-channel.ts); tests and
 * benchmarks use VirtualModems.
 */
export interface OutboundChannel {
  /** Modems in service now. */
  modemIds(): string[];
  /** Epoch ms at which this modem may take its next part; null when it is out of service or capped. */
  readyAt(modemId: string): number | null;
  /**
   * Sends one part. `ok` means the modem answered +CMGS with an MR: the part is
   * out. A refusal (+CMS ERROR) means it did not go out; `uncertain` (no answer,
   * port lost mid-send) means it may have.
   */
  sendPart(modemId: string, part: OutboundPart): Promise<PartSendResult>;
  /** Modems came or went; returns the unsubscribe function. */
  onDidChangeModems(listener: () => void): () => void;
}

export interface OutboundPart {
  /** Hex, SMSC field first, as AT+CMGS sends it in PDU mode. */
  pdu: string;
  /** The <length> of AT+CMGS=<length>. */
  tpduLength: number;
  /** For logs and the simulator's record only. */
  messageId: number;
  partNumber: number;
}

export type PartSendResult = { ok: true; mr: number } | { ok: false; failure: PartFailure };
