import { describe, expect, it } from 'vitest';
import {
  POINTS_EXPIRY_DEFAULTS,
  isRuleExpiryDate,
  keptEarningsFrom,
  memberPointsExpiry,
  nextRuleExpiryDate,
  validatePointsExpiry,
  type PointsExpirySettings,
} from './points-expiry.js';

const rule = (patch: Partial<PointsExpirySettings>): PointsExpirySettings => ({ ...POINTS_EXPIRY_DEFAULTS, ...patch });
const yearEnd = rule({ rule: 'annual', month: 12, day: 31 });
const leapDay = rule({ rule: 'annual', month: 2, day: 29 });
const twelveMonths = rule({ rule: 'rolling', months: 12 });
const member = (points: number, posExpiresOn: string | null = null, posExpiring: number | null = null) => ({ points, posExpiresOn, posExpiring });

describe('points expiry, the store’s one rule', () => {
  it('tells nobody their points expire until the store sets a rule (the POS’s own dates still count)', () => {
    expect(POINTS_EXPIRY_DEFAULTS.rule).toBe('never');
    expect(memberPointsExpiry(POINTS_EXPIRY_DEFAULTS, member(1500), '2026-12-01')).toBeNull();
    expect(memberPointsExpiry(POINTS_EXPIRY_DEFAULTS, member(1500, '2027-01-15', 400), '2026-12-01')).toEqual({ date: '2027-01-15', points: 400, source: 'pos' });
  });

  it('annual: one day a year, the coming one; 29 February on 28 February in a common year', () => {
    expect(nextRuleExpiryDate(yearEnd, '2026-12-31')).toBe('2026-12-31');
    expect(nextRuleExpiryDate(yearEnd, '2027-01-01')).toBe('2027-12-31');
    expect(isRuleExpiryDate(yearEnd, '2026-12-31')).toBe(true);
    expect(isRuleExpiryDate(yearEnd, '2026-12-30')).toBe(false);
    expect(nextRuleExpiryDate(leapDay, '2027-03-01')).toBe('2028-02-29');
    expect(nextRuleExpiryDate(leapDay, '2026-06-01')).toBe('2027-02-28');
    expect(isRuleExpiryDate(leapDay, '2027-02-28')).toBe(true);
    expect(memberPointsExpiry(yearEnd, member(1500), '2026-12-01')).toEqual({ date: '2026-12-31', points: 1500, source: 'rule' });
    expect(memberPointsExpiry(yearEnd, member(0), '2026-12-01')).toBeNull();
  });

  it('rolling: month ends; what expires is the balance less what was earned in the months still running (oldest points go first)', () => {
    expect(nextRuleExpiryDate(twelveMonths, '2027-02-10')).toBe('2027-02-28');
    expect(isRuleExpiryDate(twelveMonths, '2028-02-29')).toBe(true);
    expect(isRuleExpiryDate(twelveMonths, '2028-02-28')).toBe(false);
    // On 2027-02-28 the points earned in February 2026 and before expire: March 2026 onwards still runs.
    expect(keptEarningsFrom(twelveMonths, '2027-02-28')).toBe('2026-03-01');
    expect(keptEarningsFrom(rule({ rule: 'rolling', months: 1 }), '2027-02-28')).toBe('2027-02-01');
    expect(keptEarningsFrom(yearEnd, '2026-12-31')).toBeNull();
    expect(memberPointsExpiry(twelveMonths, member(1500), '2027-02-10', 1100)).toEqual({ date: '2027-02-28', points: 400, source: 'rule' });
    // Everything was earned lately (or spent already): nothing expires.
    expect(memberPointsExpiry(twelveMonths, member(1500), '2027-02-10', 2000)).toBeNull();
  });

  it('the POS’s own date wins while it is still to come, never for more than the balance; a passed one falls back to the rule', () => {
    expect(memberPointsExpiry(yearEnd, member(1500, '2027-03-31', 600), '2026-12-01')).toEqual({ date: '2027-03-31', points: 600, source: 'pos' });
    expect(memberPointsExpiry(yearEnd, member(500, '2027-03-31', 600), '2026-12-01')).toEqual({ date: '2027-03-31', points: 500, source: 'pos' });
    expect(memberPointsExpiry(yearEnd, member(500, '2027-03-31', null), '2026-12-01')).toEqual({ date: '2027-03-31', points: 500, source: 'pos' });
    expect(memberPointsExpiry(yearEnd, member(500, '2026-06-30', 100), '2026-12-01')).toEqual({ date: '2026-12-31', points: 500, source: 'rule' });
    expect(memberPointsExpiry({ ...yearEnd, usePosDate: false }, member(1500, '2027-03-31', 600), '2026-12-01')).toEqual({ date: '2026-12-31', points: 1500, source: 'rule' });
  });

  it('refuses a rule that is not one, naming the field; a partial value keeps the defaults', () => {
    expect(validatePointsExpiry({ rule: 'rolling', months: 24 })).toEqual({ ...POINTS_EXPIRY_DEFAULTS, rule: 'rolling', months: 24 });
    expect(() => validatePointsExpiry({ rule: 'sometimes' })).toThrow(expect.objectContaining({ details: { field: 'pointsExpiry.rule' } }));
    expect(() => validatePointsExpiry({ rule: 'annual', month: 2, day: 30 })).toThrow(/day of month 2/);
    expect(() => validatePointsExpiry({ rule: 'rolling', months: 0 })).toThrow(/1 to 120 months/);
    expect(() => validatePointsExpiry({ usePosDate: 'yes' })).toThrow(/usePosDate/);
    expect(() => validatePointsExpiry(null)).toThrow(/must be an object/);
  });
});
