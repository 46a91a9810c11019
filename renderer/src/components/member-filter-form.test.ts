import { describe, expect, it } from 'vitest';
import type { MemberFilter } from '../api/members';
import { describeFilter, emptyFilterForm, filterOf, formOf } from './member-filter-form';

const t = (key: string, values?: Record<string, unknown>) => `${key.replace('memberFilter.', '')}${values ? JSON.stringify(values) : ''}`;
const tools = { t, topicName: (id: number) => (id === 2 ? '促销信息' : undefined), date: (ms: number) => new Date(ms).toISOString().slice(0, 10) };
const localDay = (y: number, m: number, d: number) => new Date(y, m - 1, d).getTime();

describe('member filter form', () => {
  it('an empty form is no filter: every member', () => {
    expect(filterOf(emptyFilterForm())).toEqual({});
  });

  it('every criterion the builder makes comes back unchanged through the form (a segment opened and saved keeps its filter)', () => {
    const filters: MemberFilter[] = [
      {
        storeCodes: ['S001', 'S002'],
        genders: ['F'],
        age: { min: 20, max: 45 },
        birthdayWithin: { days: 7 },
        birthdayCalendar: 'lunar',
        points: { min: 1000 },
        totalSpentCents: { min: 100_000, max: 500_000 },
        levels: ['silver', 'gold'],
        lastPurchase: { withinDays: 365, notWithinDays: 90 },
        tags: { values: ['VIP', '老顾客'], match: 'all' },
        subscribedTo: { topicIds: [2, 5] },
        marketingConsent: true,
      },
      { birthday: { from: { month: 12, day: 20 }, to: { month: 1, day: 10 } }, lastPurchase: { never: true }, marketingConsent: false },
      { lastPurchase: { from: localDay(2026, 1, 1), to: localDay(2026, 7, 1) - 1 } },
      { lastPurchase: { to: localDay(2026, 3, 1) - 1 }, points: { max: 0 } },
      { keyword: '王', name: { value: '明', match: 'contains' }, mobile: '13800138000', cardNo: 'C001', sources: ['import'] },
    ];
    for (const filter of filters) expect(filterOf(formOf(filter))).toEqual(filter);
  });

  it('half-filled parts are left out rather than sent broken', () => {
    const form = emptyFilterForm();
    form.birthdayMode = 'range';
    form.birthdayFrom = '12-20';
    form.birthdayTo = '';
    form.purchaseMode = 'recent';
    form.spentMinYuan = 99.5;
    expect(filterOf(form)).toEqual({ totalSpentCents: { min: 9950 } });
  });

  it('levels go out lowest first whatever order they were ticked in', () => {
    const form = emptyFilterForm();
    form.levels = ['diamond', 'regular'];
    expect(filterOf(form).levels).toEqual(['regular', 'diamond']);
  });

  it('describes a filter in one phrase per criterion, topics by name', () => {
    expect(
      describeFilter(
        { genders: ['F', 'M'], age: { min: 60 }, birthdayWithin: { days: 7 }, lastPurchase: { notWithinDays: 90 }, subscribedTo: { topicIds: [2, 9] }, totalSpentCents: { min: 100_000, max: 100_000 } },
        tools,
      ),
    ).toEqual([
      `genders.F${t('chips.separator')}genders.M`,
      'chips.age{"value":"chips.atLeast{\\"value\\":\\"60\\"}"}',
      'chips.birthdayWithin{"days":7}',
      'chips.spent{"value":"¥1,000"}',
      'chips.notBought{"days":90}',
      `chips.topics{"value":"促销信息${t('chips.separator')}#9"}`,
    ]);
  });
});
