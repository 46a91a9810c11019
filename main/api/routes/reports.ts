import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { formatLocalTime } from '../../reports/days.js';
import { reportSheet, reportTitle } from '../../reports/report-sheet.js';
import { attachmentHeader, workbookBuffer, XLSX_CONTENT_TYPE } from '../../reports/xlsx.js';
import { standardErrors } from '../schemas/common.js';
import { ReportExportQuery, ReportParams, ReportQuery, ReportResponse } from '../schemas/reports.js';
import { actorOf } from '../request-context.js';
import type { RoutePluginOptions } from '../server.js';

const tags = ['reports'];

/** 报表: each report over a date range (optionally one store) as chart + table, and as XLSX. */
export const reportRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  const { reports } = services;

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
