import { parseAnswer, parseAnswers, type ParsedAnswer } from './answers.js';
import { missingText, questionText, repromptText, skippedThenNextText, thanksText } from './prompts.js';
import type { AnswerValue, SurveyMode, SurveyQuestion } from './types.js';

/**
 * What one inbound text does to an open session (pure): which answers to
 * record, which questions to give up on, where the session goes and what to
 * text back.
 *
 * An unreadable answer gets one re-prompt; a second unreadable answer to the
 * same question skips it (recorded as skipped) and the survey goes on — the
 * respondent's other answers are worth more than one lost question, and each
 * text gets at most one answer back, so an auto-responder cannot loop with us.
 * All-at-once: the readable answers are kept, the missing ones asked for once,
 * then skipped.
 */
export interface SessionPlace {
  mode: SurveyMode;
  questions: ReadonlyArray<SurveyQuestion>;
  /** Sequential: the index of the question awaited. */
  position: number;
  /** Whether the awaited question (or, all-at-once, the missing ones) was asked again already. */
  reprompted: boolean;
  /** Questions answered or skipped already (all-at-once). */
  doneQuestionIds: ReadonlySet<number>;
  thanks: string;
  incentive: string;
  /** Whether an earlier question was skipped (the thanks says so). */
  skippedBefore: boolean;
}

export interface StepRecord {
  questionId: number;
  answer: AnswerValue | null;
  /** Given up on after the re-prompt. */
  skipped: boolean;
}

export interface Step {
  records: StepRecord[];
  position: number;
  reprompted: boolean;
  completed: boolean;
  reply: string;
}

export function advance(place: SessionPlace, text: string): Step {
  return place.mode === 'sequential' || place.questions.length === 1 ? advanceSequential(place, text) : advanceAllAtOnce(place, text);
}

function finish(place: SessionPlace, records: StepRecord[], position: number): Step {
  const skipped = place.skippedBefore || records.some((r) => r.skipped);
  return { records, position, reprompted: false, completed: true, reply: thanksText(place, skipped) };
}

function advanceSequential(place: SessionPlace, text: string): Step {
  const { questions } = place;
  const total = questions.length;
  const index = Math.min(place.position, total - 1);
  const question = questions[index]!;
  const parsed = parseAnswer(question, text);
  const next = index + 1;
  if (parsed.ok) {
    const records = [{ questionId: question.id, answer: { number: parsed.number, text: parsed.text }, skipped: false }];
    if (next >= total) return finish(place, records, next);
    return { records, position: next, reprompted: false, completed: false, reply: questionText(questions[next]!, next, total) };
  }
  if (!place.reprompted) return { records: [], position: index, reprompted: true, completed: false, reply: repromptText(question, index, total) };
  const records = [{ questionId: question.id, answer: null, skipped: true }];
  if (next >= total) return finish(place, records, next);
  return { records, position: next, reprompted: false, completed: false, reply: skippedThenNextText(index, questions[next]!, next, total) };
}

function advanceAllAtOnce(place: SessionPlace, text: string): Step {
  const open = place.questions.map((question, index) => ({ question, index })).filter(({ question }) => !place.doneQuestionIds.has(question.id));
  const parsed: Array<ParsedAnswer | undefined> = parseAnswers(
    open.map((o) => o.question),
    text,
  );
  const records: StepRecord[] = [];
  const missing: typeof open = [];
  open.forEach((entry, i) => {
    const answer = parsed[i];
    if (answer?.ok) records.push({ questionId: entry.question.id, answer: { number: answer.number, text: answer.text }, skipped: false });
    else missing.push(entry);
  });
  if (missing.length === 0) return finish(place, records, place.questions.length);
  if (!place.reprompted) return { records, position: place.position, reprompted: true, completed: false, reply: missingText(missing) };
  for (const entry of missing) records.push({ questionId: entry.question.id, answer: null, skipped: true });
  return finish(place, records, place.questions.length);
}
