import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import {
  smsServicesApi,
  type AskResultDto,
  type QueryLogEntryDto,
  type ServiceSettingsDto,
  type ServiceStatsDto,
  type ServiceSummaryDto,
  type ServiceViewDto,
  type TemplatePreviewDto,
  type UpdateServiceDto,
} from '../api/sms-services';

/** 短信服务: the services and their settings, the 试一试 box, the query log with its figures. */
export const useSmsServicesStore = defineStore('smsServices', () => {
  const services = ref<ServiceViewDto[]>([]);
  const settings = ref<ServiceSettingsDto | null>(null);
  const loading = ref(false);
  const saving = ref(false);

  const log = reactive({ items: [] as QueryLogEntryDto[], total: 0, q: '', service: '', outcome: '', page: 1, pageSize: 20, loading: false, loaded: false });
  const stats = ref<ServiceStatsDto | null>(null);
  const summary = ref<ServiceSummaryDto | null>(null);
  const asking = ref(false);
  let previewAbort: AbortController | undefined;

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const [list, current] = await Promise.all([smsServicesApi.services(), smsServicesApi.settings()]);
      services.value = list.items;
      settings.value = current;
    } finally {
      loading.value = false;
    }
  }

  function replace(view: ServiceViewDto): void {
    services.value = services.value.map((s) => (s.id === view.id ? view : s));
  }

  async function update(id: string, changes: UpdateServiceDto): Promise<ServiceViewDto> {
    saving.value = true;
    try {
      const view = await smsServicesApi.update(id, changes);
      replace(view);
      return view;
    } finally {
      saving.value = false;
    }
  }

  async function reset(id: string): Promise<ServiceViewDto> {
    saving.value = true;
    try {
      const view = await smsServicesApi.reset(id);
      replace(view);
      return view;
    } finally {
      saving.value = false;
    }
  }

  async function saveSettings(changes: Partial<ServiceSettingsDto>): Promise<ServiceSettingsDto> {
    saving.value = true;
    try {
      settings.value = await smsServicesApi.updateSettings(changes);
      return settings.value;
    } finally {
      saving.value = false;
    }
  }

  /** The latest preview wins: an older request still running is aborted. */
  async function preview(owner: string, key: string, text: string): Promise<TemplatePreviewDto | undefined> {
    previewAbort?.abort();
    const controller = new AbortController();
    previewAbort = controller;
    try {
      return await smsServicesApi.preview(owner, key, text, controller.signal);
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') return undefined;
      throw error;
    }
  }

  async function ask(from: string, text: string): Promise<AskResultDto> {
    asking.value = true;
    try {
      return await smsServicesApi.ask(from, text);
    } finally {
      asking.value = false;
    }
  }

  async function loadLog(): Promise<void> {
    log.loading = true;
    try {
      const page = await smsServicesApi.log({
        q: log.q.trim() || undefined,
        service: log.service || undefined,
        outcome: log.outcome || undefined,
        page: log.page,
        pageSize: log.pageSize,
      });
      log.items = page.items;
      log.total = page.total;
      log.loaded = true;
    } finally {
      log.loading = false;
    }
  }

  async function loadStats(days = 14): Promise<void> {
    stats.value = await smsServicesApi.stats(days);
  }

  async function loadSummary(): Promise<void> {
    summary.value = await smsServicesApi.summary();
  }

  return { services, settings, loading, saving, log, stats, summary, asking, load, update, reset, saveSettings, preview, ask, loadLog, loadStats, loadSummary };
});
