import { memberLevel } from '../members/levels.js';
import { CHOICE_LETTERS, type QuestionKind, type RatingScale, type SessionState, type SurveyQuestion } from './types.js';

/**
 * Survey statistics (自动统计), pure: response and completion rates, each
 * question's distribution, the mean rating, NPS on 0–10 questions, and
 * cross-tabs by store, gender, age band and member level.
 *
 * The member level is derived from total spend (main/members/levels.ts).
 */
export interface StatsSession {
  id: number;
  state: SessionState;
  /** The invitation's outbox status; null when the session has no invitation message (yet). */
  invitationStatus: string | null;
  storeCode: string | null;
  gender: string | null;
  /** 'YYYY-MM-DD' */
  birthday: string | null;
  totalSpentCents: number | null;
  lateAnswers: number;
}

export interface StatsAnswer {
  sessionId: number;
  questionId: number;
  number: number | null;
  text: string | null;
  skipped: boolean;
}

export interface DistributionEntry {
  /** Choice letter + label, the rating, 是 / 否. */
  key: string;
  label: string;
  count: number;
}

export interface NetPromoter {
  promoters: number;
  passives: number;
  detractors: number;
  /** %promoters − %detractors, from −100 to 100. */
  score: number;
}

export interface QuestionStatistics {
  questionId: number;
  position: number;
  kind: QuestionKind;
  scale: RatingScale | null;
  text: string;
  answered: number;
  skipped: number;
  distribution: DistributionEntry[];
  mean: number | null;
  nps: NetPromoter | null;
  /** Share of 是 among yes/no answers, 0–1. */
  yesShare: number | null;
}

export interface SurveyTotals {
  /** Sessions: everyone an invitation was written for. */
  invited: number;
  /** Invitations that went out (sent or delivered). */
  reached: number;
  /** Respondents with at least one answer recorded. */
  responded: number;
  completed: number;
  answering: number;
  expired: number;
  optedOut: number;
  superseded: number;
  closed: number;
  /** Answers that came after the session had ended: not recorded. */
  lateAnswers: number;
}

export interface SurveyStatistics {
  totals: SurveyTotals;
  /** responded / reached (null when nothing went out yet). */
  responseRate: number | null;
  /** completed / responded. */
  completionRate: number | null;
  questions: QuestionStatistics[];
}

export const CROSS_TAB_DIMENSIONS = ['store', 'gender', 'ageBand', 'level'] as const;
export type CrossTabDimension = (typeof CROSS_TAB_DIMENSIONS)[number];

export const AGE_BANDS = ['<25', '25-34', '35-44', '45-54', '55-64', '65+', 'unknown'] as const;
export type AgeBand = (typeof AGE_BANDS)[number];

/** Whole years on `today` ('YYYY-MM-DD') for a birthday, banded. */
export function ageBand(birthday: string | null, today: string): AgeBand {
  if (!birthday || !/^\d{4}-\d{2}-\d{2}$/.test(birthday)) return 'unknown';
  let age = Number(today.slice(0, 4)) - Number(birthday.slice(0, 4));
  if (today.slice(5) < birthday.slice(5)) age -= 1;
  if (age < 0 || age > 130) return 'unknown';
  if (age < 25) return '<25';
  if (age < 35) return '25-34';
  if (age < 45) return '35-44';
  if (age < 55) return '45-54';
  if (age < 65) return '55-64';
  return '65+';
}

const REACHED = new Set(['sent', 'delivered']);

function totalsOf(sessions: readonly StatsSession[], answeredSessions: ReadonlySet<number>): SurveyTotals {
  const totals: SurveyTotals = { invited: 0, reached: 0, responded: 0, completed: 0, answering: 0, expired: 0, optedOut: 0, superseded: 0, closed: 0, lateAnswers: 0 };
  for (const s of sessions) {
    totals.invited += 1;
    if (s.invitationStatus !== null && REACHED.has(s.invitationStatus)) totals.reached += 1;
    if (answeredSessions.has(s.id)) totals.responded += 1;
    totals.lateAnswers += s.lateAnswers;
    switch (s.state) {
      case 'completed':
        totals.completed += 1;
        break;
      case 'answering':
        totals.answering += 1;
        break;
      case 'expired':
        totals.expired += 1;
        break;
      case 'opted-out':
        totals.optedOut += 1;
        break;
      case 'superseded':
        totals.superseded += 1;
        break;
      case 'closed':
        totals.closed += 1;
        break;
      case 'invited':
        break;
    }
  }
  return totals;
}

const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

