import type { SecretBox } from '../crypto/secret-box.js';

/**
 * Chinese resident ID numbers (居民身份证号). Stored only encrypted
 * (members.id_number_enc) plus the last four characters for masking and
 * look-up by staff; the associated data binds a ciphertext to its column so a
 * value copied into another encrypted column does not open.
 */
const ASSOCIATED_DATA = 'members.id_number';
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';

export function normaliseIdNumber(raw: string): string {
  return raw.replace(/\s+/g, '').toUpperCase();
}

/** Why an ID number is not valid, or undefined when it is. Accepts 18-character (checksummed) and old 15-digit numbers. */
export function idNumberProblem(raw: string): string | undefined {
  const value = normaliseIdNumber(raw);
  if (/^\d{15}$/.test(value)) return undefined;
  if (!/^\d{17}[\dX]$/.test(value)) return 'must be 18 characters (17 digits and a digit or X) or 15 digits';
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(value[i]) * WEIGHTS[i]!;
  if (CHECK_CHARS[sum % 11] !== value[17]) return 'has a wrong check character (last character); check for a typing error';
  return undefined;
}

export interface EncryptedIdNumber {
  id_number_enc: string;
  id_number_last4: string;
}

/** The one way an ID number gets into the members table. */
export function encryptIdNumber(box: SecretBox, raw: string): EncryptedIdNumber {
  const value = normaliseIdNumber(raw);
  return { id_number_enc: box.seal(value, ASSOCIATED_DATA), id_number_last4: value.slice(-4) };
}

export function decryptIdNumber(box: SecretBox, sealed: string): string {
  return box.open(sealed, ASSOCIATED_DATA);
}

/** What non-admins see: `****…1234`. */
export function maskIdNumber(last4: string | null): string | null {
  return last4 ? `****…${last4}` : null;
}
