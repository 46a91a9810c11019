import { describe, expect, it } from 'vitest';
import { DAY_MS, decide, discountLabel, formatRate, lookbackDaysOf, promotionLine, ruleFor, suggestedDiscount, type Decision, type ProductFigures } from './decide.js';
import { validateRule } from './rules.js';
import type { StrategyRuleInput, StrategyRuleSettings } from './types.js';

const NOW = Date.UTC(2026, 11, 6, 4, 0, 0);

const RULE: StrategyRuleSettings = {
  windowDays: 28,
  overstockCoverDays: 45,
  maxStock: 1000,
  lowCoverDays: 7,
  minStock: 3,
  slowDays: 30,
  targetCoverDays: 21,
  promotionType: 'discount',
  minDiscountPercent: 10,
  maxDiscountPercent: 30,
  buyN: 2,
  promotionDays: 14,
  rejectCooldownDays: 14,
  fastSellerEnabled: false,
  fastSellerAction: 'limit-per-customer',
  fastMinDailySales: 10,
  fastCoverDays: 3,
  priceRisePercent: 5,
  limitPerCustomer: 2,
};

/** Sold `perDay` a day over the 28-day window, last sale an hour ago. */
function figures(stock: number, perDay: number, lastSoldAt: number | null = perDay > 0 ? NOW - 3_600_000 : null): ProductFigures {
  return { stock, soldInWindow: perDay * 28, lastSoldAt, lookbackDays: 30 };
}

const summary = (decisions: Decision[]) => decisions.map((d) => `${d.kind}:${d.codes.join('+')}`);

describe('decide: thresholds at their boundaries', () => {
  const cases: Array<{ name: string; input: ProductFigures; rule?: Partial<StrategyRuleSettings>; expected: string[] }> = [
    { name: 'cover exactly X (45 days) is not overstock', input: figures(45, 1), expected: [] },
    { name: 'cover just above X is overstock', input: figures(45.1, 1), expected: ['promotion:overstock-cover'] },
    { name: 'cover just below X is nothing', input: figures(44.9, 1), expected: [] },
    { name: 'cover exactly Y (7 days) is not low', input: figures(7, 1), expected: [] },
    { name: 'cover just below Y is low', input: figures(6.9, 1), expected: ['restock:low-cover'] },
    { name: 'stock exactly the minimum but cover below Y: low by cover', input: figures(3, 1), expected: ['restock:low-cover'] },
    { name: 'stock exactly the minimum, cover fine: not low', input: figures(3, 0.2), expected: [] },
    { name: 'stock just below the minimum is low', input: figures(2.9, 0.2), expected: ['restock:low-min'] },
    { name: 'stock exactly the maximum is not overstock', input: figures(1000, 30), expected: [] },
    { name: 'stock just above the maximum is overstock', input: figures(1001, 30), expected: ['promotion:overstock-max'] },
    { name: 'zero sales, stock 0 and a minimum: restock', input: figures(0, 0), expected: ['restock:low-min'] },
    { name: 'zero sales, stock 0, no minimum: nothing (no slow mover without stock)', input: figures(0, 0), rule: { minStock: null }, expected: [] },
    { name: 'zero sales with stock: slow mover', input: figures(10, 0), expected: ['promotion:slow-mover'] },
    { name: 'last sale exactly Z days ago: slow mover', input: figures(10, 0, NOW - 30 * DAY_MS), expected: ['promotion:slow-mover'] },
    { name: 'last sale a moment under Z days ago: not slow', input: figures(10, 0, NOW - 30 * DAY_MS + 1), expected: [] },
    { name: 'slow and over the maximum: one promotion with both reasons', input: figures(1200, 0), expected: ['promotion:slow-mover+overstock-max'] },
    { name: 'over the maximum but selling out fast: restock, never a promotion', input: figures(1500, 300), expected: ['restock:low-cover'] },
    { name: 'a threshold switched off (null) is never crossed', input: figures(45.1, 1), rule: { overstockCoverDays: null }, expected: [] },
    { name: 'fast seller off by default', input: figures(20, 12), expected: ['restock:low-cover'] },
    { name: 'fast seller on: limit per customer beside the restock', input: figures(20, 12), rule: { fastSellerEnabled: true }, expected: ['restock:low-cover', 'limit-per-customer:fast-seller'] },
    { name: 'fast seller at exactly the daily minimum counts', input: figures(20, 10), rule: { fastSellerEnabled: true, fastSellerAction: 'price-rise' }, expected: ['restock:low-cover', 'price-rise:fast-seller'] },
    { name: 'fast seller with cover exactly the fast threshold does not', input: figures(30, 10), rule: { fastSellerEnabled: true }, expected: ['restock:low-cover'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(summary(decide(c.input, { ...RULE, ...c.rule }, NOW))).toEqual(c.expected);
    });
  }
});

