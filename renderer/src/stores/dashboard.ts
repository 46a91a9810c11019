import { defineStore } from 'pinia';
import { ref } from 'vue';
import { dashboardApi, type DashboardFigures } from '../api/dashboard';

export const useDashboardStore = defineStore('dashboard', () => {
  const figures = ref<DashboardFigures | null>(null);
  /** When the figures arrived, so uptime can keep counting between loads. */
  const loadedAt = ref(0);
  const loading = ref(false);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      figures.value = await dashboardApi.get();
      loadedAt.value = Date.now();
    } finally {
      loading.value = false;
    }
  }

  return { figures, loadedAt, loading, load };
});
