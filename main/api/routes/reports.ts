import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { formatLocalTime } from '../../reports/days.js';
import { reportSheet, reportTitle } from '../../reports/report-sheet.js';
import { attachmentHeader, workbookBuffer, XLSX_CONTENT_TYPE } from '../../reports/xlsx.js';
import { IdParams, Ok, standardErrors } from '../schemas/common.js';
import { PriceSettingsBody, PriceSettingsResponse, ReportExportQuery, ReportParams, ReportQuery, ReportResponse, ScheduleBody, ScheduleSchema } from '../schemas/reports.js';
import { actorOf } from '../request-context.js';
import type { RoutePluginOptions } from '../server.js';

const tags = ['reports'];

/** 报表: each report over a date range (optionally one store) as chart + table, and as XLSX. */
export const reportRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  const { reports, reportSchedules } = services;
  const err = { $ref: 'ErrorBody' } as const;

  app.get(
    '/settings',
    { config: { permission: 'reports.read' }, schema: { tags, summary: 'The price per SMS part the cost figures use, and each modem’s own', response: { 200: PriceSettingsResponse, ...standardErrors } } },
    async () => reports.priceSettings(),
  );

  app.put(
    '/settings',
    {
      config: { permission: 'reports.manage' },
      schema: { tags, summary: 'Set the price per SMS part (and per modem); audited, costs follow at once', body: PriceSettingsBody, response: { 200: PriceSettingsResponse, ...standardErrors } },
    },
    async (request) => reports.setPrices(actorOf(request), request.body),
  );

  app.get(
    '/schedules',
    { config: { permission: 'reports.read' }, schema: { tags, summary: 'Reports e-mailed on a schedule, with their last run', response: { 200: Type.Object({ items: Type.Array(ScheduleSchema) }), ...standardErrors } } },
    async () => ({ items: await reportSchedules.list() }),
  );

  app.post(
    '/schedules',
    { config: { permission: 'reports.manage' }, schema: { tags, summary: 'E-mail a report daily, weekly or monthly (to the recipients of its mail purpose)', body: ScheduleBody, response: { 200: ScheduleSchema, ...standardErrors } } },
    async (request) => reportSchedules.create(actorOf(request), request.body),
  );

  app.put(
    '/schedules/:id',
    { config: { permission: 'reports.manage' }, schema: { tags, summary: 'Change a report schedule', params: IdParams, body: ScheduleBody, response: { 200: ScheduleSchema, 404: err, ...standardErrors } } },
    async (request) => reportSchedules.update(actorOf(request), request.params.id, request.body),
  );

  app.delete(
    '/schedules/:id',
    { config: { permission: 'reports.manage' }, schema: { tags, summary: 'Stop e-mailing a report', params: IdParams, response: { 200: Ok, 404: err, ...standardErrors } } },
    async (request) => {
      await reportSchedules.remove(actorOf(request), request.params.id);
      return { ok: true as const };
    },
  );

  app.get(
    '/:kind',
    {
      config: { permission: 'reports.read' },
      schema: { tags, summary: 'One report over a date range: chart series, table rows and totals', params: ReportParams, querystring: ReportQuery, response: { 200: ReportResponse, ...standardErrors } },
    },
    async (request) => reports.run(request.params.kind, request.query),
  );

  app.get(
    '/:kind/export',
    {
      config: { permission: 'reports.read' },
      schema: {
        tags,
        summary: 'The report as XLSX',
        params: ReportParams,
        querystring: ReportExportQuery,
        response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }), ...standardErrors },
      },
    },
    async (request, reply) => {
      const { language = 'zh-CN', ...query } = request.query;
      const result = await reports.run(request.params.kind, query);
      const timeZone = (await services.settings.get('policy')).timeZone;
      const content = await workbookBuffer([reportSheet(result, language, (ms) => formatLocalTime(timeZone, ms))]);
      await reports.recordExport(actorOf(request), request.params.kind, query);
      const base = `${request.params.kind}-${query.from}-${query.to}`;
      return reply
        .header('content-type', XLSX_CONTENT_TYPE)
        .header('content-disposition', attachmentHeader(`${base}.xlsx`, `${reportTitle(request.params.kind, language)}-${query.from}-${query.to}.xlsx`))
        .send(content);
    },
  );
};
