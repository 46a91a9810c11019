import type { MemberFilter } from '../api/members';

/**
 * The member filter as the filter builder edits it (strings and nullable
 * numbers), and back: every criterion MemberFilter has, so a saved segment or
 * audience opened in the builder comes back unchanged. Pure, shared by the 会员
 * search, the campaign editor, segments and care audiences.
 */
export type Gender = NonNullable<MemberFilter['genders']>[number];
export type Source = NonNullable<MemberFilter['sources']>[number];
export type Level = NonNullable<MemberFilter['levels']>[number];

export const GENDERS: readonly Gender[] = ['F', 'M', 'U'];
export const SOURCES: readonly Source[] = ['pos', 'manual', 'import'];
/** The server's MEMBER_LEVEL_NAMES (the renderer imports no runtime code from main), lowest first. */
export const LEVELS: readonly Level[] = ['regular', 'silver', 'gold', 'diamond'];

export type BirthdayMode = '' | 'within' | 'range';
export type PurchaseMode = '' | 'recent' | 'dates' | 'never';

export interface FilterForm {
  keyword: string;
  name: string;
  nameMatch: 'prefix' | 'contains';
  mobile: string;
  cardNo: string;
  sources: Source[];
  stores: string[];
  genders: Gender[];
  ageMin: number | null;
  ageMax: number | null;
  birthdayMode: BirthdayMode;
  /** within: today and the next days − 1 days. */
  birthdayDays: number | null;
  /** range: 'MM-DD'. */
  birthdayFrom: string;
  birthdayTo: string;
  birthdayCalendar: '' | 'solar' | 'lunar';
  pointsMin: number | null;
  pointsMax: number | null;
  spentMinYuan: number | null;
  spentMaxYuan: number | null;
  levels: Level[];
  purchaseMode: PurchaseMode;
  /** recent: bought in the last N days; not in the last M days (either or both). */
  boughtWithinDays: number | null;
  notBoughtDays: number | null;
  /** dates: from the start of one day, to the end of another (either or both). */
  purchaseFrom: Date | null;
  purchaseTo: Date | null;
  tags: string[];
  tagMatch: 'any' | 'all';
  topicIds: number[];
  consent: '' | 'yes' | 'no';
}

export function emptyFilterForm(): FilterForm {
  return {
    keyword: '',
    name: '',
    nameMatch: 'prefix',
    mobile: '',
    cardNo: '',
    sources: [],
    stores: [],
    genders: [],
    ageMin: null,
    ageMax: null,
    birthdayMode: '',
    birthdayDays: 7,
    birthdayFrom: '',
    birthdayTo: '',
    birthdayCalendar: '',
    pointsMin: null,
    pointsMax: null,
    spentMinYuan: null,
    spentMaxYuan: null,
    levels: [],
    purchaseMode: '',
    boughtWithinDays: null,
    notBoughtDays: null,
    purchaseFrom: null,
    purchaseTo: null,
    tags: [],
    tagMatch: 'any',
    topicIds: [],
    consent: '',
  };
}

const DAY_MS = 86_400_000;

function range(min: number | null, max: number | null, scale = 1): { min?: number; max?: number } | undefined {
  if (min === null && max === null) return undefined;
  return { ...(min !== null ? { min: Math.round(min * scale) } : {}), ...(max !== null ? { max: Math.round(max * scale) } : {}) };
}

/** 'MM-DD' (or 'M-D') as a month and day; undefined when it is not one. */
export function parseMonthDay(text: string): { month: number; day: number } | undefined {
  const match = /^(\d{1,2})-(\d{1,2})$/.exec(text.trim());
  if (!match) return undefined;
  const month = Number(match[1]);
  const day = Number(match[2]);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 ? { month, day } : undefined;
}

export function monthDayText(value: { month: number; day: number }): string {
  return `${String(value.month).padStart(2, '0')}-${String(value.day).padStart(2, '0')}`;
}

