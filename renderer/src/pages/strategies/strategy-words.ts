import type { StrategyDto } from '../../api/strategies';

type Translate = (key: string, values?: Record<string, unknown>) => string;

/** Quantities as the server words them: whole units plain, weighed goods to 0.1. */
export function quantity(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 10) / 10);
}

/** Daily sales: one decimal, two significant digits below 0.1 (a slow seller never reads as 0). */
export function rate(value: number): string {
  if (value === 0) return '0';
  return value >= 0.1 ? value.toFixed(1) : String(Number(value.toPrecision(2)));
}

export function days(value: number): string {
  return value >= 10 ? String(Math.round(value)) : String(Math.round(value * 10) / 10);
}

/** 15 (% off) → "8.5折" in Chinese, "15% off" in English. */
export function discountLabel(percentOff: number, locale: string): string {
  if (!locale.startsWith('zh')) return `${percentOff}% off`;
  const tenths = (100 - percentOff) / 10;
  return `${Number.isInteger(tenths) ? tenths : tenths.toFixed(1)}折`;
}

/** What the strategy asks the store to do, in the UI language. */
export function actionWords(s: StrategyDto, t: Translate, locale: string): string {
  switch (s.kind) {
    case 'promotion':
      if (s.origin === 'manual') return s.promotionText ?? '';
      if (s.buyNGetOne) return t('strategies.action.buyNGetOne', { n: s.buyNGetOne });
      return s.discountPercent ? t('strategies.action.discount', { label: discountLabel(s.discountPercent, locale) }) : t('strategies.kinds.promotion');
    case 'restock':
      return t('strategies.action.restock', { quantity: quantity(s.restockQuantity ?? 0) });
    case 'limit-per-customer':
      return t('strategies.action.limit', { n: s.limitPerCustomer ?? 0 });
    case 'price-rise':
      return t('strategies.action.priceRise', { percent: s.priceRisePercent ?? 0 });
  }
}

/**
 * The reason in the UI language. Chinese shows the server's own sentence (the
 * one staff get by SMS); other languages word each reason code from the figures.
 */
export function reasonWords(s: StrategyDto, t: Translate, locale: string): string {
  if (locale.startsWith('zh') || !s.reason.figures) return s.reason.text || t(`strategies.reasons.${s.reason.codes[0] ?? 'manual'}`);
  const f = s.reason.figures;
  return s.reason.codes
    .map((code) =>
      t(`strategies.reasons.${code}`, {
        stock: quantity(f.stock),
        avg: rate(f.avgDailySales),
        window: f.windowDays,
        cover: f.daysOfCover === null ? '∞' : days(f.daysOfCover),
        threshold: f.threshold === null ? '' : quantity(f.threshold),
        days: f.daysSinceLastSale ?? '',
      }),
    )
    .join('; ');
}
