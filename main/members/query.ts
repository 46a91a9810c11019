import { ValidationError } from '../errors.js';
import { MEMBER_GENDERS, MEMBER_SORT_COLUMNS, MEMBER_SOURCES, parseMemberFilter, type MemberFilter, type MemberSort, type MemberSortField } from './filter.js';

/**
 * The flat form of a member filter: GET query parameters and CLI options.
 * Translated into the one MemberFilter so both paths search the same way.
 */
export interface FlatMemberQuery {
  /** The whole MemberFilter as JSON (what the UI sends): every criterion, the flat ones below ignored. */
  filter?: string | undefined;
  keyword?: string | undefined;
  name?: string | undefined;
  nameMatch?: 'prefix' | 'contains' | undefined;
  mobile?: string | undefined;
  cardNo?: string | undefined;
  store?: string | undefined;
  gender?: string | undefined;
  source?: string | undefined;
  ageMin?: number | undefined;
  ageMax?: number | undefined;
  birthdayFrom?: string | undefined;
  birthdayTo?: string | undefined;
  pointsMin?: number | undefined;
  pointsMax?: number | undefined;
  spentMinCents?: number | undefined;
  spentMaxCents?: number | undefined;
  lastPurchaseFrom?: number | undefined;
  lastPurchaseTo?: number | undefined;
  neverPurchased?: boolean | undefined;
  tags?: string | undefined;
  tagMatch?: 'any' | 'all' | undefined;
  consent?: boolean | undefined;
  sort?: string | undefined;
  order?: 'asc' | 'desc' | undefined;
}

const list = (text: string | undefined): string[] | undefined => {
  const items = text
    ?.split(/[,，、]/)
    .map((s) => s.trim())
    .filter(Boolean);
  return items && items.length > 0 ? [...new Set(items)] : undefined;
};

function monthDay(text: string, name: string): { month: number; day: number } {
  const match = /^(\d{1,2})-(\d{1,2})$/.exec(text.trim());
  if (!match) throw new ValidationError(`${name} must be a month and day such as 12-20.`, { field: name });
  return { month: Number(match[1]), day: Number(match[2]) };
}

function range(min: number | undefined, max: number | undefined) {
  if (min === undefined && max === undefined) return undefined;
  return { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
}

export function filterFromFlatQuery(query: FlatMemberQuery): MemberFilter {
  if (query.filter !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(query.filter);
    } catch {
      throw new ValidationError('The filter parameter is not JSON; send the member filter as JSON, or use the separate filter parameters.', { field: 'filter' });
    }
    return parseMemberFilter(parsed);
  }
  const filter: Record<string, unknown> = {};
  if (query.keyword?.trim()) filter.keyword = query.keyword.trim();
  if (query.name?.trim()) filter.name = { value: query.name.trim(), match: query.nameMatch ?? 'prefix' };
  if (query.mobile?.trim()) filter.mobile = query.mobile.trim();
  if (query.cardNo?.trim()) filter.cardNo = query.cardNo.trim();
  const stores = list(query.store);
  if (stores) filter.storeCodes = stores;
  const genders = list(query.gender?.toUpperCase());
  if (genders) {
    const bad = genders.find((g) => !(MEMBER_GENDERS as readonly string[]).includes(g));
    if (bad) throw new ValidationError(`gender "${bad}" is not M, F or U.`, { field: 'gender' });
    filter.genders = genders;
  }
  const sources = list(query.source?.toLowerCase());
  if (sources) {
    const bad = sources.find((s) => !(MEMBER_SOURCES as readonly string[]).includes(s));
    if (bad) throw new ValidationError(`source "${bad}" is not pos, manual or import.`, { field: 'source' });
    filter.sources = sources;
  }
  const age = range(query.ageMin, query.ageMax);
  if (age) filter.age = age;
  if (query.birthdayFrom || query.birthdayTo) {
    if (!query.birthdayFrom || !query.birthdayTo) {
      throw new ValidationError('A birthday range needs both birthdayFrom and birthdayTo (MM-DD).', { field: 'birthdayFrom' });
    }
    filter.birthday = { from: monthDay(query.birthdayFrom, 'birthdayFrom'), to: monthDay(query.birthdayTo, 'birthdayTo') };
  }
  const points = range(query.pointsMin, query.pointsMax);
  if (points) filter.points = points;
  const spent = range(query.spentMinCents, query.spentMaxCents);
  if (spent) filter.totalSpentCents = spent;
  if (query.lastPurchaseFrom !== undefined || query.lastPurchaseTo !== undefined || query.neverPurchased) {
    filter.lastPurchase = {
      ...(query.lastPurchaseFrom !== undefined ? { from: query.lastPurchaseFrom } : {}),
      ...(query.lastPurchaseTo !== undefined ? { to: query.lastPurchaseTo } : {}),
      ...(query.neverPurchased ? { never: true } : {}),
    };
  }
  const tags = list(query.tags);
  if (tags) filter.tags = { values: tags, match: query.tagMatch ?? 'any' };
  if (query.consent !== undefined) filter.marketingConsent = query.consent;
  return parseMemberFilter(filter);
}

export function sortFromFlatQuery(query: FlatMemberQuery): MemberSort | undefined {
  if (!query.sort) return undefined;
  if (!Object.hasOwn(MEMBER_SORT_COLUMNS, query.sort)) {
    throw new ValidationError(`Members cannot be sorted by "${query.sort}"; use one of ${Object.keys(MEMBER_SORT_COLUMNS).join(', ')}.`, {
      field: 'sort',
    });
  }
  return { field: query.sort as MemberSortField, direction: query.order ?? 'asc' };
}
