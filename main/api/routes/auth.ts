import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import fs from 'node:fs';
import path from 'node:path';
import { INITIAL_PASSWORD_FILE } from '../../first-run.js';
import { ChangePasswordBody, LoginBody, LoginResponse, SessionSchema } from '../schemas/auth.js';
import { Ok, standardErrors } from '../schemas/common.js';
import { actorOf, clearedSessionCookie, sessionCookie } from '../request-context.js';
import type { RoutePluginOptions } from '../server.js';

export const authRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  // Every role sees the store's name and default language (operators cannot read the settings).
  const storeOf = async () => {
    const { storeName, language } = await services.settings.all();
    return { name: storeName, language };
  };
  app.post(
    '/login',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Sign in; sets the session cookie and returns the CSRF token and a bearer token',
        body: LoginBody,
        response: { 200: LoginResponse, 401: { $ref: 'ErrorBody' }, 403: { $ref: 'ErrorBody' }, 423: { $ref: 'ErrorBody' } },
      },
    },
    async (request, reply) => {
      const { token, session } = await services.users.login(request.body.username, request.body.password, {
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? '',
      });
      void reply.header('set-cookie', sessionCookie(token, request.protocol === 'https'));
      return { user: session.user, permissions: session.permissions, csrfToken: session.csrfToken, store: await storeOf(), token };
    },
  );

  app.get(
    '/me',
    {
      config: { allowDuringPasswordChange: true },
      schema: { tags: ['auth'], summary: 'The signed-in user, permissions and CSRF token', response: { 200: SessionSchema, ...standardErrors } },
    },
    async (request) => {
      const session = request.session!;
      return { user: session.user, permissions: session.permissions, csrfToken: session.csrfToken, store: await storeOf() };
    },
  );

  app.post(
    '/logout',
    {
      config: { allowDuringPasswordChange: true },
      schema: { tags: ['auth'], summary: 'End this session', response: { 200: Ok, ...standardErrors } },
    },
    async (request, reply) => {
      await services.users.logout(actorOf(request), request.session!.tokenHash);
      void reply.header('set-cookie', clearedSessionCookie());
      return { ok: true as const };
    },
  );

  app.post(
    '/change-password',
    {
      config: { allowDuringPasswordChange: true },
      schema: {
        tags: ['auth'],
        summary: 'Change your own password (required after first login or a reset)',
        body: ChangePasswordBody,
        response: { 200: SessionSchema, ...standardErrors },
      },
    },
    async (request) => {
      const session = request.session!;
      const user = await services.users.changeOwnPassword(
        actorOf(request),
        session.user.id,
        request.body.currentPassword,
        request.body.newPassword,
        session.tokenHash,
      );
      // The first-run password file has done its job once admin has chosen a password.
      if (user.username === 'admin') {
        fs.rmSync(path.join(services.config.dataDir, INITIAL_PASSWORD_FILE), { force: true });
      }
      return { user, permissions: session.permissions, csrfToken: session.csrfToken, store: await storeOf() };
    },
  );
};
