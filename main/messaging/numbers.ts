import { parsePhoneNumberFromString, validatePhoneNumberLength, type CountryCode } from 'libphonenumber-js/max';
import { AppError } from '../errors.js';

/**
 * The one rule for phone numbers in StoreMAS: what the sync, the member import,
 * the member editor, list imports, pasted recipient lists and the sending policy
 * accept as a mobile. libphonenumber's full ("max") metadata decides the number
 * type, so a landline (0755-83021449) or a number no carrier hands out
 * (140…, 8 digits without an area code) is never taken for a mobile.
 */

/** Why a text is not a number at all. */
export type InvalidNumberReason = 'EMPTY' | 'BAD_CHARACTERS' | 'TOO_SHORT' | 'TOO_LONG' | 'NOT_A_NUMBER';
/** Why a real number cannot receive SMS: a fixed line, or a service number (400/800, 95xxx …). */
export type NotMobileReason = 'LANDLINE' | 'SERVICE_NUMBER';

export type NumberClass =
  | { kind: 'mobile'; number: string }
  | { kind: 'landline'; number: string; reason: NotMobileReason }
  | { kind: 'invalid'; reason: InvalidNumberReason; digits: number };

/** A number that cannot receive SMS; names the number so a person can find and fix it. */
export class InvalidNumberError extends AppError {
  constructor(
    readonly input: string,
    reason: string,
    readonly reasonCode: InvalidNumberReason | NotMobileReason = 'NOT_A_NUMBER',
  ) {
    super(
      'INVALID_NUMBER',
      `"${input}" is not a valid mobile number (${reason}). Use 11 digits such as 13800138000, or +86 13800138000.`,
      400,
      { input, reason: reasonCode },
    );
  }
}

/*
 * Fast paths for what the outbox, the lists and the mirror store (E.164) and what
 * most people type (11 digits): the mainland mobile ranges of the metadata's
 * MOBILE pattern that need no further look-up. Anything else goes to the parser.
 * numbers.test.ts shows with generated inputs that both paths answer alike.
 */
const CN_MOBILE_RANGES = '1(?:[38]\\d|4[57]|[59][0-35-9]|6[25-7]|7[0-35-8])\\d{8}';
const FAST_E164_CN_MOBILE = new RegExp(`^\\+86${CN_MOBILE_RANGES}$`);
const FAST_NATIONAL_CN_MOBILE = new RegExp(`^${CN_MOBILE_RANGES}$`);

const SEPARATORS = /[\s\-.()\u2010-\u2015]/g;

/**
 * Classifies a phone number as people type it or a POS stores it: +86 / 0086 / 86
 * prefixes, spaces, dashes, dots, brackets and full-width characters are fine.
 * `region` is the country assumed for numbers written without a country code.
 */
export function classifyNumber(input: string, region: CountryCode = 'CN'): NumberClass {
  if (FAST_E164_CN_MOBILE.test(input)) return { kind: 'mobile', number: input };
  if (region === 'CN' && FAST_NATIONAL_CN_MOBILE.test(input)) return { kind: 'mobile', number: `+86${input}` };
  return classifyWithParser(input, region);
}

