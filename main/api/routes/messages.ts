import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AppError } from '../../errors.js';
import { estimateSendDuration, modemPaces } from '../../messaging/batches/estimate.js';
import type { ApplianceServices } from '../../services.js';
import { membersAudience, recipientsFromFile, recipientsFromText, type RecipientSource } from '../../messaging/outbox/recipients.js';
import { contactGroupOf, contactGroups, modemChoices, pinnedModemOf } from '../../messaging/outbox/send-targets.js';
import type { OutboxMessage } from '../../messaging/outbox/rows.js';
import { IdParams, standardErrors } from '../schemas/common.js';
import {
  ContactGroupsResponse,
  MessageDetailSchema,
  ModemChoicesResponse,
  MessageListQuery,
  MessageListResponse,
  OutboxMessageSchema,
  OutboxStatusResponse,
  ResolveBody,
  SendBody,
  SendTally,
  type SendBodyDto,
} from '../schemas/messages.js';
import { actorOf } from '../request-context.js';
import type { RoutePluginOptions } from '../server.js';

/** Room for a pasted list or a CSV/XLSX upload of a few hundred thousand numbers (base64). */
const SEND_BODY_LIMIT = 40 * 1024 * 1024;

/** Exactly one source of recipients per send: pasted numbers, a contact group, or a file. */
async function recipientsOf(services: ApplianceServices, body: SendBodyDto): Promise<RecipientSource> {
  const given = [body.numbers?.trim() ? 'numbers' : null, body.tag ? 'tag' : null, body.file ? 'file' : null].filter(Boolean);
  if (given.length !== 1) {
    throw new AppError('RECIPIENTS_ONE_WAY', 'Give the recipients one way: type or paste numbers, pick a contact group, or upload a CSV/XLSX file.', 400);
  }
  if (body.numbers?.trim()) return recipientsFromText(body.numbers);
  if (body.tag) {
    // Checked first, so an unknown or empty group is named rather than "no recipients".
    const group = await contactGroupOf(services.db, body.tag);
    return { recipients: membersAudience(services.db, { tag: group.tag }), problems: [] };
  }
  const content = Buffer.from(body.file!.contentBase64, 'base64');
  if (content.length === 0) throw new AppError('RECIPIENT_FILE_EMPTY', 'The file is empty. Choose a CSV or XLSX file with one number per row.', 400);
  return recipientsFromFile(body.file!.fileName, content);
}

/** Modem names by id, for rows that only carry the id (a removed modem keeps showing its id). */
export async function modemNamesOf(services: ApplianceServices): Promise<Map<string, string>> {
  return new Map((await modemChoices(services.modems)).map((m) => [m.id, m.name]));
}

const withModemName = (names: Map<string, string>) => (message: OutboxMessage) => ({
  ...message,
  modemName: message.modemId === null ? null : (names.get(message.modemId) ?? message.modemId),
  pinnedModemName: message.pinnedModem === null ? null : (names.get(message.pinnedModem) ?? message.pinnedModem),
});

