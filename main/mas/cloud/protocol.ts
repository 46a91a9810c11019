/**
 * The 云MAS HTTP interface as clients speak it, as pure functions: request bodies in
 * every variant seen in client code (Base64 of UTF-8 JSON with or without a content
 * type, plain JSON, form fields in UTF-8 or GBK), the MD5 mac, the answer, and the
 * status-report and inbound-text pushes. No I/O here; submit.ts does the rest.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import iconv from 'iconv-lite';
import { zoneOffset } from '../../messaging/policy/local-time.js';

export const RSPCODS = [
  'success',
  'IllegalMac',
  'IllegalSignId',
  'InvalidMessage',
  'InvalidUsrOrPwd',
  'NoSignId',
  'TooManyMobiles',
  'InvalidMobile',
] as const;
export type Rspcod = (typeof RSPCODS)[number];

/** The three submit paths: free text (norsubmit and its alias submit) and templates. */
export const SUBMIT_ENDPOINTS = ['norsubmit', 'submit', 'tmpsubmit'] as const;
export type SubmitEndpoint = (typeof SUBMIT_ENDPOINTS)[number];

/** 云MAS allows at most this many numbers per submit. */
export const MAX_MOBILES = 5_000;

export interface SubmitAnswer {
  msgGroup: string;
  rspcod: Rspcod;
  success: boolean;
}

/** A submit StoreMAS will not take; `detail` says why, for the log and the integrations page. */
export class CloudMasRefusal extends Error {
  constructor(
    readonly rspcod: Exclude<Rspcod, 'success'>,
    readonly detail: string,
  ) {
    super(`${rspcod}: ${detail}`);
    this.name = 'CloudMasRefusal';
  }
}

/** The fields of a submit, every one a string (absent fields are ''; secretKey may be left out). */
export interface SubmitFields {
  ecName: string;
  apId: string;
  /** Some clients leave the secret out of the body and only use it in the mac. */
  secretKey: string | undefined;
  mobiles: string;
  content: string;
  sign: string;
  addSerial: string;
  mac: string;
  templateId: string;
  /** A JSON-array string, exactly as the client put it into the mac. */
  params: string;
}

export function answer(rspcod: Rspcod, msgGroup = ''): SubmitAnswer {
  return { msgGroup, rspcod, success: rspcod === 'success' };
}

const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

function charsetOf(contentType: string | undefined): string {
  const match = /charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '');
  const charset = (match?.[1] ?? 'utf-8').toLowerCase();
  return iconv.encodingExists(charset) ? charset : 'utf-8';
}

/**
 * What was posted, decoded into raw fields. Tried in turn: JSON (an object, or a string
 * holding the Base64), Base64 of JSON, then form fields (one of which may itself be the
 * Base64). Anything else is InvalidMessage — never an exception of another kind.
 */
export function decodeSubmitBody(raw: Buffer, contentType: string | undefined): Record<string, unknown> {
  const charset = charsetOf(contentType);
  const text = iconv.decode(raw, charset).replace(/^\uFEFF/, '').trim();
  if (text.length === 0) throw new CloudMasRefusal('InvalidMessage', 'The request body is empty; post the Base64 of the JSON submit.');
  const fromJson = tryJson(text);
  if (fromJson !== undefined) return fromJson;
  const fromBase64 = tryBase64Json(text);
  if (fromBase64 !== undefined) return fromBase64;
  if (text.includes('=')) {
    const form = parseForm(text, charset);
    if ('ecname' in lowerKeys(form)) return form;
    // One form field carrying the Base64 JSON (data=…): an unescaped '+' arrived as a space.
    const entries = Object.values(form);
    if (entries.length === 1) {
      const inner = tryBase64Json(entries[0]!.replace(/ /g, '+'));
      if (inner !== undefined) return inner;
    }
  }
  throw new CloudMasRefusal('InvalidMessage', 'The body is neither Base64 of a JSON object, nor JSON, nor form fields with ecName.');
}

