/**
 * Strategy rules (策略规则): validation (pure) and the rows they are kept in.
 * Every bad value gets an error naming the field and what to enter.
 */
import { StrategyError } from './errors.js';
import { FAST_SELLER_ACTIONS, PROMOTION_TYPES, type StrategyRule, type StrategyRuleInput, type StrategyRuleSettings } from './types.js';

export interface RuleRow {
  id: number;
  store_code: string;
  category: string;
  product_code: string;
  enabled: number | boolean;
  window_days: number;
  overstock_cover_days: number | null;
  max_stock: number | null;
  low_cover_days: number | null;
  min_stock: number | null;
  slow_days: number | null;
  target_cover_days: number;
  promotion_type: string;
  min_discount_percent: number;
  max_discount_percent: number;
  buy_n: number;
  promotion_days: number;
  reject_cooldown_days: number;
  fast_seller_enabled: number | boolean;
  fast_seller_action: string;
  fast_min_daily_sales: number;
  fast_cover_days: number;
  price_rise_percent: number;
  limit_per_customer: number;
  updated_at: number | string;
  updated_by: string;
}

const numOrNull = (v: number | string | null): number | null => (v === null ? null : Number(v));

export function toRule(row: RuleRow): StrategyRule {
  return {
    id: row.id,
    storeCode: row.store_code || null,
    category: row.category || null,
    productCode: row.product_code || null,
    enabled: Boolean(row.enabled),
    windowDays: Number(row.window_days),
    overstockCoverDays: numOrNull(row.overstock_cover_days),
    maxStock: numOrNull(row.max_stock),
    lowCoverDays: numOrNull(row.low_cover_days),
    minStock: numOrNull(row.min_stock),
    slowDays: numOrNull(row.slow_days),
    targetCoverDays: Number(row.target_cover_days),
    promotionType: row.promotion_type as StrategyRule['promotionType'],
    minDiscountPercent: Number(row.min_discount_percent),
    maxDiscountPercent: Number(row.max_discount_percent),
    buyN: Number(row.buy_n),
    promotionDays: Number(row.promotion_days),
    rejectCooldownDays: Number(row.reject_cooldown_days),
    fastSellerEnabled: Boolean(row.fast_seller_enabled),
    fastSellerAction: row.fast_seller_action as StrategyRule['fastSellerAction'],
    fastMinDailySales: Number(row.fast_min_daily_sales),
    fastCoverDays: Number(row.fast_cover_days),
    priceRisePercent: Number(row.price_rise_percent),
    limitPerCustomer: Number(row.limit_per_customer),
    updatedAt: Number(row.updated_at),
    updatedBy: row.updated_by,
  };
}

export function ruleColumns(rule: StrategyRuleInput): Record<string, unknown> {
  return {
    store_code: rule.storeCode ?? '',
    category: rule.productCode ? '' : (rule.category ?? ''),
    product_code: rule.productCode ?? '',
    enabled: rule.enabled ?? true,
    window_days: rule.windowDays,
    overstock_cover_days: rule.overstockCoverDays,
    max_stock: rule.maxStock,
    low_cover_days: rule.lowCoverDays,
    min_stock: rule.minStock,
    slow_days: rule.slowDays,
    target_cover_days: rule.targetCoverDays,
    promotion_type: rule.promotionType,
    min_discount_percent: rule.minDiscountPercent,
    max_discount_percent: rule.maxDiscountPercent,
    buy_n: rule.buyN,
    promotion_days: rule.promotionDays,
    reject_cooldown_days: rule.rejectCooldownDays,
    fast_seller_enabled: rule.fastSellerEnabled,
    fast_seller_action: rule.fastSellerAction,
    fast_min_daily_sales: rule.fastMinDailySales,
    fast_cover_days: rule.fastCoverDays,
    price_rise_percent: rule.priceRisePercent,
    limit_per_customer: rule.limitPerCustomer,
  };
}

function invalid(field: string, message: string): never {
  throw new StrategyError('STRATEGY_RULE_INVALID', message, 400, { field });
}

function wholeNumber(field: string, label: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    invalid(field, `${label} must be a whole number from ${min} to ${max}.`);
  }
  return value;
}

function optionalWhole(field: string, label: string, value: unknown, min: number, max: number): number | null {
  if (value === null || value === undefined) return null;
  return wholeNumber(field, `${label} (or empty to switch it off)`, value, min, max);
}

function optionalAmount(field: string, label: string, value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 1e9) {
    invalid(field, `${label} must be a number above 0 (or empty to switch it off).`);
  }
  return value;
}

function scopeText(field: string, label: string, value: unknown, maxLength: number): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') invalid(field, `${label} must be text.`);
  const trimmed = value.trim();
  if (trimmed === '') return null;
  if ([...trimmed].length > maxLength) invalid(field, `${label} is longer than ${maxLength} characters.`);
  return trimmed;
}