export const messageRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  const { messaging } = services;

  const send = async (body: SendBodyDto, actor: ReturnType<typeof actorOf>, dryRun: boolean) => {
    const pinnedModem = body.modemId ? (await pinnedModemOf(services.modems, body.modemId)).id : null;
    const source = await recipientsOf(services, body);
    // A member group can be large: show the UI how far queueing has got.
    const jobId = `enqueue:${Date.now().toString(36)}`;
    const label = body.text.slice(0, 40);
    const progress = (done: number, state: 'running' | 'finished') =>
      services.events.publish('job.progress', { jobId, kind: 'outbox.enqueue', label, done, total: null, ratePerSecond: null, etaSeconds: null, state }, 'messages.read');
    const result = await messaging.outbox.enqueue(
      source.recipients,
      {
        text: body.text,
        category: body.category,
        source: 'ui',
        // The body's null arrives as 0 (the schema coerces types): 0 is "no time", never 1970.
        notBefore: body.notBefore || null,
        notAfter: body.notAfter || null,
        pinnedModem,
        batch: { label: (body.batchName?.trim() || body.text).slice(0, 200), kind: 'ui' },
      },
      actor,
      { dryRun, onBatch: dryRun ? undefined : (tally) => progress(tally.total, 'running') },
    );
    if (!dryRun) progress(result.total, 'finished');
    if (!dryRun) messaging.poke();
    if (result.total === 0) throw new AppError('NO_RECIPIENTS', 'No recipients: the numbers, group or file held no mobile numbers.', 400);
    // What the confirmation shows: when it starts, and how long the modems take at their pace for every part.
    const estimate = estimateSendDuration(result.parts, await modemPaces(services.modems, pinnedModem));
    return { ...result, category: body.category, sendAt: Math.max(services.clock.now(), body.notBefore || 0), estimate, problems: source.problems.slice(0, 500) };
  };

  app.post(
    '/check',
    {
      bodyLimit: SEND_BODY_LIMIT,
      config: { permission: 'messages.send' },
      schema: {
        tags: ['messages'],
        summary: 'What a send would do, without sending: recipients queued, deferred, and blocked per policy rule',
        body: SendBody,
        response: { 200: SendTally, ...standardErrors },
      },
    },
    async (request) => send(request.body, actorOf(request), true),
  );

  app.post(
    '/',
    {
      bodyLimit: SEND_BODY_LIMIT,
      config: { permission: 'messages.send' },
      schema: {
        tags: ['messages'],
        summary: 'Queue a text for one or many recipients (personalised, policy-checked); the dispatcher sends it',
        body: SendBody,
        response: { 201: SendTally, ...standardErrors },
      },
    },
    async (request, reply) => reply.status(201).send(await send(request.body, actorOf(request), false)),
  );

  app.get(
    '/modems',
    {
      config: { permission: 'messages.send' },
      schema: {
        tags: ['messages'],
        summary: 'The modems a send can be pinned to ("send via"), with whether each is ready now',
        response: { 200: ModemChoicesResponse, ...standardErrors },
      },
    },
    async () => ({ items: await modemChoices(services.modems) }),
  );

  app.get(
    '/groups',
    {
      config: { permission: 'messages.send' },
      schema: {
        tags: ['messages'],
        summary: 'Contact groups (member tags) with the number of members each reaches, largest first',
        response: { 200: ContactGroupsResponse, ...standardErrors },
      },
    },
    async () => ({ items: await contactGroups(services.db) }),
  );

  app.get(
    '/',
    {
      config: { permission: 'messages.read' },
      schema: { tags: ['messages'], summary: 'The outbox and sent log, newest first, with filters', querystring: MessageListQuery, response: { 200: MessageListResponse, ...standardErrors } },
    },
    async (request) => {
      const { page = 1, pageSize = 50, ...filters } = request.query;
      const [found, names] = await Promise.all([messaging.outbox.search({ ...filters, page, pageSize }), modemNamesOf(services)]);
      return { ...found, items: found.items.map(withModemName(names)) };
    },
  );

  app.get(
    '/status',
    {
      config: { permission: 'messages.read' },
      schema: { tags: ['messages'], summary: 'Messages per status, the next due time, and the modems sending', response: { 200: OutboxStatusResponse, ...standardErrors } },
    },
    async () => {
      const status = await messaging.outbox.status();
      return { ...status, modems: messaging.channel?.modemIds() ?? [], dispatching: messaging.running };
    },
  );

  app.get(
    '/:id',
    {
      config: { permission: 'messages.read' },
      schema: {
        tags: ['messages'],
        summary: 'One message with its timeline: parts, MR, modem, status reports',
        params: IdParams,
        response: { 200: MessageDetailSchema, 404: Type.Ref('ErrorBody'), ...standardErrors },
      },
    },
    async (request) => {
      const [detail, names] = await Promise.all([messaging.outbox.detail(request.params.id), modemNamesOf(services)]);
      const nameOf = (id: string | null) => (id === null ? null : (names.get(id) ?? id));
      return { ...detail, message: withModemName(names)(detail.message), parts: detail.parts.map((p) => ({ ...p, modemName: nameOf(p.modemId) })) };
    },
  );

  app.post(
    '/:id/cancel',
    {
      config: { permission: 'messages.send' },
      schema: {
        tags: ['messages'],
        summary: 'Withdraw one message while no modem has any part of it',
        params: IdParams,
        response: { 200: OutboxMessageSchema, 404: Type.Ref('ErrorBody'), 409: Type.Ref('ErrorBody'), ...standardErrors },
      },
    },
    async (request) => messaging.batches.cancelMessage(actorOf(request), request.params.id),
  );

  app.post(
    '/:id/resolve',
    {
      config: { permission: 'messages.resolve' },
      schema: {
        tags: ['messages'],
        summary: 'Decide an unknown message: mark it sent, mark it failed, or send it again as a new message',
        params: IdParams,
        body: ResolveBody,
        response: { 200: OutboxMessageSchema, 404: Type.Ref('ErrorBody'), 409: Type.Ref('ErrorBody'), ...standardErrors },
      },
    },
    async (request) => {
      const message = await messaging.outbox.resolveUnknown(actorOf(request), request.params.id, request.body.action);
      messaging.poke();
      return message;
    },
  );
};
