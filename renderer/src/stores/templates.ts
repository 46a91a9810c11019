import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import {
  templatesApi,
  type CreateTemplateDto,
  type PreviewDto,
  type PreviewResultDto,
  type TemplateCategory,
  type TemplateDto,
  type UpdateTemplateDto,
} from '../api/templates';

export const useTemplatesStore = defineStore('templates', () => {
  const items = ref<TemplateDto[]>([]);
  const total = ref(0);
  const query = reactive({ q: '', category: '' as TemplateCategory | '', archived: false, page: 1, pageSize: 50 });
  const loading = ref(false);
  const loaded = ref(false);
  const saving = ref(false);
  const previewing = ref(false);
  let previewAbort: AbortController | undefined;

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const page = await templatesApi.search({
        q: query.q.trim() || undefined,
        category: query.category || undefined,
        archived: query.archived || undefined,
        page: query.page,
        pageSize: query.pageSize,
      });
      items.value = page.items;
      total.value = page.total;
      loaded.value = true;
    } finally {
      loading.value = false;
    }
  }

  async function create(template: CreateTemplateDto): Promise<TemplateDto> {
    saving.value = true;
    try {
      const created = await templatesApi.create(template);
      await load();
      return created;
    } finally {
      saving.value = false;
    }
  }

  async function update(id: number, changes: UpdateTemplateDto): Promise<TemplateDto> {
    saving.value = true;
    try {
      const updated = await templatesApi.update(id, changes);
      await load();
      return updated;
    } finally {
      saving.value = false;
    }
  }

  /** Only the newest preview counts: typing fast cancels the request before it. */
  async function preview(request: PreviewDto): Promise<PreviewResultDto | undefined> {
    previewAbort?.abort();
    const abort = new AbortController();
    previewAbort = abort;
    previewing.value = true;
    try {
      return await templatesApi.preview(request, abort.signal);
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') return undefined;
      throw error;
    } finally {
      if (previewAbort === abort) previewing.value = false;
    }
  }

  return { items, total, query, loading, loaded, saving, previewing, load, create, update, preview };
});
