/**
 * The one place where a line is recognised as the final result of a command.
 * Everything that ends a command — OK, ERROR, +CME/+CMS ERROR in numeric
 * (CMEE=1) or verbose (CMEE=2) form, vendor words — is classified here and
 * nowhere else (the session, the modem and the parsers only look at `kind`).
 */
export type FinalResult =
  | { kind: 'ok' }
  | { kind: 'error'; text: string }
  | { kind: 'cme'; code: number | null; text: string }
  | { kind: 'cms'; code: number | null; text: string }
  /** The modem does not know the command or its parameters (vendor words). */
  | { kind: 'unsupported'; text: string }
  /** Connection-type endings (NO CARRIER, BUSY, NO ANSWER, NO DIALTONE). */
  | { kind: 'call'; text: string };

/** 3GPP TS 27.007 §9.2 verbose texts of +CME ERROR (CMEE=2), lower-cased. */
const CME_TEXTS: Record<string, number> = {
  'phone failure': 0,
  'no connection to phone': 1,
  'operation not allowed': 3,
  'operation not supported': 4,
  'ph-sim pin required': 5,
  'sim not inserted': 10,
  'sim pin required': 11,
  'sim puk required': 12,
  'sim failure': 13,
  'sim busy': 14,
  'sim wrong': 15,
  'incorrect password': 16,
  'sim pin2 required': 17,
  'sim puk2 required': 18,
  'memory full': 20,
  'invalid index': 21,
  'not found': 22,
  'memory failure': 23,
  'text string too long': 24,
  'invalid characters in text string': 25,
  'dial string too long': 26,
  'invalid characters in dial string': 27,
  'no network service': 30,
  'network timeout': 31,
  'network not allowed - emergency calls only': 32,
  'unknown': 100,
  'unknown error': 100,
};

/** 3GPP TS 27.005 §3.2.5 verbose texts of +CMS ERROR (CMEE=2), lower-cased. */
const CMS_TEXTS: Record<string, number> = {
  'me failure': 300,
  'sms service of me reserved': 301,
  'operation not allowed': 302,
  'operation not supported': 303,
  'invalid pdu mode parameter': 304,
  'invalid text mode parameter': 305,
  'sim not inserted': 310,
  'sim pin required': 311,
  'ph-sim pin required': 312,
  'sim failure': 313,
  'sim busy': 314,
  'sim wrong': 315,
  'sim puk required': 316,
  'sim pin2 required': 317,
  'sim puk2 required': 318,
  'memory failure': 320,
  'invalid memory index': 321,
  'memory full': 322,
  'smsc address unknown': 330,
  'no network service': 331,
  'network timeout': 332,
  'no +cnma acknowledgement expected': 340,
  'unknown error': 500,
};

/** Vendor words meaning "this command or these parameters are not supported". */
const UNSUPPORTED_WORDS = ['COMMAND NOT SUPPORT', 'TOO MANY PARAMETERS', 'COMMAND NOT SUPPORTED', 'INVALID COMMAND LINE'];
const CALL_WORDS = ['NO CARRIER', 'BUSY', 'NO ANSWER', 'NO DIALTONE', 'NO DIAL TONE'];

/** Returns the final result a line stands for, or undefined if the line is not one. */
export function classifyFinalLine(rawLine: string): FinalResult | undefined {
  const line = rawLine.trim();
  if (line === 'OK' || line === '0') return line === 'OK' ? { kind: 'ok' } : undefined;
  if (line === 'ERROR') return { kind: 'error', text: 'ERROR' };
  const upper = line.toUpperCase();
  if (UNSUPPORTED_WORDS.includes(upper)) return { kind: 'unsupported', text: line };
  if (CALL_WORDS.includes(upper)) return { kind: 'call', text: line };
  const coded = /^\+(CME|CMS) ERROR\s*:?\s*(.*)$/i.exec(line);
  if (coded) {
    const kind = coded[1]!.toUpperCase() === 'CME' ? 'cme' : 'cms';
    const detail = coded[2]!.trim().replace(/^"(.*)"$/, '$1');
    const numeric = /^\d{1,5}$/.test(detail) ? Number(detail) : null;
    const table = kind === 'cme' ? CME_TEXTS : CMS_TEXTS;
    const code = numeric ?? table[detail.toLowerCase()] ?? null;
    return { kind, code, text: detail === '' ? line : detail };
  }
  return undefined;
}

/** Short description for messages and logs, e.g. "+CMS ERROR 331 (no network service)". */
export function describeFinal(final: FinalResult): string {
  switch (final.kind) {
    case 'ok':
      return 'OK';
    case 'cme':
    case 'cms': {
      const head = `+${final.kind.toUpperCase()} ERROR${final.code !== null ? ` ${final.code}` : ''}`;
      return final.code !== null && String(final.code) === final.text ? head : `${head} (${final.text})`;
    }
    default:
      return final.text;
  }
}
