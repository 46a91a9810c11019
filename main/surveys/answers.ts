import { CHOICE_LETTERS, type AnswerValue, type SurveyQuestion } from './types.js';

/**
 * Reading a customer's SMS answer (pure). People write around the answer —
 * "我选2，谢谢", "Ｂ吧", "5分，服务很好", "是的" — with full-width digits and
 * letters from Chinese input methods: the text is NFKC-folded first, then the
 * one answer it holds is looked for. Two different answers in one text
 * ("2还是3") is ambiguous, never a guess.
 */
export type AnswerProblem = 'empty' | 'no-answer' | 'ambiguous' | 'out-of-range';

export type ParsedAnswer = ({ ok: true } & AnswerValue) | { ok: false; problem: AnswerProblem };

/** Free text is kept up to this many characters. */
export const MAX_TEXT_ANSWER = 500;

const CHINESE_DIGITS: Record<string, number> = { 零: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10 };

/** Width- and compatibility-folded, trimmed: "８" → "8", "Ａ" → "A", the ideographic space → " ". */
export function foldAnswer(text: string): string {
  return text.normalize('NFKC').trim();
}

/** The distinct whole numbers written in Arabic digits. */
function arabicNumbers(text: string): number[] {
  return [...new Set([...text.matchAll(/\d+/g)].map((m) => Number(m[0])))];
}

/** "五分", "给十分", or a text that is only a Chinese numeral ("五", "十"); "一般" and "一下" are not numbers. */
function chineseNumber(text: string): number | undefined {
  const bare = text.replace(/[\s\p{P}]/gu, '');
  const value = (word: string): number | undefined => {
    if (word.length === 1) return CHINESE_DIGITS[word];
    if (word.length === 2 && word[0] === '十') return 10 + (CHINESE_DIGITS[word[1]!] ?? NaN);
    return undefined;
  };
  const whole = value(bare) ?? value(bare.replace(/分$/, ''));
  if (whole !== undefined && !Number.isNaN(whole)) return whole;
  const scored = [...bare.matchAll(/(十[一二三四五六七八九]?|[零一二两三四五六七八九])分/g)].map((m) => value(m[1]!));
  const distinct = [...new Set(scored)];
  return distinct.length === 1 && distinct[0] !== undefined && !Number.isNaN(distinct[0]) ? distinct[0] : undefined;
}

/** Satisfaction in words, longest first ("非常不满意" before "不满意" before "满意"): 1-5 scale only. */
const SATISFACTION_WORDS: ReadonlyArray<[string, number]> = [
  ['非常不满意', 1],
  ['很不满意', 1],
  ['不太满意', 2],
  ['不满意', 2],
  ['非常满意', 5],
  ['很满意', 5],
  ['比较满意', 4],
  ['满意', 4],
  ['一般', 3],
];

function parseRating(text: string, scale: '1-5' | '0-10'): ParsedAnswer {
  const [min, max] = scale === '1-5' ? [1, 5] : [0, 10];
  const numbers = arabicNumbers(text);
  if (numbers.length > 1) return { ok: false, problem: 'ambiguous' };
  let value = numbers[0];
  if (value === undefined) value = chineseNumber(text);
  if (value === undefined && scale === '1-5') value = SATISFACTION_WORDS.find(([word]) => text.includes(word))?.[1];
  if (value === undefined) return { ok: false, problem: 'no-answer' };
  if (value < min || value > max) return { ok: false, problem: 'out-of-range' };
  return { ok: true, number: value, text: null };
}

function parseChoice(text: string, options: readonly string[]): ParsedAnswer {
  const letters = [...new Set([...text.matchAll(/(?<![A-Za-z])([A-Za-z])(?![A-Za-z])/g)].map((m) => m[1]!.toUpperCase()))];
  const picks = new Set<number>();
  for (const letter of letters) {
    const index = (CHOICE_LETTERS as readonly string[]).indexOf(letter);
    if (index < 0 || index >= options.length) return { ok: false, problem: letters.length > 1 ? 'ambiguous' : 'out-of-range' };
    picks.add(index);
  }
  if (picks.size === 0) {
    const numbers = arabicNumbers(text);
    for (const n of numbers) {
      if (n < 1 || n > options.length) return { ok: false, problem: numbers.length > 1 ? 'ambiguous' : 'out-of-range' };
      picks.add(n - 1);
    }
  }
  if (picks.size === 0) {
    // The option's own words: "生鲜" for "A.生鲜". Longest labels first, so "水果" does not win over "进口水果".
    const byLength = options.map((label, index) => ({ label: foldAnswer(label), index })).sort((a, b) => b.label.length - a.label.length);
    let rest = text;
    for (const { label, index } of byLength) {
      if (label && rest.includes(label)) {
        picks.add(index);
        rest = rest.split(label).join(' ');
      }
    }
  }
  if (picks.size > 1) return { ok: false, problem: 'ambiguous' };
  const [index] = [...picks];
  if (index === undefined) return { ok: false, problem: 'no-answer' };
  return { ok: true, number: index, text: options[index] ?? null };
}

