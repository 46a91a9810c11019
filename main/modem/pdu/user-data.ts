import type { DataCoding } from './length.js';
import { PduError } from './errors.js';
import { BYTE_HEX, bytesToHex, type OctetReader } from './hex.js';
import { packSeptets, septetOctets, septetsToText, textToSeptets, unpackSeptets } from './gsm7.js';
import { parseUdh, type UserDataHeader } from './udh.js';

/** TP-UDL and TP-UD as hex, with an optional UDH (hex including its length octet) in front. */
export function encodeUserData(text: string, encoding: DataCoding, udhHex: string): { udl: number; hex: string } {
  const udhOctets = udhHex.length / 2;
  if (encoding === 'gsm7') {
    const septets = textToSeptets(text);
    if (septets === null) throw notEncodable(text, encoding);
    // The text starts at the next septet boundary after the header: the gap is the fill bits.
    const headerSeptets = Math.ceil((udhOctets * 8) / 7);
    const udl = headerSeptets + septets.length;
    const bytes = new Uint8Array(septetOctets(udl));
    for (let i = 0; i < udhOctets; i++) bytes[i] = parseInt(udhHex.slice(2 * i, 2 * i + 2), 16);
    packSeptets(septets, bytes, headerSeptets * 7);
    return { udl, hex: bytesToHex(bytes) };
  }
  if (encoding === 'ucs2') {
    // UTF-16 code units, big-endian; Buffer copies lone surrogates unchanged.
    return { udl: udhOctets + text.length * 2, hex: udhHex + Buffer.from(text, 'utf16le').swap16().toString('hex').toUpperCase() };
  }
  let hex = udhHex;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0xff) throw notEncodable(text, encoding);
    hex += BYTE_HEX[code];
  }
  return { udl: udhOctets + text.length, hex };
}

export function notEncodable(text: string, encoding: DataCoding): PduError {
  const bad = [...text].find((ch) => (encoding === 'gsm7' ? textToSeptets(ch) === null : ch.length > 1 || ch.charCodeAt(0) > 0xff));
  return new PduError(
    'PDU_TEXT_NOT_ENCODABLE',
    `The text cannot be sent as ${encoding}: ${bad === undefined ? 'it has characters outside that alphabet' : `${JSON.stringify(bad)} is not in that alphabet`}. Leave the encoding to be chosen automatically (UCS2 carries every character).`,
  );
}

export interface DecodedUserData {
  text: string;
  header: UserDataHeader | undefined;
  /** The user data after the header, as hex (kept for 8-bit data, which is often binary). */
  bodyHex: string;
}

/** Reads TP-UD of `udl` length (septets for 7-bit, octets otherwise) and decodes the text. */
export function decodeUserData(reader: OctetReader, udl: number, encoding: DataCoding, hasHeader: boolean): DecodedUserData {
  if (encoding === 'gsm7') {
    if (udl > 160) throw new PduError('PDU_INVALID', `The user data length is ${udl} septets; a 7-bit message holds at most 160.`);
    const ud = reader.take(septetOctets(udl), 'user data');
    let header: UserDataHeader | undefined;
    let headerSeptets = 0;
    if (hasHeader) {
      const parsed = parseUdh(ud);
      header = parsed.header;
      headerSeptets = Math.ceil((parsed.length * 8) / 7);
      if (headerSeptets > udl) throw new PduError('PDU_INVALID', `The user data header (${parsed.length} octets) is longer than the user data length of ${udl} septets.`);
    }
    const septets = unpackSeptets(ud, headerSeptets * 7, udl - headerSeptets);
    return { text: septetsToText(septets), header, bodyHex: '' };
  }
  if (udl > 140) throw new PduError('PDU_INVALID', `The user data length is ${udl} octets; a message holds at most 140.`);
  const ud = reader.take(udl, 'user data');
  let header: UserDataHeader | undefined;
  let body = ud;
  if (hasHeader) {
    const parsed = parseUdh(ud);
    header = parsed.header;
    body = ud.subarray(parsed.length);
  }
  if (encoding === 'ucs2') {
    // An odd trailing octet cannot be a character; it is dropped rather than failing the message.
    const swapped = Buffer.from(body.subarray(0, body.length & ~1));
    return { text: swapped.swap16().toString('utf16le'), header, bodyHex: '' };
  }
  return { text: String.fromCharCode(...body), header, bodyHex: bytesToHex(body) };
}
