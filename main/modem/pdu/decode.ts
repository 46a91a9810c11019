import type { DataCoding } from './length.js';
import { PduError } from './errors.js';
import { BYTE_HEX, OctetReader, bytesToHex, hexToBytes } from './hex.js';
import { decodeAddress, decodeSmsc, type PduAddress } from './address.js';
import { parseDcs, type MessageClass } from './dcs.js';
import { decodeTimestamp } from './timestamp.js';
import { decodeUserData } from './user-data.js';
import { octetToValidityMinutes } from './validity.js';
import type { ConcatInfo, PortInfo, WaitingIndication } from './udh.js';

interface MessageFields {
  smsc: string | null;
  text: string;
  encoding: DataCoding;
  concat?: ConcatInfo;
  ports?: PortInfo;
  /** 0 = flash (shown, not stored); null when the DCS names no class. */
  messageClass: MessageClass | null;
  waitingIndication?: WaitingIndication;
  /** User data after the header as hex, for 8-bit (often binary) messages. */
  userDataHex?: string;
  /** The user data header as hex, including its length octet. */
  udhRaw?: string;
  protocolId: number;
  dataCodingScheme: number;
  replyPath: boolean;
}

export interface DecodedDeliver extends MessageFields {
  type: 'deliver';
  sender: PduAddress;
  /** SCTS: when the service centre received the message, epoch ms UTC. */
  timestamp: number;
  tzOffsetMinutes: number;
  /** TP-MMS inverted: the SMSC has more messages waiting for this phone. */
  moreMessagesToSend: boolean;
  statusReportIndication: boolean;
}

export type Validity =
  | { format: 'none' }
  | { format: 'relative'; minutes: number }
  | { format: 'absolute'; expires: number; tzOffsetMinutes: number }
  | { format: 'enhanced'; raw: string };

export interface DecodedSubmit extends MessageFields {
  type: 'submit';
  recipient: PduAddress;
  messageReference: number;
  statusReportRequested: boolean;
  rejectDuplicates: boolean;
  validity: Validity;
}

export type DeliveryOutcome = 'delivered' | 'pending' | 'failed';

export interface DecodedStatusReport {
  type: 'status-report';
  smsc: string | null;
  messageReference: number;
  recipient: PduAddress;
  /** When the SMSC accepted the message, epoch ms UTC. */
  scts: number;
  sctsTzOffsetMinutes: number;
  /** When the message was delivered, or the attempt the status describes ended, epoch ms UTC. */
  dischargeTime: number;
  dischargeTzOffsetMinutes: number;
  /** TP-ST, the raw status byte. */
  status: number;
  outcome: DeliveryOutcome;
  /** The status class in words, e.g. 'temporary error, SC still trying'. */
  reason: string;
  /** The specific status in words where the standard names it, e.g. 'validity period expired'. */
  detail: string;
  /** TP-SRQ: the report is about an SMS-COMMAND rather than an SMS-SUBMIT. */
  aboutCommand: boolean;
}

export type DecodedPdu = DecodedDeliver | DecodedSubmit | DecodedStatusReport;

export interface DecodeOptions {
  /** Whether the hex starts with the SMSC field (as in +CMT, +CMGR, +CMGL). Default true. */
  hasSmsc?: boolean;
  /**
   * Which way the stored message travelled, from the CMGR/CMGL stat: 'mt' (REC …) must be a
   * DELIVER or STATUS-REPORT, 'mo' (STO …) a SUBMIT. Omitted: taken from TP-MTI alone.
   */
  direction?: 'mt' | 'mo';
}

/** Decodes one PDU. Every problem with the input is a PduError; nothing else is thrown. */
export function decodePdu(hex: string, options: DecodeOptions = {}): DecodedPdu {
  try {
    return decode(hex, options);
  } catch (error) {
    if (error instanceof PduError) throw withSmscHint(error, hex, options);
    throw new PduError('PDU_DECODER_FAULT', `The PDU could not be decoded (${error instanceof Error ? error.message : String(error)}).`, { pdu: typeof hex === 'string' ? hex.slice(0, 400) : undefined });
  }
}

