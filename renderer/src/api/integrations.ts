import type { Static } from 'typebox';
import type {
  ApiKeyDto,
  CloudMasAccountBody,
  CloudMasAccountDto,
  CloudMasAccountUpdateBody,
  CloudMasRequestDto,
  CreateApiKeyDto,
  DeliveryAttemptDto,
  DeliveryDto,
  DeliveryListDto,
  ListenerDto,
  WebhookBodyDto,
  WebhookDto,
} from '../../../main/api/schemas/integrations';
import type { Permission } from '../../../main/auth/permissions';
import type { DeliveryKind, DeliveryStatus } from '../../../main/integrations/deliveries';
// The events this page listens to are declared beside the services that publish them.
import type {} from '../../../main/integrations/service';
import type {} from '../../../main/mas/cloud/submit';
import { http } from './client';

export type {
  ApiKeyDto,
  CloudMasAccountDto,
  CloudMasRequestDto,
  CreateApiKeyDto,
  DeliveryAttemptDto,
  DeliveryDto,
  DeliveryListDto,
  ListenerDto,
  WebhookBodyDto,
  WebhookDto,
} from '../../../main/api/schemas/integrations';
export type { DeliveryKind, DeliveryStatus };
export type NewCloudMasAccount = Static<typeof CloudMasAccountBody>;
export type CloudMasAccountChanges = Static<typeof CloudMasAccountUpdateBody>;

export interface DeliveryFilter {
  kind?: DeliveryKind;
  targetId?: number;
  status?: DeliveryStatus;
  page?: number;
  pageSize?: number;
}

export const integrationsApi = {
  apiKeys: () => http.get<{ items: ApiKeyDto[]; grantable: Permission[] }>('/integrations/api-keys'),
  /** The key is in this answer once and nowhere else. */
  createApiKey: (body: CreateApiKeyDto) => http.post<{ key: ApiKeyDto; token: string }>('/integrations/api-keys', body),
  revokeApiKey: (id: number) => http.post<ApiKeyDto>(`/integrations/api-keys/${id}/revoke`),

  cloudMasAccounts: () => http.get<{ items: CloudMasAccountDto[]; listener: ListenerDto }>('/integrations/cloud-mas/accounts'),
  createCloudMasAccount: (body: NewCloudMasAccount) => http.post<{ account: CloudMasAccountDto; secret: string | null }>('/integrations/cloud-mas/accounts', body),
  updateCloudMasAccount: (id: number, body: CloudMasAccountChanges) => http.put<CloudMasAccountDto>(`/integrations/cloud-mas/accounts/${id}`, body),
  deleteCloudMasAccount: (id: number) => http.delete<{ ok: true }>(`/integrations/cloud-mas/accounts/${id}`),
  rotateCloudMasSecret: (id: number, secret?: string) => http.post<{ secret: string | null }>(`/integrations/cloud-mas/accounts/${id}/rotate-secret`, secret ? { secret } : {}),
  testCloudMasPush: (id: number, kind: 'report' | 'inbound') => http.post<{ deliveryId: number }>(`/integrations/cloud-mas/accounts/${id}/test-push`, { kind }),
  cloudMasRequests: (query: { accountId?: number; page?: number; pageSize?: number }) =>
    http.get<{ items: CloudMasRequestDto[]; total: number }>('/integrations/cloud-mas/requests', { query: { ...query } }),
  setCloudMasListener: (body: { port: number | null; lan: boolean }) => http.put<ListenerDto>('/integrations/cloud-mas/listener', body),

  webhooks: () => http.get<{ items: WebhookDto[]; events: string[] }>('/integrations/webhooks'),
  createWebhook: (body: WebhookBodyDto) => http.post<{ webhook: WebhookDto; secret: string }>('/integrations/webhooks', body),
  updateWebhook: (id: number, body: WebhookBodyDto) => http.put<WebhookDto>(`/integrations/webhooks/${id}`, body),
  deleteWebhook: (id: number) => http.delete<{ ok: true }>(`/integrations/webhooks/${id}`),
  rotateWebhookSecret: (id: number) => http.post<{ secret: string }>(`/integrations/webhooks/${id}/rotate-secret`),
  testWebhook: (id: number) => http.post<{ deliveryId: number }>(`/integrations/webhooks/${id}/test`),

  deliveries: (filter: DeliveryFilter) => http.get<DeliveryListDto>('/integrations/deliveries', { query: { ...filter } }),
  delivery: (id: number) =>
    http.get<{ delivery: DeliveryDto; attempts: DeliveryAttemptDto[]; retry: { firstDelayMs: number; maxDelayMs: number; giveUpAfterMs: number } }>(`/integrations/deliveries/${id}`),
  retryDelivery: (id: number) => http.post<DeliveryDto>(`/integrations/deliveries/${id}/retry`),
};
