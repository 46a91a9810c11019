import fs from 'node:fs';
import path from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyRequest, type onRequestAsyncHookHandler } from 'fastify';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifyHelmet from '@fastify/helmet';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { can } from '../auth/permissions.js';
import { AppError } from '../errors.js';
import type { ApplianceServices } from '../services.js';
import { ErrorBody } from './schemas/common.js';
import { SESSION_COOKIE, readCookie } from './request-context.js';
import { healthRoutes } from './routes/health.js';
import { authRoutes } from './routes/auth.js';
import { userRoutes } from './routes/users.js';
import { auditRoutes } from './routes/audit.js';
import { settingsRoutes } from './routes/settings.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { eventRoutes } from './routes/events.js';
import { docsRoutes } from './routes/docs.js';
import { listRoutes } from './routes/lists.js';
import { templateRoutes } from './routes/templates.js';
import { policyRoutes } from './routes/policy.js';
import { memberRoutes } from './routes/members.js';
import { messageRoutes } from './routes/messages.js';
import { batchRoutes } from './routes/batches.js';
import { inboxRoutes } from './routes/inbox.js';
import { storeRoutes } from './routes/store.js';
import { modemRoutes } from './routes/modems.js';
import { smsServiceRoutes } from './routes/sms-services.js';
import { staffRoutes } from './routes/staff.js';
import { strategyRoutes } from './routes/strategies.js';
import { campaignRoutes, segmentRoutes } from './routes/campaigns.js';
import { mailRoutes } from './routes/mail.js';
import { feedbackRoutes } from './routes/feedback.js';
import { subscriptionRoutes } from './routes/subscriptions.js';
import { masDbRoutes } from './routes/mas-db.js';
import { cloudMasHttpRoutes } from './routes/cloud-mas-http.js';
import { integrationRoutes } from './routes/integrations.js';
import { API_KEY_PREFIX } from '../integrations/api-keys.js';
import { surveyRoutes } from './routes/surveys.js';
import { reportRoutes } from './routes/reports.js';
import { careRoutes } from './routes/care.js';

export type ApiServer = FastifyInstance;

/**
 * Whether a request line names something under /api in any spelling a router or proxy may
 * resolve to it: percent-encoding, doubled slashes, dot segments, backslashes, case. The SPA
 * fallback never answers such a path (an unknown API path is a JSON 404, not the UI's HTML).
 */
export function isApiPath(rawUrl: string): boolean {
  const rawPath = (rawUrl.split('?')[0] ?? '').split('#')[0] ?? '';
  let decoded = rawPath;
  try {
    // Decode until stable: a double-encoded %2561 is still an attempt at /api.
    for (let i = 0; i < 3; i++) {
      const next = decodeURIComponent(decoded);
      if (next === decoded) break;
      decoded = next;
    }
  } catch {
    return true; // malformed escapes: never hand them the UI
  }
  const normalised = path.posix.normalize(`/${decoded.replace(/\\/g, '/')}`).replace(/\/+/g, '/').toLowerCase();
  return normalised === '/api' || normalised.startsWith('/api/');
}

