import { encodeAddress, encodeSmsc } from './address.js';
import { parseDcs } from './dcs.js';
import { PduError } from './errors.js';
import type { EncodedPdu } from './encode.js';
import { BYTE_HEX } from './hex.js';
import { septetOctets } from './gsm7.js';

/** User data already encoded by the sender: a binary SMS, or a MAS "PDU" row (SM_TYPE 2). */
export interface SubmitUserData {
  /** TP-DCS as given (its alphabet says whether `udl` counts septets or octets). */
  dcs: number;
  /** TP-PID, 0 for an ordinary message. */
  pid: number;
  /** TP-UDHI: the user data starts with a user data header (port addressing, the sender's own concatenation …). */
  udhi: boolean;
  /** TP-UDL: septets for the GSM 7-bit alphabet, octets otherwise. */
  udl: number;
  /** TP-UD as hex, header included, packed already for 7-bit. */
  ud: string;
}

export interface SubmitUserDataOptions extends SubmitUserData {
  to: string;
  smsc?: string;
  /** TP-SRR; default true. */
  requestStatusReport?: boolean;
}

const byte = (value: unknown, name: string): number => {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 255) {
    throw new PduError('PDU_BAD_OPTION', `${name} must be a whole number from 0 to 255, not ${String(value)}.`);
  }
  return value;
};

/**
 * One SMS-SUBMIT (TS 23.040 §9.2.2.2) carrying user data exactly as given:
 * nothing is re-encoded, split or added, so what the sender built (a WAP
 * push, a port-addressed message, its own concatenated part) is what the
 * phone receives. The lengths are checked against the alphabet the DCS names.
 */
export function encodeSubmitUserData(options: SubmitUserDataOptions): EncodedPdu {
  const dcs = byte(options.dcs, 'dcs');
  const pid = byte(options.pid, 'pid');
  const udl = byte(options.udl, 'udl');
  const ud = typeof options.ud === 'string' ? options.ud.toUpperCase() : '';
  if (!/^(?:[0-9A-F]{2})*$/.test(ud)) {
    throw new PduError('PDU_BAD_OPTION', 'The user data must be hex with two digits per octet (an even number of 0-9, A-F).');
  }
  const octets = ud.length / 2;
  const { encoding } = parseDcs(dcs);
  if (encoding === 'gsm7') {
    if (udl > 160) throw new PduError('PDU_TOO_LONG', `The user data is ${udl} septets; one SMS holds at most 160.`);
    if (octets !== septetOctets(udl)) {
      throw new PduError('PDU_BAD_OPTION', `${udl} septets pack into ${septetOctets(udl)} octets, but ${octets} were given.`);
    }
  } else {
    if (octets > 140) throw new PduError('PDU_TOO_LONG', `The user data is ${octets} octets; one SMS holds at most 140.`);
    if (udl !== octets) throw new PduError('PDU_BAD_OPTION', `The user data length says ${udl} octets, but ${octets} were given.`);
  }
  if (options.udhi && (octets === 0 || parseInt(ud.slice(0, 2), 16) + 1 > octets)) {
    throw new PduError('PDU_BAD_OPTION', 'The user data is marked as starting with a header (UDHI), but the header length is beyond the data.');
  }
  // TP-MTI 01 (SUBMIT), TP-SRR, TP-UDHI as the sender said; no validity period (the SMSC's default).
  let firstOctet = 0x01;
  if (options.requestStatusReport !== false) firstOctet |= 0x20;
  if (options.udhi) firstOctet |= 0x40;
  const tpdu = BYTE_HEX[firstOctet]! + '00' + encodeAddress(options.to, 'recipient number') + BYTE_HEX[pid]! + BYTE_HEX[dcs]! + BYTE_HEX[udl]! + ud;
  return { pdu: encodeSmsc(options.smsc) + tpdu, tpduLength: tpdu.length / 2 };
}
