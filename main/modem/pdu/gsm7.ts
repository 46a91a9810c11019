import { GSM7_BASIC, GSM7_BASIC_CODE, GSM7_ESCAPE, GSM7_EXTENSION, GSM7_EXTENSION_CODE } from './length.js';

/** Text → septet values (an extension character becomes escape + code). Characters outside the alphabet return null. */
export function textToSeptets(text: string): number[] | null {
  const septets: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    const basic = GSM7_BASIC_CODE.get(ch);
    if (basic !== undefined) {
      septets.push(basic);
      continue;
    }
    const ext = GSM7_EXTENSION_CODE.get(ch);
    if (ext === undefined) return null;
    septets.push(GSM7_ESCAPE, ext);
  }
  return septets;
}

/**
 * Septet values → text. An escape followed by a code the extension table lacks shows the basic
 * character (TS 23.038 §6.2.1.1: "display the default alphabet character"); a trailing escape or
 * a double escape shows a space.
 */
export function septetsToText(septets: ArrayLike<number>): string {
  let out = '';
  for (let i = 0; i < septets.length; i++) {
    const s = septets[i]!;
    if (s !== GSM7_ESCAPE) {
      out += GSM7_BASIC[s];
      continue;
    }
    const next = septets[i + 1];
    if (next === undefined || next === GSM7_ESCAPE) {
      out += ' ';
      if (next !== undefined) i++;
      continue;
    }
    out += GSM7_EXTENSION[next] ?? GSM7_BASIC[next];
    i++;
  }
  return out;
}

/**
 * Packs septets into `target` starting at bit `bitOffset` (bits fill each octet from the least
 * significant end, TS 23.038 §6.1.2.1.1). A non-zero offset leaves the fill bits after a UDH zero.
 */
export function packSeptets(septets: ArrayLike<number>, target: Uint8Array, bitOffset: number): void {
  let bit = bitOffset;
  for (let i = 0; i < septets.length; i++) {
    const value = septets[i]! & 0x7f;
    const byte = bit >> 3;
    const shift = bit & 7;
    target[byte] = target[byte]! | ((value << shift) & 0xff);
    if (shift > 1) target[byte + 1] = target[byte + 1]! | (value >> (8 - shift));
    bit += 7;
  }
}

/** Reads `count` septets from `source` starting at bit `bitOffset`. The caller checks the length. */
export function unpackSeptets(source: Uint8Array, bitOffset: number, count: number): Uint8Array {
  const septets = new Uint8Array(count);
  let bit = bitOffset;
  for (let i = 0; i < count; i++) {
    const byte = bit >> 3;
    const shift = bit & 7;
    let value = source[byte]! >> shift;
    if (shift > 1) value |= (source[byte + 1] ?? 0) << (8 - shift);
    septets[i] = value & 0x7f;
    bit += 7;
  }
  return septets;
}

/** Octets needed for `septets` septets. */
export function septetOctets(septets: number): number {
  return Math.ceil((septets * 7) / 8);
}
