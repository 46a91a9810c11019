/**
 * SMS surveys (问卷调查): the shapes the service, the API schemas and the UI share.
 * Types only — the renderer imports from here.
 */
export const QUESTION_KINDS = ['choice', 'rating', 'yes-no', 'text'] as const;
export type QuestionKind = (typeof QUESTION_KINDS)[number];

/** 1-5: satisfaction (5 best); 0-10: likelihood to recommend (NPS). */
export const RATING_SCALES = ['1-5', '0-10'] as const;
export type RatingScale = (typeof RATING_SCALES)[number];

/** sequential: one question per SMS, the next after a valid answer; all-at-once: every question in the invitation. */
export const SURVEY_MODES = ['sequential', 'all-at-once'] as const;
export type SurveyMode = (typeof SURVEY_MODES)[number];

/** draft: questions editable; open: invitations sent, questions locked; closed: answers no longer taken. */
export const SURVEY_STATES = ['draft', 'open', 'closed'] as const;
export type SurveyState = (typeof SURVEY_STATES)[number];

/**
 * A respondent's session: invited (nothing answered yet), answering, then one of
 * completed, expired (no answer within the timeout), opted-out (TD during the
 * survey), superseded (a newer survey was sent to the number: the most recent
 * wins) or closed (the survey was closed while it was open).
 */
export const SESSION_STATES = ['invited', 'answering', 'completed', 'expired', 'opted-out', 'superseded', 'closed'] as const;
export type SessionState = (typeof SESSION_STATES)[number];
export const OPEN_SESSION_STATES: readonly SessionState[] = ['invited', 'answering'];

/** At most this many questions; all-at-once surveys at most ALL_AT_ONCE_MAX (they must fit one SMS conversation). */
export const MAX_QUESTIONS = 10;
export const ALL_AT_ONCE_MAX = 5;
/** Choices are answered with a letter A–E (never T or N: those are opt-out words) or the digit 1–5. */
export const MAX_OPTIONS = 5;
export const CHOICE_LETTERS = ['A', 'B', 'C', 'D', 'E'] as const;

export interface QuestionInput {
  kind: QuestionKind;
  text: string;
  /** Choice labels, 2 to 5 (choice questions only). */
  options?: string[] | undefined;
  /** Rating questions only. */
  scale?: RatingScale | undefined;
}

export interface SurveyQuestion {
  id: number;
  position: number;
  kind: QuestionKind;
  text: string;
  options: string[];
  scale: RatingScale | null;
}

export interface SurveyInput {
  title: string;
  /** The invitation's opening words; placeholders such as {称呼} work as in any text. */
  intro: string;
  mode: SurveyMode;
  timeoutHours: number;
  /** What completing earns, promised in the text (e.g. 完成问卷送50积分); the store honours it at the till. */
  incentive: string;
  /** Sent when the last answer is in; empty: the default thanks. */
  thanks: string;
  questions: QuestionInput[];
}

export interface SessionCounts {
  invited: number;
  answering: number;
  completed: number;
  expired: number;
  optedOut: number;
  superseded: number;
  closed: number;
}

export interface Survey {
  id: number;
  title: string;
  intro: string;
  mode: SurveyMode;
  timeoutHours: number;
  incentive: string;
  thanks: string;
  state: SurveyState;
  questions: SurveyQuestion[];
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  openedAt: number | null;
  closedAt: number | null;
  /** Sessions by state (all sessions: total of the counts). */
  sessions: SessionCounts;
}

/** One answer as recorded: choice index, rating or yes (1) / no (0) in `number`; free text or the choice's label in `text`. */
export interface AnswerValue {
  number: number | null;
  text: string | null;
}
