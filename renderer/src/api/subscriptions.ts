import type { ConsentEventDto, MagazineIssueDto, MagazinePreviewDto, MagazineSettingsDto, MemberSubscriptionDto, SubscriptionImportReportDto, TopicDto } from '../../../main/api/schemas/subscriptions';
import { http } from './client';
import type { ImportMode } from './lists';

export type { ConsentEventDto, MagazineIssueDto, MagazinePreviewDto, MagazineSettingsDto, MemberSubscriptionDto, SubscriptionImportReportDto, TopicDto };

export interface TopicBody {
  name: string;
  keyword: string;
  description?: string;
  active?: boolean;
  sortOrder?: number;
}

/** The file's bytes as base64, for the JSON import request. */
async function base64Of(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export const subscriptionsApi = {
  topics: () => http.get<{ items: TopicDto[] }>('/subscriptions/topics'),
  createTopic: (body: TopicBody) => http.post<TopicDto>('/subscriptions/topics', body),
  updateTopic: (id: number, body: Partial<TopicBody>) => http.patch<TopicDto>(`/subscriptions/topics/${id}`, body),
  ofMember: (memberId: number) => http.get<{ items: MemberSubscriptionDto[] }>(`/subscriptions/members/${memberId}`),
  setForMember: (memberId: number, changes: Array<{ topicId: number; subscribed: boolean }>, note?: string) =>
    http.put<{ items: MemberSubscriptionDto[] }>(`/subscriptions/members/${memberId}`, note ? { changes, note } : { changes }),
  consent: (memberId: number, page = 1, pageSize = 50) => http.get<{ items: ConsentEventDto[]; total: number }>(`/subscriptions/members/${memberId}/consent`, { query: { page, pageSize } }),
  import: async (file: File, mode: ImportMode, dryRun: boolean) =>
    http.post<SubscriptionImportReportDto>('/subscriptions/import', { fileName: file.name, contentBase64: await base64Of(file), mode, dryRun }),
  issues: (page = 1, pageSize = 20) => http.get<{ items: MagazineIssueDto[]; total: number }>('/subscriptions/magazine/issues', { query: { page, pageSize } }),
  createIssue: (body: { title: string; text: string }) => http.post<MagazineIssueDto>('/subscriptions/magazine/issues', body),
  updateIssue: (id: number, body: { title?: string; text?: string }) => http.patch<MagazineIssueDto>(`/subscriptions/magazine/issues/${id}`, body),
  deleteIssue: (id: number) => http.delete<{ ok: true }>(`/subscriptions/magazine/issues/${id}`),
  sendIssue: (id: number) => http.post<MagazineIssueDto>(`/subscriptions/magazine/issues/${id}/send`, {}),
  preview: (text: string) => http.post<MagazinePreviewDto>('/subscriptions/magazine/preview', { text }),
  assembled: () => http.get<{ issue: { title: string; text: string } | null }>('/subscriptions/magazine/assembled'),
  magazineSettings: () => http.get<MagazineSettingsDto>('/subscriptions/magazine/settings'),
  saveMagazineSettings: (body: Partial<MagazineSettingsDto>) => http.put<MagazineSettingsDto>('/subscriptions/magazine/settings', body),
};
