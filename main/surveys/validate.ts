import { compileTemplate } from '../messaging/render/render.js';
import { SurveyError } from './errors.js';
import { ALL_AT_ONCE_MAX, MAX_OPTIONS, MAX_QUESTIONS, QUESTION_KINDS, RATING_SCALES, SURVEY_MODES, type QuestionInput, type SurveyInput } from './types.js';

/** The longest a respondent has to answer: 30 days. */
export const MAX_TIMEOUT_HOURS = 720;

const invalid = (field: string, message: string) => new SurveyError('SURVEY_INVALID', message, 400, { field });

function text(field: string, value: unknown, max: number, allowEmpty = false): string {
  if (typeof value !== 'string') throw invalid(field, `${field} must be text.`);
  const trimmed = value.trim();
  if (!allowEmpty && !trimmed) throw invalid(field, `${field} must not be empty; fill it in.`);
  if ([...trimmed].length > max) throw invalid(field, `${field} is ${[...trimmed].length} characters; at most ${max} fit. Shorten it.`);
  return trimmed;
}

function question(value: QuestionInput, index: number, mode: SurveyInput['mode'], count: number): QuestionInput {
  const field = `questions[${index}]`;
  if (!QUESTION_KINDS.includes(value.kind)) throw invalid(`${field}.kind`, `Question ${index + 1} has no known kind; choose ${QUESTION_KINDS.join(', ')}.`);
  const body = text(`${field}.text`, value.text, 200);
  compileTemplate(body);
  if (value.kind === 'choice') {
    const options = (value.options ?? []).map((o, i) => text(`${field}.options[${i}]`, o, 30));
    if (options.length < 2 || options.length > MAX_OPTIONS) {
      throw invalid(`${field}.options`, `Question ${index + 1} needs 2 to ${MAX_OPTIONS} choices (answered A to E); it has ${options.length}.`);
    }
    if (new Set(options).size !== options.length) throw invalid(`${field}.options`, `Question ${index + 1} lists the same choice twice; make each choice different.`);
    return { kind: 'choice', text: body, options };
  }
  if (value.kind === 'rating') {
    const scale = value.scale ?? '1-5';
    if (!RATING_SCALES.includes(scale)) throw invalid(`${field}.scale`, `Question ${index + 1}: the scale must be 1-5 or 0-10.`);
    return { kind: 'rating', text: body, scale };
  }
  if (value.kind === 'text' && mode === 'all-at-once' && index !== count - 1) {
    throw invalid(`${field}.kind`, `Question ${index + 1} asks for free text: in a survey asked all at once only the last question may; move it last or ask one question at a time.`);
  }
  return { kind: value.kind, text: body };
}

/** Checks a survey as typed in the editor and returns it cleaned (trimmed, defaults applied), or SURVEY_INVALID naming the field. */
export function validateSurvey(input: SurveyInput): SurveyInput {
  const title = text('title', input.title, 100);
  const intro = text('intro', input.intro, 300);
  compileTemplate(intro);
  if (!SURVEY_MODES.includes(input.mode)) throw invalid('mode', `The mode must be ${SURVEY_MODES.join(' or ')}.`);
  if (!Number.isInteger(input.timeoutHours) || input.timeoutHours < 1 || input.timeoutHours > MAX_TIMEOUT_HOURS) {
    throw invalid('timeoutHours', `The time to answer must be 1 to ${MAX_TIMEOUT_HOURS} hours.`);
  }
  const incentive = text('incentive', input.incentive ?? '', 100, true);
  const thanks = text('thanks', input.thanks ?? '', 200, true);
  if (thanks) compileTemplate(thanks);
  const list = input.questions ?? [];
  if (list.length === 0) throw invalid('questions', 'A survey needs at least one question.');
  if (list.length > MAX_QUESTIONS) throw invalid('questions', `A survey has at most ${MAX_QUESTIONS} questions; this one has ${list.length}.`);
  if (input.mode === 'all-at-once' && list.length > ALL_AT_ONCE_MAX) {
    throw invalid('mode', `Asked all at once, a survey has at most ${ALL_AT_ONCE_MAX} questions (it must fit a few SMS); ask one at a time, or remove some.`);
  }
  return { title, intro, mode: input.mode, timeoutHours: input.timeoutHours, incentive, thanks, questions: list.map((q, i) => question(q, i, input.mode, list.length)) };
}
