import { Type, type Static } from 'typebox';
import { CLOUD_MAS_CATEGORIES } from '../../mas/cloud/accounts.js';
import { DELIVERY_KINDS, DELIVERY_STATUSES } from '../../integrations/deliveries.js';
import { WEBHOOK_EVENT_NAMES } from '../../integrations/webhook-events.js';
import { PermissionSchema } from './auth.js';
import { EpochMs, MAX_ID, Pagination } from './common.js';

// Null first: with type coercion on, a null tried against a number branch first would become 0.
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([Type.Null(), schema]);
const Enum = <T extends string>(values: readonly T[], description?: string) => Type.Unsafe<T>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });
const Addresses = Type.Array(Type.String({ maxLength: 64 }), { maxItems: 50, description: 'Client addresses or CIDR ranges allowed; empty: any address' });

// ---- API keys ----

export const ApiKeySchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  prefix: Type.String({ description: 'The first characters of the key, to recognise it' }),
  permissions: Type.Array(PermissionSchema),
  allowedAddresses: Type.Array(Type.String()),
  expiresAt: Nullable(Type.Number()),
  revokedAt: Nullable(Type.Number()),
  revokedBy: Nullable(Type.String()),
  createdBy: Type.String(),
  createdAt: Type.Number(),
  lastUsedAt: Nullable(Type.Number()),
  lastUsedIp: Nullable(Type.String()),
  state: Type.Union([Type.Literal('active'), Type.Literal('expired'), Type.Literal('revoked')]),
});
export type ApiKeyDto = Static<typeof ApiKeySchema>;

export const ApiKeyList = Type.Object({
  items: Type.Array(ApiKeySchema),
  grantable: Type.Array(PermissionSchema, { description: 'Permissions you may give a key (never users.manage or integrations.manage)' }),
});

export const CreateApiKeyBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 48, description: 'The program that uses the key, e.g. ERP 订单通知' }),
  permissions: Type.Array(PermissionSchema, { minItems: 1, maxItems: 64 }),
  allowedAddresses: Type.Optional(Addresses),
  expiresAt: Type.Optional(Nullable(EpochMs({ description: 'When the key stops working; null: never' }))),
});
export type CreateApiKeyDto = Static<typeof CreateApiKeyBody>;

export const CreatedApiKey = Type.Object({
  key: ApiKeySchema,
  token: Type.String({ description: 'The key itself, shown this once: send it as Authorization: Bearer <token>' }),
});

// ---- 云MAS ----

const SignSchema = Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }), text: Type.String({ minLength: 1, maxLength: 24, description: '【签名】' }) });
const TemplateSchema = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }), text: Type.String({ minLength: 1, maxLength: 500, description: 'Text with {1}, {2} … filled from params' }) });

const AccountFields = {
  name: Type.String({ minLength: 1, maxLength: 64, description: 'A name for people (the software it serves)' }),
  ecName: Type.String({ minLength: 1, maxLength: 128, description: 'The enterprise name the software sends as ecName' }),
  apId: Type.String({ minLength: 1, maxLength: 64, description: 'The interface user name the software sends as apId' }),
  signs: Type.Array(SignSchema, { maxItems: 50 }),
  templates: Type.Array(TemplateSchema, { maxItems: 200 }),
  allowedAddresses: Addresses,
  category: Enum(CLOUD_MAS_CATEGORIES, 'How the texts count for the sending policy; transactional unless the software sends promotions'),
  reportUrl: Nullable(Type.String({ maxLength: 500, description: 'Where status reports are pushed' })),
  inboundUrl: Nullable(Type.String({ maxLength: 500, description: 'Where inbound texts (replies) are pushed' })),
  inboundAll: Type.Boolean({ description: 'Also push texts that do not answer this account’s messages' }),
  enabled: Type.Boolean(),
};

export const CloudMasAccountSchema = Type.Object({
  id: Type.Integer(),
  ...AccountFields,
  createdBy: Type.String(),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
  requests24h: Type.Integer({ description: 'Submits in the last 24 hours' }),
  refused24h: Type.Integer({ description: 'Of those, refused' }),
  lastRequestAt: Nullable(Type.Number()),
  pendingPushes: Type.Integer({ description: 'Reports and inbound texts not yet accepted by the software' }),
});
export type CloudMasAccountDto = Static<typeof CloudMasAccountSchema>;

export const ListenerSchema = Type.Object({
  settings: Type.Object({ port: Nullable(Type.Integer()), lan: Type.Boolean() }),
  status: Type.Object({
    state: Type.Union([Type.Literal('off'), Type.Literal('listening'), Type.Literal('failed')]),
    host: Nullable(Type.String()),
    port: Nullable(Type.Integer()),
    error: Nullable(Type.String()),
  }),
  restartNeeded: Type.Boolean({ description: 'The saved port differs from the one opened at this start' }),
});
export type ListenerDto = Static<typeof ListenerSchema>;

