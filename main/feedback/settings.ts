import { ValidationError } from '../errors.js';
import { compileTemplate, RenderError } from '../messaging/render/render.js';
import { foldText } from '../sms-services/fold.js';
import { fillFeedbackText, FEEDBACK_PLACEHOLDERS } from './texts.js';

/**
 * Feedback and complaints (意见反馈) settings, the settings key `feedback`: which words start
 * a ticket, how long each kind may take (SLA), the texts customers get, the forward by mail and
 * the daily digest.
 */
export const FEEDBACK_KINDS = ['complaint', 'suggestion', 'praise', 'question'] as const;
export type FeedbackKind = (typeof FEEDBACK_KINDS)[number];

export interface FeedbackKeyword {
  /** What a text starts with: 投诉, TS … (case, width and traditional characters do not matter). */
  word: string;
  kind: FeedbackKind;
}

export interface FeedbackSettings {
  /** Off: texts are no longer turned into tickets by keyword (staff still can). */
  keywordsEnabled: boolean;
  keywords: FeedbackKeyword[];
  /** Hours each kind may stay open before it is overdue. */
  slaHours: Record<FeedbackKind, number>;
  /** The automatic answer with the ticket number ({编号} {类型} {时限}). */
  acknowledgement: { enabled: boolean; text: string };
  /** The text sent when staff resolve a ticket ({编号} {处理结果}). */
  resolutionText: string;
  /** One question after the resolution: the customer answers 1–5 within `windowDays`. */
  satisfaction: { enabled: boolean; question: string; thanks: string; windowDays: number };
  /** Kinds whose new tickets are mailed at once to the recipients of "new complaints". */
  forwardKinds: FeedbackKind[];
  /** A daily mail to the "feedback digest" recipients: yesterday's tickets, open and overdue ones. */
  digest: { enabled: boolean; time: string };
  /** A resolved ticket closes by itself after this many days (0: only by hand). */
  autoCloseDays: number;
}

export const FEEDBACK_DEFAULTS: FeedbackSettings = {
  keywordsEnabled: true,
  keywords: [
    { word: '投诉', kind: 'complaint' },
    { word: 'TS', kind: 'complaint' },
    { word: '建议', kind: 'suggestion' },
    { word: '意见', kind: 'suggestion' },
    { word: 'FK', kind: 'suggestion' },
    { word: '表扬', kind: 'praise' },
    { word: '咨询', kind: 'question' },
  ],
  slaHours: { complaint: 24, question: 24, suggestion: 72, praise: 168 },
  acknowledgement: { enabled: true, text: '您的{类型}已收到，编号{编号}，我们将在{时限}内处理并回复您。' },
  resolutionText: '您反馈的问题（编号{编号}）已处理：{处理结果}',
  satisfaction: { enabled: true, question: '请回复数字1-5为本次处理打分（5分最满意）。', thanks: '感谢您的评分，我们会继续改进。', windowDays: 7 },
  forwardKinds: ['complaint'],
  digest: { enabled: true, time: '08:30' },
  autoCloseDays: 7,
};

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const invalid = (message: string, field: string): never => {
  throw new ValidationError(message, { field });
};

function text(name: string, field: string, value: unknown, max: number, allowEmpty = false): string {
  if (typeof value !== 'string') return invalid(`${name} must be text.`, field);
  const trimmed = value.trim();
  if (!allowEmpty && !trimmed) return invalid(`${name} must not be empty.`, field);
  if ([...trimmed].length > max) return invalid(`${name} must be at most ${max} characters.`, field);
  return trimmed;
}

function bool(name: string, field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') return invalid(`${name} must be true or false.`, field);
  return value;
}

function integer(name: string, field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) return invalid(`${name} must be a whole number from ${min} to ${max}.`, field);
  return value;
}

function kind(value: unknown, field: string): FeedbackKind {
  if (!(FEEDBACK_KINDS as readonly unknown[]).includes(value)) return invalid(`The kind must be one of ${FEEDBACK_KINDS.join(', ')}.`, field);
  return value as FeedbackKind;
}

/**
 * A text customers get: our placeholders ({编号} …) and the outbox's ({称呼}) only — an
 * automatic answer has no member to fill {姓名} or {积分} with.
 */
function customerText(name: string, field: string, value: unknown, max: number, allowed: readonly string[]): string {
  const checked = text(name, field, value, max);
  const used = [...checked.matchAll(/[{｛]\s*([^{}｛｝]*?)\s*[}｝]/g)].map((m) => m[1] ?? '');
  for (const placeholder of used) {
    if (!allowed.includes(placeholder) && placeholder !== '称呼') {
      invalid(`${name} uses {${placeholder}}; it may use ${[...allowed, '称呼'].map((p) => `{${p}}`).join(' ')}.`, field);
    }
  }
  try {
    compileTemplate(fillFeedbackText(checked, { 编号: 'FK20260101-0001', 类型: '投诉', 时限: '24小时', 处理结果: '已处理' }));
  } catch (error) {
    if (error instanceof RenderError) invalid(`${name}: ${error.message}`, field);
    throw error;
  }
  return checked;
}

