import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../errors.js';
import type { CloudMasAccount } from '../../mas/cloud/accounts.js';
import type { Webhook } from '../../integrations/webhooks.js';
import { WEBHOOK_EVENT_NAMES } from '../../integrations/webhook-events.js';
import type { ApplianceServices } from '../../services.js';
import { IdParams, Ok, standardErrors } from '../schemas/common.js';
import {
  ApiKeyList,
  ApiKeySchema,
  CloudMasAccountBody,
  CloudMasAccountList,
  CloudMasAccountSchema,
  CloudMasAccountUpdateBody,
  CloudMasRequestList,
  CloudMasRequestQuery,
  CreateApiKeyBody,
  CreatedApiKey,
  CreatedCloudMasAccount,
  CreatedWebhook,
  DeliveryDetail,
  DeliveryIdResponse,
  DeliveryList,
  DeliveryQuery,
  DeliverySchema,
  ListenerBody,
  ListenerSchema,
  RotateSecretBody,
  SecretOnce,
  TestPushBody,
  WebhookBody,
  WebhookList,
  WebhookSchema,
  WebhookSecret,
} from '../schemas/integrations.js';
import { actorOf } from '../request-context.js';
import type { RoutePluginOptions } from '../server.js';

const notFound = { 404: Type.Ref('ErrorBody') };
const conflict = { 409: Type.Ref('ErrorBody') };
const DAY_MS = 86_400_000;

async function listenerOf(services: ApplianceServices) {
  const settings = await services.settings.get('cloudMasListener');
  const status = { ...services.integrations.listener };
  const openNow = status.state === 'listening' ? status.port : null;
  const hostNow = status.host === '0.0.0.0';
  return { settings, status, restartNeeded: settings.port !== openNow || (openNow !== null && settings.lan !== hostNow) };
}

async function withAccountStats(services: ApplianceServices, accounts: CloudMasAccount[]) {
  const [requests, pushes] = await Promise.all([
    services.integrations.cloudMas.submits.accountStats(services.clock.now() - DAY_MS),
    services.integrations.deliveries.targetStats(['cloud-mas.report', 'cloud-mas.inbound']),
  ]);
  return accounts.map((account) => ({
    ...account,
    requests24h: requests.get(account.id)?.requests ?? 0,
    refused24h: requests.get(account.id)?.refused ?? 0,
    lastRequestAt: requests.get(account.id)?.lastAt ?? null,
    pendingPushes: pushes.get(account.id)?.pending ?? 0,
  }));
}

async function withWebhookStats(services: ApplianceServices, hooks: Webhook[]) {
  const stats = await services.integrations.deliveries.targetStats(['webhook']);
  return hooks.map((hook) => ({ ...hook, pending: stats.get(hook.id)?.pending ?? 0, failed: stats.get(hook.id)?.failed ?? 0, lastDeliveredAt: stats.get(hook.id)?.lastDeliveredAt ?? null }));
}

/**
 * The 接口 (Integrations) page's API: API keys, 云MAS accounts and their port, webhooks, and
 * the delivery log behind every push. Reading needs integrations.read (administrators and
 * managers); changing needs integrations.manage, which no API key can hold.
 */
