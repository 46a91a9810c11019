import { isSupportedCountry, type CountryCode } from 'libphonenumber-js/max';
import { classifyNumber, notMobileText, type NumberClass } from '../messaging/numbers.js';

/**
 * Field transforms: how a value from a POS row becomes a StoreMAS value.
 * Pure functions; each returns the value or throws FieldProblem with a reason
 * a person can act on ("unknown gender code 9: add it to the male or female
 * codes"). Empty input (null, undefined, '') is handled by the caller.
 */
export const FIELD_TYPES = ['text', 'code', 'gender', 'date', 'timestamp', 'mobile', 'phone', 'money', 'number', 'integer', 'boolean', 'idNumber'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const DATE_FORMATS = ['auto', 'YYYY-MM-DD', 'YYYYMMDD', 'YYYY/MM/DD', 'DD/MM/YYYY', 'MM/DD/YYYY'] as const;
export type DateFormat = (typeof DATE_FORMATS)[number];
export const TIMESTAMP_FORMATS = ['auto', 'epoch-ms', 'epoch-s'] as const;
export type TimestampFormat = (typeof TIMESTAMP_FORMATS)[number];

/** Options a mapping may set on one field; which apply depends on the field's type. */
export interface FieldOptions {
  /** date: the source format; timestamp: 'auto' (text or a date) or epoch numbers. */
  format?: string | undefined;
  /** money: the source holds yuan (decimal, default) or fen (whole cents). */
  unit?: 'yuan' | 'fen' | undefined;
  /** gender: the source codes meaning male / female; anything in `unknown` (or empty) is 'U'. */
  male?: string[] | undefined;
  female?: string[] | undefined;
  unknown?: string[] | undefined;
  /** boolean: source values meaning true; `falseValues` meaning false. */
  trueValues?: string[] | undefined;
  falseValues?: string[] | undefined;
  /** timestamp: offset of times written without a zone, e.g. '+08:00' (China). */
  timezone?: string | undefined;
  /** mobile, phone: the country assumed for numbers without a country code (ISO code, default CN). */
  region?: string | undefined;
}

export class FieldProblem extends Error {}

const DEFAULT_MALE = ['1', 'M', 'm', '男', 'male', 'Male', 'MALE'];
const DEFAULT_FEMALE = ['2', 'F', 'f', '女', 'female', 'Female', 'FEMALE'];
const DEFAULT_UNKNOWN = ['0', 'U', 'u', '9', '未知', 'unknown'];
const DEFAULT_TRUE = ['1', 'true', 'TRUE', 'True', 't', 'T', 'y', 'Y', 'yes', 'YES', '是'];
const DEFAULT_FALSE = ['0', 'false', 'FALSE', 'False', 'f', 'F', 'n', 'N', 'no', 'NO', '否'];

export function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'string' && value.trim() === '');
}

function asText(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return String(value).trim();
}

export function toText(value: unknown, max: number): string {
  // Display text is cut rather than refused: a long name must not lose the member.
  return [...asText(value)].slice(0, max).join('');
}

export function toCode(value: unknown, max: number): string {
  let text = asText(value);
  // Numeric ids arrive as numbers or decimal strings from some drivers ("1001.0").
  if (typeof value === 'number' && Number.isInteger(value)) text = String(value);
  if (text.length > max) throw new FieldProblem(`is ${text.length} characters long; at most ${max} fit`);
  return text;
}

export function toGender(value: unknown, options: FieldOptions): 'M' | 'F' | 'U' {
  const text = asText(value);
  if ((options.male ?? DEFAULT_MALE).includes(text)) return 'M';
  if ((options.female ?? DEFAULT_FEMALE).includes(text)) return 'F';
  if ((options.unknown ?? DEFAULT_UNKNOWN).includes(text)) return 'U';
  throw new FieldProblem(`has the unknown gender code “${text}”; add it to the mapping's male, female or unknown codes`);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** A date as 'YYYY-MM-DD'. `lunar` allows day 30 in any month (lunar months have 29 or 30 days). */
export function toDate(value: unknown, options: FieldOptions, lunar = false): string {
  let year: number, month: number, day: number;
  if (value instanceof Date) {
    year = value.getUTCFullYear();
    month = value.getUTCMonth() + 1;
    day = value.getUTCDate();
  } else {
    const text = asText(value);
    const format = (options.format ?? 'auto') as DateFormat;
    let match: RegExpExecArray | null = null;
    let order: 'ymd' | 'dmy' | 'mdy' = 'ymd';
    if (format === 'auto' || format === 'YYYY-MM-DD') match = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$/.exec(text);
    if (!match && (format === 'auto' || format === 'YYYYMMDD')) match = /^(\d{4})(\d{2})(\d{2})$/.exec(text);
    if (!match && (format === 'auto' || format === 'YYYY/MM/DD')) match = /^(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?:[ T].*)?$/.exec(text);
    if (!match && format === 'DD/MM/YYYY') {
      match = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(text);
      order = 'dmy';
    }
    if (!match && format === 'MM/DD/YYYY') {
      match = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(text);
      order = 'mdy';
    }
    if (!match) throw new FieldProblem(`“${text}” is not a date in the format ${format === 'auto' ? 'YYYY-MM-DD, YYYYMMDD or YYYY/MM/DD' : format}`);
    const [a, b, c] = [Number(match[1]), Number(match[2]), Number(match[3])];
    [year, month, day] = order === 'ymd' ? [a, b, c] : order === 'dmy' ? [c, b, a] : [c, a, b];
  }
  const maxDay = lunar ? 30 : month >= 1 && month <= 12 ? daysInMonth(year, month) : 0;
  if (year < 1900 || year > 2100 || month < 1 || month > 12 || day < 1 || day > maxDay) {
    throw new FieldProblem(`${year}-${month}-${day} is not a real ${lunar ? 'lunar ' : ''}date`);
  }
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function offsetMinutes(timezone: string | undefined): number {
  const zone = timezone ?? '+08:00';
  const match = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (!match) throw new FieldProblem(`has the time zone “${zone}”, which is not an offset like +08:00`);
  return (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]));
}

