import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { IdParams, Ok, standardErrors } from '../schemas/common.js';
import {
  ConnectionBody,
  ConnectionIdParams,
  ConnectionSchema,
  MappingParams,
  MappingSchema,
  PresetBody,
  PresetsSchema,
  PreviewBody,
  PreviewSchema,
  RunSchema,
  RunsQuery,
  ScheduleBody,
  SetMappingBody,
  ReadOnlyUserQuery,
  InspectCertificateBody,
  SavedConnectionTestBody,
  ServerCertificateReportSchema,
  SourceInfoSchema,
  StatusSchema,
  StockHistoryQuery,
  StockHistorySchema,
  StockPage,
  StockQuery,
  StoreSchema,
  SyncBody,
  SyncStarted,
  TargetsSchema,
} from '../schemas/store.js';
import { actorOf } from '../request-context.js';
import type { RoutePluginOptions } from '../server.js';
import { TARGETS } from '../../store/mapping.js';
import { PRESETS, type PresetName } from '../../store/presets.js';
import { readOnlyUserSql } from '../../store/readonly-user.js';
import { fetchServerCertificate } from '../../store/server-certificate.js';

const tags = ['store'];
const err = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, { $ref: 'ErrorBody' }]));

/**
 * /api/store: POS connections, mappings with dry-run preview, sync runs and
 * schedule (门店数据), and the stock questions of the 库存 page. Reading is
 * store.read; anything that changes configuration, starts a sync or reads
 * raw POS rows (preview) is store.manage.
 */
