import type { MemberFilter } from '../../api/members';

/** What the filter panel edits: strings and nullable numbers, turned into one MemberFilter on search. */
export interface FilterForm {
  keyword: string;
  name: string;
  nameMatch: 'prefix' | 'contains';
  mobile: string;
  cardNo: string;
  stores: string[];
  genders: Array<'M' | 'F' | 'U'>;
  sources: Array<'pos' | 'manual' | 'import'>;
  ageMin: number | null;
  ageMax: number | null;
  birthdayFrom: string;
  birthdayTo: string;
  pointsMin: number | null;
  pointsMax: number | null;
  spentMinYuan: number | null;
  spentMaxYuan: number | null;
  lastPurchase: [Date, Date] | null;
  neverPurchased: boolean;
  tags: string[];
  tagMatch: 'any' | 'all';
  consent: '' | 'yes' | 'no';
}

export function emptyFilterForm(): FilterForm {
  return {
    keyword: '',
    name: '',
    nameMatch: 'prefix',
    mobile: '',
    cardNo: '',
    stores: [],
    genders: [],
    sources: [],
    ageMin: null,
    ageMax: null,
    birthdayFrom: '',
    birthdayTo: '',
    pointsMin: null,
    pointsMax: null,
    spentMinYuan: null,
    spentMaxYuan: null,
    lastPurchase: null,
    neverPurchased: false,
    tags: [],
    tagMatch: 'any',
    consent: '',
  };
}

function range(min: number | null, max: number | null, scale = 1) {
  if (min === null && max === null) return undefined;
  return {
    ...(min !== null ? { min: Math.round(min * scale) } : {}),
    ...(max !== null ? { max: Math.round(max * scale) } : {}),
  };
}

function monthDay(text: string): { month: number; day: number } | undefined {
  const match = /^(\d{1,2})-(\d{1,2})$/.exec(text.trim());
  return match ? { month: Number(match[1]), day: Number(match[2]) } : undefined;
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
  const from = monthDay(form.birthdayFrom);
  const to = monthDay(form.birthdayTo);
  if (from && to) filter.birthday = { from, to };
  const points = range(form.pointsMin, form.pointsMax);
  if (points) filter.points = points;
  const spent = range(form.spentMinYuan, form.spentMaxYuan, 100);
  if (spent) filter.totalSpentCents = spent;
  if (form.neverPurchased) filter.lastPurchase = { never: true };
  else if (form.lastPurchase) {
    const [start, end] = form.lastPurchase;
    filter.lastPurchase = { from: start.getTime(), to: end.getTime() + 86_400_000 - 1 };
  }
  if (form.tags.length) filter.tags = { values: [...form.tags], match: form.tagMatch };
  if (form.consent) filter.marketingConsent = form.consent === 'yes';
  return filter;
}
