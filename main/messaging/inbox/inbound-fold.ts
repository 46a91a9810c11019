import { Converter } from 'opencc-js/t2cn';

/**
 * What a customer typed, folded so that commands compare equal however the phone wrote them:
 * NFKC (full-width ＤＹ → DY, ｛ → {, ideographic space → space), traditional → simplified
 * (投訴 → 投诉, 訂閱 → 订阅) and lower case. Only the first `maxLength` characters: no command
 * is longer. (The SMS services have the same fold in main/sms-services/fold.ts on their
 * branch; one of the two should go when both have landed.)
 */
const toSimplified = Converter({ from: 't', to: 'cn' });

export function foldInbound(text: string, maxLength = 200): string {
  return toSimplified(text.slice(0, maxLength).normalize('NFKC')).toLowerCase();
}

/** Leading spaces and punctuation (【投诉】, “建议”, #FK) are not part of the command. */
export function withoutLeadingPunctuation(folded: string): string {
  return folded.replace(/^[\s\p{P}\p{S}]+/u, '');
}