const NO_WORDS = ['不愿意', '不是', '不会', '不要', '不用', '没有', '不对', '不行', '不好', '不想', '不能', '否', '没'];
const YES_WORDS = ['愿意', '可以', '不错', '是', '对', '会', '要', '好', '有', '嗯', '行', '能'];

/** 是/否 in the words people use; Y/N and yes/no; 1 = 是, 2 (or 0) = 否, as the prompt says. */
function parseYesNo(text: string): ParsedAnswer {
  const lower = text.toLowerCase();
  let rest = lower;
  let no = false;
  for (const word of NO_WORDS) {
    if (rest.includes(word)) {
      no = true;
      rest = rest.split(word).join(' ');
    }
  }
  if (/^\s*不\s*[\p{P}]*\s*$/u.test(lower)) no = true;
  let yes = YES_WORDS.some((word) => rest.includes(word));
  for (const word of lower.match(/[a-z]+/g) ?? []) {
    if (word === 'y' || word === 'yes' || word === 'ok') yes = true;
    if (word === 'n' || word === 'no') no = true;
  }
  if (yes && no) return { ok: false, problem: 'ambiguous' };
  if (!yes && !no) {
    const numbers = arabicNumbers(lower);
    if (numbers.length > 1) return { ok: false, problem: 'ambiguous' };
    if (numbers[0] === 1) yes = true;
    else if (numbers[0] !== 2 && numbers[0] !== 0) return { ok: false, problem: numbers.length === 1 ? 'out-of-range' : 'no-answer' };
  }
  return { ok: true, number: yes ? 1 : 0, text: null };
}

/** The answer one text gives to one question, or why it gives none. */
export function parseAnswer(question: Pick<SurveyQuestion, 'kind' | 'options' | 'scale'>, raw: string): ParsedAnswer {
  const text = foldAnswer(raw);
  if (!text) return { ok: false, problem: 'empty' };
  switch (question.kind) {
    case 'rating':
      return parseRating(text, question.scale ?? '1-5');
    case 'choice':
      return parseChoice(text, question.options);
    case 'yes-no':
      return parseYesNo(text);
    case 'text':
      return { ok: true, number: null, text: [...text].slice(0, MAX_TEXT_ANSWER).join('') };
  }
}

/** Separators between answers when several come in one text: spaces, commas, semicolons, slashes, 、 … */
const SEPARATOR = /[\s,，;；/|、]+/u;
/** "1.A 2.5 3.是", "1、A 2、5", "1:A" — the question numbers people put before their answers. */
const NUMBERED = /(?:^|[\s,，;；、])(\d{1,2})\s*[.．:：)）、]\s*/gu;

/**
 * The answers one text gives to several questions at once (all-at-once surveys,
 * and the second chance for the questions still missing), in their order:
 * numbered ("1.A 2.5 3.是"), separated ("A 5 是", "A,5,是") or, when every
 * answer is one character, run together ("A5是"). A free-text question last in
 * line takes the rest of the text. `undefined`: no answer for that question.
 */
export function parseAnswers(questions: ReadonlyArray<Pick<SurveyQuestion, 'kind' | 'options' | 'scale'>>, raw: string): Array<ParsedAnswer | undefined> {
  const text = foldAnswer(raw);
  const result: Array<ParsedAnswer | undefined> = questions.map(() => undefined);
  if (!text || questions.length === 0) return result;
  if (questions.length === 1) return [parseAnswer(questions[0]!, text)];

  const numbered = [...text.matchAll(NUMBERED)];
  const numbers = numbered.map((m) => Number(m[1]));
  if (numbered.length >= 2 && numbers.every((n) => n >= 1 && n <= questions.length) && new Set(numbers).size === numbers.length) {
    numbered.forEach((match, i) => {
      const start = match.index + match[0].length;
      const end = numbered[i + 1]?.index ?? text.length;
      result[numbers[i]! - 1] = parseAnswer(questions[numbers[i]! - 1]!, text.slice(start, end));
    });
    return result;
  }

  const tokens = text.split(SEPARATOR).filter(Boolean);
  if (tokens.length === 1 && [...text].length === questions.length && questions.every((q) => q.kind !== 'text')) {
    [...text].forEach((char, i) => (result[i] = parseAnswer(questions[i]!, char)));
    return result;
  }
  const last = questions.length - 1;
  for (let i = 0; i < questions.length && i < tokens.length; i++) {
    const rest = i === last && questions[last]!.kind === 'text' ? tokens.slice(i).join(' ') : tokens[i]!;
    result[i] = parseAnswer(questions[i]!, rest);
  }
  return result;
}
