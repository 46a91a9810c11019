import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SECRET_KEY_FILE, SecretBox, loadOrCreateSecretBox } from './secret-box.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-secret-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function flipChar(text: string, index: number): string {
  const c = text[index]!;
  return text.slice(0, index) + (c === 'A' ? 'B' : 'A') + text.slice(index + 1);
}

describe('SecretBox', () => {
  it('round-trips text, with a fresh IV each time', () => {
    const box = loadOrCreateSecretBox(tempDir());
    const a = box.seal('11010519491231002X');
    const b = box.seal('11010519491231002X');
    expect(a).not.toBe(b);
    expect(a.startsWith(`v1:${box.keyId}:`)).toBe(true);
    expect(a).not.toContain('11010519491231002X');
    expect(box.open(a)).toBe('11010519491231002X');
    expect(box.open(box.seal('密码 ünïcode'))).toBe('密码 ünïcode');
  });

  it('detects tampering with the ciphertext, the tag or the IV', () => {
    const box = loadOrCreateSecretBox(tempDir());
    const sealed = box.seal('secret value');
    const [v, id, iv, tag, body] = sealed.split(':') as [string, string, string, string, string];
    expect(() => box.open([v, id, iv, tag, flipChar(body, 0)].join(':'))).toThrow(expect.objectContaining({ code: 'SECRET_TAMPERED' }));
    expect(() => box.open([v, id, iv, flipChar(tag, 2), body].join(':'))).toThrow(expect.objectContaining({ code: 'SECRET_TAMPERED' }));
    expect(() => box.open([v, id, flipChar(iv, 1), tag, body].join(':'))).toThrow(expect.objectContaining({ code: 'SECRET_TAMPERED' }));
    expect(() => box.open('v9:x:y:z:w')).toThrow(expect.objectContaining({ code: 'SECRET_FORMAT_UNKNOWN' }));
  });

  it('binds associated data: a value sealed for one purpose does not open for another', () => {
    const box = loadOrCreateSecretBox(tempDir());
    const sealed = box.seal('x', 'members.id_number');
    expect(box.open(sealed, 'members.id_number')).toBe('x');
    expect(() => box.open(sealed, 'store.password')).toThrow(expect.objectContaining({ code: 'SECRET_TAMPERED' }));
  });

  it('refuses a value sealed with another key', () => {
    const sealed = loadOrCreateSecretBox(tempDir()).seal('x');
    expect(() => loadOrCreateSecretBox(tempDir()).open(sealed)).toThrow(expect.objectContaining({ code: 'SECRET_KEY_MISMATCH' }));
  });

  it('creates the key file once, mode 0600, outside the database, and reuses it', () => {
    const dir = tempDir();
    const first = loadOrCreateSecretBox(dir);
    const file = path.join(dir, SECRET_KEY_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const second = loadOrCreateSecretBox(dir);
    expect(second.keyId).toBe(first.keyId);
    expect(second.open(first.seal('same key'))).toBe('same key');
  });

  it('refuses a key file other users can read, and a damaged one', () => {
    const dir = tempDir();
    loadOrCreateSecretBox(dir);
    const file = path.join(dir, SECRET_KEY_FILE);
    fs.chmodSync(file, 0o644);
    expect(() => loadOrCreateSecretBox(dir)).toThrow(expect.objectContaining({ code: 'SECRET_KEY_EXPOSED' }));
    fs.writeFileSync(file, 'c2hvcnQ=\n', { mode: 0o600 });
    fs.chmodSync(file, 0o600);
    expect(() => loadOrCreateSecretBox(dir)).toThrow(expect.objectContaining({ code: 'SECRET_KEY_INVALID' }));
    expect(() => new SecretBox(Buffer.alloc(16))).toThrow(expect.objectContaining({ code: 'SECRET_KEY_INVALID' }));
  });
});