function startOfDay(date: Date): number {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

export function filterOf(form: FilterForm): MemberFilter {
  const filter: MemberFilter = {};
  if (form.keyword.trim()) filter.keyword = form.keyword.trim();
  if (form.name.trim()) filter.name = { value: form.name.trim(), match: form.nameMatch };
  if (form.mobile.trim()) filter.mobile = form.mobile.trim();
  if (form.cardNo.trim()) filter.cardNo = form.cardNo.trim();
  if (form.stores.length) filter.storeCodes = [...form.stores];
  if (form.genders.length) filter.genders = [...form.genders];
  if (form.sources.length) filter.sources = [...form.sources];
  const age = range(form.ageMin, form.ageMax);
  if (age) filter.age = age;
  if (form.birthdayMode === 'within' && form.birthdayDays !== null) filter.birthdayWithin = { days: form.birthdayDays };
  if (form.birthdayMode === 'range') {
    const from = parseMonthDay(form.birthdayFrom);
    const to = parseMonthDay(form.birthdayTo);
    if (from && to) filter.birthday = { from, to };
  }
  if (form.birthdayCalendar) filter.birthdayCalendar = form.birthdayCalendar;
  const points = range(form.pointsMin, form.pointsMax);
  if (points) filter.points = points;
  const spent = range(form.spentMinYuan, form.spentMaxYuan, 100);
  if (spent) filter.totalSpentCents = spent;
  if (form.levels.length) filter.levels = LEVELS.filter((level) => form.levels.includes(level));
  if (form.purchaseMode === 'never') filter.lastPurchase = { never: true };
  if (form.purchaseMode === 'recent' && (form.boughtWithinDays !== null || form.notBoughtDays !== null)) {
    filter.lastPurchase = {
      ...(form.boughtWithinDays !== null ? { withinDays: form.boughtWithinDays } : {}),
      ...(form.notBoughtDays !== null ? { notWithinDays: form.notBoughtDays } : {}),
    };
  }
  if (form.purchaseMode === 'dates' && (form.purchaseFrom || form.purchaseTo)) {
    filter.lastPurchase = {
      ...(form.purchaseFrom ? { from: startOfDay(form.purchaseFrom) } : {}),
      ...(form.purchaseTo ? { to: startOfDay(form.purchaseTo) + DAY_MS - 1 } : {}),
    };
  }
  if (form.tags.length) filter.tags = { values: [...form.tags], match: form.tagMatch };
  if (form.topicIds.length) filter.subscribedTo = { topicIds: [...form.topicIds] };
  if (form.consent) filter.marketingConsent = form.consent === 'yes';
  return filter;
}

/** The form that edits `filter` (filterOf(formOf(f)) is f for every filter the builder can make). */
export function formOf(filter: MemberFilter): FilterForm {
  const form = emptyFilterForm();
  form.keyword = filter.keyword ?? '';
  form.name = filter.name?.value ?? '';
  form.nameMatch = filter.name?.match ?? 'prefix';
  form.mobile = filter.mobile ?? '';
  form.cardNo = filter.cardNo ?? '';
  form.stores = [...(filter.storeCodes ?? [])];
  form.genders = [...(filter.genders ?? [])];
  form.sources = [...(filter.sources ?? [])];
  form.ageMin = filter.age?.min ?? null;
  form.ageMax = filter.age?.max ?? null;
  if (filter.birthdayWithin) {
    form.birthdayMode = 'within';
    form.birthdayDays = filter.birthdayWithin.days;
  } else if (filter.birthday) {
    form.birthdayMode = 'range';
    form.birthdayFrom = monthDayText(filter.birthday.from);
    form.birthdayTo = monthDayText(filter.birthday.to);
  }
  form.birthdayCalendar = filter.birthdayCalendar ?? '';
  form.pointsMin = filter.points?.min ?? null;
  form.pointsMax = filter.points?.max ?? null;
  form.spentMinYuan = filter.totalSpentCents?.min === undefined ? null : filter.totalSpentCents.min / 100;
  form.spentMaxYuan = filter.totalSpentCents?.max === undefined ? null : filter.totalSpentCents.max / 100;
  form.levels = [...(filter.levels ?? [])];
  const purchase = filter.lastPurchase;
  if (purchase?.never) form.purchaseMode = 'never';
  else if (purchase && (purchase.withinDays !== undefined || purchase.notWithinDays !== undefined)) {
    form.purchaseMode = 'recent';
    form.boughtWithinDays = purchase.withinDays ?? null;
    form.notBoughtDays = purchase.notWithinDays ?? null;
  } else if (purchase && (purchase.from !== undefined || purchase.to !== undefined)) {
    form.purchaseMode = 'dates';
    form.purchaseFrom = purchase.from === undefined ? null : new Date(purchase.from);
    form.purchaseTo = purchase.to === undefined ? null : new Date(purchase.to);
  }
  form.tags = [...(filter.tags?.values ?? [])];
  form.tagMatch = filter.tags?.match ?? 'any';
  form.topicIds = [...(filter.subscribedTo?.topicIds ?? [])];
  form.consent = filter.marketingConsent === undefined ? '' : filter.marketingConsent ? 'yes' : 'no';
  return form;
}

/** Search-page criteria (who exactly) that an audience rarely has: the builder shows them only when asked or set. */
export function hasIdentity(form: FilterForm): boolean {
  return Boolean(form.keyword.trim() || form.name.trim() || form.mobile.trim() || form.cardNo.trim() || form.sources.length);
}

/** How many criteria a filter has (the 更多筛选 badge). */
export function criteriaCount(filter: MemberFilter): number {
  return Object.keys(filter).length;
}

export interface DescribeTools {
  t: (key: string, values?: Record<string, unknown>) => string;
  /** A subscription topic's name, or undefined when it is not known (any more). */
  topicName: (id: number) => string | undefined;
  date: (ms: number) => string;
}

function rangeText(r: { min?: number | undefined; max?: number | undefined }, unit: (n: number) => string, t: DescribeTools['t']): string {
  if (r.min !== undefined && r.max !== undefined) return r.min === r.max ? unit(r.min) : `${unit(r.min)}–${unit(r.max)}`;
  if (r.min !== undefined) return t('memberFilter.chips.atLeast', { value: unit(r.min) });
  return t('memberFilter.chips.atMost', { value: unit(r.max ?? 0) });
}

/** The filter in short phrases ("女", "20–45 岁", "未来 7 天内生日"), one per criterion, in the UI language. */
export function describeFilter(filter: MemberFilter, tools: DescribeTools): string[] {
  const { t } = tools;
  const list = (values: readonly string[]) => values.join(t('memberFilter.chips.separator'));
  const out: string[] = [];
  if (filter.keyword) out.push(t('memberFilter.chips.keyword', { value: filter.keyword }));
  if (filter.name) out.push(t(`memberFilter.chips.name.${filter.name.match}`, { value: filter.name.value }));
  if (filter.mobile) out.push(t('memberFilter.chips.mobile', { value: filter.mobile }));
  if (filter.cardNo) out.push(t('memberFilter.chips.cardNo', { value: filter.cardNo }));
  if (filter.storeCodes) out.push(t('memberFilter.chips.stores', { value: list(filter.storeCodes) }));
  if (filter.genders) out.push(list(filter.genders.map((g) => t(`memberFilter.genders.${g}`))));
  if (filter.sources) out.push(t('memberFilter.chips.sources', { value: list(filter.sources.map((s) => t(`memberFilter.sources.${s}`))) }));
  if (filter.age) out.push(t('memberFilter.chips.age', { value: rangeText(filter.age, String, t) }));
  if (filter.birthdayWithin) out.push(t('memberFilter.chips.birthdayWithin', { days: filter.birthdayWithin.days }));
  if (filter.birthday) out.push(t('memberFilter.chips.birthday', { from: monthDayText(filter.birthday.from), to: monthDayText(filter.birthday.to) }));
  if (filter.birthdayCalendar) out.push(t(`memberFilter.chips.calendar.${filter.birthdayCalendar}`));
  if (filter.points) out.push(t('memberFilter.chips.points', { value: rangeText(filter.points, String, t) }));
  if (filter.totalSpentCents) out.push(t('memberFilter.chips.spent', { value: rangeText(filter.totalSpentCents, (c) => `¥${(c / 100).toLocaleString()}`, t) }));
  if (filter.levels) out.push(t('memberFilter.chips.levels', { value: list(filter.levels.map((l) => t(`memberFilter.levels.${l}`))) }));
  const p = filter.lastPurchase;
  if (p?.never) out.push(t('memberFilter.chips.never'));
  if (p?.withinDays !== undefined) out.push(t('memberFilter.chips.boughtWithin', { days: p.withinDays }));
  if (p?.notWithinDays !== undefined) out.push(t('memberFilter.chips.notBought', { days: p.notWithinDays }));
  if (p?.from !== undefined || p?.to !== undefined) {
    out.push(t('memberFilter.chips.purchaseDates', { from: p.from === undefined ? '…' : tools.date(p.from), to: p.to === undefined ? '…' : tools.date(p.to) }));
  }
  if (filter.tags) out.push(t(`memberFilter.chips.tags.${filter.tags.match}`, { value: list(filter.tags.values) }));
  if (filter.subscribedTo) out.push(t('memberFilter.chips.topics', { value: list(filter.subscribedTo.topicIds.map((id) => tools.topicName(id) ?? `#${id}`)) }));
  if (filter.marketingConsent !== undefined) out.push(t(filter.marketingConsent ? 'memberFilter.chips.consentYes' : 'memberFilter.chips.consentNo'));
  return out;
}