export const integrationRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  const { integrations } = services;
  const tags = ['integrations'];
  const personOnly = (request: { session: unknown }) => {
    if (!request.session) throw new AppError('FORBIDDEN', 'Only a person signed in may do this.', 403);
  };

  // ---- API keys ----

  app.get(
    '/api-keys',
    {
      config: { permission: 'integrations.read' },
      schema: { tags, summary: 'API keys (never the keys themselves), and the permissions you may give one', response: { 200: ApiKeyList, ...standardErrors } },
    },
    async (request) => ({
      items: await integrations.apiKeys.list(),
      grantable: request.session ? integrations.apiKeys.grantable(request.session.user.role) : [],
    }),
  );

  app.post(
    '/api-keys',
    {
      config: { permission: 'integrations.manage' },
      schema: {
        tags,
        summary: 'Create an API key for a program: its permissions (at most yours), allowed addresses, expiry. The key is in the answer once.',
        body: CreateApiKeyBody,
        response: { 201: CreatedApiKey, ...conflict, ...standardErrors },
      },
    },
    async (request, reply) => {
      personOnly(request);
      const { name, permissions, allowedAddresses = [], expiresAt = null } = request.body;
      const created = await integrations.apiKeys.create(actorOf(request), request.session!.user.role, { name, permissions, allowedAddresses, expiresAt });
      return reply.status(201).send(created);
    },
  );

  app.post(
    '/api-keys/:id/revoke',
    {
      config: { permission: 'integrations.manage' },
      schema: { tags, summary: 'Revoke an API key: it stops working at once (the name stays taken)', params: IdParams, response: { 200: ApiKeySchema, ...notFound, ...standardErrors } },
    },
    async (request) => integrations.apiKeys.revoke(actorOf(request), request.params.id),
  );

  // ---- 云MAS ----

  app.get(
    '/cloud-mas/accounts',
    {
      config: { permission: 'integrations.read' },
      schema: { tags, summary: '云MAS HTTP accounts with their last day’s submits and waiting pushes, and the interface’s own port', response: { 200: CloudMasAccountList, ...standardErrors } },
    },
    async () => ({ items: await withAccountStats(services, await integrations.cloudMas.accounts.list()), listener: await listenerOf(services) }),
  );

  app.post(
    '/cloud-mas/accounts',
    {
      config: { permission: 'integrations.manage' },
      schema: {
        tags,
        summary: 'Add a 云MAS account (ecName, apId, secretKey, sign codes, templates, allowed addresses, push URLs)',
        description: 'Give the secretKey the store software already uses, so nothing there changes; leave it out and StoreMAS makes one, returned once.',
        body: CloudMasAccountBody,
        response: { 201: CreatedCloudMasAccount, ...conflict, ...standardErrors },
      },
    },
    async (request, reply) => {
      const { secret, ...input } = request.body;
      const created = await integrations.cloudMas.accounts.create(actorOf(request), input, secret);
      const [account] = await withAccountStats(services, [created.account]);
      return reply.status(201).send({ account: account!, secret: created.secret });
    },
  );

  app.put(
    '/cloud-mas/accounts/:id',
    {
      config: { permission: 'integrations.manage' },
      schema: { tags, summary: 'Change a 云MAS account (not its secret); pushes still waiting follow a changed URL', params: IdParams, body: CloudMasAccountUpdateBody, response: { 200: CloudMasAccountSchema, ...notFound, ...conflict, ...standardErrors } },
    },
    async (request) => {
      const { before, after } = await integrations.cloudMas.accounts.update(actorOf(request), request.params.id, request.body);
      if (after.reportUrl && after.reportUrl !== before.reportUrl) await integrations.deliveries.redirectPending('cloud-mas.report', after.id, after.reportUrl);
      if (after.inboundUrl && after.inboundUrl !== before.inboundUrl) await integrations.deliveries.redirectPending('cloud-mas.inbound', after.id, after.inboundUrl);
      if (!after.reportUrl) await integrations.deliveries.cancelPending('cloud-mas.report', after.id);
      if (!after.inboundUrl) await integrations.deliveries.cancelPending('cloud-mas.inbound', after.id);
      return (await withAccountStats(services, [after]))[0]!;
    },
  );

  app.delete(
    '/cloud-mas/accounts/:id',
    {
      config: { permission: 'integrations.manage' },
      schema: { tags, summary: 'Delete a 云MAS account: its submits are refused from now on, its waiting pushes cancelled', params: IdParams, response: { 200: Ok, ...notFound, ...standardErrors } },
    },
    async (request) => {
      const id = request.params.id;
      await services.db.transaction(async (trx) => {
        await integrations.cloudMas.accounts.remove(actorOf(request), id, trx);
        await integrations.deliveries.cancelPending('cloud-mas.report', id, trx);
        await integrations.deliveries.cancelPending('cloud-mas.inbound', id, trx);
      });
      return { ok: true as const };
    },
  );

  app.post(
    '/cloud-mas/accounts/:id/rotate-secret',
    {
      config: { permission: 'integrations.manage' },
      schema: { tags, summary: 'Set a new secretKey (the one given, or one StoreMAS makes and returns once)', params: IdParams, body: RotateSecretBody, response: { 200: SecretOnce, ...notFound, ...standardErrors } },
    },
    async (request) => ({ secret: await integrations.cloudMas.accounts.rotateSecret(actorOf(request), request.params.id, request.body.secret) }),
  );

  app.post(
    '/cloud-mas/accounts/:id/test-push',
    {
      config: { permission: 'integrations.manage' },
      schema: { tags, summary: 'Push a sample status report or inbound text to the account’s URL (see the delivery log)', params: IdParams, body: TestPushBody, response: { 200: DeliveryIdResponse, ...notFound, ...standardErrors } },
    },
    async (request) => ({ deliveryId: await integrations.cloudMas.pushes.testPush(actorOf(request), request.params.id, request.body.kind) }),
  );

  app.get(
    '/cloud-mas/requests',
    {
      config: { permission: 'integrations.read' },
      schema: { tags, summary: 'Recent 云MAS submits, accepted and refused (with why), newest first', querystring: CloudMasRequestQuery, response: { 200: CloudMasRequestList, ...standardErrors } },
    },
    async (request) => {
      const { accountId, page = 1, pageSize = 20 } = request.query;
      return integrations.cloudMas.submits.recent({ accountId, page, pageSize });
    },
  );

  app.put(
    '/cloud-mas/listener',
    {
      config: { permission: 'integrations.manage' },
      schema: { tags, summary: 'A port of its own for the 云MAS interface (applies at the next start); null for none', body: ListenerBody, response: { 200: ListenerSchema, ...standardErrors } },
    },
    async (request) => {
      await services.settings.update(actorOf(request), { cloudMasListener: request.body });
      return listenerOf(services);
    },
  );

  // ---- webhooks ----

  app.get(
    '/webhooks',
    {
      config: { permission: 'integrations.read' },
      schema: { tags, summary: 'Webhook subscriptions with their waiting and given-up deliveries, and the events one may subscribe to', response: { 200: WebhookList, ...standardErrors } },
    },
    async () => ({ items: await withWebhookStats(services, await integrations.webhooks.list()), events: [...WEBHOOK_EVENT_NAMES] }),
  );

  app.post(
    '/webhooks',
    {
      config: { permission: 'integrations.manage' },
      schema: {
        tags,
        summary: 'Subscribe a URL to events; the signing secret is in the answer once',
        description:
          'Each delivery is a POST of {"id","type","createdAt","data"} with X-StoreMAS-Event and X-StoreMAS-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>. ' +
          'Any 2xx answer accepts it; otherwise it is retried after 10 s, 20 s, 40 s … at most every 30 minutes, for 3 days.',
        body: WebhookBody,
        response: { 201: CreatedWebhook, ...conflict, ...standardErrors },
      },
    },
    async (request, reply) => {
      const created = await integrations.webhooks.create(actorOf(request), request.body);
      const [webhook] = await withWebhookStats(services, [created.webhook]);
      return reply.status(201).send({ webhook: webhook!, secret: created.secret });
    },
  );

  app.put(
    '/webhooks/:id',
    {
      config: { permission: 'integrations.manage' },
      schema: { tags, summary: 'Change a webhook; switched off, its waiting deliveries are cancelled', params: IdParams, body: WebhookBody, response: { 200: WebhookSchema, ...notFound, ...conflict, ...standardErrors } },
    },
    async (request) => (await withWebhookStats(services, [await integrations.webhooks.update(actorOf(request), request.params.id, request.body)]))[0]!,
  );

  app.delete(
    '/webhooks/:id',
    {
      config: { permission: 'integrations.manage' },
      schema: { tags, summary: 'Delete a webhook and cancel its waiting deliveries', params: IdParams, response: { 200: Ok, ...notFound, ...standardErrors } },
    },
    async (request) => {
      await integrations.webhooks.remove(actorOf(request), request.params.id);
      return { ok: true as const };
    },
  );

  app.post(
    '/webhooks/:id/rotate-secret',
    {
      config: { permission: 'integrations.manage' },
      schema: { tags, summary: 'A new signing secret (shown once); the old one stops signing at once', params: IdParams, response: { 200: WebhookSecret, ...notFound, ...standardErrors } },
    },
    async (request) => ({ secret: await integrations.webhooks.rotateSecret(actorOf(request), request.params.id) }),
  );

  app.post(
    '/webhooks/:id/test',
    {
      config: { permission: 'integrations.manage' },
      schema: { tags, summary: 'Send a signed webhook.test event now (see the delivery log)', params: IdParams, response: { 200: DeliveryIdResponse, ...notFound, ...standardErrors } },
    },
    async (request) => ({ deliveryId: await integrations.webhooks.sendTest(actorOf(request), request.params.id) }),
  );

  // ---- deliveries ----

  app.get(
    '/deliveries',
    {
      config: { permission: 'integrations.read' },
      schema: { tags, summary: 'The delivery log: pushes and webhook events with their state, tries and next try', querystring: DeliveryQuery, response: { 200: DeliveryList, ...standardErrors } },
    },
    async (request) => {
      const { page = 1, pageSize = 20, ...filters } = request.query;
      return integrations.deliveries.search({ ...filters, page, pageSize });
    },
  );

  app.get(
    '/deliveries/:id',
    {
      config: { permission: 'integrations.read' },
      schema: { tags, summary: 'One delivery with every try: status code, error, the start of the answer', params: IdParams, response: { 200: DeliveryDetail, ...notFound, ...standardErrors } },
    },
    async (request) => {
      const { firstDelayMs, maxDelayMs, giveUpAfterMs } = integrations.deliveries.retryPolicy;
      return { delivery: await integrations.deliveries.get(request.params.id), attempts: await integrations.deliveries.attempts(request.params.id), retry: { firstDelayMs, maxDelayMs, giveUpAfterMs } };
    },
  );

  app.post(
    '/deliveries/:id/retry',
    {
      config: { permission: 'integrations.manage' },
      schema: { tags, summary: 'Try a delivery again now (also one that was given up or cancelled)', params: IdParams, response: { 200: DeliverySchema, ...notFound, ...conflict, ...standardErrors } },
    },
    async (request) => integrations.deliveries.retry(actorOf(request), request.params.id),
  );
};
