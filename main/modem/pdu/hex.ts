import { PduError } from './errors.js';

const HEX_DIGITS = '0123456789ABCDEF';
/** Byte → two uppercase hex digits, precomputed (the encoder is on a hot path). */
export const BYTE_HEX: readonly string[] = Array.from({ length: 256 }, (_, b) => HEX_DIGITS[b >> 4]! + HEX_DIGITS[b & 15]!);

/** A PDU longer than this many octets is not a PDU (SMSC 12 + TPDU 164, with room for padding). */
export const MAX_INPUT_OCTETS = 512;

export function bytesToHex(bytes: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += BYTE_HEX[bytes[i]! & 0xff];
  return out;
}

const HEX_ONLY = /^[0-9A-Fa-f]*$/;
const NOT_HEX = /[^0-9A-Fa-f]/;

/** Parses hex text into bytes; whitespace around it is ignored, anything else wrong is a PduError. */
export function hexToBytes(input: unknown): Uint8Array {
  if (typeof input !== 'string') throw new PduError('PDU_INVALID', `A PDU must be given as hex text, not as ${input === null ? 'null' : typeof input}.`);
  const hex = input.trim();
  if (hex.length === 0) throw new PduError('PDU_EMPTY', 'The PDU is empty: there is nothing to decode.');
  if (hex.length > MAX_INPUT_OCTETS * 2) {
    throw new PduError('PDU_TOO_LONG', `The PDU is ${Math.ceil(hex.length / 2)} octets long; no SMS PDU is longer than ${MAX_INPUT_OCTETS}.`);
  }
  if (!HEX_ONLY.test(hex)) {
    const at = NOT_HEX.exec(hex)?.index ?? 0;
    throw new PduError('PDU_INVALID', `The PDU is not hex: character ${JSON.stringify(hex[at])} at position ${at + 1}.`);
  }
  if (hex.length % 2 !== 0) throw new PduError('PDU_INVALID', `The PDU has an odd number of hex digits (${hex.length}); a digit is missing or extra.`);
  // Buffer's native parser, after the check above has ruled out the input it would silently cut short.
  return Buffer.from(hex, 'hex');
}

/** Sequential reader over the PDU octets; every read past the end is a PduError naming the field. */
export class OctetReader {
  offset = 0;
  constructor(readonly bytes: Uint8Array) {}

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  octet(field: string): number {
    if (this.offset >= this.bytes.length) throw truncated(field, this.offset, 1, this.remaining);
    return this.bytes[this.offset++]!;
  }

  take(count: number, field: string): Uint8Array {
    if (count > this.remaining) throw truncated(field, this.offset, count, this.remaining);
    const slice = this.bytes.subarray(this.offset, this.offset + count);
    this.offset += count;
    return slice;
  }
}

function truncated(field: string, offset: number, wanted: number, left: number): PduError {
  return new PduError(
    'PDU_INVALID',
    `The PDU is truncated: ${field} needs ${wanted} octet${wanted === 1 ? '' : 's'} at octet ${offset + 1} but only ${left} remain${left === 1 ? 's' : ''}.`,
    { field, offset },
  );
}