export const storeRoutes: FastifyPluginAsyncTypebox<RoutePluginOptions> = async (app, { services }) => {
  const { store } = services;

  app.get('/status', { config: { permission: 'store.read' }, schema: { tags, summary: 'The running sync (if any) and what the mirror holds', response: { 200: StatusSchema, ...standardErrors } } }, async () => ({
    running: store.running ?? null,
    counts: await store.counts(),
  }));

  app.get('/targets', { config: { permission: 'store.read' }, schema: { tags, summary: 'What each entity keeps: fields, types, keys (for the mapping editor)', response: { 200: TargetsSchema, ...standardErrors } } }, async () =>
    Object.fromEntries(
      Object.entries(TARGETS).map(([entity, t]) => [
        entity,
        { label: t.label, key: [...t.key], fields: Object.fromEntries(Object.entries(t.fields).map(([name, f]) => [name, { type: f.type, required: f.required === true, key: f.key === true, label: f.label }])) },
      ]),
    ),
  );

  app.get('/presets', { config: { permission: 'store.read' }, schema: { tags, summary: 'Ready-made mappings for known POS schemas', response: { 200: PresetsSchema, ...standardErrors } } }, async () =>
    Object.entries(PRESETS).map(([name, p]) => ({ name, label: p.label })),
  );

  app.get(
    '/readonly-user-sql',
    { config: { permission: 'store.read' }, schema: { tags, summary: 'SQL that creates a SELECT-only database user for StoreMAS (for the installer)', querystring: ReadOnlyUserQuery, response: { 200: Type.Object({ sql: Type.String() }), ...standardErrors } } },
    async (request) => ({ sql: readOnlyUserSql(request.query.client, request.query.database, request.query.user) }),
  );

  app.get('/connections', { config: { permission: 'store.read' }, schema: { tags, summary: 'Store database connections (passwords never included)', response: { 200: Type.Object({ items: Type.Array(ConnectionSchema) }), ...standardErrors } } }, async () => ({
    items: await store.listConnections(),
  }));

  app.post(
    '/connections',
    { config: { permission: 'store.manage' }, schema: { tags, summary: 'Add a store database connection (password sealed with AES-256-GCM)', body: ConnectionBody, response: { 201: ConnectionSchema, ...err(409), ...standardErrors } } },
    async (request, reply) => reply.status(201).send(await store.createConnection(actorOf(request), request.body)),
  );

  app.post(
    '/connections/test',
    { config: { permission: 'store.manage' }, schema: { tags, summary: 'Test settings before saving: server version, read-only session, visible tables', body: ConnectionBody, response: { 200: SourceInfoSchema, ...err(502, 504), ...standardErrors } } },
    async (request) => store.testConnection(request.body),
  );

  app.put(
    '/connections/:id',
    { config: { permission: 'store.manage' }, schema: { tags, summary: 'Change a connection (omit password to keep it)', params: ConnectionIdParams, body: ConnectionBody, response: { 200: ConnectionSchema, ...err(404, 409), ...standardErrors } } },
    async (request) => store.updateConnection(actorOf(request), request.params.id, request.body),
  );

  app.delete(
    '/connections/:id',
    { config: { permission: 'store.manage' }, schema: { tags, summary: 'Remove a connection and its mappings (the mirrored rows stay)', params: ConnectionIdParams, response: { 200: Ok, ...err(404, 409), ...standardErrors } } },
    async (request) => {
      await store.deleteConnection(actorOf(request), request.params.id);
      return { ok: true as const };
    },
  );

  app.post(
    '/connections/:id/test',
    {
      config: { permission: 'store.manage' },
      schema: {
        tags,
        summary: 'Test a saved connection (with its stored password), optionally with other encryption settings',
        params: ConnectionIdParams,
        body: Type.Union([SavedConnectionTestBody, Type.Null()], { description: 'Omit to test as saved' }),
        response: { 200: SourceInfoSchema, ...err(404, 502, 504), ...standardErrors },
      },
    },
    async (request) => store.testConnection(request.params.id, { tls: request.body?.tls }),
  );

  app.post(
    '/connections/inspect-certificate',
    {
      config: { permission: 'store.manage' },
      schema: {
        tags,
        summary: "Fetch the certificate a PostgreSQL or MySQL/MariaDB server presents (no sign-in, nothing queried), to compare and trust it",
        body: InspectCertificateBody,
        response: { 200: ServerCertificateReportSchema, ...err(502, 504), ...standardErrors },
      },
    },
    async (request) => fetchServerCertificate(request.body.host, request.body.client, { host: request.body.host, port: request.body.port }),
  );

  app.put(
    '/connections/:id/schedule',
    { config: { permission: 'store.manage' }, schema: { tags, summary: 'Sync every N minutes, compare all keys every N hours (0: off)', params: ConnectionIdParams, body: ScheduleBody, response: { 200: ConnectionSchema, ...err(404), ...standardErrors } } },
    async (request) => store.setSchedule(actorOf(request), request.params.id, request.body),
  );

  app.get(
    '/connections/:id/mappings',
    { config: { permission: 'store.read' }, schema: { tags, summary: 'The mappings of a connection', params: ConnectionIdParams, response: { 200: Type.Object({ items: Type.Array(MappingSchema) }), ...err(404), ...standardErrors } } },
    async (request) => ({ items: await store.getMappings(request.params.id) }),
  );

  app.put(
    '/connections/:id/mappings/:entity',
    { config: { permission: 'store.manage' }, schema: { tags, summary: 'Save one mapping (a query that is not one SELECT is refused)', params: MappingParams, body: SetMappingBody, response: { 200: MappingSchema, ...err(404), ...standardErrors } } },
    async (request) => store.setMapping(actorOf(request), request.params.id, request.params.entity, request.body.definition, request.body.enabled ?? true),
  );

  app.post(
    '/connections/:id/mappings/preset',
    { config: { permission: 'store.manage' }, schema: { tags, summary: 'Replace every mapping with a preset (e.g. demo-pos)', params: ConnectionIdParams, body: PresetBody, response: { 200: Type.Object({ items: Type.Array(MappingSchema) }), ...err(404), ...standardErrors } } },
    async (request) => ({ items: await store.applyPreset(actorOf(request), request.params.id, request.body.preset as PresetName) }),
  );

  app.post(
    '/connections/:id/mappings/:entity/preview',
    {
      config: { permission: 'store.manage' },
      schema: { tags, summary: 'Dry run: the first rows as StoreMAS would read them, with per-field errors (writes nothing)', params: MappingParams, body: PreviewBody, response: { 200: PreviewSchema, ...err(404, 502, 504), ...standardErrors } },
    },
    async (request) => store.preview(request.params.id, request.params.entity, request.body.definition, request.body.limit ?? 20),
  );

  app.post(
    '/connections/:id/sync',
    { config: { permission: 'store.manage' }, schema: { tags, summary: 'Sync now; progress arrives as job.progress and store.sync events', params: ConnectionIdParams, body: SyncBody, response: { 202: SyncStarted, ...err(404, 409), ...standardErrors } } },
    async (request, reply) => {
      const { runId, done } = await store.startSync(actorOf(request), request.params.id, { mode: request.body.mode ?? 'incremental', trigger: 'manual' });
      // The run reports its own outcome in sync_runs and events; nothing waits here.
      done.catch((error: unknown) => request.log.warn({ err: error, runId }, 'sync run ended with an error'));
      return reply.status(202).send({ runId });
    },
  );

  app.get('/runs', { config: { permission: 'store.read' }, schema: { tags, summary: 'Sync history, newest first', querystring: RunsQuery, response: { 200: Type.Object({ items: Type.Array(RunSchema), total: Type.Integer() }), ...standardErrors } } }, async (request) =>
    store.listRuns({ connectionId: request.query.connectionId, page: request.query.page ?? 1, pageSize: request.query.pageSize ?? 20 }),
  );

  app.get('/runs/:id', { config: { permission: 'store.read' }, schema: { tags, summary: 'One sync run with counts and example errors', params: IdParams, response: { 200: RunSchema, ...err(404), ...standardErrors } } }, async (request) =>
    store.getRun(request.params.id),
  );

  app.post(
    '/runs/:id/cancel',
    { config: { permission: 'store.manage' }, schema: { tags, summary: 'Cancel a running sync (committed batches stay)', params: IdParams, response: { 200: Ok, ...err(404, 409), ...standardErrors } } },
    async (request) => {
      await store.cancel(actorOf(request), request.params.id);
      return { ok: true as const };
    },
  );

  app.get('/stores', { config: { permission: 'store.read' }, schema: { tags, summary: 'Mirrored stores (门店)', response: { 200: Type.Object({ items: Type.Array(StoreSchema) }), ...standardErrors } } }, async () => ({
    items: await store.listStores(),
  }));

  app.get('/inventory', { config: { permission: 'store.read' }, schema: { tags, summary: 'Stock per store and product; level=low|high for near-empty shelves or slow movers', querystring: StockQuery, response: { 200: StockPage, ...standardErrors } } }, async (request) =>
    store.stock({ ...request.query, page: request.query.page ?? 1, pageSize: request.query.pageSize ?? 50 }),
  );

  app.get('/inventory/history', { config: { permission: 'store.read' }, schema: { tags, summary: 'Stock of a product over time (for the history chart)', querystring: StockHistoryQuery, response: { 200: StockHistorySchema, ...standardErrors } } }, async (request) =>
    store.stockHistory(request.query),
  );
};
