import { describe, expect, it } from 'vitest';
import { checkPasswordStrength, generatePassword, hashPassword, verifyPassword } from './passwords.js';

describe('passwords', () => {
  it('verifies the right password and rejects a wrong one', async () => {
    const hash = await hashPassword('Correct-horse-9', 1024);
    expect(await verifyPassword('Correct-horse-9', hash)).toBe(true);
    expect(await verifyPassword('correct-horse-9', hash)).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('Same-pass-1', 1024)).not.toBe(await hashPassword('Same-pass-1', 1024));
  });

  it('rejects malformed stored hashes instead of throwing', async () => {
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$1024$8$1$$')).toBe(false);
  });

  it('generated passwords meet the strength rules and avoid look-alike characters', () => {
    for (let i = 0; i < 200; i++) {
      const password = generatePassword();
      expect(password).not.toMatch(/[0O1lI]/);
      expect(() => checkPasswordStrength(password, 'admin')).not.toThrow();
    }
  });

  it('refuses a password equal to the user name', () => {
    expect(() => checkPasswordStrength('Zhang1234', 'zhang1234')).toThrow(/user name/);
  });
});