export function validateFeedbackSettings(value: unknown, base: FeedbackSettings = FEEDBACK_DEFAULTS): FeedbackSettings {
  if (!isObject(value)) return invalid('The feedback settings must be an object.', 'feedback');
  const known = new Set(Object.keys(FEEDBACK_DEFAULTS));
  for (const key of Object.keys(value)) if (!known.has(key)) invalid(`Unknown feedback setting "${key}".`, `feedback.${key}`);
  const next: FeedbackSettings = structuredClone(base);
  if (value.keywordsEnabled !== undefined) next.keywordsEnabled = bool('Keyword tickets on/off', 'feedback.keywordsEnabled', value.keywordsEnabled);
  if (value.keywords !== undefined) {
    if (!Array.isArray(value.keywords)) invalid('Feedback keywords must be a list of { word, kind }.', 'feedback.keywords');
    const seen = new Set<string>();
    const keywords: FeedbackKeyword[] = [];
    for (const [i, raw] of (value.keywords as unknown[]).entries()) {
      if (!isObject(raw)) return invalid('Each feedback keyword is { word, kind }.', `feedback.keywords.${i}`);
      const word = text('A feedback keyword', `feedback.keywords.${i}.word`, raw.word, 8);
      if (/\s/.test(word)) invalid(`The feedback keyword "${word}" must be one word, without spaces.`, `feedback.keywords.${i}.word`);
      const folded = foldText(word);
      if (seen.has(folded)) continue;
      seen.add(folded);
      keywords.push({ word, kind: kind(raw.kind, `feedback.keywords.${i}.kind`) });
    }
    if (keywords.length > 30) invalid('At most 30 feedback keywords.', 'feedback.keywords');
    next.keywords = keywords;
  }
  if (value.slaHours !== undefined) {
    if (!isObject(value.slaHours)) invalid('The SLA is given in hours per kind.', 'feedback.slaHours');
    for (const [k, hours] of Object.entries(value.slaHours as Record<string, unknown>)) {
      next.slaHours[kind(k, 'feedback.slaHours')] = integer(`The SLA for ${k}`, `feedback.slaHours.${k}`, hours, 1, 24 * 60);
    }
  }
  if (value.acknowledgement !== undefined) {
    const a = value.acknowledgement;
    if (!isObject(a)) return invalid('The acknowledgement is { enabled, text }.', 'feedback.acknowledgement');
    if (a.enabled !== undefined) next.acknowledgement.enabled = bool('The acknowledgement on/off', 'feedback.acknowledgement.enabled', a.enabled);
    if (a.text !== undefined) next.acknowledgement.text = customerText('The acknowledgement', 'feedback.acknowledgement.text', a.text, 120, ['编号', '类型', '时限']);
  }
  if (value.resolutionText !== undefined) {
    next.resolutionText = customerText('The resolution text', 'feedback.resolutionText', value.resolutionText, 120, ['编号', '处理结果']);
    if (!/[{｛]\s*处理结果\s*[}｝]/.test(next.resolutionText)) invalid('The resolution text must contain {处理结果}: it is where what staff wrote goes.', 'feedback.resolutionText');
  }
  if (value.satisfaction !== undefined) {
    const s = value.satisfaction;
    if (!isObject(s)) return invalid('The satisfaction check is { enabled, question, thanks, windowDays }.', 'feedback.satisfaction');
    if (s.enabled !== undefined) next.satisfaction.enabled = bool('The satisfaction check on/off', 'feedback.satisfaction.enabled', s.enabled);
    if (s.question !== undefined) next.satisfaction.question = customerText('The satisfaction question', 'feedback.satisfaction.question', s.question, 60, []);
    if (s.thanks !== undefined) next.satisfaction.thanks = customerText('The thanks for a score', 'feedback.satisfaction.thanks', s.thanks, 60, []);
    if (s.windowDays !== undefined) next.satisfaction.windowDays = integer('Days to answer the satisfaction question', 'feedback.satisfaction.windowDays', s.windowDays, 1, 30);
  }
  if (value.forwardKinds !== undefined) {
    if (!Array.isArray(value.forwardKinds)) invalid('The kinds forwarded by mail must be a list.', 'feedback.forwardKinds');
    next.forwardKinds = [...new Set((value.forwardKinds as unknown[]).map((k) => kind(k, 'feedback.forwardKinds')))];
  }
  if (value.digest !== undefined) {
    const d = value.digest;
    if (!isObject(d)) return invalid('The digest is { enabled, time }.', 'feedback.digest');
    if (d.enabled !== undefined) next.digest.enabled = bool('The daily digest on/off', 'feedback.digest.enabled', d.enabled);
    if (d.time !== undefined) {
      if (typeof d.time !== 'string' || !HH_MM.test(d.time)) invalid('The digest time must be a time such as 08:30 (HH:MM, 24-hour clock).', 'feedback.digest.time');
      next.digest.time = d.time as string;
    }
  }
  if (value.autoCloseDays !== undefined) next.autoCloseDays = integer('Days before a resolved ticket closes', 'feedback.autoCloseDays', value.autoCloseDays, 0, 90);
  return next;
}

export { FEEDBACK_PLACEHOLDERS };
