import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ValidationError } from '../../errors.js';
import { normalizeMobile } from '../../messaging/numbers.js';
import {
  AddListEntryBody,
  ExportQuery,
  ImportListBody,
  ImportReportSchema,
  ListEntrySchema,
  ListPage,
  ListParams,
  ListQuerySchema,
  ListStatusSchema,
  StatusQuery,
  UpdateListEntryBody,
} from '../schemas/lists.js';
import { IdParams, Ok, standardErrors } from '../schemas/common.js';
import { actorOf } from '../request-context.js';
import type { RoutePluginOptions } from '../server.js';

const err = { $ref: 'ErrorBody' } as const;

export const listRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  const { lists } = services;

  app.get(
    '/status',
    {
      config: { permission: 'lists.read' },
      schema: {
        tags: ['lists'],
        summary: 'Whether one number is black- or whitelisted now',
        querystring: StatusQuery,
        response: { 200: ListStatusSchema, ...standardErrors },
      },
    },
    async (request) => {
      const mobile = normalizeMobile(request.query.number);
      return { mobile, ...(await lists.statusOf(mobile)) };
    },
  );

  app.get(
    '/:list',
    {
      config: { permission: 'lists.read' },
      schema: {
        tags: ['lists'],
        summary: 'Search a list (newest first; expired entries only when asked)',
        params: ListParams,
        querystring: ListQuerySchema,
        response: { 200: ListPage, ...standardErrors },
      },
    },
    async (request) => {
      const { q, includeExpired, page = 1, pageSize = 50 } = request.query;
      return lists.search({ list: request.params.list, q, includeExpired, page, pageSize });
    },
  );

  app.post(
    '/:list',
    {
      config: { permission: 'lists.manage' },
      schema: {
        tags: ['lists'],
        summary: 'Add a number to a list',
        params: ListParams,
        body: AddListEntryBody,
        response: { 201: ListEntrySchema, 409: err, ...standardErrors },
      },
    },
    async (request, reply) => {
      const entry = await lists.add(actorOf(request), request.params.list, request.body);
      return reply.status(201).send(entry);
    },
  );

  app.patch(
    '/entries/:id',
    {
      config: { permission: 'lists.manage' },
      schema: {
        tags: ['lists'],
        summary: 'Change scope, reason or expiry of an entry',
        params: IdParams,
        body: UpdateListEntryBody,
        response: { 200: ListEntrySchema, 404: err, ...standardErrors },
      },
    },
    async (request) => lists.update(actorOf(request), request.params.id, request.body),
  );

  app.delete(
    '/entries/:id',
    {
      config: { permission: 'lists.manage' },
      schema: {
        tags: ['lists'],
        summary: 'Remove an entry',
        params: IdParams,
        response: { 200: Ok, 404: err, ...standardErrors },
      },
    },
    async (request) => {
      await lists.remove(actorOf(request), request.params.id);
      return { ok: true as const };
    },
  );

  app.post(
    '/:list/import',
    {
      config: { permission: 'lists.manage' },
      bodyLimit: 32 * 1024 * 1024,
      schema: {
        tags: ['lists'],
        summary: 'Import a CSV/XLSX list: check it (dryRun), then keep the good rows or import nothing',
        params: ListParams,
        body: ImportListBody,
        response: { 200: ImportReportSchema, ...standardErrors },
      },
    },
    async (request) => {
      const { fileName, contentBase64, mode, dryRun } = request.body;
      const content = Buffer.from(contentBase64, 'base64');
      if (content.length === 0) throw new ValidationError('The file is empty. Choose a CSV or XLSX file with numbers.');
      return lists.importFile(actorOf(request), request.params.list, { name: fileName, content }, { mode, dryRun });
    },
  );

  app.get(
    '/:list/export',
    {
      // Reading a list on screen is not taking it home: exporting is its own, audited permission.
      config: { permission: 'lists.export' },
      schema: {
        tags: ['lists'],
        summary: 'Download the whole list as CSV (UTF-8) or XLSX',
        params: ListParams,
        querystring: ExportQuery,
        response: { 200: Type.Unsafe<Buffer>({ type: 'string', format: 'binary' }), ...standardErrors },
      },
    },
    async (request, reply) => {
      const format = request.query.format ?? 'xlsx';
      const { content, count } = await lists.exportFile(request.params.list, format);
      await services.audit.record(actorOf(request), 'lists.export', `${request.params.list}list`, { format, entries: count });
      const name = `${request.params.list === 'black' ? 'blacklist' : 'whitelist'}.${format}`;
      return reply
        .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(content);
    },
  );
};
