import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { standardErrors } from '../schemas/common.js';
import { actorOf } from '../request-context.js';
import type { RoutePluginOptions } from '../server.js';

export const SettingsSchema = Type.Object({
  storeName: Type.String(),
  smsSignature: Type.String(),
  language: Type.Union([Type.Literal('zh-CN'), Type.Literal('en')]),
  lanAccess: Type.Boolean(),
});

const SettingsResponse = Type.Object({
  values: SettingsSchema,
  /** Where the service listens now; LAN access changes apply at the next start. */
  listening: Type.Object({ host: Type.String(), port: Type.Integer(), restartNeeded: Type.Boolean() }),
});

export const settingsRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  const describe = async () => {
    const values = await services.settings.all();
    const address = app.server.address();
    const listening =
      address && typeof address === 'object'
        ? { host: address.address, port: address.port }
        : { host: services.config.host, port: services.config.port };
    const lanNow = listening.host === '0.0.0.0' || listening.host === '::';
    return { values, listening: { ...listening, restartNeeded: values.lanAccess !== lanNow } };
  };

  app.get(
    '/',
    {
      config: { permission: 'settings.read' },
      schema: { tags: ['settings'], summary: 'Store settings', response: { 200: SettingsResponse, ...standardErrors } },
    },
    describe,
  );

  app.put(
    '/',
    {
      config: { permission: 'settings.manage' },
      schema: {
        tags: ['settings'],
        summary: 'Change store settings (any subset)',
        body: Type.Partial(SettingsSchema),
        response: { 200: SettingsResponse, ...standardErrors },
      },
    },
    async (request) => {
      await services.settings.update(actorOf(request), request.body);
      return describe();
    },
  );
};
