import type {
  ImportResult,
  MemberCreateInput,
  MemberDetail,
  MemberMessagesResult,
  MemberSearchResult,
  MemberSummary,
  MemberUpdateInput,
  PurchasesResult,
  Purchase,
} from '../../../main/api/schemas/members';
import type { MemberFilter, MemberSort } from '../../../main/members/filter';
import { fileBase64, http, type Query } from './client';

export type { ImportResult, MemberCreateInput, MemberDetail, MemberMessagesResult, MemberFilter, MemberSearchResult, MemberSort, MemberSummary, MemberUpdateInput, Purchase, PurchasesResult };
export type ImportMode = 'keep-good' | 'all-or-nothing';


/** The filter in its flat query form (GET /members/export takes it as parameters). */
export function flatQueryOf(filter: MemberFilter): Query {
  const list = (values: readonly string[] | undefined) => (values && values.length > 0 ? values.join(',') : undefined);
  const md = (v: { month: number; day: number } | undefined) =>
    v ? `${String(v.month).padStart(2, '0')}-${String(v.day).padStart(2, '0')}` : undefined;
  return {
    keyword: filter.keyword,
    name: filter.name?.value,
    nameMatch: filter.name?.match,
    mobile: filter.mobile,
    cardNo: filter.cardNo,
    store: list(filter.storeCodes),
    gender: list(filter.genders),
    source: list(filter.sources),
    ageMin: filter.age?.min,
    ageMax: filter.age?.max,
    birthdayFrom: md(filter.birthday?.from),
    birthdayTo: md(filter.birthday?.to),
    pointsMin: filter.points?.min,
    pointsMax: filter.points?.max,
    spentMinCents: filter.totalSpentCents?.min,
    spentMaxCents: filter.totalSpentCents?.max,
    lastPurchaseFrom: filter.lastPurchase?.from,
    lastPurchaseTo: filter.lastPurchase?.to,
    neverPurchased: filter.lastPurchase?.never,
    tags: filter.tags ? filter.tags.values.join(',') : undefined,
    tagMatch: filter.tags?.match,
    consent: filter.marketingConsent,
  };
}

export const membersApi = {
  search: (filter: MemberFilter, sort: MemberSort | undefined, page: number, pageSize: number) =>
    http.post<MemberSearchResult>('/members/search', { filter, sort, page, pageSize }),
  get: (id: number) => http.get<MemberDetail>(`/members/${id}`),
  purchases: (id: number, page: number, pageSize: number) => http.get<PurchasesResult>(`/members/${id}/purchases`, { query: { page, pageSize } }),
  messages: (id: number, page: number, pageSize: number) => http.get<MemberMessagesResult>(`/members/${id}/messages`, { query: { page, pageSize } }),
  create: (input: MemberCreateInput) => http.post<MemberDetail>('/members', input),
  update: (id: number, changes: MemberUpdateInput) => http.patch<MemberDetail>(`/members/${id}`, changes),
  tags: () => http.get<{ items: Array<{ tag: string; count: number }> }>('/members/tags'),
  import: async (file: File, mode: ImportMode, dryRun: boolean) =>
    http.post<ImportResult>('/members/import', { fileName: file.name, contentBase64: await fileBase64(file), mode, dryRun }),
  /** A plain link: the browser downloads the stream with the session cookie. */
  exportUrl: (filter: MemberFilter, format: 'csv' | 'xlsx') => {
    const params = new URLSearchParams({ format });
    for (const [key, value] of Object.entries(flatQueryOf(filter))) {
      if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
    }
    return `/api/members/export?${params.toString()}`;
  },
};
