/**
 * Leading spaces and punctuation (【投诉】, “建议”, #FK) are not part of a command; applied to
 * text folded with `foldText` (main/sms-services/fold.ts).
 */
export function withoutLeadingPunctuation(folded: string): string {
  return folded.replace(/^[\s\p{P}\p{S}]+/u, '');
}