describe('decide: reasons and actions', () => {
  it('words the reason with the figures behind it, as the issue shows', () => {
    const [promotion] = decide({ stock: 480, soldInWindow: 171, lastSoldAt: NOW - DAY_MS, lookbackDays: 30 }, RULE, NOW);
    expect(promotion!.text).toBe('库存 480，近28天日均销量 6.1，可售 79 天 > 45 天');
    expect(promotion!.figures).toMatchObject({ stock: 480, soldInWindow: 171, windowDays: 28, threshold: 45, daysSinceLastSale: 1 });
    expect(promotion!.figures.avgDailySales).toBeCloseTo(171 / 28, 10);
    expect(promotion!.figures.daysOfCover).toBeCloseTo(480 / (171 / 28), 10);
  });

  it('restocks to the target cover, and at least to the minimum', () => {
    const [restock] = decide(figures(6.9, 1), RULE, NOW);
    expect(restock!.restockQuantity).toBe(Math.ceil(21 - 6.9));
    expect(restock!.text).toBe('库存 6.9，近28天日均销量 1.0，可售 6.9 天 < 7 天，补货 15 可售 22 天');
    const [toMinimum] = decide(figures(1, 0.01), { ...RULE, minStock: 5 }, NOW);
    expect(toMinimum!.codes).toEqual(['low-min']);
    expect(toMinimum!.restockQuantity).toBe(4);
  });

  it('scales the discount with the overstock, within the rule, in 5 % steps', () => {
    const discountFor = (stock: number) => decide(figures(stock, 1), RULE, NOW)[0]!.discountPercent;
    expect(discountFor(46)).toBe(10); // just past X: the smallest discount
    expect(discountFor(67.5)).toBe(20); // 1.5 X: half way
    expect(discountFor(500)).toBe(30); // far past: the deepest, never beyond
    expect(decide(figures(10, 0), RULE, NOW)[0]!.discountPercent).toBe(30); // no sale at all: the deepest
    expect(suggestedDiscount({ minDiscountPercent: 12, maxDiscountPercent: 18 }, 0)).toBe(12);
    expect(suggestedDiscount({ minDiscountPercent: 12, maxDiscountPercent: 18 }, 1)).toBe(18);
  });

  it('buy N get one when the rule says so', () => {
    const [promotion] = decide(figures(10, 0), { ...RULE, promotionType: 'buy-n-get-one', buyN: 3 }, NOW);
    expect(promotion).toMatchObject({ kind: 'promotion', buyNGetOne: 3, discountPercent: null });
  });

  it('a slow mover never sold within the look-back says so', () => {
    const [promotion] = decide({ stock: 35, soldInWindow: 0, lastSoldAt: null, lookbackDays: 45 }, RULE, NOW);
    expect(promotion!.text).toBe('库存 35，近 45 天无销售（≥ 30 天）');
    const [known] = decide({ stock: 35, soldInWindow: 0, lastSoldAt: NOW - 62 * DAY_MS - 5, lookbackDays: 90 }, RULE, NOW);
    expect(known!.text).toBe('库存 35，已 62 天无销售（≥ 30 天）');
  });

  it('formats slow rates so they never read as zero', () => {
    expect(formatRate(0.04)).toBe('0.04');
    expect(formatRate(0.071428)).toBe('0.071');
    expect(formatRate(6.107)).toBe('6.1');
  });
});

