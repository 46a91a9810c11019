import { tryNormalizeMobile } from '../numbers.js';
import { POLICY_DEFAULTS, foldKeyword, type PolicySettings } from './settings.js';
import { localTimeOfDay, parseTimeOfDay } from './local-time.js';

/**
 * Who may receive what, decided by pure functions: the outbox calls `decide`
 * when a message is queued and again when it is dispatched, with the list
 * status, consent and recent-send count it looked up in bulk.
 */

/** Replies to a customer's text go first, then care and transactional, then marketing. */
export const MESSAGE_CATEGORIES = ['reply', 'care', 'transactional', 'marketing'] as const;
export type MessageCategory = (typeof MESSAGE_CATEGORIES)[number];

/**
 * Commercial texts need the recipient's consent and stop at their refusal
 * (China's rules on commercial SMS): marketing, and care too — greetings,
 * points reminders and invitations sell the store. Only a reply to the
 * customer's own text and a transactional notice (ticket update, order
 * notice, verification code) are not commercial.
 */
export const COMMERCIAL_CATEGORIES: readonly MessageCategory[] = ['care', 'marketing'];

export function isCommercial(category: MessageCategory): boolean {
  return category === 'care' || category === 'marketing';
}

export const BLACKLIST_SCOPES = ['all', 'marketing', 'inbound'] as const;
/**
 * all: receives nothing and gets no automatic answer; marketing: no commercial
 * texts (marketing and care — the opt-out scope);
 * inbound: texts from the number are stored but get no automatic answer
 * (another auto-responder, an abusive sender) — people may still reply by hand.
 */
export type BlacklistScope = (typeof BLACKLIST_SCOPES)[number];

/** lockout: a number the SMS services locked out after refused staff requests (expires by itself). */
export const LIST_SOURCES = ['manual', 'opt-out', 'complaint', 'import', 'lockout'] as const;
export type ListSource = (typeof LIST_SOURCES)[number];

export type PolicyRule = 'blacklist' | 'whitelist' | 'consent' | 'quiet-hours' | 'frequency-cap' | 'invalid-number' | 'opt-out';

/** What the lists say about one number (from NumberLists.lookup). */
export interface ListStatus {
  blacklist: { scope: BlacklistScope; source: ListSource; reason: string; expiresAt: number | null } | null;
  whitelist: { expiresAt: number | null } | null;
}

export const NOT_LISTED: ListStatus = Object.freeze({ blacklist: null, whitelist: null }) as ListStatus;

export interface PolicyMessage {
  category: MessageCategory;
  /** As given; normalised here when it is not E.164 yet. */
  recipient: string;
  /** The member's consent to commercial texts (营销); undefined or null when the recipient is not a member. */
  marketingConsent?: boolean | null;
  /** An automatic answer to an inbound text (inbound-blacklisted numbers get none). */
  automatic?: boolean;
}

export interface PolicyContext {
  now: number;
  settings: PolicySettings;
  lists: ListStatus;
  /** Commercial (care and marketing) messages sent or queued to this recipient within the cap window. */
  recentCommercialSends: number;
}

export type PolicyDecision =
  | { allowed: true; recipient: string }
  | {
      allowed: false;
      rule: PolicyRule;
      reason: string;
      /** Set for quiet hours: not a block but a deferral to this time. */
      deferUntil?: number;
    };

const active = (entry: { expiresAt: number | null } | null, now: number): boolean =>
  entry !== null && (entry.expiresAt === null || entry.expiresAt > now);

/**
 * Rules in order of precedence: a number that can never receive the message is
 * reported by the hardest rule (invalid → blacklist/opt-out → whitelist →
 * consent → cap) and only then deferred for quiet hours, so nothing is deferred
 * that would be blocked anyway. Consent, opt-out, the marketing blacklist, the
 * cap and quiet hours hold for every commercial text (care and marketing);
 * replies and transactional notices pass them, never an invalid number, a
 * scope-all blacklist entry or whitelist mode.
 */
export function decide(message: PolicyMessage, context: PolicyContext): PolicyDecision {
  const { settings, now } = context;
  // The shared number rule; already-normalised mainland mobiles take its fast path (decide() runs per message).
  const recipient = tryNormalizeMobile(message.recipient);
  if (!recipient) {
    return { allowed: false, rule: 'invalid-number', reason: `"${message.recipient}" is not a valid mobile number.` };
  }
  const commercial = isCommercial(message.category);
  const black = context.lists.blacklist;
  if (black && active(black, now)) {
    const applies =
      black.scope === 'all' ||
      (black.scope === 'marketing' && commercial) ||
      (black.scope === 'inbound' && message.automatic === true);
    if (applies) {
      if (black.source === 'opt-out') {
        return { allowed: false, rule: 'opt-out', reason: `${recipient} has unsubscribed from marketing and care messages.` };
      }
      return {
        allowed: false,
        rule: 'blacklist',
        reason: `${recipient} is on the blacklist (${black.scope})${black.reason ? `: ${black.reason}` : ''}.`,
      };
    }
  }
  if (settings.whitelistMode && !active(context.lists.whitelist, now)) {
    return { allowed: false, rule: 'whitelist', reason: `Whitelist mode is on and ${recipient} is not on the whitelist.` };
  }
  if (commercial && message.marketingConsent === false) {
    return { allowed: false, rule: 'consent', reason: `The member at ${recipient} has not agreed to receive marketing or care messages.` };
  }
  if (commercial && settings.frequencyCap.enabled && context.recentCommercialSends >= settings.frequencyCap.maxMessages) {
    const { maxMessages, windowDays } = settings.frequencyCap;
    return {
      allowed: false,
      rule: 'frequency-cap',
      reason: `${recipient} already has ${context.recentCommercialSends} marketing and care messages in ${windowDays} days (limit ${maxMessages}).`,
    };
  }
  if (commercial) {
    const deferUntil = quietHoursEnd(settings, now);
    if (deferUntil !== undefined) {
      const { start, end } = settings.quietHours;
      return { allowed: false, rule: 'quiet-hours', reason: `Marketing and care wait for the end of quiet hours (${start}–${end}).`, deferUntil };
    }
  }
  return { allowed: true, recipient };
}

/** When `now` is inside the quiet hours, the moment they end; otherwise undefined. */
export function quietHoursEnd(settings: PolicySettings, now: number): number | undefined {
  const { enabled, start, end } = settings.quietHours;
  if (!enabled) return undefined;
  const startMs = parseTimeOfDay(start);
  const endMs = parseTimeOfDay(end);
  const time = localTimeOfDay(settings.timeZone, now);
  const inside = startMs < endMs ? time >= startMs && time < endMs : time >= startMs || time < endMs;
  if (!inside) return undefined;
  const DAY = 86_400_000;
  return now + ((endMs - time + DAY) % DAY);
}

/**
 * True when the whole text (trimmed, width- and case-folded) is an opt-out
 * keyword: "td", "ＴＤ", " 退订 " opt out; "TD是什么" does not.
 */
export function isOptOut(text: string, keywords: readonly string[] = POLICY_DEFAULTS.optOutKeywords): boolean {
  const folded = foldKeyword(text);
  if (!folded) return false;
  return keywords.some((word) => foldKeyword(word) === folded);
}

/** Whether an inbound text from a number with this status may get an automatic answer. */
export function mayAutoAnswer(lists: ListStatus, now: number): boolean {
  const black = lists.blacklist;
  return !(black && active(black, now) && (black.scope === 'all' || black.scope === 'inbound'));
}