/**
 * Checks a rule and returns it cleaned (trimmed scope, a product rule's
 * category dropped). Thresholds must make sense together: low cover below
 * overstock cover, minimum below maximum, the restock target above the low
 * threshold, the smallest discount not above the deepest.
 */
export function validateRule(input: StrategyRuleInput): StrategyRuleInput {
  const storeCode = scopeText('storeCode', 'The store code', input.storeCode, 32);
  const productCode = scopeText('productCode', 'The product code', input.productCode, 64);
  const category = productCode ? null : scopeText('category', 'The category', input.category, 64);
  const settings: StrategyRuleSettings = {
    windowDays: wholeNumber('windowDays', 'The sales window (days)', input.windowDays, 1, 365),
    overstockCoverDays: optionalWhole('overstockCoverDays', 'Overstock days of cover', input.overstockCoverDays, 1, 3650),
    maxStock: optionalAmount('maxStock', 'The maximum stock', input.maxStock),
    lowCoverDays: optionalWhole('lowCoverDays', 'Low-stock days of cover', input.lowCoverDays, 1, 365),
    minStock: optionalAmount('minStock', 'The minimum stock', input.minStock),
    slowDays: optionalWhole('slowDays', 'Slow mover: days without a sale', input.slowDays, 1, 365),
    targetCoverDays: wholeNumber('targetCoverDays', 'The restock target (days of cover)', input.targetCoverDays, 1, 365),
    promotionType: input.promotionType,
    minDiscountPercent: wholeNumber('minDiscountPercent', 'The smallest discount (percent off)', input.minDiscountPercent, 1, 90),
    maxDiscountPercent: wholeNumber('maxDiscountPercent', 'The deepest discount (percent off)', input.maxDiscountPercent, 1, 90),
    buyN: wholeNumber('buyN', 'Buy N get one: N', input.buyN, 1, 20),
    promotionDays: wholeNumber('promotionDays', 'The promotion length (days)', input.promotionDays, 1, 90),
    rejectCooldownDays: wholeNumber('rejectCooldownDays', 'The pause after a rejection (days)', input.rejectCooldownDays, 0, 365),
    fastSellerEnabled: input.fastSellerEnabled === true,
    fastSellerAction: input.fastSellerAction,
    fastMinDailySales: optionalAmount('fastMinDailySales', 'Fast seller: daily sales at least', input.fastMinDailySales) ?? invalid('fastMinDailySales', 'Fast seller: daily sales at least must be a number above 0.'),
    fastCoverDays: wholeNumber('fastCoverDays', 'Fast seller: days of cover below', input.fastCoverDays, 1, 60),
    priceRisePercent: wholeNumber('priceRisePercent', 'The price rise (percent)', input.priceRisePercent, 1, 50),
    limitPerCustomer: wholeNumber('limitPerCustomer', 'The limit per customer', input.limitPerCustomer, 1, 99),
  };
  if (!(PROMOTION_TYPES as readonly string[]).includes(settings.promotionType)) {
    invalid('promotionType', `The promotion type must be ${PROMOTION_TYPES.join(' or ')}.`);
  }
  if (!(FAST_SELLER_ACTIONS as readonly string[]).includes(settings.fastSellerAction)) {
    invalid('fastSellerAction', `The fast-seller action must be ${FAST_SELLER_ACTIONS.join(' or ')}.`);
  }
  if (settings.minDiscountPercent > settings.maxDiscountPercent) {
    invalid('maxDiscountPercent', 'The deepest discount must be at least the smallest discount.');
  }
  if (settings.lowCoverDays !== null && settings.overstockCoverDays !== null && settings.lowCoverDays >= settings.overstockCoverDays) {
    invalid('lowCoverDays', 'Low-stock days of cover must be below the overstock days of cover.');
  }
  if (settings.minStock !== null && settings.maxStock !== null && settings.minStock >= settings.maxStock) {
    invalid('minStock', 'The minimum stock must be below the maximum stock.');
  }
  if (settings.lowCoverDays !== null && settings.targetCoverDays <= settings.lowCoverDays) {
    invalid('targetCoverDays', 'The restock target must be more days of cover than the low-stock threshold.');
  }
  return { storeCode, category, productCode, enabled: input.enabled ?? true, ...settings };
}

/** A rule's scope in words for messages and the audit log: "store 01 / 粮油 / all products". */
export function scopeLabel(rule: { storeCode: string | null; category: string | null; productCode: string | null }): string {
  const store = rule.storeCode ? `store ${rule.storeCode}` : 'all stores';
  const what = rule.productCode ? `product ${rule.productCode}` : rule.category ? `category ${rule.category}` : 'all categories';
  return `${store} / ${what}`;
}
