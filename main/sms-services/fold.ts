import { Converter } from 'opencc-js/t2cn';
import { pinyin } from 'pinyin-pro';

/**
 * Text folding shared by keyword parsing and product search: what a person
 * types on any phone compares equal to what the table holds.
 */

// Traditional (Taiwan/Hong Kong phones, 積分) to mainland simplified (积分); phrases first, as OpenCC does.
const toSimplified = Converter({ from: 't', to: 'cn' });

/**
 * NFKC (full-width ＪＦ → JF, ideographic space → space, ｛ → {), traditional
 * → simplified, lower case. Length is capped: nothing longer is a request.
 */
export function foldText(text: string, maxLength = 500): string {
  return toSimplified(text.slice(0, maxLength).normalize('NFKC')).toLowerCase();
}

/** Letters (any script) and digits only, words separated by one space: punctuation, emoji and symbols go. */
export function wordsOnly(folded: string): string {
  return folded.replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/** The compact search form of a product name or query: folded, letters and digits only, no spaces. */
export function searchForm(text: string): string {
  return wordsOnly(foldText(text, 200)).replace(/ /g, '');
}

const HAN = /\p{Script=Han}/u;

/**
 * Pinyin initials of a search form: 羊肉卷500g → yrj500g. Letters and digits
 * stay as they are, so a query of initials matches names with Latin parts too.
 */
export function initialsOf(form: string): string {
  if (!HAN.test(form)) return form;
  return pinyin(form, { pattern: 'first', toneType: 'none', type: 'array' }).join('').toLowerCase();
}
