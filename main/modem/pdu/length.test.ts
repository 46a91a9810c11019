import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GSM7_BASIC, GSM7_BASIC_CODE, GSM7_EXTENSION_CODE, isGsm7, splitText } from './length.js';

describe('length.ts, shared with the UI', () => {
  it('imports nothing, so the renderer can copy or re-export it (no Node, no errors.ts)', () => {
    const source = readFileSync(fileURLToPath(new URL('./length.ts', import.meta.url)), 'utf8');
    expect(source).not.toMatch(/^\s*import\s/m);
    expect(source).not.toMatch(/\brequire\(|\bBuffer\b|\bprocess\./);
  });

  it('has the 128 characters of the default alphabet and the 10 of the extension table (TS 23.038 §6.2.1)', () => {
    expect(GSM7_BASIC).toHaveLength(128);
    expect(GSM7_BASIC_CODE.size).toBe(127); // all but the escape
    expect([...GSM7_EXTENSION_CODE.keys()].sort().join('')).toBe(['\f', '^', '{', '}', '\\', '[', '~', ']', '|', '€'].sort().join(''));
    expect(isGsm7('@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñüà€[]{}^~|\\\f')).toBe(true);
    for (const ch of ['ç', '`', 'á', '中', '😀', '\t', 'Ā']) expect(isGsm7(ch), ch).toBe(false);
  });

  it('reports text a forced alphabet cannot carry as null', () => {
    expect(splitText('中', 'gsm7')).toBeNull();
    expect(splitText('Ā', '8bit')).toBeNull();
    expect(splitText('ÿ', '8bit')).toEqual({ parts: ['ÿ'], units: [1], perPart: 140 });
  });
});
