/**
 * SMS length calculator and part splitter (3GPP TS 23.038 / 23.040).
 *
 * This file is shared with the UI: it is browser-safe and self-contained (it imports nothing, not
 * even errors.ts), so the renderer can copy or re-export it. The encoder splits text with the same
 * functions, which is what keeps the counter on screen and the parts on the air in agreement.
 */

export type DataCoding = 'gsm7' | '8bit' | 'ucs2';

/** GSM 7-bit default alphabet, indexed by septet value (TS 23.038 §6.2.1). 0x1B is the escape. */
export const GSM7_BASIC: readonly string[] = [
  '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å',
  'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\x1b', 'Æ', 'æ', 'ß', 'É',
  ' ', '!', '"', '#', '¤', '%', '&', "'", '(', ')', '*', '+', ',', '-', '.', '/',
  '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?',
  '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O',
  'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§',
  '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o',
  'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à',
];

/** GSM 7-bit default alphabet extension table: septet after the escape 0x1B (TS 23.038 §6.2.1.1). */
export const GSM7_EXTENSION: Readonly<Record<number, string>> = {
  0x0a: '\f', 0x14: '^', 0x28: '{', 0x29: '}', 0x2f: '\\', 0x3c: '[', 0x3d: '~', 0x3e: ']', 0x40: '|', 0x65: '€',
};

export const GSM7_ESCAPE = 0x1b;

/** Character → septet for the basic table (the escape itself is not a character). */
export const GSM7_BASIC_CODE: ReadonlyMap<string, number> = new Map(
  GSM7_BASIC.flatMap((ch, code) => (code === GSM7_ESCAPE ? [] : [[ch, code] as [string, number]])),
);
/** Character → septet after the escape, for the extension table. */
export const GSM7_EXTENSION_CODE: ReadonlyMap<string, number> = new Map(
  Object.entries(GSM7_EXTENSION).map(([code, ch]) => [ch, Number(code)] as [string, number]),
);

/** Limits per part: [single message, with an 8-bit concatenation UDH, with a 16-bit one]. */
export const PART_LIMITS: Readonly<Record<DataCoding, { single: number; concat8: number; concat16: number }>> = {
  gsm7: { single: 160, concat8: 153, concat16: 152 }, // septets
  '8bit': { single: 140, concat8: 134, concat16: 133 }, // octets
  ucs2: { single: 70, concat8: 67, concat16: 66 }, // UTF-16 code units
};

/** The most parts a concatenated message can have (TS 23.040 §9.2.3.24.1: one octet). */
export const MAX_PARTS = 255;

/** Cost of one code point in the given encoding, or -1 if it cannot be encoded. */
export function unitCost(codePoint: string, encoding: DataCoding): number {
  if (encoding === 'gsm7') {
    if (GSM7_BASIC_CODE.has(codePoint)) return 1;
    if (GSM7_EXTENSION_CODE.has(codePoint)) return 2; // the escape counts as a character
    return -1;
  }
  if (encoding === 'ucs2') return codePoint.length; // a surrogate pair is two UTF-16 code units
  return codePoint.length === 1 && codePoint.charCodeAt(0) <= 0xff ? 1 : -1; // 8-bit: ISO-8859-1
}

/** True when every character is in the GSM 7-bit default alphabet or its extension table. */
export function isGsm7(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (!GSM7_BASIC_CODE.has(ch) && !GSM7_EXTENSION_CODE.has(ch)) return false;
  }
  return true;
}

/** GSM 7-bit when the text allows it, otherwise UCS2 (Chinese, emoji, anything else). */
export function chooseEncoding(text: string): DataCoding {
  return isGsm7(text) ? 'gsm7' : 'ucs2';
}

/** Total units: septets including escapes (gsm7), octets (8bit) or UTF-16 code units (ucs2); -1 if not encodable. */
export function countUnits(text: string, encoding: DataCoding): number {
  if (encoding === 'ucs2') return text.length;
  let units = 0;
  for (const cp of text) {
    const cost = unitCost(cp, encoding);
    if (cost < 0) return -1;
    units += cost;
  }
  return units;
}

export interface TextSplit {
  /** The text of each part; one (possibly empty) part for an empty text. */
  parts: string[];
  /** Units used by each part. */
  units: number[];
  /** Capacity of each part: the single-message limit for one part, else the concatenated limit. */
  perPart: number;
}

/**
 * Splits text into parts for the given encoding. A code point is never divided: a surrogate pair
 * (emoji) or an escape sequence (€, [, ] …) that does not fit moves whole to the next part.
 * Returns null when a character cannot be encoded.
 */
export function splitText(text: string, encoding: DataCoding, concat16 = false): TextSplit | null {
  const limits = PART_LIMITS[encoding];
  const total = countUnits(text, encoding);
  if (total < 0) return null;
  if (total <= limits.single) return { parts: [text], units: [total], perPart: limits.single };
  const perPart = concat16 ? limits.concat16 : limits.concat8;
  const parts: string[] = [];
  const units: number[] = [];
  let start = 0;
  let used = 0;
  let index = 0;
  for (const cp of text) {
    const cost = unitCost(cp, encoding);
    if (used + cost > perPart) {
      parts.push(text.slice(start, index));
      units.push(used);
      start = index;
      used = 0;
    }
    used += cost;
    index += cp.length;
  }
  parts.push(text.slice(start));
  units.push(used);
  return { parts, units, perPart };
}

export interface TextMeasure {
  encoding: DataCoding;
  /** Septets including escapes (gsm7) or UTF-16 code units (ucs2). */
  units: number;
  /** User-perceived characters, counted as Unicode code points. */
  characters: number;
  /** Number of SMS parts the text is sent as (1 for an empty text). */
  parts: number;
  /** Capacity of a part: 160/70 for a single message, 153/67 per part when concatenated. */
  perPart: number;
  /** Units still free in the last part before another part is needed. */
  remainingInPart: number;
}

/** What the send form shows under the text box: encoding, characters, parts, characters left. */
export function measureText(text: string): TextMeasure {
  const encoding = chooseEncoding(text);
  const split = splitText(text, encoding) as TextSplit; // chooseEncoding only picks an encoding that fits
  let characters = 0;
  for (const _ of text) characters++;
  const lastUnits = split.units[split.units.length - 1] ?? 0;
  return {
    encoding,
    units: split.units.reduce((sum, n) => sum + n, 0),
    characters,
    parts: split.parts.length,
    perPart: split.perPart,
    remainingInPart: split.perPart - lastUnits,
  };
}
