import { MAX_PARTS, chooseEncoding, countUnits, splitText, PART_LIMITS, type DataCoding } from './length.js';
import { PduError } from './errors.js';
import { BYTE_HEX } from './hex.js';
import { encodeAddress, encodeAlphanumericAddress, encodeSmsc, isAlphanumericSender } from './address.js';
import { buildDcs } from './dcs.js';
import { concatUdhHex } from './udh.js';
import { encodeTimestamp } from './timestamp.js';
import { encodeUserData, notEncodable } from './user-data.js';
import { validityToOctet } from './validity.js';

export interface SubmitOptions {
  /** '+8613800138000', '13800138000', '10086' … */
  to: string;
  text: string;
  /** Omitted: '00', i.e. the modem uses the SIM's SMSC. */
  smsc?: string;
  /** TP-SRR; default true. */
  requestStatusReport?: boolean;
  /** Relative validity period, rounded up to the next value the PDU can express; omitted: none. */
  validityMinutes?: number;
  /** Concatenation reference, required when the text needs more than one part: 0..255, or 0..65535 with concat16. */
  concatReference?: number;
  concat16?: boolean;
  /** TP-MR, default 0 (the modem assigns its own). */
  messageReference?: number;
  /** Class 0: shown at once, not stored. */
  flash?: boolean;
  forceEncoding?: DataCoding;
}

export interface EncodedPart {
  /** Uppercase hex, SMSC field first: what AT+CMGS sends in PDU mode. */
  pdu: string;
  /** Octets excluding the SMSC field: the <length> of AT+CMGS=<length>. */
  tpduLength: number;
  /** 1-based. */
  partNumber: number;
  partCount: number;
  /** The text carried by this part. */
  text: string;
  encoding: DataCoding;
}

function checkInteger(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new PduError('PDU_BAD_OPTION', `${name} must be a whole number from ${min} to ${max}, not ${String(value)}.`);
  }
  return value;
}

function checkText(text: unknown): string {
  if (typeof text !== 'string') throw new PduError('PDU_BAD_OPTION', 'The message text must be a string.');
  return text;
}

function checkEncoding(value: unknown): DataCoding | undefined {
  if (value === undefined || value === 'gsm7' || value === '8bit' || value === 'ucs2') return value;
  throw new PduError('PDU_BAD_OPTION', `forceEncoding must be 'gsm7', '8bit' or 'ucs2', not ${JSON.stringify(value)}.`);
}

function split(text: string, encoding: DataCoding, concat16: boolean): string[] {
  const result = splitText(text, encoding, concat16);
  if (result === null) throw notEncodable(text, encoding);
  if (result.parts.length > MAX_PARTS) {
    throw new PduError('PDU_TOO_LONG', `The text needs ${result.parts.length} parts; an SMS can have at most ${MAX_PARTS}. Shorten it.`);
  }
  return result.parts;
}

/** SMS-SUBMIT PDUs for a text, one per part (TS 23.040 §9.2.2.2). */
export function encodeSubmit(options: SubmitOptions): EncodedPart[] {
  if (typeof options !== 'object' || options === null) throw new PduError('PDU_BAD_OPTION', 'encodeSubmit needs an options object with `to` and `text`.');
  const text = checkText(options.text);
  const encoding = checkEncoding(options.forceEncoding) ?? chooseEncoding(text);
  const concat16 = options.concat16 === true;
  const mr = checkInteger(options.messageReference ?? 0, 'messageReference', 0, 255);
  const smsc = encodeSmsc(options.smsc);
  const destination = encodeAddress(options.to, 'recipient number');
  const vp = options.validityMinutes === undefined ? undefined : validityToOctet(options.validityMinutes);
  const parts = split(text, encoding, concat16);
  const reference = parts.length > 1 ? concatReference(options.concatReference, concat16) : 0;

  // TP-MTI 01 (SUBMIT), TP-VPF 10 (relative) when a validity is given, TP-SRR, TP-UDHI when concatenated.
  let firstOctet = 0x01;
  if (vp !== undefined) firstOctet |= 0x10;
  if (options.requestStatusReport !== false) firstOctet |= 0x20;
  if (parts.length > 1) firstOctet |= 0x40;
  const head = BYTE_HEX[firstOctet]! + BYTE_HEX[mr]! + destination + '00' + BYTE_HEX[buildDcs(encoding, options.flash === true)]! + (vp === undefined ? '' : BYTE_HEX[vp]!);

  return parts.map((partText, i) => {
    const udh = parts.length > 1 ? concatUdhHex(reference, parts.length, i + 1, concat16 ? 16 : 8) : '';
    const ud = encodeUserData(partText, encoding, udh);
    const tpdu = head + BYTE_HEX[ud.udl]! + ud.hex;
    return { pdu: smsc + tpdu, tpduLength: tpdu.length / 2, partNumber: i + 1, partCount: parts.length, text: partText, encoding };
  });
}

function concatReference(value: number | undefined, concat16: boolean): number {
  if (value === undefined) {
    throw new PduError('PDU_BAD_OPTION', 'The text needs more than one part: pass a concatReference (a number the sender picks per message) so the phone can join the parts.');
  }
  return checkInteger(value, 'concatReference', 0, concat16 ? 0xffff : 0xff);
}

