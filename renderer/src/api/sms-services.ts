import type {
  AskResultDto,
  QueryLogPageDto,
  ServiceSettingsDto,
  ServiceStatsDto,
  ServiceSummaryDto,
  ServiceViewDto,
  TemplatePreviewDto,
  UpdateServiceDto,
} from '../../../main/api/schemas/sms-services';
import { http } from './client';
// Brings the services.* live events into ApplianceEvents for useEvents().
import type {} from '../../../main/sms-services/service';

export type { AskResultDto, QueryLogPageDto, ServiceSettingsDto, ServiceStatsDto, ServiceSummaryDto, ServiceViewDto, TemplatePreviewDto, UpdateServiceDto };
export type QueryLogEntryDto = QueryLogPageDto['items'][number];

export interface QueryLogQuery {
  q?: string;
  service?: string;
  outcome?: string;
  from?: number;
  to?: number;
  page: number;
  pageSize: number;
}

export const smsServicesApi = {
  services: () => http.get<{ items: ServiceViewDto[] }>('/sms-services/services'),
  update: (id: string, changes: UpdateServiceDto) => http.patch<ServiceViewDto>(`/sms-services/services/${id}`, changes),
  reset: (id: string) => http.post<ServiceViewDto>(`/sms-services/services/${id}/reset`),
  preview: (owner: string, key: string, text: string, signal?: AbortSignal) => http.post<TemplatePreviewDto>('/sms-services/preview', { owner, key, text }, signal ? { signal } : {}),
  settings: () => http.get<ServiceSettingsDto>('/sms-services/settings'),
  updateSettings: (changes: Partial<ServiceSettingsDto>) => http.put<ServiceSettingsDto>('/sms-services/settings', changes),
  ask: (from: string, text: string) => http.post<AskResultDto>('/sms-services/ask', { from, text }),
  log: (query: QueryLogQuery) => http.get<QueryLogPageDto>('/sms-services/log', { query: { ...query } }),
  stats: (days: number) => http.get<ServiceStatsDto>('/sms-services/stats', { query: { days } }),
  summary: () => http.get<ServiceSummaryDto>('/sms-services/summary'),
};
