import { describe, expect, it } from 'vitest';
import { addDays, daysFrom, monthEnd, wholeMonths } from './days.js';

describe('report days and months', () => {
  it('finds the whole months inside a range', () => {
    expect(wholeMonths('2027-01-01', '2027-12-31')).toEqual({ first: '2027-01', last: '2027-12' });
    expect(wholeMonths('2027-01-15', '2028-01-14')).toEqual({ first: '2027-02', last: '2027-12' });
    expect(wholeMonths('2027-02-01', '2027-02-28')).toEqual({ first: '2027-02', last: '2027-02' });
    expect(wholeMonths('2028-02-01', '2028-02-28')).toBeNull(); // a leap year: the 29th is missing
    expect(wholeMonths('2026-12-10', '2026-12-31')).toBeNull();
    expect(wholeMonths('2026-11-30', '2027-01-01')).toEqual({ first: '2026-12', last: '2026-12' });
    expect(wholeMonths('2027-03-05', '2027-03-20')).toBeNull();
  });

  it('every day of a range is in exactly one whole month or outside them', () => {
    for (const [from, to] of [
      ['2026-11-15', '2027-03-03'],
      ['2027-12-31', '2028-03-01'],
      ['2027-01-31', '2027-02-01'],
    ] as const) {
      const months = wholeMonths(from, to);
      const inMonths = daysFrom(from, to).filter((d) => months !== null && d.slice(0, 7) >= months.first && d.slice(0, 7) <= months.last);
      if (months) expect(inMonths).toEqual(daysFrom(`${months.first}-01`, monthEnd(months.last)));
      else expect(inMonths).toEqual([]);
    }
  });

  it('knows month ends, February included', () => {
    expect(monthEnd('2027-02')).toBe('2027-02-28');
    expect(monthEnd('2028-02')).toBe('2028-02-29');
    expect(monthEnd('2027-12')).toBe('2027-12-31');
    expect(addDays('2027-12-31', 1)).toBe('2028-01-01');
  });
});
