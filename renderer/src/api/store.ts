import type { Static } from 'typebox';
import type {
  ConnectionBodyDto,
  ConnectionDto,
  FieldErrorDto,
  MappingDefinitionDto,
  MappingDto,
  PreviewDto,
  RunDto,
  ServerCertificateReportDto,
  SourceInfoDto,
  StockHistoryDto,
  StockRowDto,
  StoreStatusDto,
  TargetsSchema,
  StoreSchema,
} from '../../../main/api/schemas/store';
import type { Entity } from '../../../main/store/mapping';
import { http } from './client';

export type { ConnectionBodyDto, ConnectionDto, Entity, FieldErrorDto, MappingDefinitionDto, MappingDto, PreviewDto, RunDto, ServerCertificateReportDto, SourceInfoDto, StockHistoryDto, StockRowDto, StoreStatusDto };
export type ConnectionTlsDto = NonNullable<ConnectionBodyDto['settings']['tls']>;
export type TrustedCertificateDto = NonNullable<ConnectionTlsDto['trusted']>;
export type TargetsDto = Static<typeof TargetsSchema>;
export type StoreDto = Static<typeof StoreSchema>;
export type SyncMode = 'incremental' | 'full';

export interface StockQuery {
  store?: string;
  search?: string;
  category?: string;
  level?: 'low' | 'high';
  threshold?: number;
  page: number;
  pageSize: number;
}

/** Sync order of the entities: members before sales, receipts before lines. */
export const ENTITY_ORDER: readonly Entity[] = ['stores', 'members', 'products', 'inventory', 'sales', 'sale_lines'];

export const storeApi = {
  status: () => http.get<StoreStatusDto>('/store/status'),
  targets: () => http.get<TargetsDto>('/store/targets'),
  presets: () => http.get<Array<{ name: string; label: string }>>('/store/presets'),
  connections: () => http.get<{ items: ConnectionDto[] }>('/store/connections'),
  createConnection: (body: ConnectionBodyDto) => http.post<ConnectionDto>('/store/connections', body),
  updateConnection: (id: number, body: ConnectionBodyDto) => http.put<ConnectionDto>(`/store/connections/${id}`, body),
  deleteConnection: (id: number) => http.delete<{ ok: true }>(`/store/connections/${id}`),
  testSettings: (body: ConnectionBodyDto) => http.post<SourceInfoDto>('/store/connections/test', body),
  /** A saved connection with its stored password; `tls` tries other encryption settings (a certificate just trusted). */
  testConnection: (id: number, tls?: ConnectionTlsDto) => http.post<SourceInfoDto>(`/store/connections/${id}/test`, tls ? { tls } : undefined),
  inspectCertificate: (body: { client: ConnectionBodyDto['client']; host: string; port?: number }) =>
    http.post<ServerCertificateReportDto>('/store/connections/inspect-certificate', body),
  setSchedule: (id: number, body: { scheduleMinutes: number; fullCompareHours: number; enabled?: boolean }) =>
    http.put<ConnectionDto>(`/store/connections/${id}/schedule`, body),
  mappings: (id: number) => http.get<{ items: MappingDto[] }>(`/store/connections/${id}/mappings`),
  setMapping: (id: number, entity: Entity, definition: MappingDefinitionDto, enabled: boolean) =>
    http.put<MappingDto>(`/store/connections/${id}/mappings/${entity}`, { definition, enabled }),
  applyPreset: (id: number, preset: string) => http.post<{ items: MappingDto[] }>(`/store/connections/${id}/mappings/preset`, { preset }),
  preview: (id: number, entity: Entity, definition: MappingDefinitionDto | undefined, limit = 20) =>
    http.post<PreviewDto>(`/store/connections/${id}/mappings/${entity}/preview`, { definition, limit }),
  sync: (id: number, mode: SyncMode) => http.post<{ runId: number }>(`/store/connections/${id}/sync`, { mode }),
  runs: (query: { connectionId?: number; page: number; pageSize: number }) => http.get<{ items: RunDto[]; total: number }>('/store/runs', { query: { ...query } }),
  run: (id: number) => http.get<RunDto>(`/store/runs/${id}`),
  cancel: (id: number) => http.post<{ ok: true }>(`/store/runs/${id}/cancel`),
  stores: () => http.get<{ items: StoreDto[] }>('/store/stores'),
  stock: (query: StockQuery) => http.get<{ items: StockRowDto[]; total: number }>('/store/inventory', { query: { ...query } }),
  stockHistory: (query: { product: string; store?: string; from?: number; to?: number }) => http.get<StockHistoryDto>('/store/inventory/history', { query: { ...query } }),
};
