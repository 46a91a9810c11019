/**
 * The words of the texts a customer gets about their feedback: our placeholders filled in
 * before the outbox renders its own ({称呼}) and adds the signature. Pure.
 */
export const FEEDBACK_PLACEHOLDERS = ['编号', '类型', '时限', '处理结果'] as const;
export type FeedbackPlaceholder = (typeof FEEDBACK_PLACEHOLDERS)[number];

const PLACEHOLDER = /[{｛]\s*(编号|类型|时限|处理结果)\s*[}｝]/g;

/** Replaces {编号} {类型} {时限} {处理结果}; other placeholders stay for the outbox. */
export function fillFeedbackText(template: string, values: Partial<Record<FeedbackPlaceholder, string>>): string {
  return template.replace(PLACEHOLDER, (whole, name: FeedbackPlaceholder) => values[name] ?? whole);
}

/** How the customer reads the kind: 您的投诉已收到. */
export const KIND_WORDS = { complaint: '投诉', suggestion: '建议', praise: '表扬', question: '咨询' } as const;

/** An SLA as a customer reads it: 24小时, 3天. */
export function slaWords(hours: number): string {
  return hours % 24 === 0 && hours >= 48 ? `${hours / 24}天` : `${hours}小时`;
}

/** The ticket number a customer quotes: FK + the store's local date + the day's sequence (FK20261206-0001). */
export function ticketNumber(localDate: string, sequence: number): string {
  return `FK${localDate.replace(/-/g, '')}-${String(sequence).padStart(4, '0')}`;
}