/** A PDU that fails with an SMSC field but decodes without one most likely lacks it: say so. */
function withSmscHint(error: PduError, hex: string, options: DecodeOptions): PduError {
  if (options.hasSmsc === false || error.code === 'PDU_EMPTY' || error.code === 'PDU_TOO_LONG') return error;
  try {
    decode(hex, { ...options, hasSmsc: false });
  } catch {
    return error;
  }
  return new PduError(error.code, `${error.message} It does decode without an SMSC field: the SMSC field seems to be missing (decode with hasSmsc: false).`, error.details);
}

function decode(hex: string, options: DecodeOptions): DecodedPdu {
  const bytes = hexToBytes(hex);
  if (bytes.every((b) => b === 0xff)) throw new PduError('PDU_EMPTY', 'The PDU is only 0xFF filler: an empty storage slot, not a message.');
  const reader = new OctetReader(bytes);
  const smsc = options.hasSmsc === false ? null : decodeSmsc(reader);
  const firstOctet = reader.octet('first octet');
  const mti = firstOctet & 0x03;
  if (options.direction === 'mo' && mti !== 1) {
    throw new PduError('PDU_UNSUPPORTED', `A stored outgoing message must be an SMS-SUBMIT, but this PDU is of type ${mti} (${mti === 0 ? 'DELIVER-REPORT' : mti === 2 ? 'SMS-COMMAND' : 'reserved'}).`);
  }
  if (options.direction === 'mt' && mti === 1) {
    throw new PduError('PDU_UNSUPPORTED', 'A received message must be an SMS-DELIVER or STATUS-REPORT, but this PDU is an SMS-SUBMIT (or SUBMIT-REPORT); check the storage status.');
  }
  if (mti === 0) return decodeDeliver(reader, smsc, firstOctet);
  if (mti === 1) return decodeSubmit(reader, smsc, firstOctet);
  if (mti === 2) return decodeStatusReport(reader, smsc, firstOctet);
  throw new PduError('PDU_INVALID', `The message type indicator is 3, a reserved value (first octet ${BYTE_HEX[firstOctet]}); this is not an SMS PDU.`);
}

function decodeMessage(reader: OctetReader, smsc: string | null, firstOctet: number, pid: number, dcs: number): MessageFields {
  const scheme = parseDcs(dcs);
  const udl = reader.octet('user data length');
  const ud = decodeUserData(reader, udl, scheme.encoding, (firstOctet & 0x40) !== 0);
  const fields: MessageFields = {
    smsc,
    text: ud.text,
    encoding: scheme.encoding,
    messageClass: scheme.messageClass,
    protocolId: pid,
    dataCodingScheme: dcs,
    replyPath: (firstOctet & 0x80) !== 0,
  };
  const header = ud.header;
  if (header?.concat) fields.concat = header.concat;
  if (header?.ports) fields.ports = header.ports;
  const waiting = header?.waiting ?? scheme.waiting;
  if (waiting) fields.waitingIndication = waiting;
  if (header) fields.udhRaw = header.raw;
  if (scheme.encoding === '8bit') fields.userDataHex = ud.bodyHex;
  return fields;
}

function decodeDeliver(reader: OctetReader, smsc: string | null, firstOctet: number): DecodedDeliver {
  const sender = decodeAddress(reader, 'sender address');
  const pid = reader.octet('protocol identifier');
  const dcs = reader.octet('data coding scheme');
  const scts = decodeTimestamp(reader.take(7, 'service centre timestamp'), 'service centre timestamp');
  const fields = decodeMessage(reader, smsc, firstOctet, pid, dcs);
  return {
    type: 'deliver',
    sender,
    timestamp: scts.time,
    tzOffsetMinutes: scts.tzOffsetMinutes,
    moreMessagesToSend: (firstOctet & 0x04) === 0,
    statusReportIndication: (firstOctet & 0x20) !== 0,
    ...fields,
  };
}

