import { randomBytes, randomInt, scrypt, timingSafeEqual } from 'node:crypto';
import { ValidationError } from '../errors.js';

/**
 * scrypt, memory-hard: cost N (2^15 → 32 MiB per hash), r=8, p=1.
 * Stored as `scrypt$N$r$p$salt$hash` so the cost can rise later without
 * invalidating existing hashes.
 */
const KEY_LENGTH = 64;

function scryptAsync(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

export async function hashPassword(password: string, cost: number): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, cost, 8, 1);
  return ['scrypt', cost, 8, 1, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, saltText, keyText] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !saltText || !keyText) return false;
  const expected = Buffer.from(keyText, 'base64');
  const actual = await scryptAsync(password, Buffer.from(saltText, 'base64'), Number(n), Number(r), Number(p));
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

export const MIN_PASSWORD_LENGTH = 8;

/** Rules a new password must meet; the message says which one failed. */
export function checkPasswordStrength(password: string, username: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new ValidationError(`The password must be at least ${MIN_PASSWORD_LENGTH} characters long.`);
  }
  if (password.length > 256) throw new ValidationError('The password must be at most 256 characters long.');
  if (password.toLowerCase() === username.toLowerCase()) {
    throw new ValidationError('The password must not be the same as the user name.');
  }
  if (!/[A-Za-z]/.test(password) || !/[0-9]/.test(password)) {
    throw new ValidationError('The password must contain both letters and digits.');
  }
}

/** Readable random passwords for first run and resets: no 0/O or 1/l/I to misread. */
export function generatePassword(length = 14): string {
  const letters = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ';
  const digits = '23456789';
  const all = letters + digits;
  const chars = [letters[randomInt(letters.length)]!, digits[randomInt(digits.length)]!];
  while (chars.length < length) chars.push(all[randomInt(all.length)]!);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}
