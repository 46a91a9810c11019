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
import { fileBase64, http } from './client';

export type { ImportResult, MemberCreateInput, MemberDetail, MemberMessagesResult, MemberFilter, MemberSearchResult, MemberSort, MemberSummary, MemberUpdateInput, Purchase, PurchasesResult };
export type ImportMode = 'keep-good' | 'all-or-nothing';

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
  exportUrl: (filter: MemberFilter, format: 'csv' | 'xlsx') => `/api/members/export?${new URLSearchParams({ format, filter: JSON.stringify(filter) }).toString()}`,
};
