import { PduError } from './errors.js';
import { BYTE_HEX, bytesToHex, type OctetReader } from './hex.js';
import { packSeptets, septetOctets, septetsToText, textToSeptets, unpackSeptets } from './gsm7.js';

export type AddressType = 'international' | 'national' | 'alphanumeric' | 'unknown';

export interface PduAddress {
  /** Digits, with a leading '+' for international numbers; the text for alphanumeric senders. */
  number: string;
  type: AddressType;
  /** The raw type-of-address octet (TON/NPI), for callers that need more than `type`. */
  toa: number;
}

const TON_INTERNATIONAL = 1;
const TON_NATIONAL = 2;
const TON_ALPHANUMERIC = 5;
const SEMI_OCTET_DIGITS = '0123456789*#abc';
/** The longest address TS 23.040 §9.1.2.5 allows: 20 semi-octets (10 octets of value). */
const MAX_ADDRESS_DIGITS = 20;

/** Swapped-nibble BCD digits (TS 23.040 §9.1.2.3); a trailing F nibble is filler. */
function decodeSemiOctets(bytes: Uint8Array, digits: number): string {
  let out = '';
  for (let i = 0; i < digits; i++) {
    const byte = bytes[i >> 1]!;
    const nibble = i & 1 ? byte >> 4 : byte & 0x0f;
    if (nibble === 0x0f) break;
    out += SEMI_OCTET_DIGITS[nibble];
  }
  return out;
}

function encodeSemiOctets(digits: string): string {
  let out = '';
  for (let i = 0; i < digits.length; i += 2) {
    const lo = SEMI_OCTET_DIGITS.indexOf(digits[i]!);
    const hi = i + 1 < digits.length ? SEMI_OCTET_DIGITS.indexOf(digits[i + 1]!) : 0x0f;
    out += BYTE_HEX[(hi << 4) | lo];
  }
  return out;
}

function typeOfNumber(toa: number): AddressType {
  switch ((toa >> 4) & 0x07) {
    case TON_INTERNATIONAL: return 'international';
    case TON_NATIONAL: return 'national';
    case TON_ALPHANUMERIC: return 'alphanumeric';
    default: return 'unknown';
  }
}

/** Normalises a number given by a person: spaces, dashes, dots and brackets are dropped. */
function cleanNumber(raw: unknown, what: string): { digits: string; international: boolean } {
  if (typeof raw !== 'string') throw new PduError('PDU_BAD_ADDRESS', `The ${what} must be a phone number as text.`);
  const compact = raw.replace(/[\s\-.()]/g, '');
  const international = compact.startsWith('+');
  const digits = international ? compact.slice(1) : compact;
  if (!/^[0-9*#]+$/.test(digits)) {
    throw new PduError('PDU_BAD_ADDRESS', `The ${what} ${JSON.stringify(raw)} is not a phone number: use digits with an optional leading +, e.g. +8613800138000.`);
  }
  if (digits.length > MAX_ADDRESS_DIGITS) {
    throw new PduError('PDU_BAD_ADDRESS', `The ${what} ${JSON.stringify(raw)} has ${digits.length} digits; at most ${MAX_ADDRESS_DIGITS} fit in an SMS address.`);
  }
  return { digits, international };
}

/** TP-DA / TP-OA: length in semi-octets, type of address, value (TS 23.040 §9.1.2.5). */
export function encodeAddress(raw: string, what: string): string {
  const { digits, international } = cleanNumber(raw, what);
  return BYTE_HEX[digits.length] + (international ? '91' : '81') + encodeSemiOctets(digits);
}

/** An alphanumeric originator (a shop name as sender), 7-bit packed; at most 11 characters. */
export function encodeAlphanumericAddress(text: string): string {
  const septets = textToSeptets(text);
  if (septets === null || septets.length === 0 || septets.length > 11) {
    throw new PduError('PDU_BAD_ADDRESS', `The sender name ${JSON.stringify(text)} must be 1 to 11 characters of the GSM alphabet.`);
  }
  const bytes = new Uint8Array(septetOctets(septets.length));
  packSeptets(septets, bytes, 0);
  const semiOctets = Math.ceil((septets.length * 7) / 4);
  return BYTE_HEX[semiOctets] + 'D0' + bytesToHex(bytes);
}

/** True when a sender should be written as an alphanumeric address rather than digits. */
export function isAlphanumericSender(raw: string): boolean {
  return /[^\d\s\-.()+*#]/.test(raw);
}

/** SMSC field: length in octets (type + value); '00' means "use the SIM's SMSC". */
export function encodeSmsc(raw: string | undefined): string {
  if (raw === undefined || raw === '' || raw === '00') return '00';
  const { digits, international } = cleanNumber(raw, 'SMSC number');
  return BYTE_HEX[1 + Math.ceil(digits.length / 2)] + (international ? '91' : '81') + encodeSemiOctets(digits);
}

export function decodeSmsc(reader: OctetReader): string | null {
  const length = reader.octet('SMSC length');
  if (length === 0) return null;
  if (length > 12) throw new PduError('PDU_INVALID', `The SMSC length is ${length} octets; at most 12 are possible (is the SMSC field missing?).`);
  const body = reader.take(length, 'SMSC address');
  const toa = body[0]!;
  const number = decodeSemiOctets(body.subarray(1), (length - 1) * 2);
  if (number === '') return null;
  return typeOfNumber(toa) === 'international' ? `+${number}` : number;
}

/** Reads TP-OA / TP-DA / TP-RA. */
export function decodeAddress(reader: OctetReader, field: string): PduAddress {
  const semiOctets = reader.octet(`${field} length`);
  if (semiOctets > MAX_ADDRESS_DIGITS) {
    throw new PduError('PDU_INVALID', `The ${field} length is ${semiOctets} digits; at most ${MAX_ADDRESS_DIGITS} are possible.`);
  }
  const toa = reader.octet(`${field} type`);
  const body = reader.take(Math.ceil(semiOctets / 2), field);
  const type = typeOfNumber(toa);
  if (type === 'alphanumeric') {
    const septets = unpackSeptets(body, 0, Math.floor((semiOctets * 4) / 7));
    return { number: septetsToText(septets), type, toa };
  }
  const digits = decodeSemiOctets(body, semiOctets);
  return { number: type === 'international' && digits !== '' ? `+${digits}` : digits, type, toa };
}
