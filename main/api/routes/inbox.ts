import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdParams, Ok, standardErrors } from '../schemas/common.js';
import { ConversationDetailResponse, ConversationListQuery, ConversationListResponse, ReplyBody, ReplyResponse } from '../schemas/messages.js';
import { actorOf } from '../request-context.js';
import type { RoutePluginOptions } from '../server.js';

export const inboxRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  const { inbox } = services.messaging;

  app.get(
    '/',
    {
      config: { permission: 'messages.read' },
      schema: { tags: ['inbox'], summary: 'Conversations, latest first', querystring: ConversationListQuery, response: { 200: ConversationListResponse, ...standardErrors } },
    },
    async (request) => {
      const { page = 1, pageSize = 50, ...filters } = request.query;
      return inbox.conversations({ ...filters, page, pageSize });
    },
  );

  app.get(
    '/:id',
    {
      config: { permission: 'messages.read' },
      schema: {
        tags: ['inbox'],
        summary: 'One conversation: texts in and out, oldest first',
        params: IdParams,
        response: { 200: ConversationDetailResponse, 404: Type.Ref('ErrorBody'), ...standardErrors },
      },
    },
    async (request) => inbox.conversation(request.params.id),
  );

  app.post(
    '/:id/reply',
    {
      config: { permission: 'messages.send' },
      schema: {
        tags: ['inbox'],
        summary: 'Reply through the modem the last text came in on; marks the conversation handled',
        params: IdParams,
        body: ReplyBody,
        response: { 201: ReplyResponse, 404: Type.Ref('ErrorBody'), ...standardErrors },
      },
    },
    async (request, reply) => reply.status(201).send(await inbox.reply(actorOf(request), request.params.id, request.body.text)),
  );

  app.post(
    '/:id/handled',
    {
      config: { permission: 'messages.send' },
      schema: { tags: ['inbox'], summary: 'Mark a conversation handled', params: IdParams, response: { 200: Ok, 404: Type.Ref('ErrorBody'), ...standardErrors } },
    },
    async (request) => {
      await inbox.markHandled(actorOf(request), request.params.id);
      return { ok: true as const };
    },
  );
};
