import type {
  AddListEntryDto,
  ImportReportDto,
  ListEntryDto,
  ListPageDto,
  ListStatusDto,
  UpdateListEntryDto,
} from '../../../main/api/schemas/lists';
import { fileBase64, http } from './client';
// Brings the 'lists.changed' live event into ApplianceEvents for useEvents().
import type {} from '../../../main/messaging/lists/lists';

export type { AddListEntryDto, ImportReportDto, ListEntryDto, ListPageDto, ListStatusDto, UpdateListEntryDto };
export type ListKind = 'black' | 'white';
export type ImportMode = 'keep-good' | 'all-or-nothing';
export type BlacklistScope = ListEntryDto['scope'];

export interface ListQuery {
  q?: string;
  includeExpired?: boolean;
  page: number;
  pageSize: number;
}


export const listsApi = {
  search: (list: ListKind, query: ListQuery) => http.get<ListPageDto>(`/lists/${list}`, { query: { ...query } }),
  add: (list: ListKind, entry: AddListEntryDto) => http.post<ListEntryDto>(`/lists/${list}`, entry),
  update: (id: number, changes: UpdateListEntryDto) => http.patch<ListEntryDto>(`/lists/entries/${id}`, changes),
  remove: (id: number) => http.delete<{ ok: true }>(`/lists/entries/${id}`),
  status: (number: string) => http.get<ListStatusDto>('/lists/status', { query: { number } }),
  import: async (list: ListKind, file: File, mode: ImportMode, dryRun: boolean) =>
    http.post<ImportReportDto>(`/lists/${list}/import`, { fileName: file.name, contentBase64: await fileBase64(file), mode, dryRun }),
  /** A plain link: the browser downloads it with the session cookie. */
  exportUrl: (list: ListKind, format: 'csv' | 'xlsx') => `/api/lists/${list}/export?format=${format}`,
};
