import type { MailQueuePageDto, MailSettingsDto, MailStatusDto, UpdateMailSettingsDto } from '../../../main/api/schemas/mail';
import type { ServerCertificateReportDto } from '../../../main/api/schemas/store';
import { http } from './client';
// Brings the 'mail.status' live event into ApplianceEvents for useEvents().
import type {} from '../../../main/mail/mail';

export type { MailQueuePageDto, MailSettingsDto, MailStatusDto, ServerCertificateReportDto, UpdateMailSettingsDto };
export type MailPurpose = keyof MailSettingsDto['recipients'];
/** The purposes a person sets recipients for (test mails go to whom the button names). */
export const RECIPIENT_PURPOSES: readonly MailPurpose[] = ['complaints', 'feedback-digest', 'survey-reports', 'modem-alerts', 'reports'];

export const mailApi = {
  settings: () => http.get<MailSettingsDto>('/mail/settings'),
  save: (body: UpdateMailSettingsDto) => http.put<MailSettingsDto>('/mail/settings', body),
  test: (to: string) => http.post<{ id: number; recipients: string[]; response: string }>('/mail/test', to ? { to } : {}),
  status: () => http.get<MailStatusDto>('/mail/status'),
  queue: (page: number, pageSize: number, status?: string) => http.get<MailQueuePageDto>('/mail/queue', { query: { page, pageSize, status } }),
  retry: (id: number) => http.post<{ retried: number }>(`/mail/queue/${id}/retry`, {}),
  retryFailed: () => http.post<{ retried: number }>('/mail/queue/retry-failed', {}),
  checkCertificate: (body: { host: string; port: number; security: 'starttls' | 'tls' | 'none' }) => http.post<ServerCertificateReportDto>('/mail/certificate', body),
};
