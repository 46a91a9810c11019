/**
 * The engine's decisions, as pure functions: which rule applies to a (store,
 * product), and what that rule suggests for the product's figures. No I/O and
 * no clock: the caller gives `now` — so every threshold's boundary is a unit test.
 */
import type { ReasonCode, ReasonFigures, StrategyKind, StrategyRule, StrategyRuleSettings } from './types.js';

export const DAY_MS = 86_400_000;

/** What the mirror says about one product in one store. */
export interface ProductFigures {
  stock: number;
  /** Units sold in the rule's window (its windowDays). */
  soldInWindow: number;
  /** Last sale within the look-back, null if none. */
  lastSoldAt: number | null;
  /** How far back sales were read (lastSoldAt null means none in this many days). */
  lookbackDays: number;
}

export interface Decision {
  kind: StrategyKind;
  codes: ReasonCode[];
  /** zh-CN reason in words and numbers. */
  text: string;
  figures: ReasonFigures;
  discountPercent: number | null;
  buyNGetOne: number | null;
  restockQuantity: number | null;
  limitPerCustomer: number | null;
  priceRisePercent: number | null;
}

type RuleScoped = Pick<StrategyRule, 'storeCode' | 'category' | 'productCode' | 'enabled'>;

/**
 * How specific a rule is: a product rule beats a category rule beats the
 * all-categories rule; at the same level, a store's own rule beats the
 * all-stores one.
 */
export function ruleSpecificity(rule: Pick<StrategyRule, 'storeCode' | 'category' | 'productCode'>): number {
  return (rule.productCode ? 4 : rule.category ? 2 : 0) + (rule.storeCode ? 1 : 0);
}

/** The most specific enabled rule that covers the product, or undefined when none does. */
export function ruleFor<R extends RuleScoped>(rules: readonly R[], storeCode: string, category: string | null, productCode: string): R | undefined {
  let best: R | undefined;
  let bestScore = -1;
  for (const rule of rules) {
    if (!rule.enabled) continue;
    if (rule.storeCode && rule.storeCode !== storeCode) continue;
    if (rule.productCode) {
      if (rule.productCode !== productCode) continue;
    } else if (rule.category && rule.category !== (category ?? '')) continue;
    const score = ruleSpecificity(rule);
    if (score > bestScore) {
      best = rule;
      bestScore = score;
    }
  }
  return best;
}

/** Quantities as a store writes them: whole units plain, weighed goods to 0.1 (trailing zeros dropped). */
export function formatQuantity(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return String(Math.round(value * 10) / 10);
}

/** Daily sales: one decimal, or two significant digits below 0.1 so a slow seller does not read as 0. */
export function formatRate(value: number): string {
  if (value === 0) return '0';
  if (value >= 0.1) return value.toFixed(1);
  return String(Number(value.toPrecision(2)));
}

/** Days of cover: whole days from 10 up, one decimal below. */
export function formatDays(value: number): string {
  return value >= 10 ? String(Math.round(value)) : String(Math.round(value * 10) / 10);
}

