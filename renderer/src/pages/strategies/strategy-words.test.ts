import { describe, expect, it } from 'vitest';
import type { StrategyDto } from '../../api/strategies';
import { actionWords, discountLabel, reasonWords } from './strategy-words';

const t = (key: string, values?: Record<string, unknown>) => `${key}${values ? JSON.stringify(values) : ''}`;

const base = {
  kind: 'promotion',
  origin: 'engine',
  discountPercent: 15,
  buyNGetOne: null,
  restockQuantity: null,
  limitPerCustomer: null,
  priceRisePercent: null,
  promotionText: '金龙鱼花生油5L 8.5折(至12/20)',
  reason: {
    codes: ['overstock-cover'],
    text: '库存 480，近28天日均销量 6.1，可售 79 天 > 45 天',
    figures: { stock: 480, soldInWindow: 171, windowDays: 28, avgDailySales: 171 / 28, daysOfCover: 78.6, threshold: 45, lastSoldAt: 0, daysSinceLastSale: 1 },
  },
} as unknown as StrategyDto;

describe('strategy words', () => {
  it('Chinese shows the server sentence; English words the code from the figures', () => {
    expect(reasonWords(base, t, 'zh-CN')).toBe('库存 480，近28天日均销量 6.1，可售 79 天 > 45 天');
    expect(reasonWords(base, t, 'en')).toBe('strategies.reasons.overstock-cover{"stock":"480","avg":"6.1","window":28,"cover":"79","threshold":"45","days":1}');
  });
  it('discounts read as 折 in Chinese and % off in English', () => {
    expect(discountLabel(15, 'zh-CN')).toBe('8.5折');
    expect(discountLabel(20, 'zh-CN')).toBe('8折');
    expect(discountLabel(15, 'en')).toBe('15% off');
    expect(actionWords(base, t, 'zh-CN')).toBe('strategies.action.discount{"label":"8.5折"}');
    expect(actionWords({ ...base, kind: 'restock', restockQuantity: 38 }, t, 'en')).toBe('strategies.action.restock{"quantity":"38"}');
  });
});
