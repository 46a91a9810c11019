/**
 * The statistics of a campaign's effect, hand-written (no statistics library
 * is installed; these are a few textbook formulas, each tested against
 * published values in effect.test.ts). Pure: the report reads the numbers from
 * the mirror and calls these.
 *
 * - Response rate per group with the Wilson score interval.
 * - Uplift in response rate (target − hold-out) with Newcombe's hybrid score
 *   interval (Newcombe 1998, method 10, built from the two Wilson intervals):
 *   unlike the Wald interval it stays inside [−1, 1] and keeps its coverage
 *   for small groups and rates near 0, which is what a 5% hold-out of a small
 *   store gives.
 * - Uplift in spend per member (mean difference, non-buyers count as 0) with
 *   Welch's interval (unequal variances, Welch–Satterthwaite degrees of freedom).
 * All intervals are 95%.
 */

/** The 97.5th percentile of the standard normal distribution: two-sided 95%. */
export const Z_95 = 1.959963984540054;

export interface Interval {
  low: number;
  high: number;
}

/** Wilson score interval of x successes in n trials (n > 0). */
export function wilsonInterval(x: number, n: number, z = Z_95): Interval {
  if (n <= 0) throw new RangeError('wilsonInterval needs n > 0');
  const p = x / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** Newcombe's hybrid score interval for p1 − p2 (method 10). */
export function newcombeDifference(x1: number, n1: number, x2: number, n2: number, z = Z_95): Interval & { difference: number } {
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const a = wilsonInterval(x1, n1, z);
  const b = wilsonInterval(x2, n2, z);
  const difference = p1 - p2;
  return {
    difference,
    low: difference - Math.sqrt((p1 - a.low) ** 2 + (b.high - p2) ** 2),
    high: difference + Math.sqrt((a.high - p1) ** 2 + (p2 - b.low) ** 2),
  };
}

/**
 * The 97.5th percentile of Student's t with ν degrees of freedom (ν may be
 * fractional, as Welch's is): Hill's algorithm (G. W. Hill, "Algorithm 396:
 * Student's t-quantiles", CACM 13(10), 1970) for the two-tailed probability
 * 0.05, exact for ν = 1 and 2 and within 0.001 of the table from there on.
 */
export function tQuantile975(nu: number): number {
  if (!(nu > 0)) throw new RangeError('degrees of freedom must be positive');
  const p = 0.05; // two-tailed
  if (nu === 2) return Math.sqrt(2 / (p * (2 - p)) - 2);
  if (nu === 1) return 1 / Math.tan((p * Math.PI) / 2);
  const a = 1 / (nu - 0.5);
  const b = 48 / (a * a);
  let c = ((((20700 * a) / b - 98) * a - 16) * a) + 96.36;
  const d = ((94.5 / (b + c) - 3) / b + 1) * Math.sqrt((a * Math.PI) / 2) * nu;
  let x = d * p;
  let y = x ** (2 / nu);
  if (y > 0.05 + a) {
    x = Z_95;
    y = x * x;
    if (nu < 5) c += 0.3 * (nu - 4.5) * (x + 0.6);
    c = (((0.05 * d * x - 5) * x - 7) * x - 2) * x + b + c;
    y = (((((0.4 * y + 6.3) * y + 36) * y + 94.5) / c - y - 3) / b + 1) * x;
    y = a * y * y;
    y = y > 0.002 ? Math.exp(y) - 1 : 0.5 * y * y + y;
  } else {
    y = ((1 / (((nu + 6) / (nu * y) - 0.089 * d - 0.822) * (nu + 2) * 3) + 0.5 / (nu + 4)) * y - 1) * (nu + 1) / (nu + 2) + 1 / y;
  }
  return Math.sqrt(nu * y);
}

/** A group's values summed up: count, sum and sum of squares (enough for a mean and a variance). */
export interface Moments {
  n: number;
  sum: number;
  sumSquares: number;
}

export function momentsOf(values: readonly number[], zeros = 0): Moments {
  let sum = 0;
  let sumSquares = 0;
  for (const v of values) {
    sum += v;
    sumSquares += v * v;
  }
  return { n: values.length + zeros, sum, sumSquares };
}

function meanAndVariance(m: Moments): { mean: number; variance: number } {
  const mean = m.sum / m.n;
  // Sum of squared deviations from the moments; clamped: rounding can make it a hair negative.
  const variance = Math.max(0, (m.sumSquares - m.n * mean * mean) / (m.n - 1));
  return { mean, variance };
}

export interface WelchResult extends Interval {
  difference: number;
  t: number;
  degreesOfFreedom: number;
  standardError: number;
}

/** Welch's interval for mean(a) − mean(b); undefined when either group has fewer than 2 values. */
export function welchDifference(a: Moments, b: Moments): WelchResult | undefined {
  if (a.n < 2 || b.n < 2) return undefined;
  const x = meanAndVariance(a);
  const y = meanAndVariance(b);
  const va = x.variance / a.n;
  const vb = y.variance / b.n;
  const standardError = Math.sqrt(va + vb);
  const difference = x.mean - y.mean;
  if (standardError === 0) return { difference, low: difference, high: difference, t: 0, degreesOfFreedom: a.n + b.n - 2, standardError };
  const degreesOfFreedom = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  const half = tQuantile975(degreesOfFreedom) * standardError;
  return { difference, low: difference - half, high: difference + half, t: difference / standardError, degreesOfFreedom, standardError };
}

/** What the report knows of one group: members, buyers in the window, and the spend of each buyer (yuan). */
export interface GroupOutcome {
  members: number;
  buyers: number;
  /** Spend per buyer in the window, yuan (members who bought nothing count as 0). */
  buyerSpend: Moments;
}

export interface CampaignEffect {
  target: { members: number; buyers: number; responseRate: number | null; spendPerMember: number | null };
  holdout: { members: number; buyers: number; responseRate: number | null; spendPerMember: number | null };
  /** Target − hold-out response rate with Newcombe's 95% interval; null without both groups. */
  responseUplift: (Interval & { difference: number; method: 'newcombe-wilson' }) | null;
  /** Target − hold-out spend per member (yuan) with Welch's 95% interval; null without two members in each group. */
  spendUplift: (WelchResult & { method: 'welch' }) | null;
}

export function campaignEffect(target: GroupOutcome, holdout: GroupOutcome): CampaignEffect {
  const side = (g: GroupOutcome) => ({
    members: g.members,
    buyers: g.buyers,
    responseRate: g.members > 0 ? g.buyers / g.members : null,
    spendPerMember: g.members > 0 ? g.buyerSpend.sum / g.members : null,
  });
  const both = target.members > 0 && holdout.members > 0;
  const spend = welchDifference(
    { ...target.buyerSpend, n: target.members },
    { ...holdout.buyerSpend, n: holdout.members },
  );
  return {
    target: side(target),
    holdout: side(holdout),
    responseUplift: both ? { ...newcombeDifference(target.buyers, target.members, holdout.buyers, holdout.members), method: 'newcombe-wilson' } : null,
    spendUplift: spend ? { ...spend, method: 'welch' } : null,
  };
}
