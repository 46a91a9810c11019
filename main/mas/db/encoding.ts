import iconv from 'iconv-lite';

/**
 * How text reaches the MAS tables, and how to write it so each client reads it
 * back. StoreMAS creates the tables utf8mb4 and reads CONTENT and MOBILES as
 * their stored bytes (CAST … AS BINARY), deciding per row:
 *
 *   utf8         real Unicode text: a client on a utf8mb4, gbk or gb2312
 *                connection (MySQL converted it), or any client of a
 *                utf8mb4 column that wrote proper text.
 *   gbk-latin1   the stock Java client (APIClient): the SQL is GBK bytes
 *                re-read as ISO-8859-1 (its gb2Iso) sent on a latin1
 *                connection, so MySQL stored each GBK byte as the character
 *                MySQL's latin1 (Windows-1252, with five gaps) gives it.
 *   gbk-iso8859  the same client on a connection whose charset is utf8 (a
 *                server defaulting to utf8mb4): each byte arrives as the
 *                ISO-8859-1 character U+0000–U+00FF.
 *   gbk          raw GBK bytes (a latin1 or binary column created by
 *                someone else, written by the stock client).
 *
 * Replies and reports are written the way the code's client wrote last
 * (unless a code says otherwise): for the stock client that is GBK bytes
 * that its latin1 connection (or its ISO-8859-1 decoding) hands back
 * unchanged, which its iso2gbk turns into the right text.
 */
export type DetectedEncoding = 'ascii' | 'utf8' | 'gbk-latin1' | 'gbk-iso8859' | 'gbk';
export type ReplyEncoding = 'utf8' | 'gbk-latin1' | 'gbk-iso8859';
export const REPLY_ENCODINGS: readonly ReplyEncoding[] = ['gbk-latin1', 'gbk-iso8859', 'utf8'];

export interface DecodedText {
  text: string;
  encoding: DetectedEncoding;
  /**
   * Whether the bytes tell the client's convention apart: a stock client's
   * text whose bytes avoid 0x80–0x9F reads the same either way; ASCII says
   * nothing about any client.
   */
  certain: boolean;
}

/** MySQL's latin1 (cp1252) for 0x80–0x9F; 0x81, 0x8D, 0x8F, 0x90 and 0x9D map to the C1 control of the same number. */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];
const CP1252_BYTE = new Map<number, number>(CP1252_HIGH.map((cp, i) => [cp, 0x80 + i]));
const SHARED_C1 = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d]);

const utf8Strict = new TextDecoder('utf-8', { fatal: true });
/** Characters a Chinese text brings: CJK ideographs and punctuation, full-width forms. */
const CJK = /[\u2E80-\u9FFF\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFFEF]/u;

function gbkText(bytes: Uint8Array): string | undefined {
  // GB18030 reads every GBK sequence; a replacement character marks bytes that are no GBK.
  const text = iconv.decode(Buffer.from(bytes), 'gb18030');
  return text.includes('\uFFFD') ? undefined : text;
}

function isAscii(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b > 0x7f) return false;
  return true;
}

/**
 * A string MySQL stored from GBK bytes sent as latin1 (or ISO-8859-1), turned
 * back into those bytes; undefined when a character cannot have come that way.
 */
function mojibakeBytes(text: string): { bytes: Uint8Array; cp1252: boolean; c1: boolean } | undefined {
  const bytes: number[] = [];
  let cp1252 = false;
  let c1 = false;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp <= 0xff) {
      if (cp >= 0x80 && cp <= 0x9f && !SHARED_C1.has(cp)) c1 = true;
      bytes.push(cp);
      continue;
    }
    const b = CP1252_BYTE.get(cp);
    if (b === undefined) return undefined;
    cp1252 = true;
    bytes.push(b);
  }
  return { bytes: Uint8Array.from(bytes), cp1252, c1 };
}

