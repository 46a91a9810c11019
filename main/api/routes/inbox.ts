import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../errors.js';
import { normalizeMobile } from '../../messaging/numbers.js';
import { IdParams, Ok, standardErrors } from '../schemas/common.js';
import { ConversationDetailResponse, ConversationListQuery, ConversationListResponse, ReplyBody, ReplyResponse } from '../schemas/messages.js';
import { actorOf } from '../request-context.js';
import type { RoutePluginOptions } from '../server.js';
import { modemNamesOf } from './messages.js';

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
      const [found, names] = await Promise.all([inbox.conversations({ ...filters, page, pageSize }), modemNamesOf(services)]);
      return { ...found, items: found.items.map((c) => ({ ...c, lastModemName: c.lastModemId === null ? null : (names.get(c.lastModemId) ?? c.lastModemId) })) };
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
    async (request) => {
      const [found, names] = await Promise.all([inbox.conversation(request.params.id), modemNamesOf(services)]);
      const nameOf = (id: string | null) => (id === null ? null : (names.get(id) ?? id));
      return {
        conversation: { ...found.conversation, lastModemName: nameOf(found.conversation.lastModemId) },
        entries: found.entries.map((e) =>
          e.direction === 'in'
            ? { ...e, modemName: nameOf(e.modemId)! }
            : { ...e, message: { ...e.message, modemName: nameOf(e.message.modemId), pinnedModemName: nameOf(e.message.pinnedModem) } },
        ),
      };
    },
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

  app.post(
    '/simulate',
    {
      config: { permission: 'modems.manage' },
      schema: {
        tags: ['inbox'],
        summary: 'Demo and training: a simulated modem receives a text from a phone (it then arrives like any other)',
        body: Type.Object({ from: Type.String({ maxLength: 32 }), text: Type.String({ minLength: 1, maxLength: 1000 }), modemId: Type.Optional(Type.String({ maxLength: 64 })) }),
        response: { 202: Type.Object({ modemId: Type.String(), parts: Type.Integer() }), 404: Type.Ref('ErrorBody'), ...standardErrors },
      },
    },
    async (request, reply) => {
      const { modems } = services;
      const from = normalizeMobile(request.body.from);
      const candidates = request.body.modemId ? [request.body.modemId] : (await modems.list()).filter((m) => m.config.kind === 'simulator').map((m) => m.config.id);
      const modemId = candidates.find((id) => modems.simulator(id) !== undefined);
      if (!modemId) {
        throw new AppError('NO_SIMULATED_MODEM', 'No simulated modem is running to receive the text. Add a simulated modem on the Modems page, or enable it.', 404);
      }
      const { pdus } = modems.simulator(modemId)!.injectInbound({ from, text: request.body.text });
      return reply.status(202).send({ modemId, parts: pdus.length });
    },
  );
};