function questionStatistics(question: SurveyQuestion, answers: readonly StatsAnswer[]): QuestionStatistics {
  const given = answers.filter((a) => !a.skipped);
  const skipped = answers.length - given.length;
  const base = { questionId: question.id, position: question.position, kind: question.kind, scale: question.scale, text: question.text, answered: given.length, skipped };
  const count = (predicate: (a: StatsAnswer) => boolean) => given.filter(predicate).length;
  switch (question.kind) {
    case 'choice':
      return {
        ...base,
        distribution: question.options.map((label, i) => ({ key: CHOICE_LETTERS[i]!, label, count: count((a) => a.number === i) })),
        mean: null,
        nps: null,
        yesShare: null,
      };
    case 'rating': {
      const [min, max] = question.scale === '0-10' ? [0, 10] : [1, 5];
      const distribution: DistributionEntry[] = [];
      for (let v = min; v <= max; v++) distribution.push({ key: String(v), label: String(v), count: count((a) => a.number === v) });
      const values = given.map((a) => a.number).filter((v): v is number => v !== null);
      const mean = values.length > 0 ? values.reduce((s, v) => s + v, 0) / values.length : null;
      let nps: NetPromoter | null = null;
      if (question.scale === '0-10' && values.length > 0) {
        const promoters = values.filter((v) => v >= 9).length;
        const detractors = values.filter((v) => v <= 6).length;
        nps = { promoters, passives: values.length - promoters - detractors, detractors, score: ((promoters - detractors) / values.length) * 100 };
      }
      return { ...base, distribution, mean, nps, yesShare: null };
    }
    case 'yes-no': {
      const yes = count((a) => a.number === 1);
      const no = count((a) => a.number === 0);
      return {
        ...base,
        distribution: [
          { key: 'yes', label: '是', count: yes },
          { key: 'no', label: '否', count: no },
        ],
        mean: null,
        nps: null,
        yesShare: ratio(yes, yes + no),
      };
    }
    case 'text':
      return { ...base, distribution: [], mean: null, nps: null, yesShare: null };
  }
}

function byQuestion(answers: readonly StatsAnswer[]): Map<number, StatsAnswer[]> {
  const map = new Map<number, StatsAnswer[]>();
  for (const a of answers) {
    const list = map.get(a.questionId);
    if (list) list.push(a);
    else map.set(a.questionId, [a]);
  }
  return map;
}

/** Sessions with at least one answer (a skipped question counts: they did reply). */
function answeredSessionIds(answers: readonly StatsAnswer[]): Set<number> {
  return new Set(answers.map((a) => a.sessionId));
}

export function surveyStatistics(questions: readonly SurveyQuestion[], sessions: readonly StatsSession[], answers: readonly StatsAnswer[]): SurveyStatistics {
  const answered = answeredSessionIds(answers);
  const totals = totalsOf(sessions, answered);
  const grouped = byQuestion(answers);
  return {
    totals,
    responseRate: ratio(totals.responded, totals.reached),
    completionRate: ratio(totals.completed, totals.responded),
    questions: [...questions].sort((a, b) => a.position - b.position).map((q) => questionStatistics(q, grouped.get(q.id) ?? [])),
  };
}

export interface CrossTabGroup {
  key: string;
  invited: number;
  responded: number;
  completed: number;
  questions: QuestionStatistics[];
}

export interface CrossTab {
  dimension: CrossTabDimension;
  groups: CrossTabGroup[];
}

export function groupKey(session: StatsSession, dimension: CrossTabDimension, today: string): string {
  switch (dimension) {
    case 'store':
      return session.storeCode ?? '';
    case 'gender':
      return session.gender === 'M' || session.gender === 'F' ? session.gender : 'U';
    case 'ageBand':
      return ageBand(session.birthday, today);
    case 'level':
      return memberLevel(session.totalSpentCents);
  }
}

const DIMENSION_ORDER: Record<Exclude<CrossTabDimension, 'store'>, readonly string[]> = {
  gender: ['F', 'M', 'U'],
  ageBand: AGE_BANDS,
  level: ['regular', 'silver', 'gold', 'diamond', 'unknown'],
};

/** The survey's figures per group of respondents; groups with nobody invited are left out. */
export function crossTab(
  questions: readonly SurveyQuestion[],
  sessions: readonly StatsSession[],
  answers: readonly StatsAnswer[],
  dimension: CrossTabDimension,
  today: string,
): CrossTab {
  const groups = new Map<string, StatsSession[]>();
  for (const s of sessions) {
    const key = groupKey(s, dimension, today);
    const list = groups.get(key);
    if (list) list.push(s);
    else groups.set(key, [s]);
  }
  const sessionsOfAnswer = new Map<number, string>();
  for (const [key, list] of groups) for (const s of list) sessionsOfAnswer.set(s.id, key);
  const answersByGroup = new Map<string, StatsAnswer[]>();
  for (const a of answers) {
    const key = sessionsOfAnswer.get(a.sessionId);
    if (key === undefined) continue;
    const list = answersByGroup.get(key);
    if (list) list.push(a);
    else answersByGroup.set(key, [a]);
  }
  const order = dimension === 'store' ? [...groups.keys()].sort() : DIMENSION_ORDER[dimension].filter((k) => groups.has(k));
  return {
    dimension,
    groups: order.map((key) => {
      const stats = surveyStatistics(questions, groups.get(key)!, answersByGroup.get(key) ?? []);
      return { key, invited: stats.totals.invited, responded: stats.totals.responded, completed: stats.totals.completed, questions: stats.questions };
    }),
  };
}
