import type { FastifyPluginAsync } from 'fastify';

/** The OpenAPI document of every route, generated from the route schemas. */
export const docsRoutes: FastifyPluginAsync = async (app) => {
  app.get(
    '/',
    { schema: { tags: ['system'], summary: 'OpenAPI 3 document of this API', hide: true } },
    async () => app.swagger(),
  );
};
