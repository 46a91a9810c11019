import { defineStore } from 'pinia';
import { ref } from 'vue';
import { reportsApi, type ReportKind, type ReportQuery, type ReportResultDto } from '../api/reports';

export const useReportsStore = defineStore('reports', () => {
  const result = ref<ReportResultDto | null>(null);
  const loading = ref(false);

  async function run(kind: ReportKind, query: ReportQuery): Promise<void> {
    loading.value = true;
    try {
      result.value = await reportsApi.run(kind, query);
    } finally {
      loading.value = false;
    }
  }

  return { result, loading, run };
});
