import type {
  ContactGroupDto,
  ConversationDetailDto,
  ConversationDto,
  MessageDetailDto,
  MessageListDto,
  ModemChoiceDto,
  OutboxMessageDto,
  OutboxStatusDto,
  SendBodyDto,
  SendTallyDto,
} from '../../../main/api/schemas/messages';
import { http } from './client';

export type { ContactGroupDto, ModemChoiceDto, ConversationDetailDto, ConversationDto, MessageDetailDto, MessageListDto, OutboxMessageDto, OutboxStatusDto, SendBodyDto, SendTallyDto };
export type MessageStatus = OutboxMessageDto['status'];
export type MessageCategory = OutboxMessageDto['category'];
export type UnknownResolution = 'mark-sent' | 'mark-failed' | 'resend';

export const MESSAGE_STATUSES: readonly MessageStatus[] = ['queued', 'paused', 'sending', 'sent', 'delivered', 'failed', 'expired', 'blocked', 'cancelled', 'unknown'];
/** Marketing first: a free text is commercial until the sender picks otherwise. */
export const SEND_CATEGORIES: readonly MessageCategory[] = ['marketing', 'care', 'transactional'];

export interface MessageQuery {
  status?: MessageStatus | '';
  category?: MessageCategory | '';
  batchId?: string;
  q?: string;
  page: number;
  pageSize: number;
}

export const messagesApi = {
  check: (body: SendBodyDto) => http.post<SendTallyDto>('/messages/check', body),
  send: (body: SendBodyDto) => http.post<SendTallyDto>('/messages', body),
  modems: () => http.get<{ items: ModemChoiceDto[] }>('/messages/modems'),
  groups: () => http.get<{ items: ContactGroupDto[] }>('/messages/groups'),
  search: (query: MessageQuery) =>
    http.get<MessageListDto>('/messages', {
      query: { ...query, status: query.status || undefined, category: query.category || undefined, batchId: query.batchId || undefined, q: query.q || undefined },
    }),
  status: () => http.get<OutboxStatusDto>('/messages/status'),
  detail: (id: number) => http.get<MessageDetailDto>(`/messages/${id}`),
  resolve: (id: number, action: UnknownResolution) => http.post<OutboxMessageDto>(`/messages/${id}/resolve`, { action }),
  conversations: (query: { q?: string; unhandledOnly?: boolean; page: number; pageSize: number }) =>
    http.get<{ items: ConversationDto[]; total: number }>('/inbox', { query: { ...query, q: query.q || undefined, unhandledOnly: query.unhandledOnly || undefined } }),
  conversation: (id: number) => http.get<ConversationDetailDto>(`/inbox/${id}`),
  reply: (id: number, text: string) => http.post<{ messageId: number | null; blocked: Record<string, number> }>(`/inbox/${id}/reply`, { text }),
  markHandled: (id: number) => http.post<{ ok: true }>(`/inbox/${id}/handled`),
};
