import { PassThrough } from 'node:stream';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { exportMembers } from '../../members/export.js';
import { importMembers } from '../../members/import.js';
import { memberMessages } from '../../members/messages.js';
import { filterFromFlatQuery, sortFromFlatQuery } from '../../members/query.js';
import { IdParams, standardErrors, Pagination } from '../schemas/common.js';
import {
  ExportQuery,
  MemberCreateBody,
  MemberDetailSchema,
  MemberImportBody,
  MemberImportResponse,
  MemberMessagesResponse,
  MemberSearchBody,
  MemberSearchQuery,
  MemberSearchResponse,
  MemberUpdateBody,
  PurchasesResponse,
  TagsResponse,
} from '../schemas/members.js';
import { actorOf, allows } from '../request-context.js';
import type { RoutePluginOptions } from '../server.js';

/** Biggest import upload (base64 JSON): a 200,000-row workbook fits comfortably. */
const IMPORT_BODY_LIMIT = 48 * 1024 * 1024;

export const memberRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  const { members } = services;
  const notFound = { 404: Type.Ref('ErrorBody') };
  const reveal = (request: Parameters<typeof allows>[0]) => ({ revealIdNumber: allows(request, 'members.viewIdNumber') });

  app.post(
    '/search',
    {
      config: { permission: 'members.read' },
      schema: {
        tags: ['members'],
        summary: 'Search members with a MemberFilter (the same definition campaign audiences use); paged and sorted',
        body: MemberSearchBody,
        response: { 200: MemberSearchResponse, ...standardErrors },
      },
    },
    async (request) => members.search(request.body),
  );

  app.get(
    '/',
    {
      config: { permission: 'members.read' },
      schema: {
        tags: ['members'],
        summary: 'Search members with the filter as query parameters',
        querystring: MemberSearchQuery,
        response: { 200: MemberSearchResponse, ...standardErrors },
      },
    },
    async (request) =>
      members.search({
        filter: filterFromFlatQuery(request.query),
        sort: sortFromFlatQuery(request.query),
        page: request.query.page,
        pageSize: request.query.pageSize,
      }),
  );

  app.get(
    '/tags',
    {
      config: { permission: 'members.read' },
      schema: { tags: ['members'], summary: 'Tags in use, most used first', response: { 200: TagsResponse, ...standardErrors } },
    },
    async () => ({ items: await members.tags() }),
  );

  app.get(
    '/export',
    {
      config: { permission: 'members.export' },
      schema: {
        tags: ['members'],
        summary: 'Download the matching members as XLSX or CSV (streamed); full ID numbers only for roles allowed to see them',
        querystring: ExportQuery,
        response: { ...standardErrors },
      },
    },
    async (request, reply) => {
      const format = request.query.format ?? 'xlsx';
      const filter = filterFromFlatQuery(request.query);
      const includeIdNumbers = allows(request, 'members.viewIdNumber');
      const [countRow] = await members.filtered(filter).count<Array<{ n: number | string }>>({ n: '*' });
      await services.audit.record(actorOf(request), 'members.export', 'members', {
        format,
        filter,
        members: Number(countRow?.n ?? 0),
        idNumbers: includeIdNumbers ? 'full' : 'masked',
      });
      const stamp = members.today().replace(/-/g, '');
      const body = new PassThrough();
      exportMembers(members, services.secrets, { filter, format, includeIdNumbers }, body).catch((error: unknown) => {
        request.log.error({ err: error }, 'member export failed');
        body.destroy(error instanceof Error ? error : new Error(String(error)));
      });
      return reply
        .header('content-type', format === 'xlsx' ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="members-${stamp}.${format}"; filename*=UTF-8''${encodeURIComponent(`会员-${stamp}.${format}`)}`)
        .send(body);
    },
  );

  app.post(
    '/import',
    {
      config: { permission: 'members.write' },
      bodyLimit: IMPORT_BODY_LIMIT,
      schema: {
        tags: ['members'],
        summary: 'Import members from an XLSX or CSV file (base64); each bad row is reported by row, column and what to do',
        body: MemberImportBody,
        response: { 200: MemberImportResponse, ...standardErrors },
      },
    },
    async (request) => {
      const { fileName, contentBase64, mode, dryRun } = request.body;
      return importMembers(members, services.audit, actorOf(request), { fileName, content: Buffer.from(contentBase64, 'base64') }, { mode, dryRun });
    },
  );

  app.get(
    '/:id',
    {
      config: { permission: 'members.read' },
      schema: {
        tags: ['members'],
        summary: 'One member’s profile; the full ID number only for roles allowed to see it',
        params: IdParams,
        response: { 200: MemberDetailSchema, ...notFound, ...standardErrors },
      },
    },
    async (request) => members.get(request.params.id, reveal(request)),
  );

  app.get(
    '/:id/purchases',
    {
      config: { permission: 'members.read' },
      schema: {
        tags: ['members'],
        summary: 'A member’s purchases (receipts with lines) from the store mirror, newest first',
        params: IdParams,
        querystring: Type.Object({
          ...Pagination({ maxPageSize: 100, defaultPageSize: 20 }),
        }),
        response: { 200: PurchasesResponse, ...notFound, ...standardErrors },
      },
    },
    async (request) => members.purchases(request.params.id, request.query.page, request.query.pageSize),
  );

  app.get(
    '/:id/messages',
    {
      config: { permission: 'messages.read' },
      schema: {
        tags: ['members'],
        summary: 'The texts exchanged with a member’s mobile number, both ways, newest first',
        params: IdParams,
        querystring: Type.Object({
          ...Pagination({ maxPageSize: 100, defaultPageSize: 20, maxPage: 50 }),
        }),
        response: { 200: MemberMessagesResponse, ...notFound, ...standardErrors },
      },
    },
    async (request) => {
      const member = await members.get(request.params.id, { revealIdNumber: false });
      return memberMessages(services.db, member.mobile, { page: request.query.page ?? 1, pageSize: request.query.pageSize ?? 20 });
    },
  );

  app.post(
    '/',
    {
      config: { permission: 'members.write' },
      schema: {
        tags: ['members'],
        summary: 'Add a member by hand (source manual)',
        body: MemberCreateBody,
        response: { 201: MemberDetailSchema, 409: Type.Ref('ErrorBody'), ...standardErrors },
      },
    },
    async (request, reply) => reply.status(201).send(await members.create(actorOf(request), request.body, reveal(request))),
  );

  app.patch(
    '/:id',
    {
      config: { permission: 'members.write' },
      schema: {
        tags: ['members'],
        summary: 'Change tags, marketing consent and notes; for manual and imported members also the profile',
        params: IdParams,
        body: MemberUpdateBody,
        response: { 200: MemberDetailSchema, 409: Type.Ref('ErrorBody'), ...notFound, ...standardErrors },
      },
    },
    async (request) => members.update(actorOf(request), request.params.id, request.body, reveal(request)),
  );
};
