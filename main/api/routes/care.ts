import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AutomationInput } from '../../care/automations.js';
import { actorOf } from '../request-context.js';
import {
  AutomationBody,
  type AutomationBody as AutomationBodyType,
  AutomationList,
  AutomationSchema,
  EnabledBody,
  HolidayList,
  HolidaysQuery,
  OccurrenceList,
  OccurrencesQuery,
  PointsExpiryBody,
  PointsExpirySchema,
  PreviewQuery,
  PreviewSchema,
  RsvpList,
  RunList,
} from '../schemas/care.js';
import { IdParams, Ok, standardErrors } from '../schemas/common.js';
import type { RoutePluginOptions } from '../server.js';

const tags = ['care'];
const err = { $ref: 'ErrorBody' } as const;

/** 会员关怀: the automations, a day's preview, the festivals, the calendar figures, invitation sign-ups. */
export const careRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  const { care } = services;
  const input = (body: AutomationBodyType): AutomationInput => ({ ...body, settings: body.settings as Record<string, unknown> });

  app.get(
    '/points-expiry',
    {
      config: { permission: 'campaigns.read' },
      schema: { tags, summary: 'When members’ points expire (积分有效期): the rule points reminders and the 积分 answer use', response: { 200: PointsExpirySchema, ...standardErrors } },
    },
    async () => care.pointsExpiry(),
  );

  app.put(
    '/points-expiry',
    {
      config: { permission: 'care.manage' },
      schema: { tags, summary: 'Change when points expire (audited as a settings change)', body: PointsExpiryBody, response: { 200: PointsExpirySchema, ...standardErrors } },
    },
    async (request) => care.setPointsExpiry(actorOf(request), request.body),
  );

  app.get(
    '/automations',
    { config: { permission: 'campaigns.read' }, schema: { tags, summary: 'Every automation with its next occasion and last run', response: { 200: AutomationList, ...standardErrors } } },
    async () => ({ items: await care.list(), today: await care.today() }),
  );

  app.get(
    '/automations/:id',
    { config: { permission: 'campaigns.read' }, schema: { tags, summary: 'One automation', params: IdParams, response: { 200: AutomationSchema, 404: err, ...standardErrors } } },
    async (request) => care.get(request.params.id),
  );

  app.post(
    '/automations',
    { config: { permission: 'care.manage' }, schema: { tags, summary: 'Add an automation (switched off)', body: AutomationBody, response: { 201: AutomationSchema, ...standardErrors } } },
    async (request, reply) => reply.status(201).send(await care.create(actorOf(request), input(request.body))),
  );

  app.put(
    '/automations/:id',
    { config: { permission: 'care.manage' }, schema: { tags, summary: 'Change an automation (its kind stays)', params: IdParams, body: AutomationBody, response: { 200: AutomationSchema, 404: err, ...standardErrors } } },
    async (request) => care.update(actorOf(request), request.params.id, input(request.body)),
  );

  app.post(
    '/automations/:id/enabled',
    {
      config: { permission: 'care.manage' },
      schema: { tags, summary: 'Switch an automation on or off (on: today’s occasion goes out once its send time has passed)', params: IdParams, body: EnabledBody, response: { 200: AutomationSchema, 404: err, ...standardErrors } },
    },
    async (request) => care.setEnabled(actorOf(request), request.params.id, request.body.enabled),
  );

  app.delete(
    '/automations/:id',
    { config: { permission: 'care.manage' }, schema: { tags, summary: 'Remove an automation (not an invitation with sign-ups)', params: IdParams, response: { 200: Ok, 404: err, 409: err, ...standardErrors } } },
    async (request) => {
      await care.remove(actorOf(request), request.params.id);
      return { ok: true as const };
    },
  );

  app.get(
    '/automations/:id/runs',
    { config: { permission: 'campaigns.read' }, schema: { tags, summary: 'The last 30 send days that had an occasion, and what they queued', params: IdParams, response: { 200: RunList, 404: err, ...standardErrors } } },
    async (request) => ({ items: await care.runs(request.params.id) }),
  );

  app.get(
    '/automations/:id/rsvps',
    { config: { permission: 'campaigns.read' }, schema: { tags, summary: 'Sign-ups to an invitation’s current event (name, mobile, time)', params: IdParams, response: { 200: RsvpList, 404: err, ...standardErrors } } },
    async (request) => care.rsvps(request.params.id),
  );

  app.get(
    '/automations/:id/rsvps.xlsx',
    {
      config: { permission: 'campaigns.read' },
      schema: { tags, summary: 'Download the sign-ups as XLSX', params: IdParams, response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }), 404: err, ...standardErrors } },
    },
    async (request, reply) => {
      const { fileName, content } = await care.exportRsvps(actorOf(request), request.params.id);
      return reply
        .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename="${fileName}"`)
        .send(content);
    },
  );

  app.get(
    '/preview',
    {
      config: { permission: 'campaigns.read' },
      schema: { tags, summary: 'What the automations would send on a day, and to whom (mobiles masked); nothing is sent', querystring: PreviewQuery, response: { 200: PreviewSchema, 404: err, ...standardErrors } },
    },
    async (request) => care.preview(request.query.date, { automationId: request.query.automationId, limit: request.query.limit ?? 200 }),
  );

  app.get(
    '/holidays',
    { config: { permission: 'campaigns.read' }, schema: { tags, summary: 'The festivals of a year (lunar ones computed) and the store’s own dates', querystring: HolidaysQuery, response: { 200: HolidayList, ...standardErrors } } },
    async (request) => ({ year: request.query.year, items: care.holidays(request.query.year) }),
  );

  app.get(
    '/occurrences',
    { config: { permission: 'campaigns.read' }, schema: { tags, summary: 'Per day, how many texts each switched-on automation would send (the calendar)', querystring: OccurrencesQuery, response: { 200: OccurrenceList, ...standardErrors } } },
    async (request) => ({ items: await care.occurrences(request.query.from, request.query.to) }),
  );
};
