import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { AppError } from '../errors.js';

/** A number that cannot receive SMS; names the number so a person can find and fix it. */
export class InvalidNumberError extends AppError {
  constructor(
    readonly input: string,
    reason: string,
  ) {
    super(
      'INVALID_NUMBER',
      `"${input}" is not a valid mobile number (${reason}). Use 11 digits such as 13800138000, or +86 13800138000.`,
      400,
      { input },
    );
  }
}

// Mainland mobile numbers: 1 followed by 3–9 and nine more digits. Landlines cannot receive SMS.
const CN_MOBILE = /^1[3-9]\d{9}$/;

/**
 * Normalises a phone number as people type or paste it to E.164 ('+8613800138000').
 * Accepts +86 / 0086 / 86 prefixes, spaces, dashes, dots, brackets and full-width
 * characters (NFKC folds ＋１３８… into +138…). Other countries' numbers are accepted
 * when they carry their own prefix and are valid mobile-capable numbers.
 */
export function normalizeMobile(input: string): string {
  const shown = input.trim();
  if (shown.length === 0) throw new InvalidNumberError(input, 'empty');
  let digits = shown.normalize('NFKC').replace(/[\s\-.()\u2010-\u2015]/g, '');
  if (digits.startsWith('00')) digits = `+${digits.slice(2)}`;
  if (!/^\+?\d+$/.test(digits)) throw new InvalidNumberError(shown, 'only digits, spaces, dashes and a leading + are allowed');
  if (!digits.startsWith('+')) {
    if (CN_MOBILE.test(digits)) return `+86${digits}`;
    if (digits.startsWith('86') && CN_MOBILE.test(digits.slice(2))) return `+${digits}`;
    throw new InvalidNumberError(shown, digits.length === 11 ? 'not a mainland mobile number' : `${digits.length} digits; a mobile number has 11`);
  }
  if (digits.startsWith('+86')) {
    if (CN_MOBILE.test(digits.slice(3))) return digits;
    throw new InvalidNumberError(shown, 'not a mainland mobile number');
  }
  const parsed = parsePhoneNumberFromString(digits);
  if (!parsed || !parsed.isValid()) throw new InvalidNumberError(shown, 'not a valid international number');
  return parsed.number;
}

/** normalizeMobile without the throw, for filters and lookups. */
export function tryNormalizeMobile(input: string): string | undefined {
  try {
    return normalizeMobile(input);
  } catch {
    return undefined;
  }
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
      try {
        const number = normalizeMobile(input);
        const first = seen.get(number);
        if (first !== undefined) {
          errors.push({ line, input, code: 'DUPLICATE_NUMBER', message: `${input} repeats line ${first}.` });
          continue;
        }
        seen.set(number, line);
        numbers.push(number);
      } catch (error) {
        errors.push({ line, input, code: 'INVALID_NUMBER', message: (error as Error).message });
      }
    }
  });
  return { numbers, errors };
}

/** '+8613800138000' → '138 0013 8000' for people; other numbers stay E.164. */
export function formatMobile(e164: string): string {
  const match = /^\+86(\d{3})(\d{4})(\d{4})$/.exec(e164);
  return match ? `${match[1]} ${match[2]} ${match[3]}` : e164;
}
