import { CHOICE_LETTERS, type SurveyQuestion } from './types.js';

/**
 * The survey's SMS texts (pure). Customers read Chinese, so these are Chinese
 * whatever the UI language. Answers are asked for in forms the opt-out words
 * cannot swallow: letters A–E and 是/否 or 1/2, never T or N (TD, T and N
 * opt out before a survey sees the text).
 */
export const DEFAULT_THANKS = '问卷已完成，感谢您的参与！';

/** How to answer a question, e.g. "回复1-5，5为非常满意". */
export function answerHint(question: Pick<SurveyQuestion, 'kind' | 'options' | 'scale'>): string {
  switch (question.kind) {
    case 'choice':
      return `${question.options.map((label, i) => `${CHOICE_LETTERS[i]}.${label}`).join(' ')}，回复字母`;
    case 'rating':
      return question.scale === '0-10' ? '回复0-10，10为非常愿意' : '回复1-5，5为非常满意';
    case 'yes-no':
      return '回复1为是，2为否';
    case 'text':
      return '请直接回复您的意见';
  }
}

/** "第2题/共3题：您对收银速度满意吗？回复1-5，5为非常满意" */
export function questionText(question: Pick<SurveyQuestion, 'kind' | 'options' | 'scale' | 'text'>, index: number, total: number): string {
  return `第${index + 1}题/共${total}题：${question.text.trim()}${endsWithPunctuation(question.text) ? '' : '？'}${answerHint(question)}`;
}

function endsWithPunctuation(text: string): boolean {
  return /[。！!？?：:]$/u.test(text.trim());
}

function withIncentive(intro: string, incentive: string): string {
  const body = intro.trim();
  if (!incentive.trim()) return body;
  return `${body}${endsWithPunctuation(body) || /[，,；;]$/u.test(body) ? '' : '，'}${incentive.trim()}。`;
}

/** The invitation: intro, incentive, then the first question (sequential) or every question and how to answer them all. */
export function invitationText(survey: { intro: string; incentive: string; mode: 'sequential' | 'all-at-once'; questions: ReadonlyArray<Pick<SurveyQuestion, 'kind' | 'options' | 'scale' | 'text'>> }): string {
  const head = withIncentive(survey.intro, survey.incentive);
  const total = survey.questions.length;
  if (survey.mode === 'sequential' || total === 1) return `${head}${survey.questions[0] ? questionText(survey.questions[0], 0, total) : ''}`;
  const lines = survey.questions.map((q, i) => `${i + 1}.${q.text.trim()}（${answerHint(q)}）`);
  return `${head}请按顺序回复${total}题的答案，用空格隔开：${lines.join(' ')}`;
}

/** After an answer that could not be read: say so once, and ask again. */
export function repromptText(question: Pick<SurveyQuestion, 'kind' | 'options' | 'scale' | 'text'>, index: number, total: number): string {
  return `未能识别您的回复。${questionText(question, index, total)}`;
}

/** All-at-once: which answers are still missing, once. */
export function missingText(missing: ReadonlyArray<{ index: number; question: Pick<SurveyQuestion, 'kind' | 'options' | 'scale' | 'text'> }>): string {
  const numbers = missing.map((m) => m.index + 1).join('、');
  const lines = missing.map((m) => `${m.index + 1}.${m.question.text.trim()}（${answerHint(m.question)}）`);
  return `第${numbers}题未能识别，请按顺序回复这${missing.length}题的答案：${lines.join(' ')}`;
}

/** The next question after one given up on (a second unreadable answer). */
export function skippedThenNextText(skippedIndex: number, next: Pick<SurveyQuestion, 'kind' | 'options' | 'scale' | 'text'>, nextIndex: number, total: number): string {
  return `第${skippedIndex + 1}题已跳过。${questionText(next, nextIndex, total)}`;
}

export function thanksText(survey: { thanks: string; incentive: string }, skippedAny: boolean): string {
  const thanks = survey.thanks.trim() || DEFAULT_THANKS;
  const incentive = survey.incentive.trim() ? `${thanks}${endsWithPunctuation(thanks) ? '' : '。'}${survey.incentive.trim()}将在您到店时兑现。` : thanks;
  return skippedAny ? `未能识别的题目已跳过。${incentive}` : incentive;
}

/**
 * Before the first reply of a survey that ended an older one for this number (the most recent
 * wins): whoever was still thinking about the older questions learns where their answer went.
 */
export const SUPERSEDED_NOTICE = '您之前未完成的问卷已结束，本条回复计入最新的问卷。';

/** To an answer that came after the survey ended for this number: not recorded, and said so. */
export function lateText(endedOn: string): string {
  return `本次问卷已于${endedOn}结束，您的回复未计入，感谢关注。`;
}
