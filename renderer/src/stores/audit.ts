import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import { auditApi, type AuditEntry } from '../api/audit';

export interface AuditFilterForm {
  username: string;
  action: string;
  /** [from, to] as epoch ms of the first and last day, or null for all time. */
  range: [number, number] | null;
}

const DAY_MS = 86_400_000;

export const useAuditStore = defineStore('audit', () => {
  const items = ref<AuditEntry[]>([]);
  const total = ref(0);
  const page = ref(1);
  const pageSize = ref(20);
  const filter = reactive<AuditFilterForm>({ username: '', action: '', range: null });
  const facets = ref<{ actions: string[]; usernames: string[] }>({ actions: [], usernames: [] });
  const loading = ref(false);
  const loaded = ref(false);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const result = await auditApi.search({
        username: filter.username || undefined,
        action: filter.action || undefined,
        from: filter.range ? filter.range[0] : undefined,
        // The picker gives the start of the last day; the whole day counts.
        to: filter.range ? filter.range[1] + DAY_MS - 1 : undefined,
        page: page.value,
        pageSize: pageSize.value,
      });
      items.value = result.items;
      total.value = result.total;
      loaded.value = true;
    } finally {
      loading.value = false;
    }
  }

  async function loadFacets(): Promise<void> {
    facets.value = await auditApi.facets();
  }

  function resetFilter(): void {
    filter.username = '';
    filter.action = '';
    filter.range = null;
    page.value = 1;
  }

  return { items, total, page, pageSize, filter, facets, loading, loaded, load, loadFacets, resetFilter };
});
