import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { CreateUserBody, ResetPasswordResponse, UpdateUserBody, UserSchema } from '../schemas/auth.js';
import { IdParams, standardErrors } from '../schemas/common.js';
import { actorOf } from '../request-context.js';
import type { RoutePluginOptions } from '../server.js';

export const userRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  const { users } = services;

  app.get(
    '/',
    {
      config: { permission: 'users.manage' },
      schema: { tags: ['users'], summary: 'All users', response: { 200: Type.Object({ items: Type.Array(UserSchema) }), ...standardErrors } },
    },
    async () => ({ items: await users.list() }),
  );

  app.post(
    '/',
    {
      config: { permission: 'users.manage' },
      schema: {
        tags: ['users'],
        summary: 'Create a user; they must change the password at first login',
        body: CreateUserBody,
        response: { 201: UserSchema, 409: { $ref: 'ErrorBody' }, ...standardErrors },
      },
    },
    async (request, reply) => {
      const user = await users.create(actorOf(request), { ...request.body, mustChangePassword: true });
      return reply.status(201).send(user);
    },
  );

  app.patch(
    '/:id',
    {
      config: { permission: 'users.manage' },
      schema: {
        tags: ['users'],
        summary: 'Change display name or role, or disable / enable (disabling ends their sessions at once)',
        params: IdParams,
        body: UpdateUserBody,
        response: { 200: UserSchema, 404: { $ref: 'ErrorBody' }, ...standardErrors },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { id } = request.params;
      const { disabled, ...rest } = request.body;
      let user = await users.update(actor, id, rest);
      if (disabled !== undefined && disabled !== user.disabled) user = await users.setDisabled(actor, id, disabled);
      return user;
    },
  );

  app.post(
    '/:id/reset-password',
    {
      config: { permission: 'users.manage' },
      schema: {
        tags: ['users'],
        summary: 'Set a new temporary password (returned once) and end the user’s sessions',
        params: IdParams,
        response: { 200: ResetPasswordResponse, 404: { $ref: 'ErrorBody' }, ...standardErrors },
      },
    },
    async (request) => ({ password: await users.resetPassword(actorOf(request), request.params.id) }),
  );
};
