import type {
  AutomationBody,
  AutomationDto,
  AutomationListDto,
  CarePreviewDto,
  HolidayListDto,
  OccurrenceListDto,
  PointsExpiryBodyDto,
  PointsExpiryDto,
  RsvpListDto,
  RunListDto,
} from '../../../main/api/schemas/care';
import { http } from './client';

export type { AutomationBody, AutomationDto, AutomationListDto, CarePreviewDto, HolidayListDto, OccurrenceListDto, PointsExpiryBodyDto, PointsExpiryDto, RsvpListDto, RunListDto };
export type AutomationKind = AutomationDto['kind'];

export const careApi = {
  list: () => http.get<AutomationListDto>('/care/automations'),
  create: (body: AutomationBody) => http.post<AutomationDto>('/care/automations', body),
  update: (id: number, body: AutomationBody) => http.put<AutomationDto>(`/care/automations/${id}`, body),
  setEnabled: (id: number, enabled: boolean) => http.post<AutomationDto>(`/care/automations/${id}/enabled`, { enabled }),
  remove: (id: number) => http.delete<{ ok: true }>(`/care/automations/${id}`),
  runs: (id: number) => http.get<RunListDto>(`/care/automations/${id}/runs`),
  rsvps: (id: number) => http.get<RsvpListDto>(`/care/automations/${id}/rsvps`),
  rsvpExportUrl: (id: number) => `/api/care/automations/${id}/rsvps.xlsx`,
  preview: (date: string, automationId?: number) => http.get<CarePreviewDto>('/care/preview', { query: { date, ...(automationId ? { automationId } : {}) } }),
  holidays: (year: number) => http.get<HolidayListDto>('/care/holidays', { query: { year } }),
  pointsExpiry: () => http.get<PointsExpiryDto>('/care/points-expiry'),
  setPointsExpiry: (body: PointsExpiryBodyDto) => http.put<PointsExpiryDto>('/care/points-expiry', body),
};