function tryJson(text: string): Record<string, unknown> | undefined {
  if (!text.startsWith('{') && !text.startsWith('"')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CloudMasRefusal('InvalidMessage', 'The body starts like JSON but is not valid JSON.');
  }
  if (typeof parsed === 'string') {
    const inner = tryBase64Json(parsed.trim());
    if (inner === undefined) throw new CloudMasRefusal('InvalidMessage', 'The JSON string in the body is not Base64 of a JSON object.');
    return inner;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CloudMasRefusal('InvalidMessage', 'The JSON body must be an object with the submit fields.');
  }
  return parsed as Record<string, unknown>;
}

function tryBase64Json(text: string): Record<string, unknown> | undefined {
  const compact = text.replace(/\s+/g, '');
  if (compact.length < 4 || !BASE64.test(compact)) return undefined;
  const decoded = Buffer.from(compact, compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64').toString('utf8').replace(/^\uFEFF/, '').trim();
  if (!decoded.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(decoded);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    return parsed as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

function lowerKeys(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k.toLowerCase(), v]));
}

/** application/x-www-form-urlencoded, with percent-escapes decoded in the declared charset (GBK clients exist). */
export function parseForm(text: string, charset = 'utf-8'): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const pair of text.split('&')) {
    if (!pair) continue;
    const at = pair.indexOf('=');
    const name = decodeComponent(at < 0 ? pair : pair.slice(0, at), charset);
    const value = at < 0 ? '' : decodeComponent(pair.slice(at + 1), charset);
    if (name && !(name in fields)) fields[name] = value;
  }
  return fields;
}

