import type { CreateStaffDto, StaffDto, StaffImportReportDto, StaffPageDto, UpdateStaffDto } from '../../../main/api/schemas/staff';
import { fileBase64, http } from './client';
// Brings the 'staff.changed' live event into ApplianceEvents for useEvents().
import type {} from '../../../main/staff/staff';

export type { CreateStaffDto, StaffDto, StaffImportReportDto, StaffPageDto, UpdateStaffDto };
export type ImportMode = 'keep-good' | 'all-or-nothing';

export interface StaffQuery {
  q?: string;
  active?: boolean;
  page: number;
  pageSize: number;
}


export const staffApi = {
  list: (query: StaffQuery) => http.get<StaffPageDto>('/staff', { query: { ...query } }),
  create: (entry: CreateStaffDto) => http.post<StaffDto>('/staff', entry),
  update: (id: number, changes: UpdateStaffDto) => http.patch<StaffDto>(`/staff/${id}`, changes),
  deactivate: (id: number) => http.post<StaffDto>(`/staff/${id}/deactivate`),
  activate: (id: number) => http.post<StaffDto>(`/staff/${id}/activate`),
  import: async (file: File, mode: ImportMode, dryRun: boolean) =>
    http.post<StaffImportReportDto>('/staff/import', { fileName: file.name, contentBase64: await fileBase64(file), mode, dryRun }),
};
