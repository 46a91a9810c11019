import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { estimateSendDuration, modemPaces } from '../../messaging/batches/estimate.js';
import { BatchListResponse, BatchParams, BatchSchema, EstimateQuery, EstimateSchema, BatchListQuery } from '../schemas/batches.js';
import { standardErrors } from '../schemas/common.js';
import { actorOf } from '../request-context.js';
import type { RoutePluginOptions } from '../server.js';

const err = { $ref: 'ErrorBody' } as const;

/** Batches (批次): every send is one; list, pause, resume, cancel; and how long a send would take. */
export const batchRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  const { messaging } = services;

  app.get(
    '/',
    {
      config: { permission: 'messages.read' },
      schema: { tags: ['batches'], summary: 'Batches, newest first, with their messages per status', querystring: BatchListQuery, response: { 200: BatchListResponse, ...standardErrors } },
    },
    async (request) => messaging.batches.list({ page: request.query.page ?? 1, pageSize: request.query.pageSize ?? 20 }),
  );

  app.get(
    '/estimate',
    {
      config: { permission: 'messages.send' },
      schema: {
        tags: ['batches'],
        summary: "How long the modems take to send this many SMS parts at their configured pace and caps (what they sent lately counts)",
        querystring: EstimateQuery,
        response: { 200: EstimateSchema, ...standardErrors },
      },
    },
    async (request) => estimateSendDuration(request.query.parts, await modemPaces(services.modems, request.query.modemId ?? null)),
  );

  app.get(
    '/:id',
    {
      config: { permission: 'messages.read' },
      schema: { tags: ['batches'], summary: 'One batch', params: BatchParams, response: { 200: BatchSchema, 404: err, ...standardErrors } },
    },
    async (request) => messaging.batches.get(request.params.id),
  );

  app.post(
    '/:id/pause',
    {
      config: { permission: 'messages.send' },
      schema: {
        tags: ['batches'],
        summary: 'Hold the waiting messages back (those a modem already has go on)',
        params: BatchParams,
        response: { 200: BatchSchema, 404: err, 409: err, ...standardErrors },
      },
    },
    async (request) => messaging.batches.pause(actorOf(request), request.params.id),
  );

  app.post(
    '/:id/resume',
    {
      config: { permission: 'messages.send' },
      schema: { tags: ['batches'], summary: 'Let a paused batch go on', params: BatchParams, response: { 200: BatchSchema, 404: err, 409: err, ...standardErrors } },
    },
    async (request) => {
      const batch = await messaging.batches.resume(actorOf(request), request.params.id);
      messaging.poke();
      return batch;
    },
  );

  app.post(
    '/:id/cancel',
    {
      config: { permission: 'messages.send' },
      schema: {
        tags: ['batches'],
        summary: 'Withdraw every message and part no modem has yet; a part already begun is never withdrawn',
        params: BatchParams,
        response: { 200: BatchSchema, 404: err, 409: err, ...standardErrors },
      },
    },
    async (request) => messaging.batches.cancel(actorOf(request), request.params.id),
  );
};