function decodeComponent(component: string, charset: string): string {
  const bytes: number[] = [];
  const plus = component.replace(/\+/g, ' ');
  for (let i = 0; i < plus.length; i += 1) {
    const char = plus[i]!;
    if (char === '%' && /^[0-9A-Fa-f]{2}$/.test(plus.slice(i + 1, i + 3))) {
      bytes.push(parseInt(plus.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      const code = plus.codePointAt(i)!;
      if (code > 0xffff) i += 1;
      bytes.push(...iconv.encode(String.fromCodePoint(code), charset));
    }
  }
  return iconv.decode(Buffer.from(bytes), charset);
}

function stringField(record: Record<string, unknown>, lower: Record<string, unknown>, name: string): string | undefined {
  const value = name in record ? record[name] : lower[name.toLowerCase()];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    // mobiles as a list, params as an array rather than its JSON text: the mac used the compact JSON.
    return name === 'mobiles' ? value.map(String).join(',') : JSON.stringify(value);
  }
  throw new CloudMasRefusal('InvalidMessage', `The field ${name} must be text.`);
}

/** The submit fields out of a decoded body; the checks that need the account come later. */
export function submitFields(record: Record<string, unknown>): SubmitFields {
  const lower = lowerKeys(record);
  const field = (name: string) => stringField(record, lower, name) ?? '';
  return {
    ecName: field('ecName'),
    apId: field('apId'),
    secretKey: stringField(record, lower, 'secretKey'),
    mobiles: field('mobiles'),
    content: field('content'),
    sign: field('sign'),
    addSerial: field('addSerial'),
    mac: field('mac'),
    templateId: field('templateId'),
    params: field('params'),
  };
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

/** The mac a client computes: lowercase hex MD5 of the fields concatenated in the documented order. */
export function macOf(fields: SubmitFields, secretKey: string, template: boolean): string {
  const { ecName, apId, mobiles, content, sign, addSerial, templateId, params } = fields;
  return md5(template ? ecName + apId + secretKey + templateId + mobiles + params + sign + addSerial : ecName + apId + secretKey + mobiles + content + sign + addSerial);
}

/** Whether the posted mac is right; either letter case is accepted, compared in constant time. */
export function macMatches(fields: SubmitFields, secretKey: string, template: boolean): boolean {
  const expected = Buffer.from(macOf(fields, secretKey, template));
  const given = Buffer.from(fields.mac.trim().toLowerCase());
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Numbers as clients list them: commas (ASCII or full-width), semicolons or spaces. */
export function splitMobiles(mobiles: string): string[] {
  return mobiles
    .split(/[,，;；\s]+/)
    .map((m) => m.trim())
    .filter((m) => m.length > 0);
}

/** `params` as sent: a JSON array of texts (numbers allowed); `[""]` for a template without variables. */
export function parseParams(params: string): string[] {
  if (params.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(params);
  } catch {
    throw new CloudMasRefusal('InvalidMessage', 'params must be a JSON array such as ["张三","5"].');
  }
  if (!Array.isArray(parsed) || parsed.some((p) => typeof p !== 'string' && typeof p !== 'number')) {
    throw new CloudMasRefusal('InvalidMessage', 'params must be a JSON array of texts such as ["张三","5"].');
  }
  return parsed.map(String);
}

const TEMPLATE_SLOT = /\{(\d{1,2})\}/g;

/** Highest {n} slot a template text uses (0 for none). */
export function templateSlots(text: string): number {
  let highest = 0;
  for (const match of text.matchAll(TEMPLATE_SLOT)) highest = Math.max(highest, Number(match[1]));
  return highest;
}

/** A template with its {1}, {2} … slots filled from params in order. */
export function fillTemplate(text: string, params: readonly string[]): string {
  const needed = templateSlots(text);
  const given = params.length === 1 && params[0] === '' ? 0 : params.length;
  if (given < needed) {
    throw new CloudMasRefusal('InvalidMessage', `The template has ${needed} variable(s) but params holds ${given}.`);
  }
  return text.replace(TEMPLATE_SLOT, (_, n: string) => params[Number(n) - 1] ?? '');
}

/** 'yyyyMMddHHmmss' in the store's time zone (status reports). */
export function compactTime(at: number, timeZone: string): string {
  const iso = new Date(at + zoneOffset(timeZone, at)).toISOString();
  return iso.slice(0, 19).replace(/[-T:]/g, '');
}

/** 'yyyy-MM-dd HH:mm:ss' in the store's time zone (inbound texts). */
export function spacedTime(at: number, timeZone: string): string {
  const iso = new Date(at + zoneOffset(timeZone, at)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** Mainland numbers as 云MAS clients know them: 11 digits, no +86. */
export function masMobile(e164: string): string {
  return e164.startsWith('+86') ? e164.slice(3) : e164.replace(/^\+/, '');
}

export interface StatusReport {
  reportStatus: string;
  mobile: string;
  submitDate: string;
  receiveDate: string;
  errorCode: string;
  msgGroup: string;
}

/** A message's final state as a 云MAS status report: DELIVRD, or the error in the words SMS gateways use. */
export function statusReportOf(
  message: { status: string; recipient: string; createdAt: number; finishedAt: number | null; errorCode: string | null; blockedRule: string | null },
  msgGroup: string,
  timeZone: string,
): StatusReport {
  const reportStatus = message.status === 'delivered' ? 'DELIVRD' : message.status === 'expired' ? 'EXPIRED' : message.status === 'blocked' ? 'REJECTD' : 'UNDELIV';
  const errorCode =
    message.status === 'delivered'
      ? 'DELIVRD'
      : message.status === 'blocked' && message.blockedRule
        ? `${message.errorCode ?? 'POLICY_BLOCKED'}:${message.blockedRule}`
        : (message.errorCode ?? reportStatus);
  return {
    reportStatus,
    mobile: masMobile(message.recipient),
    submitDate: compactTime(message.createdAt, timeZone),
    receiveDate: compactTime(message.finishedAt ?? message.createdAt, timeZone),
    errorCode,
    msgGroup,
  };
}

export interface InboundPush {
  mobile: string;
  smsContent: string;
  sendTime: string;
  addSerial: string;
}

export function inboundPushOf(text: { sender: string; text: string; sentAt: number | null; receivedAt: number }, addSerial: string, timeZone: string): InboundPush {
  return { mobile: masMobile(text.sender), smsContent: text.text, sendTime: spacedTime(text.sentAt ?? text.receivedAt, timeZone), addSerial };
}
