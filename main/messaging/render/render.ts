import { AppError } from '../../errors.js';
import { measureText, type DataCoding } from '../../modem/pdu/length.js';
import { isCommercial, type MessageCategory } from '../policy/policy.js';
import { salutation, type Gender } from './salutation.js';

/** A text that cannot be sent as written; raised before anything is queued. */
export class RenderError extends AppError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, 400, details);
  }
}

/** Placeholder names, Chinese first, and the English aliases that mean the same. */
export const PLACEHOLDERS = {
  称呼: 'salutation',
  姓名: 'name',
  积分: 'points',
  门店: 'store',
  卡号: 'card',
  生日: 'birthday',
  到期积分: 'expiringPoints',
  到期日期: 'pointsExpireOn',
} as const;
export type PlaceholderKey = (typeof PLACEHOLDERS)[keyof typeof PLACEHOLDERS];

const BY_NAME = new Map<string, PlaceholderKey>();
for (const [zh, en] of Object.entries(PLACEHOLDERS)) {
  BY_NAME.set(zh, en);
  BY_NAME.set(en, en);
}

/** What a message is personalised with; a pasted number that is no member has none of it. */
export interface RenderMember {
  name?: string | null;
  gender?: Gender | string | null;
  points?: number | null;
  /** The member's store name (from the store mirror); falls back to the store name setting. */
  storeName?: string | null;
  cardNo?: string | null;
  /** 'YYYY-MM-DD' */
  birthday?: string | null;
  /** Points due to expire next and the day they do (members/points-expiry.ts); only points reminders and previews carry them. */
  expiringPoints?: number | null;
  /** 'YYYY-MM-DD' */
  pointsExpireOn?: string | null;
}

export interface RenderOptions {
  category: MessageCategory;
  /** 【好又多超市】 or '' for none. */
  signature: string;
  signaturePosition: 'start' | 'end';
  /** Added to commercial texts (care and marketing) that do not already tell how to unsubscribe. */
  optOutHint: string;
  salutationPrefix: string;
  salutationFallback: string;
  /** Used by {门店} when the member's own store is unknown. */
  storeName: string;
  partLimit: number;
}

type Segment = { text: string } | { placeholder: PlaceholderKey };

/** A template parsed once; bulk enqueue renders it per recipient without re-parsing. */
export interface CompiledTemplate {
  readonly source: string;
  readonly segments: readonly Segment[];
  readonly placeholders: ReadonlySet<PlaceholderKey>;
}

const PLACEHOLDER = /[{｛]\s*([^{}｛｝]*?)\s*[}｝]/g;

/**
 * Parses a template; an empty text or an unknown placeholder is an error that
 * names it. Full-width braces ｛称呼｝ count too: Chinese input methods type them.
 */
export function compileTemplate(source: string): CompiledTemplate {
  if (source.trim().length === 0) throw new RenderError('EMPTY_TEXT', 'The message text is empty. Write the text to send.');
  const segments: Segment[] = [];
  const placeholders = new Set<PlaceholderKey>();
  let last = 0;
  for (const match of source.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    const key = BY_NAME.get(name) ?? BY_NAME.get(name.toLowerCase());
    if (!key) {
      const known = Object.keys(PLACEHOLDERS).map((p) => `{${p}}`).join(' ');
      throw new RenderError('UNKNOWN_PLACEHOLDER', `The text uses {${name}}, which StoreMAS does not know. Use one of ${known}.`, {
        placeholder: name,
      });
    }
    if (match.index > last) segments.push({ text: source.slice(last, match.index) });
    segments.push({ placeholder: key });
    placeholders.add(key);
    last = match.index + match[0].length;
  }
  if (last < source.length) segments.push({ text: source.slice(last) });
  return { source, segments, placeholders };
}

/**
 * A text taken as written, braces and all: software that sends through the
 * MAS interfaces writes its own final text per message (an ERP's "订单{123}"
 * is no placeholder). Rendering still adds the signature and, for marketing,
 * the opt-out hint, as for every text.
 */
export function literalTemplate(source: string): CompiledTemplate {
  if (source.trim().length === 0) throw new RenderError('EMPTY_TEXT', 'The message text is empty. Write the text to send.');
  return { source, segments: [{ text: source }], placeholders: new Set() };
}

/** '1985-06-18' → '6月18日'. */
function monthDayText(date: string): string {
  const match = /^\d{4}-(\d{2})-(\d{2})$/.exec(date);
  return match ? `${Number(match[1])}月${Number(match[2])}日` : date;
}

