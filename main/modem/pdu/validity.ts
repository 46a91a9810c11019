import { PduError } from './errors.js';

/** The longest relative validity period a PDU can express: 63 weeks. */
export const MAX_VALIDITY_MINUTES = 63 * 7 * 24 * 60;

/** Relative TP-VP (TS 23.040 §9.2.3.12.1), rounded up so the message lives at least as long as asked. */
export function validityToOctet(minutes: number): number {
  if (!Number.isFinite(minutes) || minutes <= 0 || minutes > MAX_VALIDITY_MINUTES) {
    throw new PduError('PDU_BAD_OPTION', `validityMinutes ${minutes} must be more than 0 and at most ${MAX_VALIDITY_MINUTES} (63 weeks).`);
  }
  if (minutes <= 720) return Math.max(0, Math.ceil(minutes / 5) - 1);
  if (minutes <= 1440) return 143 + Math.ceil((minutes - 720) / 30);
  if (minutes <= 30 * 1440) return 166 + Math.max(2, Math.ceil(minutes / 1440));
  return 192 + Math.max(5, Math.ceil(minutes / 10080));
}

export function octetToValidityMinutes(vp: number): number {
  if (vp <= 143) return (vp + 1) * 5;
  if (vp <= 167) return 720 + (vp - 143) * 30;
  if (vp <= 196) return (vp - 166) * 1440;
  return (vp - 192) * 10080;
}
