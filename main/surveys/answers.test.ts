import { describe, expect, it } from 'vitest';
import { parseAnswer, parseAnswers } from './answers.js';
import type { SurveyQuestion } from './types.js';

const rating5: Pick<SurveyQuestion, 'kind' | 'options' | 'scale'> = { kind: 'rating', options: [], scale: '1-5' };
const nps: Pick<SurveyQuestion, 'kind' | 'options' | 'scale'> = { kind: 'rating', options: [], scale: '0-10' };
const choice: Pick<SurveyQuestion, 'kind' | 'options' | 'scale'> = { kind: 'choice', options: ['生鲜', '日用品', '进口水果', '水果'], scale: null };
const yesNo: Pick<SurveyQuestion, 'kind' | 'options' | 'scale'> = { kind: 'yes-no', options: [], scale: null };
const text: Pick<SurveyQuestion, 'kind' | 'options' | 'scale'> = { kind: 'text', options: [], scale: null };

const value = (q: Pick<SurveyQuestion, 'kind' | 'options' | 'scale'>, raw: string) => {
  const parsed = parseAnswer(q, raw);
  return parsed.ok ? parsed.number : parsed.problem;
};

describe('reading one answer', () => {
  it('finds the rating among other words, in full-width digits and in Chinese', () => {
    expect(value(rating5, '我选2，谢谢')).toBe(2);
    expect(value(rating5, '５')).toBe(5);
    expect(value(rating5, ' 4分，服务很好 ')).toBe(4);
    expect(value(rating5, '五分')).toBe(5);
    expect(value(rating5, '给三分吧')).toBe(3);
    expect(value(rating5, '非常满意')).toBe(5);
    expect(value(rating5, '不满意')).toBe(2);
    expect(value(rating5, '一般')).toBe(3);
    expect(value(nps, '10')).toBe(10);
    expect(value(nps, '０')).toBe(0);
    expect(value(nps, '十分')).toBe(10);
  });

  it('refuses what it cannot read rather than guessing', () => {
    expect(value(rating5, '2还是3')).toBe('ambiguous');
    expect(value(rating5, '6')).toBe('out-of-range');
    expect(value(rating5, '0')).toBe('out-of-range');
    expect(value(nps, '11')).toBe('out-of-range');
    expect(value(rating5, '还可以吧')).toBe('no-answer');
    expect(value(rating5, '   ')).toBe('empty');
    // Words are a 1-5 thing: "一般" on a 0-10 scale is not a score of 1.
    expect(value(nps, '一般')).toBe('no-answer');
  });

  it('reads a choice by letter (half- or full-width, any case), digit or the option’s own words', () => {
    expect(value(choice, 'B')).toBe(1);
    expect(value(choice, 'ｂ吧')).toBe(1);
    expect(value(choice, '我选2，谢谢')).toBe(1);
    expect(value(choice, '选C')).toBe(2);
    expect(value(choice, '生鲜')).toBe(0);
    expect(value(choice, '进口水果')).toBe(2);
    expect(parseAnswer(choice, 'a')).toEqual({ ok: true, number: 0, text: '生鲜' });
    expect(value(choice, 'E')).toBe('out-of-range');
    expect(value(choice, 'A和B')).toBe('ambiguous');
    expect(value(choice, 'OK')).toBe('no-answer');
  });

  it('reads 是/否 in the words people use, and 1/2 as the prompt offers', () => {
    expect(value(yesNo, '是的')).toBe(1);
    expect(value(yesNo, '会')).toBe(1);
    expect(value(yesNo, '不会')).toBe(0);
    expect(value(yesNo, '不是')).toBe(0);
    expect(value(yesNo, '否')).toBe(0);
    expect(value(yesNo, 'Yes')).toBe(1);
    expect(value(yesNo, 'ｎｏ')).toBe(0);
    expect(value(yesNo, '1')).toBe(1);
    expect(value(yesNo, '2')).toBe(0);
    expect(value(yesNo, '是也不是')).toBe('ambiguous');
    expect(value(yesNo, '5')).toBe('out-of-range');
    expect(value(yesNo, '？')).toBe('no-answer');
  });

  it('takes any free text, width-folded and capped', () => {
    expect(parseAnswer(text, ' 希望多进些新鲜蔬菜 ')).toEqual({ ok: true, number: null, text: '希望多进些新鲜蔬菜' });
    expect((parseAnswer(text, '好'.repeat(900)) as { text: string }).text).toHaveLength(500);
    expect(value(text, '')).toBe('empty');
  });
});

describe('reading several answers in one text', () => {
  const three = [choice, rating5, yesNo];
  const numbers = (raw: string, questions = three) => parseAnswers(questions, raw).map((p) => (p === undefined ? undefined : p.ok ? p.number : p.problem));

  it('separated, numbered or run together', () => {
    expect(numbers('A 5 是')).toEqual([0, 5, 1]);
    expect(numbers('B，4，否')).toEqual([1, 4, 0]);
    expect(numbers('1.A 2.5 3.是')).toEqual([0, 5, 1]);
    expect(numbers('1、C 3、否 2、2')).toEqual([2, 2, 0]);
    expect(numbers('Ａ５是')).toEqual([0, 5, 1]);
  });

  it('keeps what it can read and marks the rest', () => {
    expect(numbers('A 9 是')).toEqual([0, 'out-of-range', 1]);
    expect(numbers('A 5')).toEqual([0, 5, undefined]);
  });

  it('gives a last free-text question the rest of the text', () => {
    const parsed = parseAnswers([rating5, text], '4 收银台 排队 太久');
    expect(parsed[0]).toEqual({ ok: true, number: 4, text: null });
    expect(parsed[1]).toEqual({ ok: true, number: null, text: '收银台 排队 太久' });
  });
});