function valueOf(key: PlaceholderKey, member: RenderMember | null, options: RenderOptions): string {
  const missing = (what: string) =>
    new RenderError(
      'PLACEHOLDER_VALUE_MISSING',
      `The text uses {${what}} but this recipient has no ${what}: send it to members with that field, or remove the placeholder.`,
      { placeholder: what },
    );
  switch (key) {
    case 'salutation':
      return salutation(member?.name, member?.gender, { prefix: options.salutationPrefix, fallback: options.salutationFallback });
    case 'name':
      if (!member?.name) throw missing('姓名');
      return member.name;
    case 'points':
      if (member?.points === null || member?.points === undefined) throw missing('积分');
      return String(member.points);
    case 'store':
      return member?.storeName || options.storeName;
    case 'card':
      if (!member?.cardNo) throw missing('卡号');
      return member.cardNo;
    case 'birthday':
      if (!member?.birthday) throw missing('生日');
      return monthDayText(member.birthday);
    case 'expiringPoints':
      if (member?.expiringPoints === null || member?.expiringPoints === undefined) throw missing('到期积分');
      return String(member.expiringPoints);
    case 'pointsExpireOn':
      if (!member?.pointsExpireOn) throw missing('到期日期');
      return monthDayText(member.pointsExpireOn);
  }
}

/** Whether the text already tells the reader how to unsubscribe. */
function hasOptOutHint(text: string, hint: string): boolean {
  return text.includes(hint) || text.includes('退订');
}

export interface RenderedText {
  text: string;
  characters: number;
  parts: number;
  encoding: DataCoding;
}

/** The exact text the recipient will read, with salutation, opt-out hint and signature. */
export function composeText(template: CompiledTemplate, member: RenderMember | null, options: RenderOptions): string {
  let body = '';
  for (const segment of template.segments) {
    body += 'text' in segment ? segment.text : valueOf(segment.placeholder, member, options);
  }
  body = body.trim();
  if (isCommercial(options.category) && options.optOutHint && !hasOptOutHint(body, options.optOutHint)) {
    // Separate the hint from a body that does not end in punctuation.
    body += /[。！!？?，,；;…]$/u.test(body) ? options.optOutHint : `，${options.optOutHint}`;
  }
  if (options.signature && !body.includes(options.signature)) {
    body = options.signaturePosition === 'start' ? `${options.signature}${body}` : `${body}${options.signature}`;
  }
  return body;
}

/**
 * Renders one message and checks it against the part limit; anything that
 * cannot be sent is a RenderError (the caller blocks that recipient).
 */
export function renderMessage(template: CompiledTemplate, member: RenderMember | null, options: RenderOptions): RenderedText {
  const text = composeText(template, member, options);
  const measure = measureText(text);
  if (measure.parts > options.partLimit) {
    throw new RenderError(
      'TEXT_TOO_LONG',
      `The message is ${measure.characters} characters, ${measure.parts} SMS parts; the limit is ${options.partLimit}. Shorten the text or raise the part limit in the policy settings.`,
      { characters: measure.characters, parts: measure.parts, partLimit: options.partLimit },
    );
  }
  return { text, characters: measure.characters, parts: measure.parts, encoding: measure.encoding };
}

export interface Preview extends RenderedText {
  partLimit: number;
  withinLimit: boolean;
  /** Set when the text cannot be sent to this member (unknown placeholder, missing field, too long). */
  error: { code: string; message: string } | null;
}

/** What the editor shows for a sample member: the exact text, its size, and what is wrong with it. */
export function preview(source: string, sampleMember: RenderMember | null, options: RenderOptions): Preview {
  const empty = { text: '', characters: 0, parts: 0, encoding: 'gsm7' as DataCoding, partLimit: options.partLimit, withinLimit: true };
  let template: CompiledTemplate;
  try {
    template = compileTemplate(source);
  } catch (error) {
    if (error instanceof RenderError) return { ...empty, error: { code: error.code, message: error.message } };
    throw error;
  }
  let text: string;
  try {
    text = composeText(template, sampleMember, options);
  } catch (error) {
    if (error instanceof RenderError) return { ...empty, error: { code: error.code, message: error.message } };
    throw error;
  }
  const measure = measureText(text);
  const withinLimit = measure.parts <= options.partLimit;
  return {
    text,
    characters: measure.characters,
    parts: measure.parts,
    encoding: measure.encoding,
    partLimit: options.partLimit,
    withinLimit,
    error: withinLimit
      ? null
      : {
          code: 'TEXT_TOO_LONG',
          message: `${measure.parts} SMS parts; the limit is ${options.partLimit}. Shorten the text.`,
        },
  };
}

/** Render options from the settings the appliance keeps. */
export function renderOptionsFrom(
  settings: { smsSignature: string; storeName: string },
  policy: { optOutHint: string; salutationPrefix: string; salutationFallback: string; signaturePosition: 'start' | 'end'; partLimit: number },
  category: MessageCategory,
): RenderOptions {
  return {
    category,
    signature: settings.smsSignature,
    signaturePosition: policy.signaturePosition,
    optOutHint: policy.optOutHint,
    salutationPrefix: policy.salutationPrefix,
    salutationFallback: policy.salutationFallback,
    storeName: settings.storeName,
    partLimit: policy.partLimit,
  };
}

/** A sample member for previews when the user picks none. */
export const SAMPLE_MEMBER: RenderMember = {
  name: '张伟',
  gender: 'M',
  points: 1280,
  storeName: '好又多超市(人民路店)',
  cardNo: '880012345678',
  birthday: '1985-06-18',
  expiringPoints: 300,
  pointsExpireOn: '2026-12-31',
};
