import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { databaseSizeBytes } from '../../db/connection.js';
import { standardErrors } from '../schemas/common.js';
import { allows } from '../request-context.js';
import type { RoutePluginOptions } from '../server.js';

export const dashboardRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  app.get(
    '/',
    {
      config: { permission: 'dashboard.read' },
      schema: {
        tags: ['dashboard'],
        summary: 'Figures for the overview page',
        response: {
          200: Type.Object({
            version: Type.String(),
            startedAt: Type.Number(),
            uptimeSeconds: Type.Number(),
            /** System figures: only for roles with system.read (administrators). */
            system: Type.Optional(
              Type.Object({
                databaseBytes: Type.Number(),
                dataDir: Type.String(),
                users: Type.Object({
                  total: Type.Integer(),
                  active: Type.Integer(),
                  disabled: Type.Integer(),
                  byRole: Type.Object({ admin: Type.Integer(), manager: Type.Integer(), operator: Type.Integer() }),
                }),
                activity: Type.Array(Type.Object({ day: Type.String(), actions: Type.Integer(), logins: Type.Integer() })),
              }),
            ),
          }),
          ...standardErrors,
        },
      },
    },
    async (request) => {
      const now = services.clock.now();
      const figures = {
        version: services.version,
        startedAt: services.startedAt,
        uptimeSeconds: Math.round((now - services.startedAt) / 1000),
      };
      // Where the data lives, how big it is and who signs in are for administrators only.
      if (!allows(request, 'system.read')) return figures;
      const all = await services.users.list();
      const byRole = { admin: 0, manager: 0, operator: 0 };
      for (const user of all) if (!user.disabled) byRole[user.role] += 1;
      const disabled = all.filter((u) => u.disabled).length;
      return {
        ...figures,
        system: {
          databaseBytes: databaseSizeBytes(services.databaseFile),
          dataDir: services.config.dataDir,
          users: { total: all.length, active: all.length - disabled, disabled, byRole },
          activity: await dailyActivity(services, now),
        },
      };
    },
  );
};

/** Audit actions per day for the last 14 days (local days), for the overview chart. */
async function dailyActivity(services: RoutePluginOptions['services'], now: number) {
  const dayMs = 86_400_000;
  const offset = -new Date(now).getTimezoneOffset() * 60_000;
  const startOfToday = Math.floor((now + offset) / dayMs) * dayMs - offset;
  const from = startOfToday - 13 * dayMs;
  const rows: Array<{ at: number | string; action: string }> = await services
    .db('audit_log')
    .where('at', '>=', from)
    .select('at', 'action');
  const days = Array.from({ length: 14 }, (_, i) => {
    const start = from + i * dayMs;
    return { start, day: new Date(start + offset).toISOString().slice(0, 10), actions: 0, logins: 0 };
  });
  for (const row of rows) {
    const index = Math.floor((Number(row.at) - from) / dayMs);
    const day = days[index];
    if (!day) continue;
    day.actions += 1;
    if (row.action === 'login') day.logins += 1;
  }
  return days.map(({ day, actions, logins }) => ({ day, actions, logins }));
}