function decodeSubmit(reader: OctetReader, smsc: string | null, firstOctet: number): DecodedSubmit {
  const messageReference = reader.octet('message reference');
  const recipient = decodeAddress(reader, 'recipient address');
  const pid = reader.octet('protocol identifier');
  const dcs = reader.octet('data coding scheme');
  let validity: Validity;
  switch ((firstOctet >> 3) & 0x03) {
    case 0: validity = { format: 'none' }; break;
    case 2: validity = { format: 'relative', minutes: octetToValidityMinutes(reader.octet('validity period')) }; break;
    case 3: {
      const at = decodeTimestamp(reader.take(7, 'validity period'), 'validity period');
      validity = { format: 'absolute', expires: at.time, tzOffsetMinutes: at.tzOffsetMinutes };
      break;
    }
    default: validity = { format: 'enhanced', raw: bytesToHex(reader.take(7, 'validity period')) };
  }
  const fields = decodeMessage(reader, smsc, firstOctet, pid, dcs);
  return {
    type: 'submit',
    recipient,
    messageReference,
    statusReportRequested: (firstOctet & 0x20) !== 0,
    rejectDuplicates: (firstOctet & 0x04) !== 0,
    validity,
    ...fields,
  };
}

interface StatusMeaning {
  outcome: DeliveryOutcome;
  reason: string;
  detail: string;
}

/** Specific TP-ST values the standard names (TS 23.040 §9.2.3.15). */
const STATUS_DETAIL: Readonly<Record<number, string>> = {
  0x00: 'received by the recipient',
  0x01: 'forwarded to the recipient, delivery not confirmed',
  0x02: 'replaced by the service centre',
  0x20: 'congestion', 0x21: 'recipient busy', 0x22: 'no response from recipient', 0x23: 'service rejected',
  0x24: 'quality of service not available', 0x25: 'error in recipient',
  0x40: 'remote procedure error', 0x41: 'incompatible destination', 0x42: 'connection rejected by recipient',
  0x43: 'not obtainable', 0x44: 'quality of service not available', 0x45: 'no interworking available',
  0x46: 'validity period expired', 0x47: 'deleted by the sender', 0x48: 'deleted by service centre administration',
  0x49: 'message does not exist',
  0x60: 'congestion', 0x61: 'recipient busy', 0x62: 'no response from recipient', 0x63: 'service rejected',
  0x64: 'quality of service not available', 0x65: 'error in recipient',
};

export function statusMeaning(status: number): StatusMeaning {
  const detail = STATUS_DETAIL[status] ?? ((status & 0x1f) >= 0x10 ? 'service centre specific' : 'reserved');
  if (status <= 0x1f) return { outcome: 'delivered', reason: 'transaction completed', detail };
  if (status <= 0x3f) return { outcome: 'pending', reason: 'temporary error, SC still trying', detail };
  if (status <= 0x5f) return { outcome: 'failed', reason: 'permanent error', detail };
  if (status <= 0x7f) return { outcome: 'failed', reason: 'temporary error, SC stopped trying', detail };
  // 0x80..0xFF are reserved; the standard says to treat an unknown value as "service rejected".
  return { outcome: 'failed', reason: 'reserved status, treated as service rejected', detail: 'reserved' };
}

function decodeStatusReport(reader: OctetReader, smsc: string | null, firstOctet: number): DecodedStatusReport {
  const messageReference = reader.octet('message reference');
  const recipient = decodeAddress(reader, 'recipient address');
  const scts = decodeTimestamp(reader.take(7, 'service centre timestamp'), 'service centre timestamp');
  const discharge = decodeTimestamp(reader.take(7, 'discharge time'), 'discharge time');
  const status = reader.octet('status');
  // TP-PI and the optional PID/DCS/UD after it are ignored: modems often pad here, and the
  // report's meaning is complete with the status.
  return {
    type: 'status-report',
    smsc,
    messageReference,
    recipient,
    scts: scts.time,
    sctsTzOffsetMinutes: scts.tzOffsetMinutes,
    dischargeTime: discharge.time,
    dischargeTzOffsetMinutes: discharge.tzOffsetMinutes,
    status,
    ...statusMeaning(status),
    aboutCommand: (firstOctet & 0x20) !== 0,
  };
}