/** A point in time as epoch milliseconds. Times without a zone are read in the mapping's zone (default +08:00). */
export function toTimestamp(value: unknown, options: FieldOptions): number {
  const format = (options.format ?? 'auto') as TimestampFormat;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new FieldProblem('is an invalid date');
    return value.getTime();
  }
  if (format === 'epoch-ms' || format === 'epoch-s') {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new FieldProblem(`“${asText(value)}” is not a number of ${format === 'epoch-s' ? 'seconds' : 'milliseconds'}`);
    return Math.round(format === 'epoch-s' ? n * 1000 : n);
  }
  const text = asText(value);
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(text);
  if (!match) throw new FieldProblem(`“${text}” is not a date and time (YYYY-MM-DD HH:MM:SS)`);
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0', zone] = match;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(Number(y), month) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    throw new FieldProblem(`“${text}” is not a real date and time`);
  }
  const utc = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(s), Math.round(Number(`0.${frac}`) * 1000));
  let offset: number;
  if (zone === 'Z') offset = 0;
  else if (zone) offset = offsetMinutes(zone.length === 3 ? `${zone}:00` : zone);
  else offset = offsetMinutes(options.timezone);
  return utc - offset * 60_000;
}

function regionOf(options: FieldOptions): CountryCode {
  const region = options.region ?? 'CN';
  if (!isSupportedCountry(region)) throw new FieldProblem(`has the phone region “${region}”, which is not a country code such as CN`);
  return region;
}

/**
 * A mobile number field, by the one number rule (messaging/numbers.ts): a mobile
 * in E.164, or a landline / service number that the caller keeps as the phone
 * number instead. Anything else is a problem a person can act on.
 */
export function toMobile(value: unknown, options: FieldOptions): Exclude<NumberClass, { kind: 'invalid' }> {
  const text = asText(value);
  const found = classifyNumber(text, regionOf(options));
  if (found.kind === 'invalid') throw new FieldProblem(`“${text}” is not a mobile number (${notMobileText(found)})`);
  return found;
}

/** Any phone number a person can dial (landline, service or mobile), in E.164 ('+8675583021449'). */
export function toPhone(value: unknown, options: FieldOptions): string {
  const text = asText(value);
  const found = classifyNumber(text, regionOf(options));
  if (found.kind === 'invalid') throw new FieldProblem(`“${text}” is not a phone number (${notMobileText(found)})`);
  return found.number;
}

/** Money as whole cents (分). Decimal text is converted exactly, without floating-point drift. */
export function toCents(value: unknown, options: FieldOptions): number {
  const unit = options.unit ?? 'yuan';
  if (typeof value === 'number' || typeof value === 'bigint') {
    const n = Number(value);
    if (!Number.isFinite(n)) throw new FieldProblem('is not a finite amount');
    return unit === 'fen' ? Math.round(n) : Math.round(n * 100);
  }
  const text = asText(value).replace(/[,¥￥\s]/g, '');
  const match = /^(-?)(\d+)(?:\.(\d*))?$/.exec(text);
  if (!match) throw new FieldProblem(`“${asText(value)}” is not an amount`);
  const [, sign, whole, fraction = ''] = match;
  if (unit === 'fen') {
    if (/[1-9]/.test(fraction)) throw new FieldProblem(`“${text}” has a fraction of a fen; is the unit yuan?`);
    return Number(`${sign}${whole}`);
  }
  const padded = (fraction + '000').slice(0, 3);
  let cents = Number(whole) * 100 + Number(padded.slice(0, 2));
  if (Number(padded[2]) >= 5) cents += 1;
  if (!Number.isSafeInteger(cents)) throw new FieldProblem(`“${text}” is too large`);
  return sign === '-' ? -cents : cents;
}

export function toNumber(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(asText(value));
  if (!Number.isFinite(n)) throw new FieldProblem(`“${asText(value)}” is not a number`);
  return n;
}

export function toInteger(value: unknown): number {
  const n = Math.round(toNumber(value));
  if (!Number.isSafeInteger(n) || Math.abs(n) > 2_147_483_647) throw new FieldProblem(`“${asText(value)}” is too large for a whole number`);
  return n;
}

export function toBoolean(value: unknown, options: FieldOptions): boolean {
  if (typeof value === 'boolean') return value;
  const text = asText(value);
  if ((options.trueValues ?? DEFAULT_TRUE).includes(text)) return true;
  if ((options.falseValues ?? DEFAULT_FALSE).includes(text)) return false;
  throw new FieldProblem(`“${text}” is neither a true nor a false value; add it to the mapping's true or false values`);
}
