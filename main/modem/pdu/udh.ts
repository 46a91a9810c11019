import { PduError } from './errors.js';
import { BYTE_HEX, bytesToHex } from './hex.js';

export interface ConcatInfo {
  reference: number;
  total: number;
  /** 1-based part number. */
  sequence: number;
  bits: 8 | 16;
}

export interface PortInfo {
  source: number;
  destination: number;
}

export type WaitingKind = 'voicemail' | 'fax' | 'email' | 'other';

export interface WaitingIndication {
  kind: WaitingKind;
  /** Indication set (messages waiting) or cleared. */
  active: boolean;
  /** Number of waiting messages, when the UDH says (IE 0x01); undefined from the DCS alone. */
  count?: number;
  /** Whether the handset should also store the message (DCS 1101/1110 group, IE 0x01 bit 7). */
  store: boolean;
  source: 'dcs' | 'udh';
}

export interface UserDataHeader {
  concat?: ConcatInfo;
  ports?: PortInfo;
  waiting?: WaitingIndication;
  /** The whole header including its length octet, as hex. */
  raw: string;
}

const WAITING_KINDS: readonly WaitingKind[] = ['voicemail', 'fax', 'email', 'other'];

export function waitingKind(code: number): WaitingKind {
  return WAITING_KINDS[code & 0x03]!;
}

/**
 * Parses the UDH at the start of `ud` (TS 23.040 §9.2.3.24). Returns the header and its length
 * in octets including the UDHL octet. Unknown information elements are skipped; a concatenation
 * element with part 0 or a part beyond the total is ignored, as the standard asks the receiver to.
 */
export function parseUdh(ud: Uint8Array): { header: UserDataHeader; length: number } {
  if (ud.length === 0) throw new PduError('PDU_INVALID', 'The PDU says it has a user data header but the user data is empty.');
  const udhl = ud[0]!;
  if (udhl + 1 > ud.length) {
    throw new PduError('PDU_INVALID', `The user data header claims ${udhl} octets but the user data holds only ${ud.length - 1}.`);
  }
  const header: UserDataHeader = { raw: bytesToHex(ud.subarray(0, udhl + 1)) };
  let i = 1;
  while (i < udhl + 1) {
    if (i + 2 > udhl + 1) throw new PduError('PDU_INVALID', `The user data header ends inside an information element at octet ${i}.`);
    const iei = ud[i]!;
    const len = ud[i + 1]!;
    const start = i + 2;
    if (start + len > udhl + 1) {
      throw new PduError('PDU_INVALID', `The user data header element ${iei.toString(16).padStart(2, '0')} claims ${len} octets, beyond the header.`);
    }
    const v = ud.subarray(start, start + len);
    if (iei === 0x00 && len === 3) setConcat(header, v[0]!, v[1]!, v[2]!, 8);
    else if (iei === 0x08 && len === 4) setConcat(header, (v[0]! << 8) | v[1]!, v[2]!, v[3]!, 16);
    else if (iei === 0x04 && len === 2) header.ports = { destination: v[0]!, source: v[1]! };
    else if (iei === 0x05 && len === 4) header.ports = { destination: (v[0]! << 8) | v[1]!, source: (v[2]! << 8) | v[3]! };
    else if (iei === 0x01 && len === 2) {
      header.waiting = { kind: waitingKind(v[0]! & 0x7f), active: v[1]! > 0, count: v[1]!, store: (v[0]! & 0x80) !== 0, source: 'udh' };
    }
    i = start + len;
  }
  return { header, length: udhl + 1 };
}

function setConcat(header: UserDataHeader, reference: number, total: number, sequence: number, bits: 8 | 16): void {
  if (total === 0 || sequence === 0 || sequence > total) return;
  header.concat = { reference, total, sequence, bits };
}

/** The concatenation UDH (with its length octet) as hex. */
export function concatUdhHex(reference: number, total: number, sequence: number, bits: 8 | 16): string {
  return bits === 8
    ? `050003${BYTE_HEX[reference]}${BYTE_HEX[total]}${BYTE_HEX[sequence]}`
    : `060804${BYTE_HEX[reference >> 8]}${BYTE_HEX[reference & 0xff]}${BYTE_HEX[total]}${BYTE_HEX[sequence]}`;
}