/**
 * The text of a CONTENT or MOBILES value from its stored bytes, whichever way
 * the client wrote it; undefined when the bytes are neither UTF-8 nor GBK.
 */
export function decodeClientText(bytes: Uint8Array): DecodedText | undefined {
  if (isAscii(bytes)) return { text: Buffer.from(bytes).toString('latin1'), encoding: 'ascii', certain: false };
  let unicode: string | undefined;
  try {
    unicode = utf8Strict.decode(bytes);
  } catch {
    unicode = undefined;
  }
  if (unicode === undefined) {
    const text = gbkText(bytes);
    return text === undefined ? undefined : { text, encoding: 'gbk', certain: true };
  }
  const back = mojibakeBytes(unicode);
  if (back) {
    const text = gbkText(back.bytes);
    // Latin text such as "Café" is no GBK, or no Chinese when read as GBK: it stays what it is.
    if (text !== undefined && CJK.test(text)) {
      if (back.cp1252 && !back.c1) return { text, encoding: 'gbk-latin1', certain: true };
      if (back.c1 && !back.cp1252) return { text, encoding: 'gbk-iso8859', certain: true };
      return { text, encoding: 'gbk-latin1', certain: false };
    }
  }
  // Raw GBK bytes can happen to be valid UTF-8: the reading with fewer unusual characters wins, UTF-8 on a tie.
  const text = gbkText(bytes);
  if (text !== undefined && unusual(text) < unusual(unicode)) return { text, encoding: 'gbk', certain: true };
  return { text: unicode, encoding: 'utf8', certain: true };
}

/**
 * Characters a Chinese store's message practically never has, and that raw GBK
 * read as UTF-8 typically produces: the two-byte UTF-8 range (Latin-1
 * letters, Greek, Cyrillic, Hebrew, Arabic …) bar a few signs, rare scripts,
 * technical symbols, CJK extension A, Yi, Hangul, private use, and beyond the emoji plane.
 */
function unusual(text: string): number {
  let n = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (
      (cp >= 0x80 && cp <= 0x1fff && cp !== 0xa5 && cp !== 0xb7 && cp !== 0xb0 && cp !== 0xd7 && cp !== 0xf7) ||
      (cp >= 0x2300 && cp <= 0x23ff) ||
      (cp >= 0x2c00 && cp <= 0x2dff) ||
      (cp >= 0x3400 && cp <= 0x4dbf) ||
      (cp >= 0xa000 && cp <= 0xd7ff) ||
      (cp >= 0xe000 && cp <= 0xf8ff) ||
      cp >= 0x20000
    ) {
      n += 1;
    }
  }
  return n;
}

/** The convention replies follow after a client wrote text in `detected`. */
export function replyEncodingFor(detected: DetectedEncoding): ReplyEncoding | undefined {
  switch (detected) {
    case 'utf8':
      return 'utf8';
    case 'gbk-latin1':
    case 'gbk':
      return 'gbk-latin1';
    case 'gbk-iso8859':
      return 'gbk-iso8859';
    case 'ascii':
      return undefined;
  }
}

/**
 * Bytes and the charset MySQL must take them in (`CONVERT(? USING <charset>)`)
 * so that a client of `encoding` reads `text` back. Characters GBK lacks
 * (emoji) become '?' for the GBK conventions, as the stock client's own
 * getBytes("GBK") would make them.
 */
export function encodeForClient(text: string, encoding: ReplyEncoding): { bytes: Buffer; charset: 'latin1' | 'utf8mb4' } {
  if (encoding === 'utf8') return { bytes: Buffer.from(text, 'utf8'), charset: 'utf8mb4' };
  const gbk = iconv.encode(text, 'gbk');
  if (encoding === 'gbk-latin1') return { bytes: gbk, charset: 'latin1' };
  // Each GBK byte as the ISO-8859-1 character of that number, stored as real text.
  return { bytes: Buffer.from(gbk.toString('latin1'), 'utf8'), charset: 'utf8mb4' };
}
