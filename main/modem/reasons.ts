/**
 * Why a modem is not ready, as a code the UI can say in the user's language.
 * The English `reason` beside it keeps the technical detail (modem replies, port errors) for logs and support.
 */
export const MODEM_REASON_CODES = [
  'sim-missing',
  'sim-unusable',
  'sim-pin-required',
  'sim-pin-rejected',
  'sim-puk',
  'sim-locked',
  'sim-busy',
  'imei-unreadable',
  'imei-mismatch',
  'port-unavailable',
  'no-answer',
  'recovery-step',
  'repeated-failures',
] as const;

export type ModemReasonCode = (typeof MODEM_REASON_CODES)[number];

/** Values the localized text needs (numbers, IMEIs, port names, the recovery step). */
export type ModemReasonParams = Record<string, string | number>;

export interface ModemProblem {
  code: ModemReasonCode;
  params: ModemReasonParams;
}
