import { encodeUserData } from '../../modem/pdu/user-data.js';
import { chooseEncoding, type SubmitUserData } from '../../modem/pdu/index.js';
import { parseDcs } from '../../modem/pdu/dcs.js';
import { zoneOffset } from '../../messaging/policy/local-time.js';
import { tryNormalizeMobile } from '../../messaging/numbers.js';
import { decodeClientText, type DecodedText } from './encoding.js';
import { REJECTIONS, type Rejection } from './report-codes.js';

/** One api_mt_<code> row as StoreMAS reads it: text columns as their stored bytes. */
export interface MtRow {
  autoSn: string;
  smId: string;
  srcId: string;
  mobiles: Uint8Array;
  content: Uint8Array;
  isWap: number;
  url: Uint8Array;
  /** 'YYYY-MM-DD HH:MM:SS' as the server gives it, or null. */
  sendTime: string | null;
  smType: number;
  msgFmt: number;
  tpPid: number;
  tpUdhi: number;
}

/** The most characters CONTENT may hold (the stock client cuts there; others are refused past it). */
export const MAX_CONTENT = 2_000;
/** The most numbers one row may name: far more than any real send, short of what would stall a poll. */
export const MAX_MOBILES = 100_000;

export interface IntakeRecipient {
  /** E.164, as the outbox keys it. */
  number: string;
  /** As the client wrote it (api_rpt's MOBILE gives it back the same way). */
  mobile: string;
}

export type Intake =
  | {
      kind: 'send';
      recipients: IntakeRecipient[];
      /** Numbers in MOBILES that are no mobile number: reported at once with INVALID_MOBILE. */
      invalid: string[];
      text: string;
      binary: SubmitUserData | undefined;
      /** Epoch ms when SEND_TIME lies ahead; null sends now. */
      sendAt: number | null;
      /** How the client wrote CONTENT: what replies and reports follow. */
      encoding: DecodedText['encoding'];
      encodingCertain: boolean;
    }
  | {
      kind: 'reject';
      rejection: Rejection;
      /** Why, for the integrations page. */
      detail: string;
      /** One api_rpt row each; [''] when MOBILES names nobody. */
      mobiles: string[];
    };

/** Separators seen in MOBILES: commas (also the Chinese ，), semicolons, 、 and line breaks; spaces inside a number stay. */
const SEPARATORS = /[,，;；、\r\n]+/u;

function reject(rejection: Rejection, detail: string, mobiles: string[]): Intake {
  return { kind: 'reject', rejection, detail, mobiles: mobiles.length > 0 ? mobiles : [''] };
}

/**
 * What one api_mt row asks for, or why it cannot be sent. Pure: the poller
 * does the I/O. `now` and `timeZone` read SEND_TIME as the store's wall clock.
 */
export function readMtRow(row: MtRow, now: number, timeZone: string): Intake {
  const mobilesText = decodeClientText(row.mobiles)?.text ?? '';
  const tokens = mobilesText.split(SEPARATORS).map((t) => t.trim()).filter((t) => t.length > 0);
  if (tokens.length === 0) return reject(REJECTIONS.emptyMobiles, 'MOBILES is empty: name at least one number.', []);
  if (tokens.length > MAX_MOBILES) {
    return reject(REJECTIONS.tooManyMobiles, `MOBILES names ${tokens.length} numbers; one row may name at most ${MAX_MOBILES}. Split the send into several rows.`, tokens);
  }

  const sendAt = readSendTime(row.sendTime, now, timeZone);
  if (sendAt === 'invalid') return reject(REJECTIONS.badSendTime, `SEND_TIME ${JSON.stringify(row.sendTime)} is no date and time; use yyyy-MM-dd HH:mm:ss, or NULL to send now.`, tokens);

  let text: string;
  let binary: SubmitUserData | undefined;
  const content = decodeClientText(row.content);
  if (!content) return reject(REJECTIONS.unreadableContent, 'CONTENT is neither UTF-8 nor GBK text.', tokens);
  if (row.smType === 2) {
    const pdu = readPduContent(content.text, row);
    if (typeof pdu === 'string') return reject(REJECTIONS.badPdu, pdu, tokens);
    ({ binary, text } = pdu);
  } else {
    text = content.text.trim();
    if (row.isWap === 1) {
      const url = decodeClientText(row.url)?.text.trim() ?? '';
      if (url) text = text ? `${text} ${url}` : url;
    }
    if (text.length === 0) return reject(REJECTIONS.emptyContent, 'CONTENT is empty: write the text to send.', tokens);
    if (text.length > MAX_CONTENT) return reject(REJECTIONS.contentTooLong, `CONTENT is ${text.length} characters; the MAS interface takes at most ${MAX_CONTENT}.`, tokens);
  }

  const recipients: IntakeRecipient[] = [];
  const invalid: string[] = [];
  const seen = new Set<string>();
  for (const token of tokens) {
    const number = tryNormalizeMobile(token);
    if (number === undefined) invalid.push(token.slice(0, 32));
    else if (!seen.has(number)) {
      // A number named twice in one row gets the text once.
      seen.add(number);
      recipients.push({ number, mobile: token.slice(0, 32) });
    }
  }
  return { kind: 'send', recipients, invalid, text, binary, sendAt, encoding: content.encoding, encodingCertain: content.certain };
}

