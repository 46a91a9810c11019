import { describe, expect, it } from 'vitest';
import { advance, type SessionPlace } from './flow.js';
import { memberLevel } from '../members/levels.js';
import { ageBand, crossTab, surveyStatistics, type StatsAnswer, type StatsSession } from './statistics.js';
import type { SurveyQuestion } from './types.js';

const questions: SurveyQuestion[] = [
  { id: 11, position: 0, kind: 'choice', text: '您常买哪类？', options: ['生鲜', '日用品', '零食'], scale: null },
  { id: 12, position: 1, kind: 'rating', text: '推荐意愿', options: [], scale: '0-10' },
  { id: 13, position: 2, kind: 'yes-no', text: '会再来吗', options: [], scale: null },
  { id: 14, position: 3, kind: 'rating', text: '满意度', options: [], scale: '1-5' },
];

const session = (id: number, fields: Partial<StatsSession> = {}): StatsSession => ({
  id,
  state: 'completed',
  invitationStatus: 'delivered',
  storeCode: '01',
  gender: 'F',
  birthday: '1990-05-01',
  totalSpentCents: 50_000,
  lateAnswers: 0,
  ...fields,
});
const answer = (sessionId: number, questionId: number, number: number | null, skipped = false): StatsAnswer => ({ sessionId, questionId, number, text: null, skipped });

describe('survey statistics', () => {
  it('rates, distributions, mean and NPS equal a hand count', () => {
    const sessions = [
      session(1),
      session(2, { state: 'answering' }),
      session(3, { state: 'expired' }),
      session(4, { state: 'invited', invitationStatus: 'sent' }),
      session(5, { state: 'opted-out', lateAnswers: 2 }),
      session(6, { state: 'invited', invitationStatus: 'blocked' }),
    ];
    const answers = [
      answer(1, 11, 0),
      answer(1, 12, 10),
      answer(1, 13, 1),
      answer(1, 14, 5),
      answer(2, 11, 2),
      answer(2, 12, 6),
      answer(3, 11, null, true),
      answer(3, 12, 8),
      answer(5, 11, 0),
    ];
    const stats = surveyStatistics(questions, sessions, answers);
    expect(stats.totals).toEqual({ invited: 6, reached: 5, responded: 4, completed: 1, answering: 1, expired: 1, optedOut: 1, superseded: 0, closed: 0, lateAnswers: 2 });
    expect(stats.responseRate).toBeCloseTo(4 / 5);
    expect(stats.completionRate).toBeCloseTo(1 / 4);
    const [q1, q2, q3, q4] = stats.questions;
    expect(q1!.answered).toBe(3);
    expect(q1!.skipped).toBe(1);
    expect(q1!.distribution.map((d) => [d.key, d.count])).toEqual([
      ['A', 2],
      ['B', 0],
      ['C', 1],
    ]);
    expect(q2!.mean).toBeCloseTo(8);
    // Promoters: 10; passives: 8; detractors: 6 → (1 − 1) / 3.
    expect(q2!.nps).toEqual({ promoters: 1, passives: 1, detractors: 1, score: 0 });
    expect(q2!.distribution).toHaveLength(11);
    expect(q3!.yesShare).toBe(1);
    expect(q4!.mean).toBe(5);
    expect(q4!.nps).toBeNull();
  });

  it('has no rates before anything went out, and NPS from promoters and detractors alone', () => {
    const none = surveyStatistics(questions, [session(1, { state: 'invited', invitationStatus: 'queued' })], []);
    expect(none.responseRate).toBeNull();
    expect(none.completionRate).toBeNull();
    expect(none.questions[1]!.mean).toBeNull();
    const all = surveyStatistics(questions, [session(1), session(2), session(3), session(4)], [answer(1, 12, 9), answer(2, 12, 10), answer(3, 12, 10), answer(4, 12, 0)]);
    expect(all.questions[1]!.nps!.score).toBe(50);
  });

  it('cross-tabs by store, gender, age band and member level add up to the whole', () => {
    const sessions = [
      session(1, { storeCode: '01', gender: 'F', birthday: '2005-01-01', totalSpentCents: 0 }),
      session(2, { storeCode: '02', gender: 'M', birthday: '1980-12-31', totalSpentCents: 150_000 }),
      session(3, { storeCode: '02', gender: null, birthday: null, totalSpentCents: null }),
    ];
    const answers = [answer(1, 14, 5), answer(2, 14, 3), answer(3, 14, 1)];
    const byStore = crossTab(questions, sessions, answers, 'store', '2026-12-06');
    expect(byStore.groups.map((g) => [g.key, g.invited, g.questions[3]!.mean])).toEqual([
      ['01', 1, 5],
      ['02', 2, 2],
    ]);
    expect(crossTab(questions, sessions, answers, 'gender', '2026-12-06').groups.map((g) => g.key)).toEqual(['F', 'M', 'U']);
    expect(crossTab(questions, sessions, answers, 'ageBand', '2026-12-06').groups.map((g) => g.key)).toEqual(['<25', '45-54', 'unknown']);
    expect(crossTab(questions, sessions, answers, 'level', '2026-12-06').groups.map((g) => g.key)).toEqual(['regular', 'silver', 'unknown']);
    expect(ageBand('1980-12-07', '2026-12-06')).toBe('45-54');
    expect(ageBand('1980-12-06', '2026-12-06')).toBe('45-54');
    expect(ageBand('1981-12-07', '2026-12-06')).toBe('35-44');
    expect(memberLevel(99_999)).toBe('regular');
    expect(memberLevel(500_000)).toBe('gold');
    expect(memberLevel(2_000_000)).toBe('diamond');
  });
});

