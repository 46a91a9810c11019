import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { RoutePluginOptions } from '../server.js';

export const healthRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  app.get(
    '/health',
    {
      config: { public: true },
      schema: {
        tags: ['system'],
        summary: 'Liveness: answers while the service runs (no session needed)',
        response: { 200: Type.Object({ status: Type.Literal('ok'), version: Type.String() }) },
      },
    },
    async () => ({ status: 'ok' as const, version: services.version }),
  );
};