/** classifyNumber without its fast paths: the reference the fast paths are tested against. */
export function classifyWithParser(input: string, region: CountryCode = 'CN'): NumberClass {
  let text = input.normalize('NFKC').replace(SEPARATORS, '');
  if (text.startsWith('00')) text = `+${text.slice(2)}`;
  const digits = text.replace(/\D/g, '').length;
  if (text.length === 0) return { kind: 'invalid', reason: 'EMPTY', digits };
  if (!/^\+?\d+$/.test(text)) return { kind: 'invalid', reason: 'BAD_CHARACTERS', digits };
  const parsed = parsePhoneNumberFromString(text, region);
  if (!parsed || !parsed.isValid()) {
    const length = validatePhoneNumberLength(text, region);
    return { kind: 'invalid', reason: length === 'TOO_SHORT' || length === 'TOO_LONG' ? length : 'NOT_A_NUMBER', digits };
  }
  const type = parsed.getType();
  if (type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE') return { kind: 'mobile', number: parsed.number };
  if (type === 'FIXED_LINE') return { kind: 'landline', number: parsed.number, reason: 'LANDLINE' };
  if (type === undefined) return { kind: 'invalid', reason: 'NOT_A_NUMBER', digits };
  return { kind: 'landline', number: parsed.number, reason: 'SERVICE_NUMBER' };
}

/** Why a classified number is not a mobile, in words for the technical detail of an error. */
export function notMobileText(found: Exclude<NumberClass, { kind: 'mobile' }>): string {
  if (found.kind === 'landline') return found.reason === 'LANDLINE' ? `a landline (${found.number}) cannot receive SMS` : `a service number (${found.number}) cannot receive SMS`;
  switch (found.reason) {
    case 'EMPTY':
      return 'empty';
    case 'BAD_CHARACTERS':
      return 'only digits, spaces, dashes and a leading + are allowed';
    case 'TOO_SHORT':
    case 'TOO_LONG':
      return `${found.digits} digits, too ${found.reason === 'TOO_SHORT' ? 'short' : 'long'}; a mobile number has 11`;
    case 'NOT_A_NUMBER':
      if (found.digits === 7 || found.digits === 8) return `${found.digits} digits: a landline without its area code, or a mistyped mobile`;
      return found.digits === 11 ? 'no carrier issues this number' : `${found.digits} digits, not a number in use; a mobile number has 11`;
  }
}

/** The E.164 form ('+8613800138000') of a mobile number; throws InvalidNumberError for anything else. */
export function normalizeMobile(input: string): string {
  const found = classifyNumber(input.trim());
  if (found.kind === 'mobile') return found.number;
  throw new InvalidNumberError(input.trim(), notMobileText(found), found.reason);
}

/** normalizeMobile without the throw, for filters, lookups and the sending policy (runs per message). */
export function tryNormalizeMobile(input: string): string | undefined {
  const found = classifyNumber(input.trim());
  return found.kind === 'mobile' ? found.number : undefined;
}

export interface NumberListError {
  /** 1-based line in the pasted text. */
  line: number;
  input: string;
  code: 'INVALID_NUMBER' | 'DUPLICATE_NUMBER';
  message: string;
}

export interface ParsedNumberList {
  /** Normalised, in first-seen order, without duplicates. */
  numbers: string[];
  errors: NumberListError[];
}

/**
 * Numbers pasted into a text box: one per line, or several per line separated by
 * commas, semicolons, 、 or tabs. Blank lines are skipped; a repeated number is
 * reported once per repeat so the person sees why the count is smaller.
 */
export function parseNumberList(text: string): ParsedNumberList {
  const numbers: string[] = [];
  const seen = new Map<string, number>();
  const errors: NumberListError[] = [];
  text.split(/\r\n|\r|\n/).forEach((lineText, index) => {
    const line = index + 1;
    for (const piece of lineText.normalize('NFKC').split(/[,;、\t]/)) {
      const input = piece.trim();
      if (!input) continue;
      const found = classifyNumber(input);
      if (found.kind !== 'mobile') {
        errors.push({ line, input, code: 'INVALID_NUMBER', message: new InvalidNumberError(input, notMobileText(found), found.reason).message });
        continue;
      }
      const first = seen.get(found.number);
      if (first !== undefined) {
        errors.push({ line, input, code: 'DUPLICATE_NUMBER', message: `${input} repeats line ${first}.` });
        continue;
      }
      seen.set(found.number, line);
      numbers.push(found.number);
    }
  });
  return { numbers, errors };
}

/** '+8613800138000' → '138 0013 8000' for people; other numbers stay E.164. */
export function formatMobile(e164: string): string {
  const match = /^\+86(\d{3})(\d{4})(\d{4})$/.exec(e164);
  return match ? `${match[1]} ${match[2]} ${match[3]}` : e164;
}
