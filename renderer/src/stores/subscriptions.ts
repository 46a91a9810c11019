import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { ImportMode } from '../api/lists';
import { subscriptionsApi, type SubscriptionImportReportDto, type TopicBody, type TopicDto } from '../api/subscriptions';

/** 订阅: the topics with their subscriber counts; imports of members' choices. */
export const useSubscriptionsStore = defineStore('subscriptions', () => {
  const topics = ref<TopicDto[]>([]);
  const loading = ref(false);
  const saving = ref(false);
  const importing = ref(false);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      topics.value = (await subscriptionsApi.topics()).items;
    } finally {
      loading.value = false;
    }
  }

  async function save(id: number | null, body: TopicBody): Promise<void> {
    saving.value = true;
    try {
      if (id === null) await subscriptionsApi.createTopic(body);
      else await subscriptionsApi.updateTopic(id, body);
      await load();
    } finally {
      saving.value = false;
    }
  }

  async function importFile(file: File, mode: ImportMode, dryRun: boolean): Promise<SubscriptionImportReportDto> {
    importing.value = true;
    try {
      const report = await subscriptionsApi.import(file, mode, dryRun);
      if (report.committed) await load();
      return report;
    } finally {
      importing.value = false;
    }
  }

  return { topics, loading, saving, importing, load, save, importFile };
});
