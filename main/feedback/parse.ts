import { foldText } from '../sms-services/fold.js';
import { withoutLeadingPunctuation } from '../messaging/inbox/leading-punctuation.js';
import type { FeedbackKeyword, FeedbackKind } from './settings.js';

/**
 * Whether an inbound text is feedback: it starts with a feedback keyword (投诉, 建议, FK, TS …),
 * whatever the width, case or traditional characters. A Latin keyword must stand alone (TS 收银慢,
 * TS:…), so TSINGTAO or FKxxx are not tickets; a Chinese one may run on (投诉收银员态度差). Pure.
 */
export function feedbackKeyword(text: string, keywords: readonly FeedbackKeyword[]): { kind: FeedbackKind; keyword: string } | undefined {
  const folded = withoutLeadingPunctuation(foldText(text, 60));
  const candidates = keywords.map((k) => ({ ...k, folded: foldText(k.word) })).sort((a, b) => b.folded.length - a.folded.length);
  for (const candidate of candidates) {
    if (!candidate.folded || !folded.startsWith(candidate.folded)) continue;
    const next = folded.charAt(candidate.folded.length);
    const latinEnd = /[a-z0-9]$/.test(candidate.folded);
    if (latinEnd && /[a-z0-9]/.test(next)) continue;
    return { kind: candidate.kind, keyword: candidate.word };
  }
  return undefined;
}

const CHINESE_DIGITS: Record<string, number> = { 一: 1, 二: 2, 三: 3, 四: 4, 五: 5 };

/** A satisfaction answer: 1–5 (５, 5分, 五, "5 非常满意" → 5); anything else is not one. Pure. */
export function satisfactionScore(text: string): number | undefined {
  const folded = foldText(text, 40).trim();
  const match = /^([1-5一二三四五])\s*(分|星)?(?:[\s\p{P}]|$)/u.exec(folded);
  if (!match) return undefined;
  const digit = match[1]!;
  return CHINESE_DIGITS[digit] ?? Number(digit);
}
