import { decodePdu, encodeDeliverParts, encodeStatusReport, PduError } from '../pdu/index.js';
import { SimulatorError } from './errors.js';
import type { DeliveryOutcome } from './options.js';

/**
 * The network side of the simulator: the PDUs a service centre sends to the
 * modem (deliveries, status reports) and the checks a modem makes on a PDU it
 * is asked to send.
 */

export interface InboundMessage {
  /** Sender number ('+8613800138000', '10086') or name ('StoreMAS'). */
  from: string;
  text: string;
  /** SCTS, epoch ms or a Date; default: now on the simulator's clock. */
  at?: number | Date | string;
  tzOffsetMinutes?: number;
  smsc?: string;
  /**
   * Which parts of a long message arrive, in which order (1-based), e.g. [2, 1] or [1, 3];
   * parts left out never arrive. Default: all, in order.
   */
  parts?: number[];
}

export interface NetworkPdu {
  kind: 'deliver' | 'status-report';
  /** Hex with the SMSC octets in front. */
  pdu: string;
  tpduLength: number;
}

export const DEFAULT_TZ_OFFSET_MINUTES = 8 * 60;

function checkInbound(message: InboundMessage): void {
  if (typeof message !== 'object' || message === null) throw new SimulatorError('MODEM_SIM_BAD_INBOUND', 'An inbound message needs "from" and "text".');
  if (typeof message.from !== 'string' || message.from.trim() === '') throw new SimulatorError('MODEM_SIM_BAD_INBOUND', 'An inbound message needs a sender in "from", e.g. +8613800138000.');
  if (typeof message.text !== 'string' || message.text === '') throw new SimulatorError('MODEM_SIM_BAD_INBOUND', 'An inbound message needs a non-empty "text".');
}

function timeOf(at: InboundMessage['at'], now: number): number {
  if (at === undefined) return now;
  const time = at instanceof Date ? at.getTime() : typeof at === 'string' ? Date.parse(at) : at;
  if (!Number.isFinite(time)) throw new SimulatorError('MODEM_SIM_BAD_INBOUND', `The inbound time ${JSON.stringify(at)} is not a date; give epoch ms or ISO 8601.`);
  return time;
}

/** The SMS-DELIVER parts of an inbound message (several when the text is long). */
export function deliveryPdus(message: InboundMessage, reference: number, now: number): NetworkPdu[] {
  checkInbound(message);
  let all: NetworkPdu[];
  try {
    all = encodeDeliverParts({
      from: message.from,
      text: message.text,
      timestamp: timeOf(message.at, now),
      reference,
      tzOffsetMinutes: message.tzOffsetMinutes ?? DEFAULT_TZ_OFFSET_MINUTES,
      ...(message.smsc ? { smsc: message.smsc } : {}),
    }).map((part): NetworkPdu => ({ kind: 'deliver', pdu: part.pdu, tpduLength: part.tpduLength }));
  } catch (error) {
    if (error instanceof PduError) throw new SimulatorError('MODEM_SIM_BAD_INBOUND', `The inbound message cannot be encoded: ${error.message}`);
    throw error;
  }
  if (message.parts === undefined) return all;
  if (!Array.isArray(message.parts) || message.parts.some((n) => !Number.isInteger(n) || n < 1 || n > all.length)) {
    throw new SimulatorError('MODEM_SIM_BAD_INBOUND', `"parts" lists part numbers from 1 to ${all.length} (the message has ${all.length} part(s)).`);
  }
  return message.parts.map((n) => all[n - 1]!);
}

/** A raw PDU given by a test: checked to be an SMS-DELIVER or STATUS-REPORT so it can be routed. */
export function rawNetworkPdu(hex: string): NetworkPdu {
  const clean = typeof hex === 'string' ? hex.replace(/\s+/g, '').toUpperCase() : '';
  let decoded;
  try {
    decoded = decodePdu(clean);
  } catch (error) {
    throw new SimulatorError('MODEM_SIM_BAD_INBOUND', `The PDU cannot be delivered: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (decoded.type === 'submit') throw new SimulatorError('MODEM_SIM_BAD_INBOUND', 'The PDU is an SMS-SUBMIT; a network delivers SMS-DELIVER or SMS-STATUS-REPORT PDUs.');
  return { kind: decoded.type, pdu: clean, tpduLength: tpduLength(clean) };
}

/** TP-Status for an outcome: 0x00 delivered, 0x20 "congestion, still trying", or the configured failure. */
export function statusByte(outcome: DeliveryOutcome, failStatus: number): number {
  return outcome === 'delivered' ? 0x00 : outcome === 'pending' ? 0x20 : failStatus;
}

export function statusReportPdu(options: { mr: number; recipient: string; submittedAt: number; dischargedAt: number; status: number }): NetworkPdu {
  const encoded = encodeStatusReport({
    messageReference: options.mr,
    recipient: options.recipient,
    scts: options.submittedAt,
    dischargeTime: options.dischargedAt,
    status: options.status,
    tzOffsetMinutes: DEFAULT_TZ_OFFSET_MINUTES,
  });
  return { kind: 'status-report', pdu: encoded.pdu, tpduLength: encoded.tpduLength };
}

/** Octets after the SMSC field; 0 when the hex is too short to say. */
export function tpduLength(hex: string): number {
  const smscLength = parseInt(hex.slice(0, 2), 16);
  if (!Number.isFinite(smscLength)) return 0;
  return Math.max(0, hex.length / 2 - 1 - smscLength);
}

export type SubmitCheck =
  | { ok: true; pdu: string; recipient: string; statusReportRequested: boolean; tpduLength: number }
  | { ok: false; reason: string };

/**
 * What a modem checks before it sends: hex, the <length> of AT+CMGS against the
 * TPDU, and that the TPDU is an SMS-SUBMIT it can read.
 */
export function checkSubmit(text: string, declaredLength: number): SubmitCheck {
  const hex = text.replace(/\s+/g, '').toUpperCase();
  if (hex === '' || !/^[0-9A-F]*$/.test(hex) || hex.length % 2 !== 0) return { ok: false, reason: 'not hex' };
  const length = tpduLength(hex);
  if (length !== declaredLength) return { ok: false, reason: `length ${declaredLength} given, TPDU has ${length} octets` };
  try {
    const decoded = decodePdu(hex, { direction: 'mo' });
    if (decoded.type !== 'submit') return { ok: false, reason: `an ${decoded.type} cannot be sent` };
    return { ok: true, pdu: hex, recipient: decoded.recipient.number, statusReportRequested: decoded.statusReportRequested, tpduLength: length };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
