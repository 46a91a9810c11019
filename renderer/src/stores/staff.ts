import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import { staffApi, type CreateStaffDto, type ImportMode, type StaffDto, type StaffImportReportDto, type UpdateStaffDto } from '../api/staff';

/** 员工: the staff directory the staff SMS services check. */
export const useStaffStore = defineStore('staff', () => {
  const view = reactive({ items: [] as StaffDto[], total: 0, q: '', status: '' as '' | 'active' | 'inactive', page: 1, pageSize: 20, loading: false, loaded: false });
  const saving = ref(false);
  const importing = ref(false);

  async function load(): Promise<void> {
    view.loading = true;
    try {
      const page = await staffApi.list({
        q: view.q.trim() || undefined,
        active: view.status === '' ? undefined : view.status === 'active',
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

  async function save(id: number | null, entry: CreateStaffDto | UpdateStaffDto): Promise<StaffDto> {
    saving.value = true;
    try {
      const saved = id === null ? await staffApi.create(entry as CreateStaffDto) : await staffApi.update(id, entry);
      await load();
      return saved;
    } finally {
      saving.value = false;
    }
  }

  async function setActive(entry: StaffDto, active: boolean): Promise<StaffDto> {
    saving.value = true;
    try {
      const saved = active ? await staffApi.activate(entry.id) : await staffApi.deactivate(entry.id);
      await load();
      return saved;
    } finally {
      saving.value = false;
    }
  }

  async function importFile(file: File, mode: ImportMode, dryRun: boolean): Promise<StaffImportReportDto> {
    importing.value = true;
    try {
      const report = await staffApi.import(file, mode, dryRun);
      if (report.committed) await load();
      return report;
    } finally {
      importing.value = false;
    }
  }

  return { view, saving, importing, load, save, setActive, importFile };
});