export interface RegisteredRoute {
  method: string;
  url: string;
  public: boolean;
  permission: string | undefined;
  /** Public to the session gate because the route checks its caller itself (the 云MAS interface). */
  cloudMas: boolean;
  /** The request schemas, so tests can check every route's inputs are bounded. */
  schema: { params?: unknown; querystring?: unknown; body?: unknown };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Builds the HTTP server without listening: tests use inject(), the appliance
 * calls listen(). Every route lives in a plugin under routes/, one per resource,
 * registered below with its /api prefix. Later capabilities add theirs to
 * `apiPlugins` in the same way.
 */
export async function buildServer(services: ApplianceServices): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: services.logger.child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: services.config.bodyLimitBytes,
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  const routes: RegisteredRoute[] = [];
  app.decorate('registeredRoutes', routes);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD') continue;
      routes.push({
        method,
        url: route.url,
        public: route.config?.public === true,
        permission: route.config?.permission,
        cloudMas: route.config?.cloudMas === true,
        schema: { params: route.schema?.params, querystring: route.schema?.querystring, body: route.schema?.body },
      });
    }
  });

  app.decorateRequest('session', undefined);
  app.decorateRequest('authMethod', undefined);
  app.decorateRequest('apiKey', undefined);
  app.addSchema(ErrorBody);

  await app.register(fastifyHelmet, {
    // Every response, API and UI alike. Styles may be inline (Element Plus and ECharts position
    // with style attributes); scripts only from StoreMAS itself.
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // No HSTS: the desktop window uses plain HTTP on loopback, and a LAN certificate is often
    // self-signed — HSTS would forbid staff from accepting it after a certificate change.
    strictTransportSecurity: false,
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'StoreMAS API',
        description:
          'JSON API of the StoreMAS appliance. Sign in with POST /api/auth/login; browsers use the httpOnly ' +
          'session cookie plus the X-CSRF-Token header, programs send Authorization: Bearer <token>. ' +
          'A program may instead use an API key (Authorization: Bearer smk_…) that an administrator created under ' +
          '接口 Integrations: it reaches only routes whose permission the key holds, from the addresses it allows. ' +
          'Webhooks post events as JSON with the header X-StoreMAS-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">. ' +
          'The 云MAS HTTP interface (/sms/norsubmit, /sms/submit, /sms/tmpsubmit) speaks China Mobile MAS\'s protocol for existing store software.',
        version: services.version,
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          cookie: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
  });

  app.setErrorHandler((error: FastifyError | AppError | Error, request, reply) => {
    if (error instanceof AppError) {
      void reply.status(error.status).send({
        error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) },
      });
      return;
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.validation) {
      void reply.status(400).send({
        error: {
          code: 'VALIDATION_FAILED',
          message: `The request is not valid: ${fastifyError.message}. Correct the field named and send it again.`,
        },
      });
      return;
    }
    if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      void reply.status(413).send({
        error: { code: 'BODY_TOO_LARGE', message: 'The request body is too large. Send less data at a time.' },
      });
      return;
    }
    if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
      void reply.status(fastifyError.statusCode).send({
        error: { code: fastifyError.code ?? 'BAD_REQUEST', message: fastifyError.message },
      });
      return;
    }
    request.log.error({ err: error }, 'unhandled error');
    void reply.status(500).send({
      error: {
        code: 'INTERNAL_ERROR',
        message: 'Something went wrong inside StoreMAS. The details are in the log; try again or contact support.',
      },
    });
  });

  app.setNotFoundHandler((request, reply) => {
    const rendererIndex = services.config.rendererDir
      ? path.join(services.config.rendererDir, 'index.html')
      : undefined;
    // The admin UI is a single-page app: unknown non-API paths get its index. A missing
    // file (a script chunk of an older build) gets a 404, never HTML the browser would run as a script.
    const pathname = request.url.split('?')[0] ?? '';
    const looksLikeFile = /\.[A-Za-z0-9]{1,8}$/.test(pathname);
    if (request.method === 'GET' && !isApiPath(request.url) && !looksLikeFile && rendererIndex && fs.existsSync(rendererIndex)) {
      void reply.type('text/html; charset=utf-8').send(fs.createReadStream(rendererIndex));
      return;
    }
    void reply.status(404).send({
      error: { code: 'NOT_FOUND', message: `There is no ${request.method} ${request.url.split('?')[0]}.` },
    });
  });

  await app.register(
    async (api) => {
      // The gate is a hook of the API's own context, so it runs for every route registered
      // here however its URL was spelled (/%61pi/…, /ap%69/…): protection belongs to the
      // matched route, not to the text of the request line.
      api.addHook('onRequest', apiGate(services));
      await api.register(healthRoutes, { services });
      await api.register(authRoutes, { services, prefix: '/auth' });
      await api.register(userRoutes, { services, prefix: '/users' });
      await api.register(auditRoutes, { services, prefix: '/audit' });
      await api.register(settingsRoutes, { services, prefix: '/settings' });
      await api.register(dashboardRoutes, { services, prefix: '/dashboard' });
      await api.register(eventRoutes, { services, prefix: '/events' });
      await api.register(docsRoutes, { prefix: '/docs' });
      await api.register(listRoutes, { services, prefix: '/lists' });
      await api.register(templateRoutes, { services, prefix: '/templates' });
      await api.register(policyRoutes, { services, prefix: '/policy' });
      await api.register(memberRoutes, { services, prefix: '/members' });
      await api.register(messageRoutes, { services, prefix: '/messages' });
      await api.register(batchRoutes, { services, prefix: '/batches' });
      await api.register(inboxRoutes, { services, prefix: '/inbox' });
      await api.register(storeRoutes, { services, prefix: '/store' });
      await api.register(modemRoutes, { services, prefix: '/modems' });
      await api.register(smsServiceRoutes, { services, prefix: '/sms-services' });
      await api.register(staffRoutes, { services, prefix: '/staff' });
      await api.register(strategyRoutes, { services, prefix: '/strategies' });
      await api.register(segmentRoutes, { services, prefix: '/segments' });
      await api.register(campaignRoutes, { services, prefix: '/campaigns' });
      await api.register(mailRoutes, { services, prefix: '/mail' });
      await api.register(feedbackRoutes, { services, prefix: '/feedback' });
      await api.register(subscriptionRoutes, { services, prefix: '/subscriptions' });
      await api.register(masDbRoutes, { services, prefix: '/mas-db' });
      await api.register(integrationRoutes, { services, prefix: '/integrations' });
      await api.register(surveyRoutes, { services, prefix: '/surveys' });
      await api.register(reportRoutes, { services, prefix: '/reports' });
      await api.register(careRoutes, { services, prefix: '/care' });
    },
    { prefix: '/api' },
  );

  // The 云MAS HTTP interface, outside the session gate: its routes carry their own protection.
  await app.register(cloudMasHttpRoutes, { services, prefix: '/sms' });

  const rendererDir = services.config.rendererDir;
  if (rendererDir && fs.existsSync(path.join(rendererDir, 'index.html'))) {
    await app.register(fastifyStatic, { root: rendererDir, prefix: '/', wildcard: false, index: ['index.html'] });
  }

  return app as unknown as FastifyInstance;
}

