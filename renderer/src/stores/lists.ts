import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import {
  listsApi,
  type AddListEntryDto,
  type ImportMode,
  type ImportReportDto,
  type ListEntryDto,
  type ListKind,
  type UpdateListEntryDto,
} from '../api/lists';

/** One tab of the Lists page: its query, page of entries and loading flag. */
function emptyView() {
  return { items: [] as ListEntryDto[], total: 0, q: '', includeExpired: false, page: 1, pageSize: 20, loading: false, loaded: false };
}

export const useListsStore = defineStore('lists', () => {
  const views = reactive<Record<ListKind, ReturnType<typeof emptyView>>>({ black: emptyView(), white: emptyView() });
  const saving = ref(false);
  const importing = ref(false);

  async function load(list: ListKind): Promise<void> {
    const view = views[list];
    view.loading = true;
    try {
      const page = await listsApi.search(list, {
        q: view.q.trim() || undefined,
        includeExpired: view.includeExpired || undefined,
        page: view.page,
        pageSize: view.pageSize,
      });
      view.items = page.items;
      view.total = page.total;
      view.loaded = true;
    } finally {
      view.loading = false;
    }
  }

  async function add(list: ListKind, entry: AddListEntryDto): Promise<ListEntryDto> {
    saving.value = true;
    try {
      const created = await listsApi.add(list, entry);
      await load(list);
      return created;
    } finally {
      saving.value = false;
    }
  }

  async function update(entry: ListEntryDto, changes: UpdateListEntryDto): Promise<ListEntryDto> {
    saving.value = true;
    try {
      const updated = await listsApi.update(entry.id, changes);
      await load(entry.list);
      return updated;
    } finally {
      saving.value = false;
    }
  }

  async function remove(entry: ListEntryDto): Promise<void> {
    saving.value = true;
    try {
      await listsApi.remove(entry.id);
      await load(entry.list);
    } finally {
      saving.value = false;
    }
  }

  /** A dry run checks the file; the real run writes (keep-good) or refuses on any bad row (all-or-nothing). */
  async function importFile(list: ListKind, file: File, mode: ImportMode, dryRun: boolean): Promise<ImportReportDto> {
    importing.value = true;
    try {
      const report = await listsApi.import(list, file, mode, dryRun);
      if (report.committed) await load(list);
      return report;
    } finally {
      importing.value = false;
    }
  }

  return { views, saving, importing, load, add, update, remove, importFile, exportUrl: listsApi.exportUrl };
});
