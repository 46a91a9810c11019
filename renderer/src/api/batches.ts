import type { BatchDto, BatchListDto, EstimateDto } from '../../../main/api/schemas/batches';
import type { OutboxMessageDto } from '../../../main/api/schemas/messages';
import { http } from './client';

export type { BatchDto, BatchListDto, EstimateDto };
export type BatchState = BatchDto['state'];

export const batchesApi = {
  list: (query: { page: number; pageSize: number }) => http.get<BatchListDto>('/batches', { query }),
  get: (id: string) => http.get<BatchDto>(`/batches/${encodeURIComponent(id)}`),
  pause: (id: string) => http.post<BatchDto>(`/batches/${encodeURIComponent(id)}/pause`),
  resume: (id: string) => http.post<BatchDto>(`/batches/${encodeURIComponent(id)}/resume`),
  cancel: (id: string) => http.post<BatchDto>(`/batches/${encodeURIComponent(id)}/cancel`),
  estimate: (parts: number, modemId?: string | null) => http.get<EstimateDto>('/batches/estimate', { query: { parts, modemId: modemId ?? undefined } }),
  cancelMessage: (id: number) => http.post<OutboxMessageDto>(`/messages/${id}/cancel`),
};
