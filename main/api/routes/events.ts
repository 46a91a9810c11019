import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { can } from '../../auth/permissions.js';
import { AppError } from '../../errors.js';
import type { PublishedEvent } from '../../events/bus.js';
import type { RoutePluginOptions } from '../server.js';

const KEEPALIVE_MS = 20_000;
const SESSION_CHECK_MS = 5_000;

/**
 * The UI's live channel: server-sent events, one per published appliance event
 * the user may see. The stream closes when the session ends (logout, expiry,
 * the user being disabled) so a disabled user stops seeing anything at once.
 */
export const eventRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  const open = new Set<() => void>();
  // preClose, not onClose: the HTTP server only finishes closing once these streams end.
  app.addHook('preClose', async () => {
    for (const close of [...open]) close();
  });

  app.get(
    '/',
    {
      schema: {
        tags: ['events'],
        summary: 'Server-sent events: `event:` is the type, `data:` the JSON payload',
        produces: ['text/event-stream'],
      },
    },
    (request, reply) => {
      const session = request.session;
      // The API gate always sets it; never let a missing session reach the timers below.
      if (!session) throw new AppError('AUTH_REQUIRED', 'Sign in first: this needs a valid session (it may have expired).', 401);
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        ...(reply.getHeaders() as OutgoingHttpHeaders), // the security headers every response carries
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.write(`retry: 3000\n: connected\n\n`);

      const send = (event: PublishedEvent) => {
        if (event.type === 'session.ended') {
          if ((event.data as { userId: number }).userId === session.user.id) void checkSession();
          return;
        }
        if (event.permission && !can(session.user.role, event.permission)) return;
        raw.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`);
      };
      const unsubscribe = services.events.onDidPublish(send);
      const keepalive = setInterval(() => raw.write(`: keepalive\n\n`), KEEPALIVE_MS);
      const sessionTimer = setInterval(() => void checkSession(), SESSION_CHECK_MS);
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        unsubscribe();
        clearInterval(keepalive);
        clearInterval(sessionTimer);
        open.delete(close);
        raw.end();
      };
      const checkSession = async () => {
        if (closed) return;
        try {
          if (!(await services.users.sessionAlive(session.tokenHash))) {
            raw.write(`event: session.ended\ndata: {}\n\n`);
            close();
          }
        } catch (error) {
          // A timer callback has no request to fail: log, end this stream, keep the process.
          request.log.warn({ err: error }, 'event stream session check failed');
          close();
        }
      };
      open.add(close);
      request.raw.on('close', close);
      raw.on('error', close); // a write to a client that just went away must not throw anywhere
    },
  );
};
