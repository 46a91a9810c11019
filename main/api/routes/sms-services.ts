import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AskBody,
  AskSchema,
  PreviewBody,
  PreviewSchema,
  QueryLogPage,
  QueryLogQuery,
  ServiceIdParams,
  ServiceSettingsSchema,
  ServiceViewSchema,
  StatsQuery,
  StatsSchema,
  SummarySchema,
  UpdateServiceBody,
  UpdateSettingsBody,
} from '../schemas/sms-services.js';
import { standardErrors } from '../schemas/common.js';
import { actorOf } from '../request-context.js';
import type { RoutePluginOptions } from '../server.js';

const err = { $ref: 'ErrorBody' } as const;
const tags = ['sms-services'];

/** 短信服务: the keyword services, their settings, the 试一试 dry run, the query log and its figures. */
export const smsServiceRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  const sms = services.smsServices;

  app.get(
    '/services',
    { config: { permission: 'services.read' }, schema: { tags, summary: 'The services with their keywords and reply templates (and the general replies)', response: { 200: Type.Object({ items: Type.Array(ServiceViewSchema) }), ...standardErrors } } },
    async () => ({ items: await sms.listServices() }),
  );

  app.patch(
    '/services/:id',
    {
      config: { permission: 'services.manage' },
      schema: { tags, summary: 'Switch a service on or off, change its keywords or reply templates', params: ServiceIdParams, body: UpdateServiceBody, response: { 200: ServiceViewSchema, 404: err, 409: err, ...standardErrors } },
    },
    async (request) => sms.updateService(actorOf(request), request.params.id, request.body),
  );

  app.post(
    '/services/:id/reset',
    { config: { permission: 'services.manage' }, schema: { tags, summary: 'Back to the built-in keywords and texts', params: ServiceIdParams, response: { 200: ServiceViewSchema, 404: err, 409: err, ...standardErrors } } },
    async (request) => sms.resetService(actorOf(request), request.params.id),
  );

  app.post(
    '/preview',
    { config: { permission: 'services.read' }, schema: { tags, summary: 'A reply template filled with sample values: the text, its SMS parts and any problem', body: PreviewBody, response: { 200: PreviewSchema, 404: err, ...standardErrors } } },
    async (request) => sms.previewTemplate(request.body.owner, request.body.key, request.body.text),
  );

  app.get(
    '/settings',
    { config: { permission: 'services.read' }, schema: { tags, summary: 'Identity and lock-out settings', response: { 200: ServiceSettingsSchema, ...standardErrors } } },
    async () => sms.getSettings(),
  );

  app.put(
    '/settings',
    { config: { permission: 'services.manage' }, schema: { tags, summary: 'Change identity and lock-out settings (any subset)', body: UpdateSettingsBody, response: { 200: ServiceSettingsSchema, ...standardErrors } } },
    async (request) => sms.updateSettings(actorOf(request), request.body),
  );

  app.post(
    '/ask',
    {
      config: { permission: 'services.read' },
      schema: { tags, summary: '试一试: what StoreMAS would answer this text from this number (nothing is sent, logged or decided)', body: AskBody, response: { 200: AskSchema, ...standardErrors } },
    },
    async (request) => sms.ask(request.body.from, request.body.text),
  );

  app.get(
    '/log',
    { config: { permission: 'services.read' }, schema: { tags, summary: 'Who asked what, the answer, refusals, time to answer (newest first)', querystring: QueryLogQuery, response: { 200: QueryLogPage, ...standardErrors } } },
    async (request) => {
      const { page = 1, pageSize = 50, ...rest } = request.query;
      return sms.queryLog({ ...rest, page, pageSize });
    },
  );

  app.get(
    '/stats',
    { config: { permission: 'services.read' }, schema: { tags, summary: 'Texts per day and service, refusals per day, p95 time to answer (24 h)', querystring: StatsQuery, response: { 200: StatsSchema, ...standardErrors } } },
    async (request) => sms.dailyCounts(request.query.days ?? 14),
  );

  app.get(
    '/summary',
    { config: { permission: 'services.read' }, schema: { tags, summary: 'For the dashboard: answers today, refusals in 24 h, numbers locked out', response: { 200: SummarySchema, ...standardErrors } } },
    async () => sms.summary(),
  );
};
