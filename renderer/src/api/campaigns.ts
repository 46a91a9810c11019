import type {
  CalendarDto,
  CampaignDetailDto,
  CampaignDto,
  CampaignInputDto,
  CampaignPageDto,
  DryRunDto,
  ReportDto,
  RulePreviewDto,
  SegmentDto,
  SegmentInputDto,
} from '../../../main/api/schemas/campaigns';
import { http } from './client';

export type { CalendarDto, CampaignDetailDto, CampaignDto, CampaignInputDto, CampaignPageDto, DryRunDto, ReportDto, RulePreviewDto, SegmentDto, SegmentInputDto };
export type CampaignState = CampaignDto['state'];
export type CampaignVerb = 'submit' | 'pause' | 'resume' | 'cancel';

export const CAMPAIGN_STATES: readonly CampaignState[] = ['draft', 'pending_approval', 'scheduled', 'running', 'paused', 'completed', 'cancelled'];

export const campaignsApi = {
  list: (query: { states: CampaignState[]; q: string; page: number; pageSize: number }) => {
    const params = new URLSearchParams();
    for (const state of query.states) params.append('states', state);
    if (query.q.trim()) params.set('q', query.q.trim());
    params.set('page', String(query.page));
    params.set('pageSize', String(query.pageSize));
    return http.get<CampaignPageDto>(`/campaigns?${params.toString()}`);
  },
  detail: (id: number) => http.get<CampaignDetailDto>(`/campaigns/${id}`),
  create: (input: CampaignInputDto) => http.post<CampaignDto>('/campaigns', input),
  update: (id: number, input: CampaignInputDto) => http.put<CampaignDto>(`/campaigns/${id}`, input),
  dryRun: (input: CampaignInputDto, id: number | null) => http.post<DryRunDto>(id === null ? '/campaigns/dry-run' : `/campaigns/${id}/dry-run`, input),
  act: (id: number, verb: CampaignVerb) => http.post<CampaignDto>(`/campaigns/${id}/${verb}`, {}),
  approve: (id: number, note: string) => http.post<CampaignDto>(`/campaigns/${id}/approve`, { note }),
  reject: (id: number, note: string) => http.post<CampaignDto>(`/campaigns/${id}/reject`, { note }),
  report: (id: number) => http.get<ReportDto>(`/campaigns/${id}/report`),
  /** A plain link: the browser downloads the workbook with the session cookie. */
  reportXlsxUrl: (id: number) => `/api/campaigns/${id}/report.xlsx`,
  rulePreview: (rule: string) => http.get<RulePreviewDto>('/campaigns/rule-preview', { query: { rule, count: 5 } }),
  calendar: (month: string) => http.get<CalendarDto>('/campaigns/calendar', { query: { month } }),
  settings: () => http.get<{ requireApproval: boolean }>('/campaigns/settings'),
  setSettings: (requireApproval: boolean) => http.put<{ requireApproval: boolean }>('/campaigns/settings', { requireApproval }),
};

export const segmentsApi = {
  list: () => http.get<{ items: SegmentDto[] }>('/segments'),
  count: (filter: SegmentInputDto['filter']) => http.post<{ count: number }>('/segments/count', { filter }),
  create: (input: SegmentInputDto) => http.post<SegmentDto>('/segments', input),
  update: (id: number, input: SegmentInputDto) => http.put<SegmentDto>(`/segments/${id}`, input),
  remove: (id: number) => http.delete<{ ok: true }>(`/segments/${id}`),
  tagMembers: (memberIds: number[], add: string[], remove: string[]) =>
    http.post<{ members: number; added: number; removed: number }>('/segments/tag-members', { memberIds, add, remove }),
};
