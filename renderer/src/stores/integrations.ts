import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { Permission } from '../../../main/auth/permissions';
import {
  integrationsApi,
  type ApiKeyDto,
  type CloudMasAccountChanges,
  type CloudMasAccountDto,
  type CloudMasRequestDto,
  type CreateApiKeyDto,
  type DeliveryFilter,
  type ListenerDto,
  type NewCloudMasAccount,
  type WebhookBodyDto,
  type WebhookDto,
} from '../api/integrations';

/** The 接口 page's data: 云MAS accounts and their port, API keys, webhooks, recent 云MAS submits. */
export const useIntegrationsStore = defineStore('integrations', () => {
  const accounts = ref<CloudMasAccountDto[]>([]);
  const listener = ref<ListenerDto | null>(null);
  const requests = ref<CloudMasRequestDto[]>([]);
  const requestsTotal = ref(0);
  const keys = ref<ApiKeyDto[]>([]);
  const grantable = ref<Permission[]>([]);
  const webhooks = ref<WebhookDto[]>([]);
  const webhookEvents = ref<string[]>([]);
  const loading = ref({ cloudMas: false, keys: false, webhooks: false });
  const saving = ref(false);

  async function loadCloudMas(): Promise<void> {
    loading.value.cloudMas = true;
    try {
      const [list, recent] = await Promise.all([integrationsApi.cloudMasAccounts(), integrationsApi.cloudMasRequests({ pageSize: 15 })]);
      accounts.value = list.items;
      listener.value = list.listener;
      requests.value = recent.items;
      requestsTotal.value = recent.total;
    } finally {
      loading.value.cloudMas = false;
    }
  }

  async function loadKeys(): Promise<void> {
    loading.value.keys = true;
    try {
      const list = await integrationsApi.apiKeys();
      keys.value = list.items;
      grantable.value = list.grantable;
    } finally {
      loading.value.keys = false;
    }
  }

  async function loadWebhooks(): Promise<void> {
    loading.value.webhooks = true;
    try {
      const list = await integrationsApi.webhooks();
      webhooks.value = list.items;
      webhookEvents.value = list.events;
    } finally {
      loading.value.webhooks = false;
    }
  }

  async function saving$<T>(work: () => Promise<T>): Promise<T> {
    saving.value = true;
    try {
      return await work();
    } finally {
      saving.value = false;
    }
  }

  const createAccount = (body: NewCloudMasAccount) =>
    saving$(async () => {
      const created = await integrationsApi.createCloudMasAccount(body);
      await loadCloudMas();
      return created;
    });
  const updateAccount = (id: number, body: CloudMasAccountChanges) =>
    saving$(async () => {
      const updated = await integrationsApi.updateCloudMasAccount(id, body);
      await loadCloudMas();
      return updated;
    });
  const deleteAccount = (id: number) => saving$(async () => void (await integrationsApi.deleteCloudMasAccount(id), await loadCloudMas()));
  const rotateAccountSecret = (id: number, secret?: string) => saving$(async () => (await integrationsApi.rotateCloudMasSecret(id, secret)).secret);
  const testPush = (id: number, kind: 'report' | 'inbound') => saving$(async () => (await integrationsApi.testCloudMasPush(id, kind)).deliveryId);
  const setListener = (body: { port: number | null; lan: boolean }) => saving$(async () => void (listener.value = await integrationsApi.setCloudMasListener(body)));

  const createKey = (body: CreateApiKeyDto) =>
    saving$(async () => {
      const created = await integrationsApi.createApiKey(body);
      await loadKeys();
      return created;
    });
  const revokeKey = (id: number) => saving$(async () => void (await integrationsApi.revokeApiKey(id), await loadKeys()));

  const createWebhook = (body: WebhookBodyDto) =>
    saving$(async () => {
      const created = await integrationsApi.createWebhook(body);
      await loadWebhooks();
      return created;
    });
  const updateWebhook = (id: number, body: WebhookBodyDto) => saving$(async () => void (await integrationsApi.updateWebhook(id, body), await loadWebhooks()));
  const deleteWebhook = (id: number) => saving$(async () => void (await integrationsApi.deleteWebhook(id), await loadWebhooks()));
  const rotateWebhookSecret = (id: number) => saving$(async () => (await integrationsApi.rotateWebhookSecret(id)).secret);
  const testWebhook = (id: number) => saving$(async () => (await integrationsApi.testWebhook(id)).deliveryId);

  // Delivery logs are per target (one account's pushes, one webhook's events): each log keeps its own page.
  const fetchDeliveries = (filter: DeliveryFilter) => integrationsApi.deliveries(filter);
  const fetchDelivery = (id: number) => integrationsApi.delivery(id);
  const retryDelivery = (id: number) => saving$(() => integrationsApi.retryDelivery(id));

  return {
    accounts,
    listener,
    requests,
    requestsTotal,
    keys,
    grantable,
    webhooks,
    webhookEvents,
    loading,
    saving,
    loadCloudMas,
    loadKeys,
    loadWebhooks,
    createAccount,
    updateAccount,
    deleteAccount,
    rotateAccountSecret,
    testPush,
    setListener,
    createKey,
    revokeKey,
    createWebhook,
    updateWebhook,
    deleteWebhook,
    rotateWebhookSecret,
    testWebhook,
    fetchDeliveries,
    fetchDelivery,
    retryDelivery,
  };
});
