import { ValidationError } from '../../errors.js';

/**
 * The sending policy a store manager tunes on the 策略 page. Stored as one JSON
 * value under the settings key `policy` and checked by the one validator below,
 * so the API, the CLI and start-up all agree on what is valid.
 */
export interface PolicySettings {
  /** When on, only whitelisted numbers receive anything (staff-only or trial set-ups). */
  whitelistMode: boolean;
  /** Commercial texts (marketing, care) are deferred, never dropped, between start and end (local time, may cross midnight). */
  quietHours: { enabled: boolean; start: string; end: string };
  /** IANA time zone the quiet hours and list expiry dates are read in. */
  timeZone: string;
  /** At most `maxMessages` commercial texts (marketing, care) per recipient within `windowDays`. */
  frequencyCap: { enabled: boolean; maxMessages: number; windowDays: number };
  /** A text that is exactly one of these (case- and width-insensitive, trimmed) opts the sender out. */
  optOutKeywords: string[];
  /** Appended to every commercial text (marketing, care), e.g. 回T退订. */
  optOutHint: string;
  /** The one answer to an opt-out text: it says what stops and what does not. */
  optOutConfirmation: string;
  /** What {称呼} renders when the gender or surname is unknown. */
  salutationFallback: string;
  /** Put before surname + 先生/女士 in {称呼}. */
  salutationPrefix: string;
  /** Where the store signature 【…】 goes. */
  signaturePosition: 'start' | 'end';
  /** A message longer than this many SMS parts is refused before it is queued. */
  partLimit: number;
}

export const POLICY_DEFAULTS: PolicySettings = {
  whitelistMode: false,
  quietHours: { enabled: true, start: '21:00', end: '08:00' },
  timeZone: 'Asia/Shanghai',
  frequencyCap: { enabled: true, maxMessages: 2, windowDays: 7 },
  optOutKeywords: ['TD', '退订', 'T', 'N', 'STOP'],
  optOutHint: '回T退订',
  optOutConfirmation: '您已退订本店营销及关怀短信，交易通知和您咨询的回复不受影响。',
  salutationFallback: '尊敬的会员',
  salutationPrefix: '尊敬的',
  signaturePosition: 'end',
  partLimit: 3,
};

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function shortText(name: string, value: unknown, max: number, allowEmpty: boolean): string {
  if (typeof value !== 'string') throw new ValidationError(`${name} must be text.`);
  const trimmed = value.trim();
  if (!allowEmpty && !trimmed) throw new ValidationError(`${name} must not be empty.`);
  if ([...trimmed].length > max) throw new ValidationError(`${name} must be at most ${max} characters.`);
  return trimmed;
}

function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(`${name} must be a whole number from ${min} to ${max}.`);
  }
  return value;
}

function bool(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ValidationError(`${name} must be true or false.`);
  return value;
}

export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The folded form opt-out matching compares: width-folded, upper-case, trimmed. */
export function foldKeyword(text: string): string {
  return text.normalize('NFKC').trim().toUpperCase();
}

/**
 * Validates a whole or partial policy object merged over `base`; returns a
 * complete, clean PolicySettings or throws a ValidationError naming the field.
 */
export function validatePolicySettings(value: unknown, base: PolicySettings = POLICY_DEFAULTS): PolicySettings {
  if (!isObject(value)) throw new ValidationError('The sending policy must be an object.');
  const known = new Set(Object.keys(POLICY_DEFAULTS));
  for (const key of Object.keys(value)) {
    if (!known.has(key)) throw new ValidationError(`Unknown policy setting "${key}".`);
  }
  const next: PolicySettings = structuredClone(base);
  if (value.whitelistMode !== undefined) next.whitelistMode = bool('Whitelist mode', value.whitelistMode);
  if (value.quietHours !== undefined) {
    const q = value.quietHours;
    if (!isObject(q)) throw new ValidationError('Quiet hours must be an object with enabled, start and end.');
    if (q.enabled !== undefined) next.quietHours.enabled = bool('Quiet hours enabled', q.enabled);
    for (const edge of ['start', 'end'] as const) {
      if (q[edge] === undefined) continue;
      if (typeof q[edge] !== 'string' || !HH_MM.test(q[edge])) {
        throw new ValidationError(`Quiet hours ${edge} must be a time such as 21:00 (HH:MM, 24-hour clock).`);
      }
      next.quietHours[edge] = q[edge];
    }
    if (next.quietHours.start === next.quietHours.end) {
      throw new ValidationError('Quiet hours start and end must differ; switch quiet hours off instead.');
    }
  }
  if (value.timeZone !== undefined) {
    const zone = shortText('Time zone', value.timeZone, 64, false);
    if (!isTimeZone(zone)) throw new ValidationError(`"${zone}" is not a time zone; use a name such as Asia/Shanghai.`);
    next.timeZone = zone;
  }
  if (value.frequencyCap !== undefined) {
    const c = value.frequencyCap;
    if (!isObject(c)) throw new ValidationError('The frequency cap must be an object with enabled, maxMessages and windowDays.');
    if (c.enabled !== undefined) next.frequencyCap.enabled = bool('Frequency cap enabled', c.enabled);
    if (c.maxMessages !== undefined) next.frequencyCap.maxMessages = integer('Frequency cap messages', c.maxMessages, 1, 100);
    if (c.windowDays !== undefined) next.frequencyCap.windowDays = integer('Frequency cap days', c.windowDays, 1, 90);
  }
  if (value.optOutKeywords !== undefined) {
    if (!Array.isArray(value.optOutKeywords)) throw new ValidationError('Opt-out keywords must be a list of words.');
    const words: string[] = [];
    const seen = new Set<string>();
    for (const raw of value.optOutKeywords) {
      const word = shortText('An opt-out keyword', raw, 10, false);
      const folded = foldKeyword(word);
      if (seen.has(folded)) continue;
      seen.add(folded);
      words.push(word);
    }
    if (words.length === 0) throw new ValidationError('Keep at least one opt-out keyword: customers must be able to unsubscribe.');
    if (words.length > 20) throw new ValidationError('At most 20 opt-out keywords.');
    next.optOutKeywords = words;
  }
  if (value.optOutHint !== undefined) {
    next.optOutHint = shortText('The opt-out hint', value.optOutHint, 20, false);
  }
  if (value.optOutConfirmation !== undefined) {
    next.optOutConfirmation = shortText('The opt-out confirmation', value.optOutConfirmation, 60, false);
  }
  if (value.salutationFallback !== undefined) {
    next.salutationFallback = shortText('The salutation fallback', value.salutationFallback, 20, false);
  }
  if (value.salutationPrefix !== undefined) {
    next.salutationPrefix = shortText('The salutation prefix', value.salutationPrefix, 10, true);
  }
  if (value.signaturePosition !== undefined) {
    if (value.signaturePosition !== 'start' && value.signaturePosition !== 'end') {
      throw new ValidationError('The signature position must be start or end.');
    }
    next.signaturePosition = value.signaturePosition;
  }
  if (value.partLimit !== undefined) next.partLimit = integer('The part limit', value.partLimit, 1, 10);
  return next;
}
