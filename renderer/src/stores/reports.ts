import { defineStore } from 'pinia';
import { ref } from 'vue';
import { reportsApi, type PriceSettingsBodyDto, type PriceSettingsDto, type ReportKind, type ReportQuery, type ReportResultDto } from '../api/reports';

export const useReportsStore = defineStore('reports', () => {
  const result = ref<ReportResultDto | null>(null);
  const loading = ref(false);
  /** The price per SMS part the cost figures use (短信费用). */
  const prices = ref<PriceSettingsDto | null>(null);
  const pricesLoading = ref(false);
  const pricesSaving = ref(false);

  async function run(kind: ReportKind, query: ReportQuery): Promise<void> {
    loading.value = true;
    try {
      result.value = await reportsApi.run(kind, query);
    } finally {
      loading.value = false;
    }
  }

  async function loadPrices(): Promise<void> {
    pricesLoading.value = true;
    try {
      prices.value = await reportsApi.prices();
    } finally {
      pricesLoading.value = false;
    }
  }

  async function savePrices(body: PriceSettingsBodyDto): Promise<void> {
    pricesSaving.value = true;
    try {
      prices.value = await reportsApi.savePrices(body);
    } finally {
      pricesSaving.value = false;
    }
  }

  return { result, loading, run, prices, pricesLoading, pricesSaving, loadPrices, savePrices };
});
