/**
 * Member levels (普通/银卡/金卡/钻石卡). The mirror has no level: it is derived
 * from the member's total spend, which is what a Chinese supermarket's tiers
 * follow. Used by 会员 filters and by survey cross-tabs alike.
 */

/** Member level from total spend (元): regular below 1,000, silver from 1,000, gold from 5,000, diamond from 20,000. */
export const MEMBER_LEVELS = [
  { level: 'regular', fromCents: 0 },
  { level: 'silver', fromCents: 100_000 },
  { level: 'gold', fromCents: 500_000 },
  { level: 'diamond', fromCents: 2_000_000 },
] as const;
export type MemberLevel = (typeof MEMBER_LEVELS)[number]['level'] | 'unknown';

export function memberLevel(totalSpentCents: number | null): MemberLevel {
  if (totalSpentCents === null) return 'unknown';
  let level: MemberLevel = 'regular';
  for (const band of MEMBER_LEVELS) if (totalSpentCents >= band.fromCents) level = band.level;
  return level;
}
