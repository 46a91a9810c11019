import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Role } from '../../auth/permissions.js';
import { MAX_BULK_MEMBERS, tagMembers } from '../../campaigns/bulk-tag.js';
import { calendarMonth } from '../../campaigns/calendar.js';
import type { CampaignActor } from '../../campaigns/campaigns.js';
import { campaignReport, reportWorkbook } from '../../campaigns/report.js';
import { checkRule, nextRuns } from '../../campaigns/scheduler.js';
import { IdParams, MAX_ID, Ok, standardErrors } from '../schemas/common.js';
import {
  ApprovalBody,
  CalendarQuery,
  CalendarResponse,
  CampaignBody,
  CampaignDetail,
  CampaignListQuery,
  CampaignPage,
  CampaignSchema,
  CampaignSettingsSchema,
  CountBody,
  CountResponse,
  DryRunSchema,
  ReportSchema,
  RulePreviewQuery,
  RulePreviewResponse,
  SegmentBody,
  SegmentList,
  SegmentSchema,
} from '../schemas/campaigns.js';
import { actorOf } from '../request-context.js';
import type { RoutePluginOptions } from '../server.js';

const err = { $ref: 'ErrorBody' } as const;

type Request = Parameters<typeof actorOf>[0];
const campaignActorOf = (request: Request): CampaignActor => ({ actor: actorOf(request), role: (request.session?.user.role ?? 'viewer') as Role });

/** 会员分群: saved member filters with their live count, and bulk tags on selected members. */
export const segmentRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  const { segments } = services;
  const tags = ['segments'];

  app.get(
    '/',
    { config: { permission: 'campaigns.read' }, schema: { tags, summary: 'Saved segments with how many reachable members each holds now', response: { 200: SegmentList, ...standardErrors } } },
    async () => ({ items: await segments.list() }),
  );

  app.post(
    '/count',
    { config: { permission: 'campaigns.read' }, schema: { tags, summary: 'How many reachable members (with a mobile) a filter holds now', body: CountBody, response: { 200: CountResponse, ...standardErrors } } },
    async (request) => ({ count: await segments.count(request.body.filter) }),
  );

  app.post(
    '/',
    { config: { permission: 'campaigns.manage' }, schema: { tags, summary: 'Save a member filter under a name', body: SegmentBody, response: { 201: SegmentSchema, 409: err, ...standardErrors } } },
    async (request, reply) => reply.status(201).send(await segments.create(actorOf(request), request.body)),
  );

  app.put(
    '/:id',
    { config: { permission: 'campaigns.manage' }, schema: { tags, summary: 'Rename a segment or change its filter', params: IdParams, body: SegmentBody, response: { 200: SegmentSchema, 404: err, 409: err, ...standardErrors } } },
    async (request) => segments.update(actorOf(request), request.params.id, request.body),
  );

  app.delete(
    '/:id',
    { config: { permission: 'campaigns.manage' }, schema: { tags, summary: 'Delete a segment no open campaign uses', params: IdParams, response: { 200: Ok, 404: err, 409: err, ...standardErrors } } },
    async (request) => {
      await segments.remove(actorOf(request), request.params.id);
      return { ok: true as const };
    },
  );

  app.post(
    '/tag-members',
    {
      config: { permission: 'members.write' },
      schema: {
        tags,
        summary: 'Add or remove tags on members selected in 会员 (all or none)',
        body: Type.Object(
          {
            memberIds: Type.Array(Type.Integer({ minimum: 1, maximum: MAX_ID }), { minItems: 1, maxItems: MAX_BULK_MEMBERS }),
            add: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { maxItems: 20 })),
            remove: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { maxItems: 20 })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ members: Type.Integer(), added: Type.Integer(), removed: Type.Integer() }), 404: err, ...standardErrors },
      },
    },
    async (request) => tagMembers(services.db, services.audit, actorOf(request), request.body),
  );
};

