import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import { storeApi } from '../api/store';
import {
  strategiesApi,
  type ApproveDto,
  type ManualPromotionDto,
  type PromotionDto,
  type RecomputeStatusDto,
  type RuleBodyDto,
  type RuleDto,
  type StrategyCountsDto,
  type StrategyDto,
  type StrategyKind,
  type StrategyState,
} from '../api/strategies';

/** The board's tabs and the states each one shows. */
export const BOARD_TABS = {
  suggested: ['suggested'],
  active: ['approved', 'active'],
  ended: ['ended'],
  rejected: ['rejected'],
} as const satisfies Record<string, readonly StrategyState[]>;
export type BoardTab = keyof typeof BOARD_TABS;

export const useStrategiesStore = defineStore('strategies', () => {
  const tab = ref<BoardTab>('suggested');
  const query = reactive({ q: '', storeCode: '', kind: '' as StrategyKind | '', page: 1, pageSize: 12 });
  const items = ref<StrategyDto[]>([]);
  const total = ref(0);
  const counts = ref<StrategyCountsDto>({ suggested: 0, approved: 0, active: 0, ended: 0, rejected: 0 });
  const promotions = ref<PromotionDto[]>([]);
  const status = ref<RecomputeStatusDto>({ running: null, last: null });
  const stores = ref<Array<{ code: string; name: string }>>([]);
  const rules = ref<RuleDto[]>([]);
  const categories = ref<string[]>([]);
  const loading = ref(false);
  const loaded = ref(false);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const [page, nextCounts, active, nextStatus] = await Promise.all([
        strategiesApi.list({ states: [...BOARD_TABS[tab.value]], kinds: query.kind ? [query.kind] : [], storeCode: query.storeCode, q: query.q, page: query.page, pageSize: query.pageSize }),
        strategiesApi.counts(),
        strategiesApi.activePromotions(),
        strategiesApi.recomputeStatus(),
      ]);
      items.value = page.items;
      total.value = page.total;
      counts.value = nextCounts;
      promotions.value = active.items;
      status.value = nextStatus;
      loaded.value = true;
    } finally {
      loading.value = false;
    }
  }

  async function loadStores(): Promise<void> {
    stores.value = (await storeApi.stores()).items.filter((s) => !s.deleted).map((s) => ({ code: s.code, name: s.name }));
  }

  async function loadRules(): Promise<void> {
    const result = await strategiesApi.rules();
    rules.value = result.items;
    categories.value = result.categories;
  }

  async function recompute(): Promise<number> {
    const { runId } = await strategiesApi.recompute();
    status.value = { ...status.value, running: { runId } };
    return runId;
  }

  const cancelRecompute = () => strategiesApi.cancelRecompute();

  async function approve(id: number, body: ApproveDto): Promise<StrategyDto> {
    const result = await strategiesApi.approve(id, body);
    await load();
    return result;
  }
  async function reject(id: number, reason: string): Promise<StrategyDto> {
    const result = await strategiesApi.reject(id, reason);
    await load();
    return result;
  }
  async function reschedule(id: number, body: ApproveDto): Promise<StrategyDto> {
    const result = await strategiesApi.reschedule(id, body);
    await load();
    return result;
  }
  async function end(id: number): Promise<StrategyDto> {
    const result = await strategiesApi.end(id);
    await load();
    return result;
  }
  async function createPromotion(body: ManualPromotionDto): Promise<StrategyDto> {
    const result = await strategiesApi.createPromotion(body);
    await load();
    return result;
  }
  async function saveRule(id: number | null, rule: RuleBodyDto): Promise<RuleDto> {
    const result = id === null ? await strategiesApi.createRule(rule) : await strategiesApi.updateRule(id, rule);
    await loadRules();
    return result;
  }
  async function deleteRule(id: number): Promise<void> {
    await strategiesApi.deleteRule(id);
    await loadRules();
  }

  return { tab, query, items, total, counts, promotions, status, stores, rules, categories, loading, loaded, load, loadStores, loadRules, recompute, cancelRecompute, approve, reject, reschedule, end, createPromotion, saveRule, deleteRule };
});
