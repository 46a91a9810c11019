import { describe, expect, it } from 'vitest';
import { InvalidNumberError, formatMobile, normalizeMobile, parseNumberList } from './numbers.js';

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
    ['+852 9123 4567', '+85291234567'],
    ['+44 7911 123456', '+447911123456'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeMobile(input)).toBe(expected);
  });

  it.each([
    ['', 'empty'],
    ['12345', '5 digits'],
    ['1380013800', '10 digits'],
    ['138001380001', '12 digits'],
    ['12800138000', 'not a mainland mobile'],
    ['010-12345678', 'not a mainland mobile'],
    ['+86 10 1234 5678', 'not a mainland mobile'],
    ['138001380OO', 'only digits'],
    ['+999 123', 'not a valid international'],
    ['abc', 'only digits'],
  ])('rejects %j with a coded error naming it', (input, reason) => {
    let caught: unknown;
    try {
      normalizeMobile(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidNumberError);
    const error = caught as InvalidNumberError;
    expect(error.code).toBe('INVALID_NUMBER');
    expect(error.status).toBe(400);
    expect(error.message).toContain(reason);
    expect(error.message).toContain(`"${input.trim()}"`);
  });
});

describe('parseNumberList', () => {
  it('returns good numbers in order and one error per bad or repeated entry, by line', () => {
    const result = parseNumberList('13800138000\n\n139 1234 5678, 12345\n+8613800138000；\n0086-137-0000-0000\nabc');
    expect(result.numbers).toEqual(['+8613800138000', '+8613912345678', '+8613700000000']);
    expect(result.errors).toEqual([
      expect.objectContaining({ line: 3, input: '12345', code: 'INVALID_NUMBER' }),
      expect.objectContaining({ line: 4, input: '+8613800138000', code: 'DUPLICATE_NUMBER', message: expect.stringContaining('line 1') }),
      expect.objectContaining({ line: 6, input: 'abc', code: 'INVALID_NUMBER' }),
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
