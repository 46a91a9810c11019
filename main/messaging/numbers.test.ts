import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidNumberError, classifyNumber, classifyWithParser, formatMobile, normalizeMobile, parseNumberList } from './numbers.js';

describe('normalizeMobile', () => {
  it.each([
    ['13800138000', '+8613800138000'],
    ['138 0013 8000', '+8613800138000'],
    ['138-0013-8000', '+8613800138000'],
    ['+86 138 0013 8000', '+8613800138000'],
    ['+86-13800138000', '+8613800138000'],
    ['0086 13800138000', '+8613800138000'],
    ['008613800138000', '+8613800138000'],
    ['8613800138000', '+8613800138000'],
    ['(+86) 139.1234.5678', '+8613912345678'],
    ['１３８００１３８０００', '+8613800138000'],
    ['＋８６ １３８－００１３－８０００', '+8613800138000'],
    ['  19912345678\t', '+8619912345678'],
    ['17400123456', '+8617400123456'],
    ['+852 9123 4567', '+85291234567'],
    ['+44 7911 123456', '+447911123456'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeMobile(input)).toBe(expected);
  });

  it.each([
    ['', 'EMPTY', 'empty'],
    ['12345', 'TOO_SHORT', '5 digits'],
    ['1380013800', 'NOT_A_NUMBER', '10 digits'],
    ['138001380001', 'NOT_A_NUMBER', '12 digits'],
    ['12800138000', 'NOT_A_NUMBER', 'no carrier'],
    // Inside 1[3-9]: ranges no carrier hands out (data-only, unassigned).
    ['14012345678', 'NOT_A_NUMBER', 'no carrier'],
    ['17412345678', 'NOT_A_NUMBER', 'no carrier'],
    ['83021449', 'NOT_A_NUMBER', 'landline without its area code'],
    ['010-12345678', 'LANDLINE', 'landline'],
    ['0755-83021449', 'LANDLINE', 'landline (+8675583021449)'],
    ['+86 10 1234 5678', 'LANDLINE', 'landline'],
    ['400-800-1234', 'SERVICE_NUMBER', 'service number'],
    ['+44 20 7946 0958', 'LANDLINE', 'landline'],
    ['138001380OO', 'BAD_CHARACTERS', 'only digits'],
    ['+999 123', 'NOT_A_NUMBER', 'not a number in use'],
    ['abc', 'BAD_CHARACTERS', 'only digits'],
  ])('rejects %j as %s with a coded error naming it', (input, reason, words) => {
    let caught: unknown;
    try {
      normalizeMobile(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidNumberError);
    const error = caught as InvalidNumberError;
    expect(error.code).toBe('INVALID_NUMBER');
    expect(error.reasonCode).toBe(reason);
    expect(error.status).toBe(400);
    expect(error.message).toContain(words);
    expect(error.message).toContain(`"${input.trim()}"`);
  });
});

describe('classifyNumber', () => {
  it('tells mobiles, landlines and broken numbers apart, in the region the source writes', () => {
    expect(classifyNumber('0755-83021449')).toEqual({ kind: 'landline', number: '+8675583021449', reason: 'LANDLINE' });
    expect(classifyNumber('83021449')).toMatchObject({ kind: 'invalid', reason: 'NOT_A_NUMBER', digits: 8 });
    expect(classifyNumber('2123 4567', 'HK')).toEqual({ kind: 'landline', number: '+85221234567', reason: 'LANDLINE' });
    expect(classifyNumber('9123 4567', 'HK')).toEqual({ kind: 'mobile', number: '+85291234567' });
    // The country code in the number wins over the region.
    expect(classifyNumber('+8613800138000', 'HK')).toEqual({ kind: 'mobile', number: '+8613800138000' });
  });

  // The fast paths answer without the parser; these properties show they answer exactly as the parser does.
  const region = fc.constantFrom<'CN' | 'HK' | 'US' | 'GB'>('CN', 'CN', 'HK', 'US', 'GB');
  const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));
  const mainlandLike = fc.tuple(fc.constantFrom('', '+86', '86', '0086', '+86 '), fc.constantFrom('1'), digits(10)).map(([prefix, one, rest]) => prefix + one + rest);
  const nearMisses = fc.tuple(fc.constantFrom('', '+86', '+8', '+861', '+0', '0'), fc.integer({ min: 0, max: 14 }).chain((n) => digits(n))).map(([a, b]) => a + b);
  const typed = fc.stringMatching(/^[+０-９0-9 \-.()＋]{0,18}$/);

  it('agrees with the parser on mainland-shaped numbers in every form', () => {
    fc.assert(fc.property(mainlandLike, region, (input, r) => {
      expect(classifyNumber(input, r)).toEqual(classifyWithParser(input, r));
    }), { numRuns: 1000 });
  });

  it('agrees with the parser on near misses and on anything typed', () => {
    fc.assert(fc.property(fc.oneof(nearMisses, typed, fc.string({ maxLength: 20 })), region, (input, r) => {
      expect(classifyNumber(input, r)).toEqual(classifyWithParser(input, r));
    }), { numRuns: 1000 });
  });

  it('agrees with the parser for every five-digit mainland prefix (the metadata decides on at most five)', () => {
    const random = fc.sample(digits(6), { numRuns: 1, seed: 42 })[0]!;
    for (let prefix = 10000; prefix <= 19999; prefix++) {
      const national = `${prefix}${random}`;
      for (const input of [national, `+86${national}`]) {
        const fast = classifyNumber(input);
        const full = classifyWithParser(input);
        if (fast.kind !== full.kind || JSON.stringify(fast) !== JSON.stringify(full)) expect({ input, fast }).toEqual({ input, fast: full });
      }
    }
  });
});

describe('parseNumberList', () => {
  it('returns good numbers in order and one error per bad or repeated entry, by line', () => {
    const result = parseNumberList('13800138000\n\n139 1234 5678, 12345\n+8613800138000；\n0086-137-0000-0000\nabc\n0755-83021449');
    expect(result.numbers).toEqual(['+8613800138000', '+8613912345678', '+8613700000000']);
    expect(result.errors).toEqual([
      expect.objectContaining({ line: 3, input: '12345', code: 'INVALID_NUMBER' }),
      expect.objectContaining({ line: 4, input: '+8613800138000', code: 'DUPLICATE_NUMBER', message: expect.stringContaining('line 1') }),
      expect.objectContaining({ line: 6, input: 'abc', code: 'INVALID_NUMBER' }),
      expect.objectContaining({ line: 7, input: '0755-83021449', code: 'INVALID_NUMBER', message: expect.stringContaining('landline') }),
    ]);
  });

  it('gives nothing for blank text', () => {
    expect(parseNumberList(' \n\r\n')).toEqual({ numbers: [], errors: [] });
  });
});

it('formats mainland numbers for people', () => {
  expect(formatMobile('+8613800138000')).toBe('138 0013 8000');
  expect(formatMobile('+85291234567')).toBe('+85291234567');
});
