import type { FeedbackSettingsDto, TicketDetailDto, TicketDto, TicketPageDto } from '../../../main/api/schemas/feedback';
import { http } from './client';
// Brings the 'feedback.changed' live event into ApplianceEvents for useEvents().
import type {} from '../../../main/feedback/feedback';

export type { FeedbackSettingsDto, TicketDetailDto, TicketDto, TicketPageDto };
export type TicketKind = TicketDto['kind'];
export type TicketState = TicketDto['state'];
export const TICKET_KINDS: readonly TicketKind[] = ['complaint', 'suggestion', 'praise', 'question'];
export const TICKET_STATES: readonly TicketState[] = ['new', 'in-progress', 'resolved', 'closed'];

export interface FeedbackCountsDto {
  new: number;
  overdue: number;
  open: number;
  newToday: number;
  openByKind: Record<TicketKind, number>;
}

export interface TicketListQuery {
  state: TicketState | 'open' | '';
  kind: TicketKind | '';
  overdue: boolean;
  q: string;
  page: number;
  pageSize: number;
}

export interface Assignee {
  id: number;
  username: string;
  displayName: string;
}

export const feedbackApi = {
  list: (query: TicketListQuery) =>
    http.get<TicketPageDto>('/feedback', {
      query: { state: query.state || undefined, kind: query.kind || undefined, overdue: query.overdue || undefined, q: query.q.trim() || undefined, page: query.page, pageSize: query.pageSize },
    }),
  counts: () => http.get<FeedbackCountsDto>('/feedback/counts'),
  detail: (id: number) => http.get<TicketDetailDto>(`/feedback/${id}`),
  assignees: () => http.get<{ items: Assignee[] }>('/feedback/assignees'),
  create: (body: { conversationId?: number; mobile?: string; kind: TicketKind; text?: string; acknowledge?: boolean }) => http.post<TicketDto>('/feedback', body),
  update: (id: number, body: { kind?: TicketKind; assigneeUserId?: number | null }) => http.patch<TicketDto>(`/feedback/${id}`, body),
  note: (id: number, text: string) => http.post<TicketDto>(`/feedback/${id}/notes`, { text }),
  move: (id: number, to: 'in-progress' | 'closed') => http.post<TicketDto>(`/feedback/${id}/state`, { to }),
  resolve: (id: number, resolution: string, notify: boolean) =>
    http.post<{ ticket: TicketDto; messageId: number | null; blocked: Record<string, number> }>(`/feedback/${id}/resolve`, { resolution, notify }),
  settings: () => http.get<FeedbackSettingsDto>('/feedback/settings'),
  saveSettings: (body: FeedbackSettingsDto) => http.put<FeedbackSettingsDto>('/feedback/settings', body),
  blacklist: (id: number) => http.post<{ ticket: TicketDto; change: 'added' | 'already' }>(`/feedback/${id}/blacklist`, {}),
};
