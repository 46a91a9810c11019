import { describe, expect, it } from 'vitest';
import { campaignEffect, momentsOf, newcombeDifference, tQuantile975, welchDifference, wilsonInterval } from './effect.js';

describe('campaign effect statistics (hand-written, against published values)', () => {
  it('Wilson intervals match Newcombe (1998a), Table I', () => {
    // 81/263: 0.2553–0.3662; 15/148: 0.0624–0.1605; 0/20: 0–0.1611; 1/29: 0.0061–0.1718.
    const cases: Array<[number, number, number, number]> = [
      [81, 263, 0.2553, 0.3662],
      [15, 148, 0.0624, 0.1605],
      [0, 20, 0, 0.1611],
      [1, 29, 0.0061, 0.1718],
    ];
    for (const [x, n, low, high] of cases) {
      const ci = wilsonInterval(x, n);
      expect(ci.low).toBeCloseTo(low, 4);
      expect(ci.high).toBeCloseTo(high, 4);
    }
  });

  it("Newcombe's hybrid score interval for a difference matches Newcombe (1998b), Table II, method 10", () => {
    // (a) 56/70 − 48/80: 0.0524 to 0.3339; (b) 9/10 − 3/10: 0.1705 to 0.8090; (f) 10/10 − 0/10: 0.6075 to 1.
    const a = newcombeDifference(56, 70, 48, 80);
    expect(a.difference).toBeCloseTo(0.2, 10);
    expect(a.low).toBeCloseTo(0.0524, 4);
    expect(a.high).toBeCloseTo(0.3339, 4);
    const b = newcombeDifference(9, 10, 3, 10);
    expect(b.low).toBeCloseTo(0.1705, 4);
    expect(b.high).toBeCloseTo(0.809, 4);
    const f = newcombeDifference(10, 10, 0, 10);
    expect(f.low).toBeCloseTo(0.6075, 4);
    expect(f.high).toBeCloseTo(1, 4);
  });

  it("Student's t 97.5th percentile agrees with the table", () => {
    const table: Array<[number, number]> = [
      [1, 12.7062],
      [2, 4.3027],
      [3, 3.1824],
      [5, 2.5706],
      [10, 2.2281],
      [30, 2.0423],
      [120, 1.9799],
      [1e9, 1.96],
      [2.5, 3.5747],
      [4, 2.7764],
    ];
    for (const [nu, t] of table) expect(Math.abs(tQuantile975(nu) - t)).toBeLessThan(1e-3);
    expect(() => tQuantile975(0)).toThrow(RangeError);
  });

  it("Welch's test matches the worked example (t = −2.46, ν = 24.99)", () => {
    const a = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
    const b = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
    const result = welchDifference(momentsOf(a), momentsOf(b))!;
    expect(result.t).toBeCloseTo(-2.46, 2);
    expect(result.degreesOfFreedom).toBeCloseTo(24.99, 2);
    expect(result.difference).toBeCloseTo(-2.1667, 3);
    // The interval holds the difference, excludes 0 (p ≈ 0.021), and is symmetric.
    expect(result.high).toBeLessThan(0);
    expect(result.low).toBeLessThan(result.difference);
    expect(result.difference - result.low).toBeCloseTo(result.high - result.difference, 10);
    expect(welchDifference(momentsOf([1]), momentsOf([1, 2]))).toBeUndefined();
  });

  it('a campaign effect counts non-buyers as zero spend and leaves the uplift out without a hold-out', () => {
    const effect = campaignEffect(
      { members: 1000, buyers: 300, buyerSpend: momentsOf(new Array(300).fill(50)) },
      { members: 100, buyers: 20, buyerSpend: momentsOf(new Array(20).fill(50)) },
    );
    expect(effect.target.responseRate).toBeCloseTo(0.3, 10);
    expect(effect.holdout.responseRate).toBeCloseTo(0.2, 10);
    expect(effect.target.spendPerMember).toBeCloseTo(15, 10);
    expect(effect.holdout.spendPerMember).toBeCloseTo(10, 10);
    expect(effect.responseUplift!.difference).toBeCloseTo(0.1, 10);
    expect(effect.responseUplift!.low).toBeGreaterThan(0);
    expect(effect.spendUplift!.difference).toBeCloseTo(5, 10);
    expect(effect.spendUplift!.low).toBeLessThan(5);
    const none = campaignEffect({ members: 10, buyers: 1, buyerSpend: momentsOf([5]) }, { members: 0, buyers: 0, buyerSpend: momentsOf([]) });
    expect(none.responseUplift).toBeNull();
    expect(none.spendUplift).toBeNull();
    expect(none.holdout.responseRate).toBeNull();
  });
});
