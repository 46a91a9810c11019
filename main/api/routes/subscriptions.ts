import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ValidationError } from '../../errors.js';
import { validateMagazineSettings } from '../../subscriptions/magazine-settings.js';
import { IdParams, Ok, standardErrors } from '../schemas/common.js';
import {
  AssembledResponse,
  ConsentHistoryQuery,
  ConsentHistoryResponse,
  CreateIssueBody,
  CreateTopicBody,
  ImportSubscriptionsBody,
  MagazineIssuePage,
  MagazineIssueQuery,
  MagazineIssueSchema,
  MagazinePreviewSchema,
  MagazineSettingsSchema,
  MemberSubscriptionsResponse,
  PreviewBody,
  SetMemberSubscriptionsBody,
  SubscriptionImportReportSchema,
  TopicSchema,
  TopicsResponse,
  UpdateIssueBody,
  UpdateMagazineSettingsBody,
  UpdateTopicBody,
} from '../schemas/subscriptions.js';
import { actorOf } from '../request-context.js';
import type { RoutePluginOptions } from '../server.js';

const errors = { 404: Type.Ref('ErrorBody'), 409: Type.Ref('ErrorBody'), ...standardErrors };

/** 订阅: topics, members' subscriptions and consent record, imports, and the 电子杂志. */
export const subscriptionRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  const { subscriptions, magazine } = services;

  app.get(
    '/topics',
    {
      config: { permission: 'members.read' },
      schema: { tags: ['subscriptions'], summary: 'Subscription topics with their subscriber counts', response: { 200: TopicsResponse, ...standardErrors } },
    },
    async () => ({ items: await subscriptions.topics() }),
  );

  app.post(
    '/topics',
    {
      config: { permission: 'subscriptions.manage' },
      schema: { tags: ['subscriptions'], summary: 'Add a topic (its keyword is what customers text after DY)', body: CreateTopicBody, response: { 201: TopicSchema, ...errors } },
    },
    async (request, reply) => reply.status(201).send(await subscriptions.createTopic(actorOf(request), request.body)),
  );

  app.patch(
    '/topics/:id',
    {
      config: { permission: 'subscriptions.manage' },
      schema: { tags: ['subscriptions'], summary: 'Rename, reword or switch a topic off', params: IdParams, body: UpdateTopicBody, response: { 200: TopicSchema, ...errors } },
    },
    async (request) => subscriptions.updateTopic(actorOf(request), request.params.id, request.body),
  );

  app.get(
    '/members/:id',
    {
      config: { permission: 'members.read' },
      schema: { tags: ['subscriptions'], summary: "A member's subscriptions, topic by topic", params: IdParams, response: { 200: MemberSubscriptionsResponse, ...errors } },
    },
    async (request) => ({ items: await subscriptions.ofMember(request.params.id) }),
  );

  app.put(
    '/members/:id',
    {
      config: { permission: 'members.write' },
      schema: {
        tags: ['subscriptions'],
        summary: "Set a member's subscriptions (a customer asked at the desk); each change goes into the consent record",
        params: IdParams,
        body: SetMemberSubscriptionsBody,
        response: { 200: MemberSubscriptionsResponse, ...errors },
      },
    },
    async (request) => ({ items: await subscriptions.setForMember(actorOf(request), request.params.id, request.body.changes, request.body.note) }),
  );

  app.get(
    '/members/:id/consent',
    {
      config: { permission: 'members.read' },
      schema: {
        tags: ['subscriptions'],
        summary: "The member's consent record: every change of marketing consent and subscriptions, when, how, and the text that caused it",
        params: IdParams,
        querystring: ConsentHistoryQuery,
        response: { 200: ConsentHistoryResponse, ...errors },
      },
    },
    async (request) => subscriptions.consentHistory(request.params.id, request.query.page ?? 1, request.query.pageSize ?? 50),
  );

  app.post(
    '/import',
    {
      config: { permission: 'subscriptions.manage' },
      bodyLimit: 32 * 1024 * 1024,
      schema: {
        tags: ['subscriptions'],
        summary: 'Import subscriptions from CSV/XLSX (手机号, 主题, 订阅 是/否, 备注): check (dryRun), then keep the good rows or none',
        body: ImportSubscriptionsBody,
        response: { 200: SubscriptionImportReportSchema, ...standardErrors },
      },
    },
    async (request) => {
      const { fileName, contentBase64, mode, dryRun } = request.body;
      const content = Buffer.from(contentBase64, 'base64');
      if (content.length === 0) throw new ValidationError('The file is empty. Choose a CSV or XLSX file with 手机号 and 主题 columns.');
      return subscriptions.importFile(actorOf(request), { fileName, content }, { mode, dryRun });
    },
  );

  // ---- the 电子杂志 ----

  app.get(
    '/magazine/issues',
    {
      config: { permission: 'members.read' },
      schema: { tags: ['subscriptions'], summary: 'Magazine issues: drafts first, then the sent ones, newest first', querystring: MagazineIssueQuery, response: { 200: MagazineIssuePage, ...standardErrors } },
    },
    async (request) => magazine.issues(request.query.page ?? 1, request.query.pageSize ?? 20),
  );

  app.post(
    '/magazine/issues',
    {
      config: { permission: 'subscriptions.manage' },
      schema: { tags: ['subscriptions'], summary: 'Write an issue (a draft until sent)', body: CreateIssueBody, response: { 201: MagazineIssueSchema, ...errors } },
    },
    async (request, reply) => reply.status(201).send(await magazine.create(actorOf(request), request.body)),
  );

  app.patch(
    '/magazine/issues/:id',
    {
      config: { permission: 'subscriptions.manage' },
      schema: { tags: ['subscriptions'], summary: 'Change a draft', params: IdParams, body: UpdateIssueBody, response: { 200: MagazineIssueSchema, ...errors } },
    },
    async (request) => magazine.update(actorOf(request), request.params.id, request.body),
  );

  app.delete(
    '/magazine/issues/:id',
    {
      config: { permission: 'subscriptions.manage' },
      schema: { tags: ['subscriptions'], summary: 'Delete a draft (sent issues stay on record)', params: IdParams, response: { 200: Ok, ...errors } },
    },
    async (request) => {
      await magazine.remove(actorOf(request), request.params.id);
      return { ok: true as const };
    },
  );

  app.post(
    '/magazine/issues/:id/send',
    {
      config: { permission: 'subscriptions.manage' },
      schema: { tags: ['subscriptions'], summary: '立即发送: to every subscriber of the magazine topic, as one marketing batch (policy applies)', params: IdParams, response: { 200: MagazineIssueSchema, ...errors } },
    },
    async (request) => magazine.send(actorOf(request), request.params.id),
  );

  app.post(
    '/magazine/preview',
    {
      config: { permission: 'members.read' },
      schema: { tags: ['subscriptions'], summary: 'How a member reads the text, and what the outbox would do now (nothing is queued)', body: PreviewBody, response: { 200: MagazinePreviewSchema, ...standardErrors } },
    },
    async (request) => magazine.preview(request.body.text),
  );

  app.get(
    '/magazine/assembled',
    {
      config: { permission: 'members.read' },
      schema: { tags: ['subscriptions'], summary: 'An issue assembled from the promotions running now (not saved); null when none runs', response: { 200: AssembledResponse, ...standardErrors } },
    },
    async () => ({ issue: (await magazine.assembled()) ?? null }),
  );

  app.get(
    '/magazine/settings',
    {
      config: { permission: 'settings.read' },
      schema: { tags: ['subscriptions'], summary: "The magazine's schedule, content and public page", response: { 200: MagazineSettingsSchema, ...standardErrors } },
    },
    async () => services.settings.get('magazine'),
  );

  app.put(
    '/magazine/settings',
    {
      config: { permission: 'subscriptions.manage' },
      schema: { tags: ['subscriptions'], summary: "Change the magazine's schedule, content or public page", body: UpdateMagazineSettingsBody, response: { 200: MagazineSettingsSchema, ...standardErrors } },
    },
    async (request) => {
      const next = validateMagazineSettings(request.body, await services.settings.get('magazine'));
      return (await services.settings.update(actorOf(request), { magazine: next })).magazine;
    },
  );
};
