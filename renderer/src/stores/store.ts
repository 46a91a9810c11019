import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { JobProgress } from '../../../main/events/bus';
import {
  storeApi,
  type ConnectionBodyDto,
  type ConnectionDto,
  type ConnectionTlsDto,
  type Entity,
  type MappingDefinitionDto,
  type MappingDto,
  type PreviewDto,
  type RunDto,
  type ServerCertificateReportDto,
  type SourceInfoDto,
  type StockHistoryDto,
  type StockQuery,
  type StockRowDto,
  type StoreDto,
  type StoreStatusDto,
  type SyncMode,
  type TargetsDto,
} from '../api/store';

/** 门店数据 (connections, mappings, sync, history) and 库存 (stock) state. */
export const useStoreDataStore = defineStore('store', () => {
  const connections = ref<ConnectionDto[]>([]);
  const status = ref<StoreStatusDto | null>(null);
  const targets = ref<TargetsDto | null>(null);
  const presets = ref<Array<{ name: string; label: string }>>([]);
  const mappings = ref<MappingDto[]>([]);
  const runs = ref<RunDto[]>([]);
  const runsTotal = ref(0);
  const runsPage = ref(1);
  const loading = ref(false);
  const saving = ref(false);
  const testing = ref(false);
  const inspecting = ref(false);
  const previewing = ref(false);
  /** Live progress of the running sync, from job.progress events. */
  const progress = ref<JobProgress | null>(null);

  async function loadConnections(): Promise<void> {
    loading.value = true;
    try {
      const [list, current] = await Promise.all([storeApi.connections(), storeApi.status()]);
      connections.value = list.items;
      status.value = current;
    } finally {
      loading.value = false;
    }
  }

  async function loadStatus(): Promise<void> {
    status.value = await storeApi.status();
  }

  async function loadEditorData(): Promise<void> {
    if (targets.value && presets.value.length) return;
    const [t, p] = await Promise.all([storeApi.targets(), storeApi.presets()]);
    targets.value = t;
    presets.value = p;
  }

  async function saveConnection(id: number | null, body: ConnectionBodyDto): Promise<ConnectionDto> {
    saving.value = true;
    try {
      const saved = id === null ? await storeApi.createConnection(body) : await storeApi.updateConnection(id, body);
      await loadConnections();
      return saved;
    } finally {
      saving.value = false;
    }
  }

  async function removeConnection(id: number): Promise<void> {
    saving.value = true;
    try {
      await storeApi.deleteConnection(id);
      await loadConnections();
    } finally {
      saving.value = false;
    }
  }

  /** Tests settings before saving, or a saved connection (its stored password) with the given encryption settings. */
  async function test(target: number | ConnectionBodyDto, tls?: ConnectionTlsDto): Promise<SourceInfoDto> {
    testing.value = true;
    try {
      return typeof target === 'number' ? await storeApi.testConnection(target, tls) : await storeApi.testSettings(target);
    } finally {
      testing.value = false;
    }
  }

  /** 检查证书: the certificate chain a database server presents (nothing is signed in or queried). */
  async function inspectCertificate(body: { client: ConnectionBodyDto['client']; host: string; port?: number }): Promise<ServerCertificateReportDto> {
    inspecting.value = true;
    try {
      return await storeApi.inspectCertificate(body);
    } finally {
      inspecting.value = false;
    }
  }

  async function setSchedule(id: number, scheduleMinutes: number, fullCompareHours: number, enabled: boolean): Promise<void> {
    saving.value = true;
    try {
      await storeApi.setSchedule(id, { scheduleMinutes, fullCompareHours, enabled });
      await loadConnections();
    } finally {
      saving.value = false;
    }
  }

  async function loadMappings(connectionId: number): Promise<void> {
    loading.value = true;
    try {
      mappings.value = (await storeApi.mappings(connectionId)).items;
    } finally {
      loading.value = false;
    }
  }

  async function saveMapping(connectionId: number, entity: Entity, definition: MappingDefinitionDto, enabled: boolean): Promise<void> {
    saving.value = true;
    try {
      await storeApi.setMapping(connectionId, entity, definition, enabled);
      await loadMappings(connectionId);
    } finally {
      saving.value = false;
    }
  }

  async function applyPreset(connectionId: number, preset: string): Promise<void> {
    saving.value = true;
    try {
      mappings.value = (await storeApi.applyPreset(connectionId, preset)).items;
    } finally {
      saving.value = false;
    }
  }

  async function preview(connectionId: number, entity: Entity, definition: MappingDefinitionDto): Promise<PreviewDto> {
    previewing.value = true;
    try {
      return await storeApi.preview(connectionId, entity, definition, 20);
    } finally {
      previewing.value = false;
    }
  }

  async function syncNow(connectionId: number, mode: SyncMode): Promise<number> {
    const { runId } = await storeApi.sync(connectionId, mode);
    progress.value = { jobId: `sync-${runId}`, kind: 'store.sync', label: '', done: 0, total: null, ratePerSecond: null, etaSeconds: null, state: 'running' };
    await loadStatus();
    return runId;
  }

  async function cancel(runId: number): Promise<void> {
    await storeApi.cancel(runId);
  }

  async function loadRuns(connectionId?: number): Promise<void> {
    loading.value = true;
    try {
      const page = await storeApi.runs({ connectionId, page: runsPage.value, pageSize: 10 });
      runs.value = page.items;
      runsTotal.value = page.total;
    } finally {
      loading.value = false;
    }
  }

  function onProgress(event: JobProgress): void {
    if (event.kind !== 'store.sync') return;
    progress.value = event;
  }

  // 库存
  const stock = ref<StockRowDto[]>([]);
  const stockTotal = ref(0);
  const stockLoading = ref(false);
  const stores = ref<StoreDto[]>([]);
  const history = ref<StockHistoryDto | null>(null);
  const historyLoading = ref(false);

  async function loadStores(): Promise<void> {
    stores.value = (await storeApi.stores()).items;
  }

  async function loadStock(query: StockQuery): Promise<void> {
    stockLoading.value = true;
    try {
      const page = await storeApi.stock(query);
      stock.value = page.items;
      stockTotal.value = page.total;
    } finally {
      stockLoading.value = false;
    }
  }

  async function loadHistory(product: string, store: string | undefined, from: number): Promise<void> {
    historyLoading.value = true;
    try {
      history.value = await storeApi.stockHistory({ product, store, from });
    } finally {
      historyLoading.value = false;
    }
  }

  return {
    connections,
    status,
    targets,
    presets,
    mappings,
    runs,
    runsTotal,
    runsPage,
    loading,
    saving,
    testing,
    inspecting,
    previewing,
    progress,
    loadConnections,
    loadStatus,
    loadEditorData,
    saveConnection,
    removeConnection,
    test,
    inspectCertificate,
    setSchedule,
    loadMappings,
    saveMapping,
    applyPreset,
    preview,
    syncNow,
    cancel,
    loadRuns,
    onProgress,
    stock,
    stockTotal,
    stockLoading,
    stores,
    history,
    historyLoading,
    loadStores,
    loadStock,
    loadHistory,
  };
});
