import type { BusinessDashboardDto } from '../../../main/api/schemas/reports';
import { http } from './client';

export type { BusinessDashboardDto };

/** GET /api/dashboard (the 系统状态 page) — mirrors the response schema in main/api/routes/dashboard.ts (declared inline there). */
export interface DashboardFigures {
  version: string;
  startedAt: number;
  uptimeSeconds: number;
  /** Only for administrators (system.read). */
  system?: {
    databaseBytes: number;
    dataDir: string;
    users: {
      total: number;
      active: number;
      disabled: number;
      byRole: { admin: number; manager: number; operator: number };
    };
    /** Audit actions per local day, oldest first, 14 days. */
    activity: Array<{ day: string; actions: number; logins: number }>;
  };
}

export const dashboardApi = {
  get: () => http.get<DashboardFigures>('/dashboard'),
};

export const businessApi = {
  get: () => http.get<BusinessDashboardDto>('/dashboard/business'),
};
