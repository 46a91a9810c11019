import { describe, expect, it } from 'vitest';
import { FieldProblem, toBoolean, toCents, toCode, toDate, toGender, toInteger, toMobile, toPhone, toText, toTimestamp } from './transforms.js';

describe('field transforms', () => {
  it('reads mobiles in the formats POS data holds by the one number rule, landlines apart', () => {
    for (const raw of ['13800138000', '+86 138 0013 8000', '138-0013-8000', '8613800138000', '0086 13800138000', ' 138 0013 8000 ', 13800138000]) {
      expect(toMobile(raw, {}), String(raw)).toEqual({ kind: 'mobile', number: '+8613800138000' });
    }
    expect(toMobile('0755-83021449', {})).toEqual({ kind: 'landline', number: '+8675583021449', reason: 'LANDLINE' });
    expect(toMobile('9123 4567', { region: 'HK' })).toEqual({ kind: 'mobile', number: '+85291234567' });
    for (const bad of ['1381234', '83021449', '12345', 'abc', '1380013800099', '14012345678']) expect(() => toMobile(bad, {}), bad).toThrow(FieldProblem);
    expect(() => toMobile('13800138000', { region: 'XX' })).toThrow(/region/);
  });

  it('reads any phone number a person can dial to E.164', () => {
    expect(toPhone('0755-12345678', {})).toBe('+8675512345678');
    expect(toPhone('13800138000', {})).toBe('+8613800138000');
    expect(toPhone('+44 20 7946 0958', {})).toBe('+442079460958');
    for (const bad of ['12345', 'abc', '83021449']) expect(() => toPhone(bad, {}), bad).toThrow(FieldProblem);
  });

  it('converts yuan and fen to whole cents without floating-point drift', () => {
    expect(toCents('12.30', {})).toBe(1230);
    expect(toCents('0.1', {})).toBe(10);
    expect(toCents(19.99, {})).toBe(1999);
    expect(toCents(0.29, {})).toBe(29);
    expect(toCents('1,234.565', {})).toBe(123457);
    expect(toCents('¥-5.5', {})).toBe(-550);
    expect(toCents('1230', { unit: 'fen' })).toBe(1230);
    expect(toCents(1230, { unit: 'fen' })).toBe(1230);
    expect(() => toCents('12.5', { unit: 'fen' })).toThrow(/fraction of a fen/);
    expect(() => toCents('12,3a', {})).toThrow(FieldProblem);
  });

  it('maps gender codes, with the mapping able to change them', () => {
    expect(toGender('1', {})).toBe('M');
    expect(toGender('女', {})).toBe('F');
    expect(toGender('0', {})).toBe('U');
    expect(toGender('A', { male: ['A'], female: ['B'] })).toBe('M');
    expect(() => toGender('7', {})).toThrow(/unknown gender code “7”/);
  });

  it('reads dates in several formats and refuses impossible ones; lunar dates may have day 30', () => {
    expect(toDate('1990-1-5', {})).toBe('1990-01-05');
    expect(toDate('19900105', {})).toBe('1990-01-05');
    expect(toDate('1990/01/05', {})).toBe('1990-01-05');
    expect(toDate('05/01/1990', { format: 'DD/MM/YYYY' })).toBe('1990-01-05');
    expect(toDate('01/05/1990', { format: 'MM/DD/YYYY' })).toBe('1990-01-05');
    expect(toDate('1990-01-05 00:00:00', {})).toBe('1990-01-05');
    expect(toDate(new Date(Date.UTC(1990, 0, 5)), {})).toBe('1990-01-05');
    expect(() => toDate('1990-02-30', {})).toThrow(/not a real date/);
    expect(toDate('1990-02-30', {}, true)).toBe('1990-02-30');
    expect(() => toDate('1990-13-01', {}, true)).toThrow(FieldProblem);
    expect(() => toDate('19900105', { format: 'YYYY-MM-DD' })).toThrow(/format YYYY-MM-DD/);
  });

  it('reads zone-less POS times in the mapping time zone (China by default)', () => {
    expect(toTimestamp('2026-11-21 08:00:00', {})).toBe(Date.UTC(2026, 10, 21, 0, 0, 0));
    expect(toTimestamp('2026-11-21 08:00:00', { timezone: '+00:00' })).toBe(Date.UTC(2026, 10, 21, 8, 0, 0));
    expect(toTimestamp('2026-11-21T08:00:00Z', {})).toBe(Date.UTC(2026, 10, 21, 8, 0, 0));
    expect(toTimestamp('2026-11-21T08:00:00.250+02:00', {})).toBe(Date.UTC(2026, 10, 21, 6, 0, 0, 250));
    expect(toTimestamp('1700000000', { format: 'epoch-s' })).toBe(1_700_000_000_000);
    expect(() => toTimestamp('2026-02-30 10:00:00', {})).toThrow(FieldProblem);
    expect(() => toTimestamp('yesterday', {})).toThrow(FieldProblem);
  });

  it('handles text, codes, integers and booleans', () => {
    expect(toText('  张三  ', 64)).toBe('张三');
    expect(toText('欧阳'.repeat(40), 64)).toHaveLength(64);
    expect(toCode(1001, 32)).toBe('1001');
    expect(() => toCode('x'.repeat(40), 32)).toThrow(/at most 32/);
    expect(toInteger('12.6')).toBe(13);
    expect(() => toInteger('many')).toThrow(FieldProblem);
    expect(toBoolean('1', {})).toBe(true);
    expect(toBoolean('否', {})).toBe(false);
    expect(() => toBoolean('maybe', {})).toThrow(/neither a true nor a false/);
  });
});
