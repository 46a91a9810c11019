import { classifyNumber } from '../messaging/numbers.js';
import { idNumberProblem, normaliseIdNumber } from './id-number.js';

/**
 * Checking member fields typed by a person (the add form, an import file): one
 * set of rules, each problem named by field with what to do about it, so the
 * form and the import report say the same thing.
 */
export type ProfileField =
  | 'name'
  | 'gender'
  | 'birthday'
  | 'birthdayLunar'
  | 'mobile'
  | 'cardNo'
  | 'storeCode'
  | 'idNumber'
  | 'points'
  | 'tags'
  | 'marketingConsent'
  | 'notes';

export interface FieldProblem {
  field: ProfileField;
  /** Stable code the UI translates (members.problems.<code>); the message is the English fallback. */
  code: string;
  message: string;
  params?: Record<string, string | number>;
}

export interface ProfileInput {
  name?: string | undefined;
  gender?: string | undefined;
  birthday?: string | null | undefined;
  birthdayLunar?: boolean | undefined;
  mobile?: string | null | undefined;
  cardNo?: string | null | undefined;
  storeCode?: string | null | undefined;
  idNumber?: string | null | undefined;
  points?: number | undefined;
  tags?: string[] | undefined;
  marketingConsent?: boolean | undefined;
  notes?: string | undefined;
}

/** Normalised values, only for the fields that were given. */
export interface CheckedProfile {
  name?: string;
  gender?: 'M' | 'F' | 'U';
  birthday?: string | null;
  birthdayLunar?: boolean;
  mobile?: string | null;
  cardNo?: string | null;
  storeCode?: string | null;
  idNumber?: string | null;
  points?: number;
  tags?: string[];
  marketingConsent?: boolean;
  notes?: string;
}

export function isRealDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

export function normaliseTags(tags: string[]): string[] {
  return [...new Set(tags.map((t) => t.trim()).filter(Boolean))];
}

export function checkProfile(input: ProfileInput, today: string): { values: CheckedProfile; problems: FieldProblem[] } {
  const values: CheckedProfile = {};
  const problems: FieldProblem[] = [];
  const problem = (field: ProfileField, code: string, message: string) => problems.push({ field, code, message });
  const blankToNull = (v: string | null | undefined) => (v === undefined ? undefined : v === null || v.trim() === '' ? null : v.trim());

  if (input.name !== undefined) {
    const name = input.name.trim();
    if (!name) problem('name', 'NAME_EMPTY', 'The name is empty: enter the member’s name.');
    else if ([...name].length > 64) problem('name', 'NAME_TOO_LONG', 'The name is longer than 64 characters: shorten it.');
    else values.name = name;
  }
  if (input.gender !== undefined) {
    const g = input.gender.trim().toUpperCase();
    if (g === 'M' || g === 'F' || g === 'U') values.gender = g;
    else problem('gender', 'GENDER_INVALID', 'The gender must be M (男), F (女) or U (unknown).');
  }
  const birthday = blankToNull(input.birthday);
  if (birthday !== undefined) {
    if (birthday === null) values.birthday = null;
    else if (!isRealDate(birthday)) problem('birthday', 'BIRTHDAY_INVALID', 'The birthday is not a date: write it as YYYY-MM-DD, e.g. 1985-03-21.');
    else if (birthday > today) problem('birthday', 'BIRTHDAY_FUTURE', 'The birthday lies in the future: check the year.');
    else if (birthday < '1900-01-01') problem('birthday', 'BIRTHDAY_TOO_EARLY', 'The birthday is before 1900: check the year.');
    else values.birthday = birthday;
  }
  if (input.birthdayLunar !== undefined) values.birthdayLunar = input.birthdayLunar;
  const mobile = blankToNull(input.mobile);
  if (mobile !== undefined) {
    if (mobile === null) values.mobile = null;
    else {
      const found = classifyNumber(mobile);
      if (found.kind === 'mobile') values.mobile = found.number;
      else if (found.kind === 'landline') problem('mobile', 'MOBILE_IS_LANDLINE', 'This is a landline or service number, which cannot receive SMS: enter the member’s mobile (11 digits such as 13800138000).');
      else problem('mobile', 'MOBILE_INVALID', 'This is not a mobile number: enter 11 digits such as 13800138000 (or +country code for abroad).');
    }
  }
  const cardNo = blankToNull(input.cardNo);
  if (cardNo !== undefined) {
    if (cardNo !== null && cardNo.length > 32) problem('cardNo', 'CARD_TOO_LONG', 'The card number is longer than 32 characters.');
    else values.cardNo = cardNo;
  }
  const storeCode = blankToNull(input.storeCode);
  if (storeCode !== undefined) {
    if (storeCode !== null && storeCode.length > 32) problem('storeCode', 'STORE_CODE_TOO_LONG', 'The store code is longer than 32 characters.');
    else values.storeCode = storeCode;
  }
  const idNumber = blankToNull(input.idNumber);
  if (idNumber !== undefined) {
    if (idNumber === null) values.idNumber = null;
    else {
      const why = idNumberProblem(idNumber);
      if (why) problem('idNumber', 'ID_NUMBER_INVALID', `The ID number ${why}.`);
      else values.idNumber = normaliseIdNumber(idNumber);
    }
  }
  if (input.points !== undefined) {
    if (!Number.isInteger(input.points) || input.points < 0) problem('points', 'POINTS_INVALID', 'Points must be a whole number of 0 or more.');
    else values.points = input.points;
  }
  if (input.tags !== undefined) {
    const tags = normaliseTags(input.tags);
    const long = tags.find((t) => [...t].length > 32);
    if (long) problem('tags', 'TAG_TOO_LONG', `The tag "${long}" is longer than 32 characters: shorten it.`);
    else if (tags.length > 50) problem('tags', 'TOO_MANY_TAGS', 'A member can have at most 50 tags.');
    else values.tags = tags;
  }
  if (input.marketingConsent !== undefined) values.marketingConsent = input.marketingConsent;
  if (input.notes !== undefined) {
    if (input.notes.length > 2000) problem('notes', 'NOTES_TOO_LONG', 'The notes are longer than 2000 characters: shorten them.');
    else values.notes = input.notes;
  }
  return { values, problems };
}

/** Whole years between a 'YYYY-MM-DD' birthday and today. */
export function ageOn(birthday: string | null, today: string): number | null {
  if (!birthday || !/^\d{4}-\d{2}-\d{2}/.test(birthday)) return null;
  const years = Number(today.slice(0, 4)) - Number(birthday.slice(0, 4));
  const age = today.slice(5, 10) >= birthday.slice(5, 10) ? years : years - 1;
  return age >= 0 ? age : null;
}
