import { defineStore } from 'pinia';
import { ref } from 'vue';
import { surveysApi, type CrossTabDimension, type CrossTabDto, type SurveyDto, type SurveyState, type SurveyStatisticsDto, type SurveySummaryDto, type TextAnswersDto } from '../api/surveys';

export const useSurveysStore = defineStore('surveys', () => {
  const items = ref<SurveySummaryDto[]>([]);
  const total = ref(0);
  const loading = ref(false);
  const query = ref<{ state: SurveyState | ''; q: string; page: number; pageSize: number }>({ state: '', q: '', page: 1, pageSize: 20 });

  async function load(): Promise<void> {
    loading.value = true;
    try {
      const page = await surveysApi.list(query.value);
      items.value = page.items;
      total.value = page.total;
    } finally {
      loading.value = false;
    }
  }

  /** The survey the report page shows, its statistics, one cross-tab and a page of free-text answers. */
  const current = ref<SurveyDto | null>(null);
  const statistics = ref<SurveyStatisticsDto | null>(null);
  const crossTab = ref<CrossTabDto | null>(null);
  const textAnswers = ref<TextAnswersDto>({ items: [], total: 0 });
  const reportLoading = ref(false);

  async function loadReport(id: number, dimension: CrossTabDimension): Promise<void> {
    reportLoading.value = true;
    try {
      const [survey, stats, tab] = await Promise.all([surveysApi.get(id), surveysApi.statistics(id), surveysApi.crossTab(id, dimension)]);
      current.value = survey;
      statistics.value = stats;
      crossTab.value = tab;
    } finally {
      reportLoading.value = false;
    }
  }

  async function loadCrossTab(id: number, dimension: CrossTabDimension): Promise<void> {
    crossTab.value = await surveysApi.crossTab(id, dimension);
  }

  async function loadTextAnswers(id: number, search: { q: string; page: number; pageSize: number }): Promise<void> {
    textAnswers.value = await surveysApi.textAnswers(id, { q: search.q.trim() || undefined, page: search.page, pageSize: search.pageSize });
  }

  return { items, total, loading, query, load, current, statistics, crossTab, textAnswers, reportLoading, loadReport, loadCrossTab, loadTextAnswers };
});
