import { http } from './client';

/** One audit row — mirrors AuditEntry in main/auth/audit.ts. */
export interface AuditEntry {
  id: number;
  at: number;
  userId: number | null;
  username: string;
  action: string;
  target: string;
  detail: Record<string, unknown> | null;
  ip: string;
}

export interface AuditFilter {
  username?: string;
  action?: string;
  /** Epoch ms, inclusive. */
  from?: number;
  to?: number;
  page: number;
  pageSize: number;
}

export interface AuditPage {
  items: AuditEntry[];
  total: number;
  page: number;
  pageSize: number;
}

export const auditApi = {
  search: (filter: AuditFilter) => http.get<AuditPage>('/audit', { query: { ...filter } }),
  facets: () => http.get<{ actions: string[]; usernames: string[] }>('/audit/facets'),
};