describe('ruleFor: the most specific rule wins', () => {
  const scoped = (id: number, storeCode: string | null, category: string | null, productCode: string | null, enabled = true) => ({ id, storeCode, category, productCode, enabled });
  const rules = [
    scoped(1, null, null, null),
    scoped(2, '01', null, null),
    scoped(3, null, '粮油', null),
    scoped(4, '01', '粮油', null),
    scoped(5, null, null, 'P1'),
    scoped(6, '01', null, 'P1'),
    scoped(7, '02', null, null, false),
  ];
  const cases: Array<[string, string | null, string, number]> = [
    ['01', '粮油', 'P1', 6],
    ['02', '粮油', 'P1', 5],
    ['01', '粮油', 'P2', 4],
    ['02', '粮油', 'P2', 3],
    ['01', '饮料', 'P3', 2],
    ['02', '饮料', 'P3', 1], // the store's own rule is disabled
    ['03', null, 'P3', 1],
  ];
  for (const [store, category, product, expected] of cases) {
    it(`store ${store}, ${category ?? 'no category'}, ${product} → rule ${expected}`, () => {
      expect(ruleFor(rules, store, category, product)?.id).toBe(expected);
    });
  }
  it('a product rule beats a store-specific category rule', () => {
    expect(ruleFor([scoped(1, '01', '粮油', null), scoped(2, null, null, 'P1')], '01', '粮油', 'P1')?.id).toBe(2);
  });
  it('no rule covers the product: undefined', () => {
    expect(ruleFor([scoped(1, '01', null, null)], '02', null, 'P1')).toBeUndefined();
  });
});

describe('promotion lines and labels', () => {
  it('"8.5折", "8折"', () => {
    expect(discountLabel(15)).toBe('8.5折');
    expect(discountLabel(20)).toBe('8折');
  });
  it('ends at midnight: the last day shown is the day before, in the store time zone', () => {
    const endsAt = Date.UTC(2026, 11, 20, 16, 0, 0); // 12/21 00:00 in Shanghai
    expect(promotionLine({ productName: '金龙鱼花生油5L', discountPercent: 15, buyNGetOne: null, endsAt }, 'Asia/Shanghai')).toBe('金龙鱼花生油5L 8.5折(至12/20)');
    expect(promotionLine({ productName: null, discountPercent: null, buyNGetOne: null, text: '鸡蛋 每斤4.99元', endsAt }, 'Asia/Shanghai')).toBe('鸡蛋 每斤4.99元(至12/20)');
    expect(promotionLine({ productName: '可乐', discountPercent: null, buyNGetOne: 2, endsAt }, 'Asia/Shanghai')).toBe('可乐 买2送1(至12/20)');
  });
  it('look-back covers every window and slow threshold', () => {
    expect(lookbackDaysOf([{ windowDays: 28, slowDays: 45 }, { windowDays: 60, slowDays: null }])).toBe(60);
  });
});

describe('validateRule', () => {
  const input: StrategyRuleInput = { storeCode: null, category: null, productCode: null, ...RULE };
  const codeAndField = (change: Partial<StrategyRuleInput>) => {
    try {
      validateRule({ ...input, ...change });
      return 'valid';
    } catch (error) {
      const e = error as { code: string; details: { field: string } };
      return `${e.code}:${e.details.field}`;
    }
  };
  it('accepts the defaults and cleans the scope', () => {
    expect(validateRule({ ...input, storeCode: ' 01 ', category: '粮油', productCode: 'P1' })).toMatchObject({ storeCode: '01', category: null, productCode: 'P1' });
  });
  it.each([
    [{ windowDays: 0 }, 'windowDays'],
    [{ windowDays: 2.5 }, 'windowDays'],
    [{ lowCoverDays: 45 }, 'lowCoverDays'],
    [{ minStock: 1000 }, 'minStock'],
    [{ targetCoverDays: 7 }, 'targetCoverDays'],
    [{ minDiscountPercent: 40 }, 'maxDiscountPercent'],
    [{ maxDiscountPercent: 95 }, 'maxDiscountPercent'],
    [{ promotionType: 'free' as never }, 'promotionType'],
    [{ maxStock: -1 }, 'maxStock'],
    [{ fastMinDailySales: 0 }, 'fastMinDailySales'],
  ])('refuses %j naming %s', (change, field) => {
    expect(codeAndField(change)).toBe(`STRATEGY_RULE_INVALID:${field}`);
  });
});
