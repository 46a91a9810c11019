import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import { batchesApi, type BatchDto } from '../api/batches';

/** 批次: every send as one batch, with pause, resume and cancel. */
export const useBatchesStore = defineStore('batches', () => {
  const items = ref<BatchDto[]>([]);
  const total = ref(0);
  const query = reactive({ page: 1, pageSize: 20 });
  const loading = ref(false);
  /** The batch a pause, resume or cancel is running for. */
  const changing = ref<string | null>(null);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const page = await batchesApi.list(query);
      items.value = page.items;
      total.value = page.total;
    } finally {
      loading.value = false;
    }
  }

  async function change(id: string, action: 'pause' | 'resume' | 'cancel'): Promise<BatchDto> {
    changing.value = id;
    try {
      const batch = await batchesApi[action](id);
      const at = items.value.findIndex((b) => b.id === id);
      if (at >= 0) items.value[at] = batch;
      return batch;
    } finally {
      changing.value = null;
    }
  }

  return { items, total, query, loading, changing, load, change };
});
