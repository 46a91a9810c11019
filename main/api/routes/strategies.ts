import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { preview, renderOptionsFrom, SAMPLE_MEMBER } from '../../messaging/render/render.js';
import type { StrategyActor } from '../../strategy/types.js';
import { IdParams, Ok, standardErrors } from '../schemas/common.js';
import {
  ActivePromotionsQuery,
  ApproveBody,
  AudienceQuery,
  AudienceResponse,
  ManualPromotionBody,
  PromotionSchema,
  PushBody,
  PushResponse,
  RecomputeBody,
  RecomputeStarted,
  RecomputeStatus,
  RecomputeSummarySchema,
  RejectBody,
  RuleBody,
  RuleList,
  RuleSchema,
  SeriesResponse,
  StrategyCounts,
  StrategyListQuery,
  StrategyPage,
  StrategySchema,
} from '../schemas/strategies.js';
import { Type } from 'typebox';
import { actorOf } from '../request-context.js';
import type { RoutePluginOptions } from '../server.js';

const err = { $ref: 'ErrorBody' } as const;
const tags = ['strategies'];

/** 营销策略: the strategies board, recompute, decisions, hand-typed promotions, pushes and rules. */
export const strategyRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  const { strategies } = services;
  const userOf = (request: Parameters<typeof actorOf>[0]): StrategyActor => ({ kind: 'user', actor: actorOf(request) });

  app.get(
    '/',
    { config: { permission: 'strategies.read' }, schema: { tags, summary: 'Strategies by state, kind, store or product, most at stake first', querystring: StrategyListQuery, response: { 200: StrategyPage, ...standardErrors } } },
    async (request) => {
      const { states, kinds, storeCodes, q, page = 1, pageSize = 50 } = request.query;
      return strategies.list({ states, kinds, storeCodes: storeCodes?.length ? storeCodes : 'all', q, page, limit: pageSize });
    },
  );

  app.get(
    '/counts',
    { config: { permission: 'strategies.read' }, schema: { tags, summary: 'How many strategies are in each state (the board tabs)', response: { 200: StrategyCounts, ...standardErrors } } },
    async () => strategies.counts(),
  );

  app.get(
    '/active-promotions',
    {
      config: { permission: 'strategies.read' },
      schema: { tags, summary: 'The promotions running now, as the 促销 answer lists them', querystring: ActivePromotionsQuery, response: { 200: Type.Object({ items: Type.Array(PromotionSchema) }), ...standardErrors } },
    },
    async (request) => ({ items: await strategies.activePromotions({ preferStoreCode: request.query.preferStoreCode ?? null }) }),
  );

  app.get(
    '/recompute',
    { config: { permission: 'strategies.read' }, schema: { tags, summary: 'Whether a recompute runs now, and the last one', response: { 200: RecomputeStatus, ...standardErrors } } },
    async () => ({ running: strategies.recomputing ?? null, last: await strategies.lastRun() }),
  );

  app.post(
    '/recompute',
    {
      config: { permission: 'strategies.approve' },
      schema: {
        tags,
        summary: 'Recompute the suggestions from the mirror now (progress on the event stream as job.progress)',
        body: RecomputeBody,
        response: { 200: RecomputeSummarySchema, 202: RecomputeStarted, 409: err, ...standardErrors },
      },
    },
    async (request, reply) => {
      const { runId, done } = await strategies.startRecompute({ actor: actorOf(request), trigger: 'api' });
      if (request.body.wait) return reply.status(200).send(await done);
      done.catch((error: unknown) => request.log.warn({ err: error }, 'strategy recompute failed'));
      return reply.status(202).send({ runId });
    },
  );

  app.post(
    '/recompute/cancel',
    { config: { permission: 'strategies.approve' }, schema: { tags, summary: 'Cancel the running recompute', response: { 200: Ok, 409: err, ...standardErrors } } },
    async (request) => {
      await strategies.cancelRecompute(actorOf(request));
      return { ok: true as const };
    },
  );

  app.post(
    '/promotions',
    {
      config: { permission: 'strategies.approve' },
      schema: { tags, summary: 'A promotion typed by hand (for one store or all), answered by 促销 between its dates', body: ManualPromotionBody, response: { 201: StrategySchema, ...standardErrors } },
    },
    async (request, reply) => reply.status(201).send(await strategies.createManualPromotion(userOf(request), request.body)),
  );

  app.get(
    '/rules',
    { config: { permission: 'strategies.read' }, schema: { tags, summary: 'The strategy rules (the most specific applies) and the categories to scope them by', response: { 200: RuleList, ...standardErrors } } },
    async () => {
      const categories = (await services.db('products').whereNull('deleted_at').whereNot('category', '').distinct('category').orderBy('category')) as Array<{ category: string }>;
      return { items: await strategies.listRules(), categories: categories.map((c) => c.category) };
    },
  );

  app.post(
    '/rules',
    { config: { permission: 'strategies.manage' }, schema: { tags, summary: 'Add a rule for a store, category or product', body: RuleBody, response: { 201: RuleSchema, 409: err, ...standardErrors } } },
    async (request, reply) => reply.status(201).send(await strategies.createRule(actorOf(request), request.body)),
  );

  app.put(
    '/rules/:id',
    { config: { permission: 'strategies.manage' }, schema: { tags, summary: 'Change a rule', params: IdParams, body: RuleBody, response: { 200: RuleSchema, 404: err, 409: err, ...standardErrors } } },
    async (request) => strategies.updateRule(actorOf(request), request.params.id, request.body),
  );

  app.delete(
    '/rules/:id',
    { config: { permission: 'strategies.manage' }, schema: { tags, summary: 'Remove a rule (the default rule stays)', params: IdParams, response: { 200: Ok, 404: err, 409: err, ...standardErrors } } },
    async (request) => {
      await strategies.deleteRule(actorOf(request), request.params.id);
      return { ok: true as const };
    },
  );

  app.get(
    '/:id',
    { config: { permission: 'strategies.read' }, schema: { tags, summary: 'One strategy', params: IdParams, response: { 200: StrategySchema, 404: err, ...standardErrors } } },
    async (request) => strategies.get(request.params.id),
  );

  app.get(
    '/:id/series',
    {
      config: { permission: 'strategies.read' },
      schema: { tags, summary: "The product's daily sales and stock in the strategy's store over the last 28 days (the card's chart)", params: IdParams, response: { 200: SeriesResponse, 404: err, ...standardErrors } },
    },
    async (request) => strategies.series(request.params.id),
  );

  app.post(
    '/:id/approve',
    {
      config: { permission: 'strategies.approve' },
      schema: { tags, summary: 'Approve a suggestion (optionally with dates and another discount)', params: IdParams, body: ApproveBody, response: { 200: StrategySchema, 404: err, 409: err, ...standardErrors } },
    },
    async (request) => strategies.approve(request.params.id, userOf(request), request.body),
  );

  app.post(
    '/:id/reject',
    { config: { permission: 'strategies.approve' }, schema: { tags, summary: 'Reject a suggestion (not suggested again for the cool-down)', params: IdParams, body: RejectBody, response: { 200: StrategySchema, 404: err, 409: err, ...standardErrors } } },
    async (request) => strategies.reject(request.params.id, userOf(request), request.body.reason),
  );

  app.patch(
    '/:id',
    {
      config: { permission: 'strategies.approve' },
      schema: { tags, summary: 'Change the dates (or discount) of an approved or active strategy', params: IdParams, body: ApproveBody, response: { 200: StrategySchema, 404: err, 409: err, ...standardErrors } },
    },
    async (request) => strategies.reschedule(request.params.id, userOf(request), request.body),
  );

  app.post(
    '/:id/end',
    { config: { permission: 'strategies.approve' }, schema: { tags, summary: 'End an approved or active strategy now', params: IdParams, response: { 200: StrategySchema, 404: err, 409: err, ...standardErrors } } },
    async (request) => strategies.end(request.params.id, userOf(request)),
  );

  app.get(
    '/:id/audience',
    {
      config: { permission: 'strategies.approve' },
      schema: {
        tags,
        summary: 'Who a push would reach (category buyers of the last 90 days with consent) and the text as the first of them reads it',
        params: IdParams,
        querystring: AudienceQuery,
        response: { 200: AudienceResponse, 404: err, 409: err, ...standardErrors },
      },
    },
    async (request) => {
      const audience = await strategies.pushAudience(request.params.id);
      const settings = await services.settings.all();
      const text = request.query.text?.trim() || audience.defaultText;
      const shown = preview(text, { ...SAMPLE_MEMBER, name: audience.sample[0]?.name ?? SAMPLE_MEMBER.name }, renderOptionsFrom(settings, settings.policy, 'marketing'));
      return { ...audience, preview: { text: shown.text, characters: shown.characters, parts: shown.parts, withinLimit: shown.withinLimit, error: shown.error ?? null } };
    },
  );

  app.post(
    '/:id/push',
    {
      config: { permission: 'strategies.approve' },
      schema: {
        tags,
        summary: 'Send the promotion to its audience as marketing through the outbox (policy applies; a member is texted once per strategy)',
        params: IdParams,
        body: PushBody,
        response: { 200: PushResponse, 404: err, 409: err, ...standardErrors },
      },
    },
    async (request) => strategies.pushToMembers(request.params.id, actorOf(request), request.body.text),
  );
};