describe('a session step by step', () => {
  const place = (fields: Partial<SessionPlace> = {}): SessionPlace => ({
    mode: 'sequential',
    questions: questions.slice(0, 3),
    position: 0,
    reprompted: false,
    doneQuestionIds: new Set(),
    thanks: '',
    incentive: '完成问卷送50积分',
    skippedBefore: false,
    ...fields,
  });

  it('records a valid answer and asks the next question', () => {
    const step = advance(place(), '我选2，谢谢');
    expect(step.records).toEqual([{ questionId: 11, answer: { number: 1, text: '日用品' }, skipped: false }]);
    expect(step).toMatchObject({ position: 1, reprompted: false, completed: false });
    expect(step.reply).toBe('第2题/共3题：推荐意愿？回复0-10，10为非常愿意');
  });

  it('re-prompts once, then skips and goes on', () => {
    const first = advance(place({ position: 1 }), '不知道');
    expect(first).toMatchObject({ records: [], position: 1, reprompted: true, completed: false });
    expect(first.reply).toMatch(/^未能识别您的回复。第2题/);
    const second = advance(place({ position: 1, reprompted: true }), '还是不知道');
    expect(second.records).toEqual([{ questionId: 12, answer: null, skipped: true }]);
    expect(second).toMatchObject({ position: 2, reprompted: false, completed: false });
    expect(second.reply).toMatch(/^第2题已跳过。第3题/);
  });

  it('completes after the last answer, promising the incentive', () => {
    const step = advance(place({ position: 2 }), '是的');
    expect(step.completed).toBe(true);
    expect(step.reply).toBe('问卷已完成，感谢您的参与！完成问卷送50积分将在您到店时兑现。');
  });

  it('all at once: keeps the readable answers, asks once for the missing, then skips them', () => {
    const first = advance(place({ mode: 'all-at-once' }), 'A 12 是');
    expect(first.records.map((r) => r.questionId)).toEqual([11, 13]);
    expect(first).toMatchObject({ reprompted: true, completed: false });
    expect(first.reply).toMatch(/^第2题未能识别/);
    const second = advance(place({ mode: 'all-at-once', reprompted: true, doneQuestionIds: new Set([11, 13]) }), '我也说不好');
    expect(second.records).toEqual([{ questionId: 12, answer: null, skipped: true }]);
    expect(second.completed).toBe(true);
    expect(second.reply).toMatch(/^未能识别的题目已跳过。/);
  });
});