/** SEND_TIME as epoch ms when it lies ahead; null for now (NULL, or a time already past); 'invalid' for a zero or impossible date. */
export function readSendTime(value: string | null, now: number, timeZone: string): number | null | 'invalid' {
  if (value === null || value.trim() === '') return null;
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?/.exec(value.trim());
  if (!match) return 'invalid';
  const [y, mo, d, h, mi, s] = match.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(wall);
  if (y < 1970 || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return 'invalid';
  // Two passes settle the zone's offset even across a change of it.
  let at = wall - zoneOffset(timeZone, wall);
  at = wall - zoneOffset(timeZone, at);
  return at > now ? at : null;
}

/**
 * An SM_TYPE 2 row: CONTENT is the user data as hex (the stock client's
 * binary2Hex), MSG_FMT its coding in CMPP's numbers (0 ASCII, 4 binary,
 * 8 UCS2, 15 GBK), TP_UDHI whether it starts with a header. Binary and UCS2
 * go out byte for byte; ASCII and GBK, which phones cannot show as such,
 * become GSM 7-bit or UCS2 text behind the same header. Returns why not, as
 * a string, when the row cannot be one SMS.
 */
export function readPduContent(hexText: string, row: Pick<MtRow, 'msgFmt' | 'tpPid' | 'tpUdhi'>): { binary: SubmitUserData; text: string } | string {
  const hex = hexText.replace(/\s+/g, '');
  if (hex.length === 0) return 'CONTENT is empty; an SM_TYPE 2 row carries its user data as hex.';
  if (!/^[0-9A-Fa-f]*$/.test(hex)) return 'CONTENT of an SM_TYPE 2 row must be hex digits (0-9, A-F) only.';
  if (hex.length % 2 !== 0) return `CONTENT has an odd number of hex digits (${hex.length}); a digit is missing or extra.`;
  if (!Number.isInteger(row.tpPid) || row.tpPid < 0 || row.tpPid > 255) return `TP_PID ${row.tpPid} is out of range (0–255).`;
  if (row.tpUdhi !== 0 && row.tpUdhi !== 1) return `TP_UDHI ${row.tpUdhi} must be 0 or 1.`;
  const bytes = Buffer.from(hex, 'hex');
  const udhi = row.tpUdhi === 1;
  const headerLength = udhi ? (bytes[0] ?? 0) + 1 : 0;
  if (udhi && headerLength > bytes.length) return 'TP_UDHI says CONTENT starts with a header, but the header length is beyond the data.';
  const header = bytes.subarray(0, headerLength);
  const body = bytes.subarray(headerLength);
  const describe = (dcs: number) => `[PDU dcs=${dcs.toString(16).padStart(2, '0').toUpperCase()}${udhi ? ' udhi' : ''}] ${hex.toUpperCase().slice(0, 160)}`;
  const withinOne = (udl: number, septets: boolean) =>
    septets ? (udl <= 160 ? undefined : `the user data is ${udl} septets; one SMS holds 160`) : udl <= 140 ? undefined : `the user data is ${udl} octets; one SMS holds 140`;

  if (row.msgFmt === 0 || row.msgFmt === 15) {
    const text = row.msgFmt === 0 ? body.toString('latin1') : decodeClientText(body)?.text;
    if (text === undefined || (row.msgFmt === 0 && body.some((b) => b > 0x7f))) return `CONTENT is not ${row.msgFmt === 0 ? 'ASCII' : 'GBK'} text as MSG_FMT ${row.msgFmt} says.`;
    const encoding = chooseEncoding(text) === 'gsm7' ? 'gsm7' : 'ucs2';
    const ud = encodeUserData(text, encoding, header.toString('hex').toUpperCase());
    const tooLong = withinOne(ud.udl, encoding === 'gsm7');
    if (tooLong) return `CONTENT is too long for one SMS: ${tooLong}.`;
    const dcs = encoding === 'gsm7' ? 0x00 : 0x08;
    return { binary: { dcs, pid: row.tpPid, udhi, udl: ud.udl, ud: ud.hex }, text: text || describe(dcs) };
  }
  let dcs: number;
  if (row.msgFmt === 8) dcs = 0x08;
  else if (row.msgFmt === 4) dcs = 0x04;
  else if (Number.isInteger(row.msgFmt) && row.msgFmt > 0 && row.msgFmt <= 255 && ['8bit', 'ucs2'].includes(safeAlphabet(row.msgFmt) ?? '')) dcs = row.msgFmt;
  else return `MSG_FMT ${row.msgFmt} is not a coding StoreMAS can send as given; use 4 (binary), 8 (UCS2), 0 (ASCII) or 15 (GBK).`;
  const tooLong = withinOne(bytes.length, false);
  if (tooLong) return `CONTENT is too long for one SMS: ${tooLong}.`;
  const shown = safeAlphabet(dcs) === 'ucs2' && body.length % 2 === 0 ? Buffer.from(body).swap16().toString('utf16le') : '';
  return { binary: { dcs, pid: row.tpPid, udhi, udl: bytes.length, ud: hex.toUpperCase() }, text: shown.trim() || describe(dcs) };
}

function safeAlphabet(dcs: number): 'gsm7' | '8bit' | 'ucs2' | undefined {
  try {
    return parseDcs(dcs).encoding;
  } catch {
    return undefined; // compressed: nothing StoreMAS sends
  }
}
