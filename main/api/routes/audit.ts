import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { EpochMs, PageQuery, standardErrors } from '../schemas/common.js';
import type { RoutePluginOptions } from '../server.js';

const AuditEntrySchema = Type.Object({
  id: Type.Integer(),
  at: Type.Number(),
  userId: Type.Union([Type.Integer(), Type.Null()]),
  username: Type.String(),
  action: Type.String(),
  target: Type.String(),
  detail: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  ip: Type.String(),
});

export const auditRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  app.get(
    '/',
    {
      config: { permission: 'audit.read' },
      schema: {
        tags: ['audit'],
        summary: 'Audit log, newest first, filtered by user, action and time range (epoch ms)',
        querystring: Type.Object({
          username: Type.Optional(Type.String({ maxLength: 64 })),
          action: Type.Optional(Type.String({ maxLength: 64 })),
          from: Type.Optional(EpochMs()),
          to: Type.Optional(EpochMs()),
          ...PageQuery,
        }),
        response: {
          200: Type.Object({ items: Type.Array(AuditEntrySchema), total: Type.Integer(), page: Type.Integer(), pageSize: Type.Integer() }),
          ...standardErrors,
        },
      },
    },
    async (request) => {
      const page = request.query.page ?? 1;
      const pageSize = request.query.pageSize ?? 50;
      const result = await services.audit.search({ ...request.query, page, pageSize });
      return { ...result, page, pageSize };
    },
  );

  app.get(
    '/facets',
    {
      config: { permission: 'audit.read' },
      schema: {
        tags: ['audit'],
        summary: 'Action and user names present in the log, for filters',
        response: { 200: Type.Object({ actions: Type.Array(Type.String()), usernames: Type.Array(Type.String()) }), ...standardErrors },
      },
    },
    async () => services.audit.facets(),
  );
};