/** 15 (percent off) → "8.5折"; 20 → "8折". */
export function discountLabel(percentOff: number): string {
  const tenths = (100 - percentOff) / 10;
  return `${Number.isInteger(tenths) ? tenths : tenths.toFixed(1)}折`;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/**
 * The discount for an overstock or slow mover: from the rule's smallest
 * discount (just past the threshold) to its deepest (twice the threshold, or
 * no sale at all), rounded to 5 % steps (9折, 8.5折 …) and kept within both.
 */
export function suggestedDiscount(settings: Pick<StrategyRuleSettings, 'minDiscountPercent' | 'maxDiscountPercent'>, severity: number): number {
  const { minDiscountPercent: low, maxDiscountPercent: high } = settings;
  const raw = low + (high - low) * clamp(severity, 0, 1);
  return clamp(Math.round(raw / 5) * 5, low, high);
}

/** Whole days from a time to now (a sale 30.5 days ago is 30 days). */
export function wholeDaysSince(at: number, now: number): number {
  return Math.floor((now - at) / DAY_MS);
}

/**
 * What a rule suggests for one product in one store: at most one promotion
 * (overstock or slow mover), one restock (low stock), and — when the rule
 * switches it on — a price rise or per-customer limit for a fast seller
 * running out. Thresholds: overstock when cover > X or stock > max; low when
 * cover < Y or stock < min; slow when no sale for ≥ Z days while stock > 0.
 */
export function decide(figures: ProductFigures, rule: StrategyRuleSettings, now: number): Decision[] {
  const { stock, soldInWindow, lastSoldAt, lookbackDays } = figures;
  const windowDays = rule.windowDays;
  const avg = soldInWindow > 0 ? soldInWindow / windowDays : 0;
  const cover = avg > 0 ? stock / avg : null;
  const daysSinceLastSale = lastSoldAt === null ? null : wholeDaysSince(lastSoldAt, now);
  const base: ReasonFigures = {
    stock,
    soldInWindow,
    windowDays,
    avgDailySales: avg,
    daysOfCover: cover,
    threshold: null,
    lastSoldAt,
    daysSinceLastSale: daysSinceLastSale ?? lookbackDays,
  };
  const salesWords = `近${windowDays}天日均销量 ${formatRate(avg)}`;
  const stockWords = `库存 ${formatQuantity(stock)}`;
  const decisions: Decision[] = [];
  const empty = { discountPercent: null, buyNGetOne: null, restockQuantity: null, limitPerCustomer: null, priceRisePercent: null };

  // Low stock.
  let low: { code: ReasonCode; text: string; threshold: number } | undefined;
  if (rule.minStock !== null && stock < rule.minStock) {
    low = { code: 'low-min', text: `${stockWords} < 下限 ${formatQuantity(rule.minStock)}`, threshold: rule.minStock };
  } else if (rule.lowCoverDays !== null && cover !== null && cover < rule.lowCoverDays) {
    low = { code: 'low-cover', text: `${stockWords}，${salesWords}，可售 ${formatDays(cover)} 天 < ${rule.lowCoverDays} 天`, threshold: rule.lowCoverDays };
  }
  if (low) {
    const toCover = Math.ceil(rule.targetCoverDays * avg - stock);
    const toMinimum = rule.minStock !== null ? Math.ceil(rule.minStock - stock) : 0;
    const quantity = Math.max(toCover, toMinimum, 1);
    const reaches = avg > 0 ? `，补货 ${quantity} 可售 ${formatDays((stock + quantity) / avg)} 天` : `，补货 ${quantity}`;
    decisions.push({
      ...empty,
      kind: 'restock',
      codes: [low.code],
      text: low.text + reaches,
      figures: { ...base, threshold: low.threshold, targetCoverDays: rule.targetCoverDays },
      restockQuantity: quantity,
    });
  }

  // Overstock or slow mover: a promotion (never for a shelf that is running low).
  if (stock > 0 && !low) {
    const parts: Array<{ code: ReasonCode; text: string; threshold: number; severity: number }> = [];
    const slow = rule.slowDays !== null && (daysSinceLastSale === null ? lookbackDays >= rule.slowDays : daysSinceLastSale >= rule.slowDays);
    if (slow) {
      const days = daysSinceLastSale === null ? `近 ${lookbackDays} 天无销售` : `已 ${daysSinceLastSale} 天无销售`;
      parts.push({ code: 'slow-mover', text: `${stockWords}，${days}（≥ ${rule.slowDays} 天）`, threshold: rule.slowDays!, severity: 1 });
    }
    if (rule.overstockCoverDays !== null && cover !== null && cover > rule.overstockCoverDays) {
      const x = rule.overstockCoverDays;
      parts.push({ code: 'overstock-cover', text: `${stockWords}，${salesWords}，可售 ${formatDays(cover)} 天 > ${x} 天`, threshold: x, severity: (cover - x) / x });
    }
    if (rule.maxStock !== null && stock > rule.maxStock) {
      const max = rule.maxStock;
      parts.push({ code: 'overstock-max', text: `${stockWords} > 上限 ${formatQuantity(max)}`, threshold: max, severity: (stock - max) / max });
    }
    if (parts.length > 0) {
      const severity = Math.max(...parts.map((p) => p.severity));
      const discount = rule.promotionType === 'discount' ? suggestedDiscount(rule, severity) : null;
      decisions.push({
        ...empty,
        kind: 'promotion',
        codes: parts.map((p) => p.code),
        text: parts.map((p) => p.text).join('；'),
        figures: { ...base, threshold: parts[0]!.threshold },
        discountPercent: discount,
        buyNGetOne: rule.promotionType === 'buy-n-get-one' ? rule.buyN : null,
      });
    }
  }

  // A fast seller running out (off unless the rule switches it on).
  if (rule.fastSellerEnabled && cover !== null && avg >= rule.fastMinDailySales && cover < rule.fastCoverDays) {
    const limit = rule.fastSellerAction === 'limit-per-customer';
    decisions.push({
      ...empty,
      kind: rule.fastSellerAction,
      codes: ['fast-seller'],
      text: `${salesWords} ≥ ${formatRate(rule.fastMinDailySales)}，${stockWords}，可售 ${formatDays(cover)} 天 < ${rule.fastCoverDays} 天`,
      figures: { ...base, threshold: rule.fastCoverDays },
      limitPerCustomer: limit ? rule.limitPerCustomer : null,
      priceRisePercent: limit ? null : rule.priceRisePercent,
    });
  }
  return decisions;
}

/** The action in words, appended to a suggestion on the board and in 策略 answers. */
export function actionText(strategy: { kind: StrategyKind; discountPercent: number | null; buyNGetOne: number | null; restockQuantity: number | null; limitPerCustomer: number | null; priceRisePercent: number | null }): string {
  switch (strategy.kind) {
    case 'promotion':
      if (strategy.buyNGetOne) return `买${strategy.buyNGetOne}送1`;
      return strategy.discountPercent ? discountLabel(strategy.discountPercent) : '促销';
    case 'restock':
      return `补货 ${formatQuantity(strategy.restockQuantity ?? 0)}`;
    case 'limit-per-customer':
      return `每人限购 ${strategy.limitPerCustomer ?? 0}`;
    case 'price-rise':
      return `提价 ${strategy.priceRisePercent ?? 0}%`;
  }
}

/** Month/day in the store's time zone, as a customer reads an end date: "12/20". */
export function shortDate(at: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, month: 'numeric', day: 'numeric' }).formatToParts(new Date(at));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('month')}/${get('day')}`;
}

/**
 * The customer-facing line of a promotion for the 促销 answer:
 * "金龙鱼花生油5L 8.5折(至12/20)". The last day shown is the day before
 * endsAt when it ends at midnight (ends 12/21 00:00 → 至12/20).
 */
export function promotionLine(
  promotion: { productName: string | null; discountPercent: number | null; buyNGetOne: number | null; text?: string | null; endsAt: number },
  timeZone: string,
): string {
  const offer = promotion.buyNGetOne ? `买${promotion.buyNGetOne}送1` : promotion.discountPercent ? discountLabel(promotion.discountPercent) : '';
  const what = promotion.text?.trim() ? promotion.text.trim() : [promotion.productName ?? '', offer].filter(Boolean).join(' ');
  return `${what}(至${shortDate(promotion.endsAt - 1, timeZone)})`;
}

/** Look-back for a set of rules: enough days for every window and every slow-mover threshold. */
export function lookbackDaysOf(rules: readonly Pick<StrategyRuleSettings, 'windowDays' | 'slowDays'>[]): number {
  let days = 1;
  for (const rule of rules) days = Math.max(days, rule.windowDays, rule.slowDays ?? 0);
  return days;
}