export const CloudMasAccountList = Type.Object({ items: Type.Array(CloudMasAccountSchema), listener: ListenerSchema });

export const CloudMasAccountBody = Type.Object({
  ...AccountFields,
  secret: Type.Optional(Type.String({ maxLength: 128, description: 'The secretKey the software already uses; omit to have StoreMAS make one (shown once)' })),
});
export type CloudMasAccountBodyDto = Static<typeof CloudMasAccountBody>;
export const CloudMasAccountUpdateBody = Type.Object(AccountFields);

export const CreatedCloudMasAccount = Type.Object({
  account: CloudMasAccountSchema,
  secret: Nullable(Type.String({ description: 'The secretKey StoreMAS made, shown this once; null when you gave one' })),
});

export const RotateSecretBody = Type.Object({ secret: Type.Optional(Type.String({ maxLength: 128 })) });
export const SecretOnce = Type.Object({ secret: Nullable(Type.String({ description: 'Shown this once' })) });

export const TestPushBody = Type.Object({ kind: Type.Union([Type.Literal('report'), Type.Literal('inbound')]) });
export const DeliveryIdResponse = Type.Object({ deliveryId: Type.Integer() });

export const ListenerBody = Type.Object({
  port: Nullable(Type.Integer({ minimum: 1024, maximum: 65535 })),
  lan: Type.Boolean(),
});

export const CloudMasRequestSchema = Type.Object({
  id: Type.Integer(),
  msgGroup: Nullable(Type.String()),
  accountId: Nullable(Type.Integer()),
  endpoint: Type.String(),
  rspcod: Type.String(),
  mobiles: Type.Integer(),
  addSerial: Type.String(),
  clientIp: Type.String(),
  detail: Type.String(),
  createdAt: Type.Number(),
});
export type CloudMasRequestDto = Static<typeof CloudMasRequestSchema>;
export const CloudMasRequestQuery = Type.Object({
  accountId: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ID })),
  ...Pagination({ maxPageSize: 200, defaultPageSize: 20 }),
});
export const CloudMasRequestList = Type.Object({ items: Type.Array(CloudMasRequestSchema), total: Type.Integer() });

// ---- webhooks ----

export const WebhookSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  createdBy: Type.String(),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
  pending: Type.Integer(),
  failed: Type.Integer(),
  lastDeliveredAt: Nullable(Type.Number()),
});
export type WebhookDto = Static<typeof WebhookSchema>;
export const WebhookList = Type.Object({ items: Type.Array(WebhookSchema), events: Type.Array(Type.String(), { description: 'The events a webhook may subscribe to' }) });
export const WebhookBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 64 }),
  url: Type.String({ minLength: 1, maxLength: 500 }),
  events: Type.Array(Enum(WEBHOOK_EVENT_NAMES), { minItems: 1, maxItems: 20 }),
  enabled: Type.Boolean(),
});
export type WebhookBodyDto = Static<typeof WebhookBody>;
export const CreatedWebhook = Type.Object({ webhook: WebhookSchema, secret: Type.String({ description: 'The signing secret, shown this once' }) });
export const WebhookSecret = Type.Object({ secret: Type.String({ description: 'The new signing secret, shown this once' }) });

// ---- deliveries ----

export const DeliverySchema = Type.Object({
  id: Type.Integer(),
  kind: Enum(DELIVERY_KINDS),
  targetId: Type.Integer(),
  event: Type.String(),
  url: Type.String(),
  body: Type.String(),
  status: Enum(DELIVERY_STATUSES),
  attempts: Type.Integer(),
  nextAttemptAt: Nullable(Type.Number()),
  lastAttemptAt: Nullable(Type.Number()),
  lastStatus: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
  createdAt: Type.Number(),
  deliveredAt: Nullable(Type.Number()),
});
export type DeliveryDto = Static<typeof DeliverySchema>;
export const DeliveryQuery = Type.Object({
  kind: Type.Optional(Enum(DELIVERY_KINDS)),
  targetId: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ID })),
  status: Type.Optional(Enum(DELIVERY_STATUSES)),
  ...Pagination({ maxPageSize: 200, defaultPageSize: 20 }),
});
export const DeliveryList = Type.Object({
  items: Type.Array(DeliverySchema),
  total: Type.Integer(),
  counts: Type.Record(Type.String(), Type.Integer()),
});
export type DeliveryListDto = Static<typeof DeliveryList>;
export const DeliveryAttemptSchema = Type.Object({
  attempt: Type.Integer(),
  at: Type.Number(),
  durationMs: Type.Integer(),
  statusCode: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  response: Nullable(Type.String()),
});
export type DeliveryAttemptDto = Static<typeof DeliveryAttemptSchema>;
export const DeliveryDetail = Type.Object({
  delivery: DeliverySchema,
  attempts: Type.Array(DeliveryAttemptSchema),
  retry: Type.Object({ firstDelayMs: Type.Integer(), maxDelayMs: Type.Integer(), giveUpAfterMs: Type.Integer() }),
});
