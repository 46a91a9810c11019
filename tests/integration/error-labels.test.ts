import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import errorMessages from '../../renderer/src/i18n/messages/errors.js';

/**
 * Every error code the messaging, members, lists and send APIs can answer
 * with is worded by the UI in both languages (useApiError shows `errors.<CODE>`),
 * so a Chinese screen never shows the server's English headline. The codes are
 * read from the sources: the literal codes handed to an error's constructor
 * (a conditional one included), and the fixed codes of ValidationError and
 * NotFoundError where those are thrown.
 */
const root = path.resolve(import.meta.dirname, '../..');
const AREAS = ['main/messaging', 'main/members'];
const ROUTES = ['messages', 'batches', 'members', 'lists', 'inbox', 'templates', 'policy'].map((r) => `main/api/routes/${r}.ts`);

function sources(): string[] {
  const files: string[] = [...ROUTES];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) files.push(rel);
    }
  };
  AREAS.forEach(walk);
  return files;
}

export function serverErrorCodes(): Map<string, string> {
  const codes = new Map<string, string>();
  for (const file of sources()) {
    const text = fs.readFileSync(path.join(root, file), 'utf8');
    for (const call of text.matchAll(/(?:new \w*Error|super)\((?=([\s\S]{0,240}))/g)) {
      // The code comes first (a ternary may choose between two): the leading literals in UPPER_SNAKE_CASE, up to the message.
      for (const literal of call[1]!.matchAll(/'([^'\\]*)'|`[^`]*`|"[^"]*"/g)) {
        if (literal[1] === undefined || !/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(literal[1])) break;
        codes.set(literal[1], file);
      }
    }
    if (/new ValidationError\(/.test(text)) codes.set('VALIDATION_FAILED', file);
    if (/new NotFoundError\(/.test(text)) codes.set('NOT_FOUND', file);
  }
  return codes;
}

describe('error codes are worded in the UI', () => {
  const codes = serverErrorCodes();

  it('finds the codes (a scan that finds nothing proves nothing)', () => {
    for (const known of ['SCHEDULE_IN_PAST', 'BATCH_CANCELLED', 'BATCH_FINISHED', 'MESSAGE_NOT_CANCELLABLE', 'TEXT_TOO_LONG', 'UNKNOWN_CONTACT_GROUP', 'CONTACT_GROUP_EMPTY', 'IMPORT_TOO_LARGE', 'VALIDATION_FAILED', 'NOT_FOUND']) {
      expect(codes.has(known), known).toBe(true);
    }
    expect(codes.size).toBeGreaterThan(30);
  });

  for (const locale of ['zh-CN', 'en'] as const) {
    it(`has a ${locale} headline for every code`, () => {
      const labels = errorMessages[locale] as unknown as Record<string, unknown>;
      const missing = [...codes].filter(([code]) => typeof labels[code] !== 'string' || !(labels[code] as string).trim()).map(([code, file]) => `${code} (${file})`);
      expect(missing).toEqual([]);
    });
  }
});
