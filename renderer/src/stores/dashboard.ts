import { defineStore } from 'pinia';
import { ref } from 'vue';
import { dashboardApi, type DashboardFigures } from '../api/dashboard';
import { auditApi, type AuditEntry } from '../api/audit';

export const useDashboardStore = defineStore('dashboard', () => {
  const figures = ref<DashboardFigures | null>(null);
  /** When the figures arrived, so uptime can keep counting between loads. */
  const loadedAt = ref(0);
  const loading = ref(false);
  /** The latest audit entries, for users who may read the audit log. */
  const recent = ref<AuditEntry[]>([]);

  async function load(withRecent: boolean): Promise<void> {
    loading.value = true;
    try {
      const [next, latest] = await Promise.all([
        dashboardApi.get(),
        withRecent ? auditApi.search({ page: 1, pageSize: 5 }) : Promise.resolve(null),
      ]);
      figures.value = next;
      recent.value = latest?.items ?? [];
      loadedAt.value = Date.now();
    } finally {
      loading.value = false;
    }
  }

  return { figures, loadedAt, loading, recent, load };
});
