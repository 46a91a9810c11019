import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Ok, standardErrors } from '../schemas/common.js';
import {
  CodeParams,
  CodeSchema,
  ConnectionBody,
  ConnectionSchema,
  ConnectionTestSchema,
  CreateCodeBody,
  HistoryQuery,
  HistorySchema,
  LoginSchema,
  ProblemSchema,
  ProblemsQuery,
  StatusSchema,
  UpdateCodeBody,
} from '../schemas/mas-db.js';
import { actorOf } from '../request-context.js';
import type { RoutePluginOptions } from '../server.js';

const tags = ['mas-db'];
const err = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, { $ref: 'ErrorBody' }]));

/**
 * /api/mas-db: the MAS database interface (MAS 数据库接口) — the connection
 * to the MySQL/MariaDB server, the interface codes and their live status.
 * Reading is integrations.read; changing anything, and handing out a code's
 * login, is integrations.manage.
 */
export const masDbRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  const { masDb } = services;

  app.get(
    '/status',
    { config: { permission: 'integrations.read' }, schema: { tags, summary: 'Connection state, what clients are told, each code with today’s counts', response: { 200: StatusSchema, ...standardErrors } } },
    async () => masDb.status(),
  );

  app.put(
    '/connection',
    { config: { permission: 'integrations.manage' }, schema: { tags, summary: 'Set the MySQL/MariaDB server (password sealed; omit it to keep the stored one)', body: ConnectionBody, response: { 200: ConnectionSchema, ...standardErrors } } },
    async (request) => masDb.saveConnection(actorOf(request), request.body),
  );

  app.post(
    '/connection/test',
    { config: { permission: 'integrations.manage' }, schema: { tags, summary: 'Try settings without saving: server, TLS, database, rights', body: ConnectionBody, response: { 200: ConnectionTestSchema, ...err(502), ...standardErrors } } },
    async (request) => masDb.testConnection(request.body),
  );

  app.post(
    '/codes',
    { config: { permission: 'integrations.manage' }, schema: { tags, summary: 'Add an interface code; its tables are created in the MAS database', body: CreateCodeBody, response: { 201: CodeSchema, ...err(409), ...standardErrors } } },
    async (request, reply) => reply.status(201).send(await masDb.createCode(actorOf(request), request.body)),
  );

  app.put(
    '/codes/:code',
    { config: { permission: 'integrations.manage' }, schema: { tags, summary: 'Change a code’s label, category, default, poll interval or reply encoding', params: CodeParams, body: UpdateCodeBody, response: { 200: CodeSchema, ...err(404), ...standardErrors } } },
    async (request) => masDb.updateCode(actorOf(request), request.params.code, request.body),
  );

  app.post(
    '/codes/:code/pause',
    { config: { permission: 'integrations.manage' }, schema: { tags, summary: 'Pause: clients read if_status 2 and refuse; rows already inserted wait', params: CodeParams, response: { 200: CodeSchema, ...err(404), ...standardErrors } } },
    async (request) => masDb.setPaused(actorOf(request), request.params.code, true),
  );

  app.post(
    '/codes/:code/resume',
    { config: { permission: 'integrations.manage' }, schema: { tags, summary: 'Resume a paused code', params: CodeParams, response: { 200: CodeSchema, ...err(404), ...standardErrors } } },
    async (request) => masDb.setPaused(actorOf(request), request.params.code, false),
  );

  app.delete(
    '/codes/:code',
    { config: { permission: 'integrations.manage' }, schema: { tags, summary: 'Stop serving a code (its tables stay in MySQL)', params: CodeParams, response: { 200: Ok, ...err(404), ...standardErrors } } },
    async (request) => {
      await masDb.deleteCode(actorOf(request), request.params.code);
      return { ok: true as const };
    },
  );

  app.post(
    '/codes/:code/login',
    {
      config: { permission: 'integrations.manage' },
      schema: { tags, summary: 'Create the code’s MySQL login for the integrator, or give it a new password (shown once)', params: CodeParams, response: { 200: LoginSchema, ...err(404, 409, 502), ...standardErrors } },
    },
    async (request) => masDb.resetLogin(actorOf(request), request.params.code),
  );

  app.get(
    '/codes/:code/setup-sql',
    { config: { permission: 'integrations.read' }, schema: { tags, summary: 'The SQL an administrator runs when StoreMAS may not create tables or logins', params: CodeParams, response: { 200: Type.Object({ sql: Type.String() }), ...err(404), ...standardErrors } } },
    async (request) => ({ sql: await masDb.setupSql(request.params.code) }),
  );

  app.get(
    '/codes/:code/history',
    { config: { permission: 'integrations.read' }, schema: { tags, summary: 'Rows taken, refused, reports and replies per day', params: CodeParams, querystring: HistoryQuery, response: { 200: HistorySchema, ...err(404), ...standardErrors } } },
    async (request) => masDb.history(request.params.code, request.query.days ?? 14),
  );

  app.get(
    '/problems',
    { config: { permission: 'integrations.read' }, schema: { tags, summary: 'Recent refused rows and errors, newest first', querystring: ProblemsQuery, response: { 200: Type.Object({ items: Type.Array(ProblemSchema) }), ...standardErrors } } },
    async (request) => ({ items: await masDb.problems(request.query.code, request.query.limit ?? 50) }),
  );
};
