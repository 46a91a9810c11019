import { defineStore } from 'pinia';
import { ref } from 'vue';
import { mailApi, type MailQueuePageDto, type MailSettingsDto, type MailStatusDto, type UpdateMailSettingsDto } from '../api/mail';

/** 邮件设置: the SMTP settings, the queue's state and its latest mails. */
export const useMailStore = defineStore('mail', () => {
  const settings = ref<MailSettingsDto | null>(null);
  const status = ref<MailStatusDto | null>(null);
  const queue = ref<MailQueuePageDto>({ items: [], total: 0 });
  const loading = ref(false);
  const saving = ref(false);
  const testing = ref(false);

  async function load(): Promise<void> {
    loading.value = true;
    try {
      [settings.value, status.value, queue.value] = await Promise.all([mailApi.settings(), mailApi.status(), mailApi.queue(1, 10)]);
    } finally {
      loading.value = false;
    }
  }

  async function refreshQueue(): Promise<void> {
    [status.value, queue.value] = await Promise.all([mailApi.status(), mailApi.queue(1, 10)]);
  }

  async function save(changes: UpdateMailSettingsDto): Promise<void> {
    saving.value = true;
    try {
      settings.value = await mailApi.save(changes);
      await refreshQueue();
    } finally {
      saving.value = false;
    }
  }

  async function sendTest(to: string): Promise<{ recipients: string[] }> {
    testing.value = true;
    try {
      return await mailApi.test(to);
    } finally {
      testing.value = false;
      await refreshQueue().catch(() => undefined);
    }
  }

  async function retryFailed(): Promise<number> {
    const { retried } = await mailApi.retryFailed();
    await refreshQueue();
    return retried;
  }

  return { settings, status, queue, loading, saving, testing, load, refreshQueue, save, sendTest, retryFailed };
});
