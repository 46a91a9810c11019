import type { PriceSettingsBodyDto, PriceSettingsDto, ReportResultDto, ScheduleBodyDto, ScheduleDto } from '../../../main/api/schemas/reports';
import type { ReportKind, VolumeGroup } from '../../../main/reports/reports';
import { http } from './client';

export type { ReportResultDto, ReportKind, VolumeGroup, ScheduleBodyDto, ScheduleDto, PriceSettingsDto, PriceSettingsBodyDto };

export interface ReportQuery {
  from: string;
  to: string;
  storeCode?: string;
  groupBy?: VolumeGroup;
}

export const reportsApi = {
  run: (kind: ReportKind, query: ReportQuery) => http.get<ReportResultDto>(`/reports/${kind}`, { query: { ...query } }),
  /** The price per SMS part (厘) and each modem's own. */
  prices: () => http.get<PriceSettingsDto>('/reports/settings'),
  savePrices: (body: PriceSettingsBodyDto) => http.put<PriceSettingsDto>('/reports/settings', body),
  schedules: () => http.get<{ items: ScheduleDto[] }>('/reports/schedules'),
  createSchedule: (body: ScheduleBodyDto) => http.post<ScheduleDto>('/reports/schedules', body),
  updateSchedule: (id: number, body: ScheduleBodyDto) => http.put<ScheduleDto>(`/reports/schedules/${id}`, body),
  removeSchedule: (id: number) => http.delete<{ ok: true }>(`/reports/schedules/${id}`),
  /** A plain link: the browser downloads it with the session cookie. */
  exportUrl: (kind: ReportKind, query: ReportQuery, language: string) => {
    const params = new URLSearchParams({ from: query.from, to: query.to, language });
    if (query.storeCode) params.set('storeCode', query.storeCode);
    if (query.groupBy) params.set('groupBy', query.groupBy);
    return `/api/reports/${kind}/export?${params.toString()}`;
  },
};