export interface DeliverOptions {
  /** A number, or a sender name (alphanumeric, up to 11 GSM characters). */
  from: string;
  text: string;
  /** SCTS as epoch milliseconds. */
  timestamp: number;
  tzOffsetMinutes?: number;
  smsc?: string;
  concat?: { reference: number; total: number; sequence: number; bits?: 8 | 16 };
  flash?: boolean;
  forceEncoding?: DataCoding;
}

export interface EncodedPdu {
  pdu: string;
  tpduLength: number;
}

/** An SMS-DELIVER as a network would send it (TS 23.040 §9.2.2.1): for the modem simulator and tests. */
export function encodeDeliver(options: DeliverOptions): EncodedPdu {
  const text = checkText(options.text);
  const encoding = checkEncoding(options.forceEncoding) ?? chooseEncoding(text);
  const smsc = encodeSmsc(options.smsc ?? '+8613800100500');
  if (typeof options.from !== 'string' || options.from.trim() === '') throw new PduError('PDU_BAD_ADDRESS', 'The sender must be a number or a name.');
  const origin = isAlphanumericSender(options.from) ? encodeAlphanumericAddress(options.from) : encodeAddress(options.from, 'sender number');
  const scts = encodeTimestamp(options.timestamp, options.tzOffsetMinutes ?? 0, 'timestamp');
  const limits = PART_LIMITS[encoding];
  let udh = '';
  let capacity = limits.single;
  if (options.concat) {
    const bits = options.concat.bits === 16 ? 16 : 8;
    const total = checkInteger(options.concat.total, 'concat.total', 1, MAX_PARTS);
    const sequence = checkInteger(options.concat.sequence, 'concat.sequence', 1, total);
    udh = concatUdhHex(checkInteger(options.concat.reference, 'concat.reference', 0, bits === 16 ? 0xffff : 0xff), total, sequence, bits);
    capacity = bits === 16 ? limits.concat16 : limits.concat8;
  }
  const units = countUnits(text, encoding);
  if (units < 0) throw notEncodable(text, encoding);
  if (units > capacity) throw new PduError('PDU_TOO_LONG', `The text needs ${units} ${encoding === 'gsm7' ? 'septets' : 'units'} but one part holds ${capacity}; use encodeDeliverParts.`);
  // TP-MTI 00 (DELIVER), TP-MMS set (no more messages waiting), TP-UDHI when there is a header.
  const firstOctet = 0x04 | (udh === '' ? 0 : 0x40);
  const ud = encodeUserData(text, encoding, udh);
  const tpdu = BYTE_HEX[firstOctet]! + origin + '00' + BYTE_HEX[buildDcs(encoding, options.flash === true)]! + scts + BYTE_HEX[ud.udl]! + ud.hex;
  return { pdu: smsc + tpdu, tpduLength: tpdu.length / 2 };
}

export interface DeliverPartsOptions {
  from: string;
  text: string;
  timestamp: number;
  /** Concatenation reference (8-bit) used when the text needs more than one part. */
  reference: number;
  tzOffsetMinutes?: number;
  smsc?: string;
}

/** A long text as the concatenated SMS-DELIVER parts a network would send. */
export function encodeDeliverParts(options: DeliverPartsOptions): EncodedPdu[] {
  const text = checkText(options.text);
  const encoding = chooseEncoding(text);
  const parts = split(text, encoding, false);
  if (parts.length === 1) return [encodeDeliver({ ...options, text })];
  const reference = checkInteger(options.reference, 'reference', 0, 0xff);
  return parts.map((partText, i) =>
    encodeDeliver({ ...options, text: partText, forceEncoding: encoding, concat: { reference, total: parts.length, sequence: i + 1 } }),
  );
}

export interface StatusReportOptions {
  messageReference: number;
  recipient: string;
  /** When the SMSC accepted the message, epoch ms. */
  scts: number;
  /** When it was delivered or the attempt ended, epoch ms. */
  dischargeTime: number;
  /** TP-ST, e.g. 0x00 delivered, 0x30 still trying, 0x46 expired. */
  status: number;
  tzOffsetMinutes?: number;
  smsc?: string;
}

/** An SMS-STATUS-REPORT as a network would send it (TS 23.040 §9.2.2.3). */
export function encodeStatusReport(options: StatusReportOptions): EncodedPdu {
  const smsc = encodeSmsc(options.smsc ?? '+8613800100500');
  const mr = checkInteger(options.messageReference, 'messageReference', 0, 255);
  const status = checkInteger(options.status, 'status', 0, 255);
  const tz = options.tzOffsetMinutes ?? 0;
  // TP-MTI 10 (STATUS-REPORT), TP-MMS set; TP-SRQ clear: the report is about an SMS-SUBMIT.
  const tpdu = '06' + BYTE_HEX[mr]! + encodeAddress(options.recipient, 'recipient number') +
    encodeTimestamp(options.scts, tz, 'scts') + encodeTimestamp(options.dischargeTime, tz, 'dischargeTime') + BYTE_HEX[status]!;
  return { pdu: smsc + tpdu, tpduLength: tpdu.length / 2 };
}