/** 营销活动: campaigns, their dry run, state changes, live report (and XLSX), the calendar, the approval setting. */
export const campaignRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  const { campaigns } = services;
  const tags = ['campaigns'];
  const timeZone = async () => (await services.settings.get('policy')).timeZone;

  app.get(
    '/',
    { config: { permission: 'campaigns.read' }, schema: { tags, summary: 'Campaigns, running and paused first', querystring: CampaignListQuery, response: { 200: CampaignPage, ...standardErrors } } },
    async (request) => campaigns.list(request.query),
  );

  app.post(
    '/',
    { config: { permission: 'campaigns.manage' }, schema: { tags, summary: 'Create a campaign (a draft until submitted)', body: CampaignBody, response: { 201: CampaignSchema, 404: err, ...standardErrors } } },
    async (request, reply) => reply.status(201).send(await campaigns.create(campaignActorOf(request), request.body)),
  );

  app.post(
    '/dry-run',
    {
      config: { permission: 'campaigns.manage' },
      schema: { tags, summary: 'What a new campaign would send now: audience, hold-out, blocked per rule, parts, duration, three rendered samples; nothing is written', body: CampaignBody, response: { 200: DryRunSchema, 404: err, ...standardErrors } },
    },
    async (request) => campaigns.dryRun(request.body, null),
  );

  app.get(
    '/rule-preview',
    { config: { permission: 'campaigns.read' }, schema: { tags, summary: 'The next times a repeat rule fires in the store time zone', querystring: RulePreviewQuery, response: { 200: RulePreviewResponse, ...standardErrors } } },
    async (request) => {
      const zone = await timeZone();
      const now = services.clock.now();
      checkRule(request.query.rule, zone, now);
      return { rule: request.query.rule, upcoming: nextRuns(request.query.rule, zone, now, request.query.count ?? 5, null), timeZone: zone };
    },
  );

  app.get(
    '/calendar',
    { config: { permission: 'campaigns.read' }, schema: { tags, summary: 'A month of campaign runs, automation occurrences and holidays', querystring: CalendarQuery, response: { 200: CalendarResponse, ...standardErrors } } },
    async (request) => {
      const zone = await timeZone();
      const entries = await calendarMonth(services.db, campaigns, services.careCalendar, request.query.month, zone, services.clock.now());
      return { month: request.query.month, timeZone: zone, entries };
    },
  );

  app.get(
    '/settings',
    { config: { permission: 'campaigns.read' }, schema: { tags, summary: 'Whether operators’ campaigns wait for a manager’s approval', response: { 200: CampaignSettingsSchema, ...standardErrors } } },
    async () => campaigns.approvalSetting(),
  );

  app.put(
    '/settings',
    { config: { permission: 'campaigns.approve' }, schema: { tags, summary: 'Turn approval of operators’ campaigns on or off', body: CampaignSettingsSchema, response: { 200: CampaignSettingsSchema, ...standardErrors } } },
    async (request) => campaigns.setApproval(actorOf(request), request.body.requireApproval),
  );

  app.get(
    '/:id',
    { config: { permission: 'campaigns.read' }, schema: { tags, summary: 'One campaign with its runs and upcoming run times', params: IdParams, response: { 200: CampaignDetail, 404: err, ...standardErrors } } },
    async (request) => campaigns.detail(request.params.id),
  );

  app.put(
    '/:id',
    {
      config: { permission: 'campaigns.manage' },
      schema: { tags, summary: 'Change a campaign (while it runs, only what has not started)', params: IdParams, body: CampaignBody, response: { 200: CampaignSchema, 404: err, 409: err, ...standardErrors } },
    },
    async (request) => campaigns.update(campaignActorOf(request), request.params.id, request.body),
  );

  app.post(
    '/:id/dry-run',
    {
      config: { permission: 'campaigns.manage' },
      schema: { tags, summary: 'Dry run of an edited campaign (its uploaded list, its run number)', params: IdParams, body: CampaignBody, response: { 200: DryRunSchema, 404: err, ...standardErrors } },
    },
    async (request) => campaigns.dryRun(request.body, request.params.id),
  );

  const transitions = [
    ['submit', 'campaigns.manage', 'Submit a draft: scheduled, or waiting for approval'],
    ['pause', 'campaigns.manage', 'Pause: waiting messages and the runs to come are held'],
    ['resume', 'campaigns.manage', 'Resume a paused campaign'],
    ['cancel', 'campaigns.manage', 'Cancel: every message not yet handed to a modem is withdrawn'],
  ] as const;
  for (const [verb, permission, summary] of transitions) {
    app.post(
      `/:id/${verb}`,
      { config: { permission }, schema: { tags, summary, params: IdParams, response: { 200: CampaignSchema, 404: err, 409: err, ...standardErrors } } },
      async (request) => campaigns[verb](campaignActorOf(request), request.params.id),
    );
  }

  app.post(
    '/:id/approve',
    { config: { permission: 'campaigns.approve' }, schema: { tags, summary: 'Approve an operator’s campaign', params: IdParams, body: ApprovalBody, response: { 200: CampaignSchema, 404: err, 409: err, ...standardErrors } } },
    async (request) => campaigns.approve(campaignActorOf(request), request.params.id, request.body.note),
  );

  app.post(
    '/:id/reject',
    { config: { permission: 'campaigns.approve' }, schema: { tags, summary: 'Send an operator’s campaign back to draft with a note', params: IdParams, body: ApprovalBody, response: { 200: CampaignSchema, 404: err, 409: err, ...standardErrors } } },
    async (request) => campaigns.reject(campaignActorOf(request), request.params.id, request.body.note),
  );

  app.get(
    '/:id/report',
    { config: { permission: 'campaigns.read' }, schema: { tags, summary: 'The live report: funnel, blocked per rule, opt-outs and replies within 7 days, effect against the hold-out', params: IdParams, response: { 200: ReportSchema, 404: err, ...standardErrors } } },
    async (request) => campaignReport(services.db, campaigns, request.params.id, await timeZone(), services.clock.now()),
  );

  app.get(
    '/:id/report.xlsx',
    {
      config: { permission: 'campaigns.read' },
      schema: { tags, summary: 'The report as an XLSX workbook', params: IdParams, response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }), 404: err, ...standardErrors } },
    },
    async (request, reply) => {
      const zone = await timeZone();
      const report = await campaignReport(services.db, campaigns, request.params.id, zone, services.clock.now());
      const content = await reportWorkbook(report, zone);
      return reply
        .header('content-type', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename="campaign-${request.params.id}-report.xlsx"; filename*=UTF-8''${encodeURIComponent(`活动报告-${report.campaign.name}.xlsx`)}`)
        .send(content);
    },
  );
};
