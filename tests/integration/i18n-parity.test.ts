import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODEM_REASON_CODES } from '../../main/modem/reasons.js';
import { TARGETS } from '../../main/store/mapping.js';
import { FIELD_TYPES } from '../../main/store/transforms.js';
import modemMessages from '../../renderer/src/i18n/messages/modems.js';
import storeMessages from '../../renderer/src/i18n/messages/store.js';

/**
 * The UI speaks zh-CN first and English second: a key present in one language only shows a raw
 * key in the other, and a placeholder missing from one translation drops a value (a number, an
 * IMEI) from what the user reads.
 */
type Tree = { [key: string]: string | Tree };

const MESSAGES_DIR = path.resolve(import.meta.dirname, '../../renderer/src/i18n/messages');
const areas = fs.readdirSync(MESSAGES_DIR).filter((file) => file.endsWith('.ts')).map((file) => file.replace(/\.ts$/, ''));

function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') out.set(name, value);
    else for (const [k, v] of leaves(value, name)) out.set(k, v);
  }
  return out;
}

// Plural forms ("{count} user | {count} users") repeat a placeholder: compare the sets.
const placeholders = (text: string) => [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]))].sort();

describe('UI strings in both languages', () => {
  it('finds the message files', () => {
    expect(areas).toEqual(expect.arrayContaining(['common', 'errors', 'messages', 'modems', 'members', 'lists', 'store']));
  });

  for (const area of areas) {
    it(`${area}: the same keys and the same placeholders in zh-CN and en`, async () => {
      const module = (await import(path.join(MESSAGES_DIR, `${area}.ts`))) as { default: Record<'zh-CN' | 'en', Tree> };
      const zh = leaves(module.default['zh-CN']);
      const en = leaves(module.default.en);
      expect([...zh.keys()].filter((key) => !en.has(key)), 'in zh-CN only').toEqual([]);
      expect([...en.keys()].filter((key) => !zh.has(key)), 'in en only').toEqual([]);
      const differing = [...zh].filter(([key, text]) => en.has(key) && placeholders(text).join() !== placeholders(en.get(key)!).join()).map(([key]) => key);
      expect(differing, 'placeholders differ').toEqual([]);
      expect([...zh].filter(([, text]) => !text.trim()).map(([key]) => key), 'empty in zh-CN').toEqual([]);
    });
  }

  it('names every modem reason code the core reports, in both languages', () => {
    for (const locale of ['zh-CN', 'en'] as const) {
      const reasons = modemMessages[locale].reasons as Record<string, string>;
      expect(MODEM_REASON_CODES.filter((code) => !reasons[code]?.trim()), locale).toEqual([]);
    }
  });

  it('names every mirrored field and every kind of value the mapping editor shows', () => {
    const zh = storeMessages['zh-CN'] as unknown as { targetFields: Record<string, Record<string, string>>; fieldTypes: Record<string, string> };
    const missing = Object.entries(TARGETS).flatMap(([entity, target]) => Object.keys(target.fields).filter((field) => !zh.targetFields[entity]?.[field]).map((field) => `${entity}.${field}`));
    expect(missing).toEqual([]);
    expect(FIELD_TYPES.filter((type) => !zh.fieldTypes[type])).toEqual([]);
  });
});
