import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { can, isRole } from '../../auth/permissions.js';
import { validateFeedbackSettings } from '../../feedback/settings.js';
import { IdParams, standardErrors } from '../schemas/common.js';
import {
  AssigneesResponse,
  BlacklistResponse,
  CountsSchema,
  CreateTicketBody,
  DailyQuery,
  DailyResponse,
  FeedbackSettingsSchema,
  MoveBody,
  NoteBody,
  ResolveBody,
  ResolveResponse,
  TicketDetailSchema,
  TicketPage,
  TicketQuery,
  TicketSchema,
  UpdateFeedbackSettingsBody,
  UpdateTicketBody,
} from '../schemas/feedback.js';
import { actorOf } from '../request-context.js';
import type { RoutePluginOptions } from '../server.js';
import { modemNamesOf } from './messages.js';

const errors = { 404: Type.Ref('ErrorBody'), 409: Type.Ref('ErrorBody'), ...standardErrors };

/** 意见反馈: tickets, their states, notes, texts and the feedback settings. */
export const feedbackRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  const { feedback } = services;

  app.get(
    '/',
    {
      config: { permission: 'feedback.read' },
      schema: { tags: ['feedback'], summary: 'Tickets: open and most overdue first, then the newest', querystring: TicketQuery, response: { 200: TicketPage, ...standardErrors } },
    },
    async (request) => {
      const { page = 1, pageSize = 50, ...filters } = request.query;
      return feedback.list({ ...filters, page, pageSize });
    },
  );

  app.get(
    '/counts',
    {
      config: { permission: 'feedback.read' },
      schema: { tags: ['feedback'], summary: 'New, open and overdue tickets now (the dashboard tile)', response: { 200: CountsSchema, ...standardErrors } },
    },
    async () => feedback.counts(),
  );

  app.get(
    '/daily',
    {
      config: { permission: 'feedback.read' },
      schema: { tags: ['feedback'], summary: 'Feedback per local day: new by kind, resolved, closed, satisfaction (at most a year)', querystring: DailyQuery, response: { 200: DailyResponse, ...standardErrors } },
    },
    async (request) => ({ days: await feedback.daily(request.query) }),
  );

  app.get(
    '/assignees',
    {
      config: { permission: 'feedback.read' },
      schema: { tags: ['feedback'], summary: 'Users a ticket can be assigned to (enabled, allowed to work tickets)', response: { 200: AssigneesResponse, ...standardErrors } },
    },
    async () => ({
      items: (await services.users.list())
        .filter((u) => !u.disabled && isRole(u.role) && can(u.role, 'feedback.manage'))
        .map((u) => ({ id: u.id, username: u.username, displayName: u.displayName })),
    }),
  );

  app.get(
    '/settings',
    {
      config: { permission: 'settings.read' },
      schema: { tags: ['feedback'], summary: 'Feedback keywords, SLA per kind, the customer texts, forwarding and the digest', response: { 200: FeedbackSettingsSchema, ...standardErrors } },
    },
    async () => services.settings.get('feedback'),
  );

  app.put(
    '/settings',
    {
      config: { permission: 'settings.manage' },
      schema: { tags: ['feedback'], summary: 'Change any part of the feedback settings (one audited change)', body: UpdateFeedbackSettingsBody, response: { 200: FeedbackSettingsSchema, ...standardErrors } },
    },
    async (request) => {
      const next = validateFeedbackSettings(request.body, await services.settings.get('feedback'));
      return (await services.settings.update(actorOf(request), { feedback: next })).feedback;
    },
  );

  app.get(
    '/:id',
    {
      config: { permission: 'feedback.read' },
      schema: { tags: ['feedback'], summary: 'One ticket with its history and SMS thread', params: IdParams, response: { 200: TicketDetailSchema, ...errors } },
    },
    async (request) => {
      const [detail, names] = await Promise.all([feedback.detail(request.params.id), modemNamesOf(services)]);
      const nameOf = (id: string | null) => (id === null ? null : (names.get(id) ?? id));
      return {
        ...detail,
        thread: detail.thread.map((e) =>
          e.direction === 'in'
            ? { ...e, modemName: nameOf(e.modemId)! }
            : { ...e, message: { ...e.message, modemName: nameOf(e.message.modemId), pinnedModemName: nameOf(e.message.pinnedModem) } },
        ),
      };
    },
  );

  app.post(
    '/',
    {
      config: { permission: 'feedback.manage' },
      schema: { tags: ['feedback'], summary: '转为反馈: a conversation (or a call, by mobile) becomes a ticket; the customer gets its number', body: CreateTicketBody, response: { 201: TicketSchema, ...errors } },
    },
    async (request, reply) => reply.status(201).send(await feedback.create(actorOf(request), request.body)),
  );

  app.patch(
    '/:id',
    {
      config: { permission: 'feedback.manage' },
      schema: { tags: ['feedback'], summary: 'Change the kind (the due time follows) or the assignee', params: IdParams, body: UpdateTicketBody, response: { 200: TicketSchema, ...errors } },
    },
    async (request) => feedback.update(actorOf(request), request.params.id, request.body),
  );

  app.post(
    '/:id/notes',
    {
      config: { permission: 'feedback.manage' },
      schema: { tags: ['feedback'], summary: 'Add an internal note (the customer never sees it)', params: IdParams, body: NoteBody, response: { 200: TicketSchema, ...errors } },
    },
    async (request) => feedback.addNote(actorOf(request), request.params.id, request.body.text),
  );

  app.post(
    '/:id/state',
    {
      config: { permission: 'feedback.manage' },
      schema: { tags: ['feedback'], summary: 'Start work (in-progress, also reopening) or close without a resolution text', params: IdParams, body: MoveBody, response: { 200: TicketSchema, ...errors } },
    },
    async (request) => feedback.move(actorOf(request), request.params.id, request.body.to, request.body.note),
  );

  app.post(
    '/:id/resolve',
    {
      config: { permission: 'feedback.manage' },
      schema: { tags: ['feedback'], summary: 'Resolve; the customer gets the resolution text (and the satisfaction question)', params: IdParams, body: ResolveBody, response: { 200: ResolveResponse, ...errors } },
    },
    async (request) => feedback.resolve(actorOf(request), request.params.id, request.body),
  );

  app.post(
    '/:id/blacklist',
    {
      config: { permission: 'feedback.manage' },
      schema: { tags: ['feedback'], summary: '加入营销黑名单: no more marketing or care texts to this number (source: complaint)', params: IdParams, response: { 200: BlacklistResponse, ...errors } },
    },
    async (request) => feedback.blacklist(actorOf(request), request.params.id),
  );
};
