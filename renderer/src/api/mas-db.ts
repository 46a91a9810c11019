import type {
  MasDbCodeDto,
  MasDbCodeStatusDto,
  MasDbConnectionBodyDto,
  MasDbConnectionDto,
  MasDbConnectionTestDto,
  MasDbCreateCodeBodyDto,
  MasDbHistoryDto,
  MasDbLoginDto,
  MasDbProblemDto,
  MasDbStatusDto,
  MasDbUpdateCodeBodyDto,
} from '../../../main/api/schemas/mas-db';
import { http } from './client';

export type {
  MasDbCodeDto,
  MasDbCodeStatusDto,
  MasDbConnectionBodyDto,
  MasDbConnectionDto,
  MasDbConnectionTestDto,
  MasDbCreateCodeBodyDto,
  MasDbHistoryDto,
  MasDbLoginDto,
  MasDbProblemDto,
  MasDbStatusDto,
  MasDbUpdateCodeBodyDto,
};

/** /api/mas-db: the MAS database interface (接口 › MAS 数据库接口). */
export const masDbApi = {
  status: () => http.get<MasDbStatusDto>('/mas-db/status'),
  saveConnection: (body: MasDbConnectionBodyDto) => http.put<MasDbConnectionDto>('/mas-db/connection', body),
  testConnection: (body: MasDbConnectionBodyDto) => http.post<MasDbConnectionTestDto>('/mas-db/connection/test', body),
  createCode: (body: MasDbCreateCodeBodyDto) => http.post<MasDbCodeDto>('/mas-db/codes', body),
  updateCode: (code: string, body: MasDbUpdateCodeBodyDto) => http.put<MasDbCodeDto>(`/mas-db/codes/${encodeURIComponent(code)}`, body),
  pause: (code: string) => http.post<MasDbCodeDto>(`/mas-db/codes/${encodeURIComponent(code)}/pause`),
  resume: (code: string) => http.post<MasDbCodeDto>(`/mas-db/codes/${encodeURIComponent(code)}/resume`),
  remove: (code: string) => http.delete<{ ok: true }>(`/mas-db/codes/${encodeURIComponent(code)}`),
  login: (code: string) => http.post<MasDbLoginDto>(`/mas-db/codes/${encodeURIComponent(code)}/login`),
  setupSql: (code: string) => http.get<{ sql: string }>(`/mas-db/codes/${encodeURIComponent(code)}/setup-sql`),
  history: (code: string, days = 14) => http.get<MasDbHistoryDto>(`/mas-db/codes/${encodeURIComponent(code)}/history`, { query: { days } }),
  problems: (code?: string, limit = 50) => http.get<{ items: MasDbProblemDto[] }>('/mas-db/problems', { query: { code, limit } }),
};