declare module 'fastify' {
  interface FastifyInstance {
    registeredRoutes: RegisteredRoute[];
  }
}

/** Options every route plugin receives. */
export interface RoutePluginOptions {
  services: ApplianceServices;
}

/**
 * A program's API key: known, not revoked or expired, used from an allowed address, and
 * holding the route's permission itself (a key is never a role). Routes that name no
 * permission are for people signed in and stay closed to keys. No CSRF: a browser never
 * sends a bearer key by itself. Each use is audited under the key's name.
 */
async function keyGate(services: ApplianceServices, request: FastifyRequest): Promise<void> {
  const keys = services.integrations.apiKeys;
  const key = await keys.authenticate(request.headers.authorization!.slice(7).trim(), request.ip);
  request.apiKey = key;
  request.authMethod = 'api-key';
  const permission = request.routeOptions.config.permission;
  if (!permission) {
    throw new AppError('FORBIDDEN', 'API keys reach only routes that require a named permission; this one is for people who sign in.', 403);
  }
  if (!key.permissions.has(permission)) {
    throw new AppError('FORBIDDEN', `The API key "${key.name}" does not hold ${permission}. An administrator can create a key that does.`, 403);
  }
  await keys.recordUse(key, `${request.method} ${request.routeOptions.url ?? ''}`, request.ip);
}

/**
 * One gate for every API route: session, CSRF, first-login password change, permission.
 * Deny by default: a route needs a session unless its own config says `public: true`.
 */
function apiGate(services: ApplianceServices): onRequestAsyncHookHandler {
  return async (request) => {
    const config = request.routeOptions.config;
    if (!request.routeOptions.url) return; // not found: the 404 handler answers
    if (config.public) return;
    const authorization = request.headers.authorization;
    let token: string | undefined;
    if (authorization?.startsWith('Bearer ')) {
      token = authorization.slice(7).trim();
      request.authMethod = 'bearer';
      if (token.startsWith(API_KEY_PREFIX)) return keyGate(services, request);
    } else {
      token = readCookie(request.headers.cookie, SESSION_COOKIE);
      request.authMethod = token ? 'cookie' : undefined;
    }
    const session = token ? await services.users.authenticate(token) : undefined;
    if (!session) {
      throw new AppError('AUTH_REQUIRED', 'Sign in first: this needs a valid session (it may have expired).', 401);
    }
    request.session = session;
    if (request.authMethod === 'cookie' && !SAFE_METHODS.has(request.method)) {
      if (request.headers['x-csrf-token'] !== session.csrfToken) {
        throw new AppError('CSRF_FAILED', 'The request is missing its X-CSRF-Token header. Reload the page and try again.', 403);
      }
    }
    if (session.user.mustChangePassword && !config.allowDuringPasswordChange) {
      throw new AppError('PASSWORD_CHANGE_REQUIRED', 'Change your password before doing anything else.', 403);
    }
    if (config.permission && !can(session.user.role, config.permission)) {
      throw new AppError(
        'FORBIDDEN',
        `Your role (${session.user.role}) does not allow this (${config.permission}). Ask an administrator.`,
        403,
      );
    }
  };
}

