import { EpochMs, MAX_ID, Pagination } from './common.js';
import { Type, type Static } from 'typebox';
import { SOURCE_CLIENTS, type SourceClient } from '../../store/connectors.js';
import { ENTITIES, type Entity } from '../../store/mapping.js';
import { FIELD_TYPES, type FieldType } from '../../store/transforms.js';
import { TLS_MODES, type TlsMode, type TrustKind } from '../../store/tls.js';

/**
 * The contract of /api/store (门店数据 and 库存 pages). The UI imports these
 * types (`import type`), the server validates with the same schemas.
 */
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const SourceClientSchema = Type.Unsafe<SourceClient>({ type: 'string', enum: [...SOURCE_CLIENTS], description: 'sqlite, mysql (MySQL/MariaDB), pg (PostgreSQL) or mssql (SQL Server)' });
export const EntitySchema = Type.Unsafe<Entity>({ type: 'string', enum: [...ENTITIES] });
export const FieldTypeSchema = Type.Unsafe<FieldType>({ type: 'string', enum: [...FIELD_TYPES] });
export const RunStateSchema = Type.Unsafe<'running' | 'finished' | 'failed' | 'cancelled'>({ type: 'string', enum: ['running', 'finished', 'failed', 'cancelled'] });
export const SyncModeSchema = Type.Unsafe<'incremental' | 'full'>({ type: 'string', enum: ['incremental', 'full'] });

export const TrustedCertificateSchema = Type.Object({
  kind: Type.Unsafe<TrustKind>({ type: 'string', enum: ['server', 'ca'], description: "server: the server's own certificate, pinned by its fingerprint; ca: the authority that issued it (host name checked)" }),
  pem: Type.String({ maxLength: 16 * 1024, description: 'The certificate, PEM' }),
  fingerprint256: Type.Optional(Type.String({ description: 'Computed by StoreMAS; when sent, it must match the PEM (what the administrator confirmed)' })),
  subject: Type.Optional(Type.String({ description: 'Computed by StoreMAS' })),
  validTo: Type.Optional(EpochMs({ description: 'Computed by StoreMAS' })),
});

export const ConnectionTlsSchema = Type.Object(
  {
    mode: Type.Unsafe<TlsMode>({ type: 'string', enum: [...TLS_MODES], description: 'verify: TLS with a verified certificate (default); off: no encryption' }),
    trusted: Type.Optional(TrustedCertificateSchema),
  },
  { description: 'Encryption of a server connection; verified TLS when omitted. There is no encrypt-without-verifying mode.' },
);

export const ConnectionSettingsSchema = Type.Object({
  file: Type.Optional(Type.String({ maxLength: 1024, description: 'SQLite: path of the POS database file' })),
  host: Type.Optional(Type.String({ maxLength: 255 })),
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
  database: Type.Optional(Type.String({ maxLength: 128 })),
  user: Type.Optional(Type.String({ maxLength: 128, description: 'Use a database user that may only SELECT' })),
  tls: Type.Optional(ConnectionTlsSchema),
  connectTimeoutMs: Type.Optional(Type.Integer({ minimum: 500, maximum: 120_000 })),
  idleTimeoutMs: Type.Optional(Type.Integer({ minimum: 1_000, maximum: 3_600_000, description: 'A query that sends nothing for this long is abandoned' })),
});

export const ConnectionSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  client: SourceClientSchema,
  settings: ConnectionSettingsSchema,
  hasPassword: Type.Boolean({ description: 'The password itself is never sent back' }),
  keyPrefix: Type.String(),
  enabled: Type.Boolean(),
  scheduleMinutes: Type.Integer({ description: 'Incremental sync every N minutes; 0: only on demand' }),
  fullCompareHours: Type.Integer({ description: 'Full key comparison (delete detection) every N hours; 0: only on demand' }),
  lastSyncAt: Nullable(Type.Number()),
  lastFullAt: Nullable(Type.Number()),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
});
export type ConnectionDto = Static<typeof ConnectionSchema>;

export const ConnectionBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 64 }),
  client: SourceClientSchema,
  settings: ConnectionSettingsSchema,
  password: Type.Optional(Type.String({ maxLength: 256, description: 'Omit to keep the stored password; empty removes it' })),
  enabled: Type.Optional(Type.Boolean()),
  scheduleMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 1440 })),
  fullCompareHours: Type.Optional(Type.Integer({ minimum: 0, maximum: 744 })),
});
export type ConnectionBodyDto = Static<typeof ConnectionBody>;

export const SourceInfoSchema = Type.Object({
  serverVersion: Type.String(),
  readOnlySession: Type.Boolean({ description: 'The session refuses writes (SQLite read-only file, MariaDB/PostgreSQL read-only transactions)' }),
  tables: Type.Array(Type.String()),
});
export type SourceInfoDto = Static<typeof SourceInfoSchema>;

export const FieldMappingSchema = Type.Object({
  column: Type.String({ minLength: 1, maxLength: 128, description: 'Source column as the SELECT names it' }),
  format: Type.Optional(Type.String({ description: 'date: auto, YYYY-MM-DD, YYYYMMDD, YYYY/MM/DD, DD/MM/YYYY, MM/DD/YYYY; timestamp: auto, epoch-ms, epoch-s' })),
  unit: Type.Optional(Type.Unsafe<'yuan' | 'fen'>({ type: 'string', enum: ['yuan', 'fen'] })),
  male: Type.Optional(Type.Array(Type.String())),
  female: Type.Optional(Type.Array(Type.String())),
  unknown: Type.Optional(Type.Array(Type.String())),
  trueValues: Type.Optional(Type.Array(Type.String())),
  falseValues: Type.Optional(Type.Array(Type.String())),
  timezone: Type.Optional(Type.String({ description: 'Offset of zone-less times, e.g. +08:00' })),
  region: Type.Optional(Type.String({ description: 'Country for phone numbers without a country code, e.g. CN' })),
});

export const MappingDefinitionSchema = Type.Object({
  source: Type.Union([
    Type.Object({ kind: Type.Literal('query'), sql: Type.String({ minLength: 1, maxLength: 20_000, description: 'One SELECT; anything else is refused' }) }),
    Type.Object({ kind: Type.Literal('table'), table: Type.String({ minLength: 1, maxLength: 128 }) }),
  ]),
  fields: Type.Record(Type.String(), FieldMappingSchema),
  watermark: Type.Optional(Nullable(Type.Object({ column: Type.String({ minLength: 1, maxLength: 128 }), kind: Type.Unsafe<'timestamp' | 'id'>({ type: 'string', enum: ['timestamp', 'id'] }) }))),
  detectDeletes: Type.Boolean(),
});
export type MappingDefinitionDto = Static<typeof MappingDefinitionSchema>;

export const MappingSchema = Type.Object({
  id: Type.Integer(),
  entity: EntitySchema,
  enabled: Type.Boolean(),
  definition: MappingDefinitionSchema,
  watermark: Nullable(Type.String({ description: 'Where the next incremental sync starts' })),
  updatedAt: Type.Number(),
});
export type MappingDto = Static<typeof MappingSchema>;

export const TargetFieldSchema = Type.Object({ type: FieldTypeSchema, required: Type.Boolean(), key: Type.Boolean(), label: Type.String() });
export const TargetsSchema = Type.Record(Type.String(), Type.Object({ label: Type.String(), key: Type.Array(Type.String()), fields: Type.Record(Type.String(), TargetFieldSchema) }));

export const FieldErrorSchema = Type.Object({ field: Type.String(), column: Type.String(), value: Type.String(), problem: Type.String() });
export type FieldErrorDto = Static<typeof FieldErrorSchema>;

export const PreviewBody = Type.Object({
  definition: Type.Optional(MappingDefinitionSchema),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 20 })),
});
export const PreviewSchema = Type.Object({
  columns: Type.Array(Type.String()),
  rows: Type.Array(
    Type.Object({
      source: Type.Record(Type.String(), Type.Unknown(), { description: 'The row as the POS sent it' }),
      values: Type.Record(Type.String(), Type.Unknown(), { description: 'The row as StoreMAS will keep it' }),
      errors: Type.Array(FieldErrorSchema),
      rejected: Type.Boolean({ description: 'A required field failed: the row would be skipped' }),
    }),
  ),
});
export type PreviewDto = Static<typeof PreviewSchema>;

export const EntityCountsSchema = Type.Object({
  read: Type.Integer(),
  written: Type.Integer(),
  rejected: Type.Integer(),
  deleted: Type.Integer(),
  fieldErrors: Type.Integer(),
  notMobile: Type.Optional(Type.Integer({ description: 'Members whose mobile column held a landline or service number (kept as their phone); absent in runs before this count existed' })),
  compared: Type.Boolean(),
});
export const RowProblemSchema = Type.Object({ entity: EntitySchema, key: Type.String(), errors: Type.Array(FieldErrorSchema) });

export const RunSchema = Type.Object({
  id: Type.Integer(),
  connectionId: Type.Integer(),
  connectionName: Type.String(),
  mode: SyncModeSchema,
  trigger: Type.String(),
  state: RunStateSchema,
  startedAt: Type.Number(),
  finishedAt: Nullable(Type.Number()),
  durationMs: Nullable(Type.Number()),
  rowsRead: Type.Integer(),
  rowsWritten: Type.Integer(),
  rowsDeleted: Type.Integer(),
  rowsRejected: Type.Integer(),
  errorCode: Nullable(Type.String()),
  errorMessage: Nullable(Type.String()),
  rowsNotMobile: Type.Integer({ description: 'Members whose POS mobile was a landline or service number: kept as their phone, no SMS' }),
  detail: Nullable(
    Type.Object({
      counts: Type.Record(Type.String(), EntityCountsSchema),
      rejected: Type.Array(RowProblemSchema),
      fieldErrors: Type.Array(RowProblemSchema),
      notMobile: Type.Optional(Type.Array(RowProblemSchema)),
    }),
  ),
});
export type RunDto = Static<typeof RunSchema>;

export const RunsQuery = Type.Object({
  connectionId: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ID })),
  ...Pagination({ maxPageSize: 200, defaultPageSize: 20 }),
});

export const SyncBody = Type.Object({ mode: Type.Optional(SyncModeSchema) });
export const SyncStarted = Type.Object({ runId: Type.Integer() });

export const ScheduleBody = Type.Object({
  scheduleMinutes: Type.Integer({ minimum: 0, maximum: 1440 }),
  fullCompareHours: Type.Integer({ minimum: 0, maximum: 744 }),
  enabled: Type.Optional(Type.Boolean()),
});

export const SetMappingBody = Type.Object({ definition: MappingDefinitionSchema, enabled: Type.Optional(Type.Boolean()) });
export const PresetBody = Type.Object({ preset: Type.String({ minLength: 1, maxLength: 64 }) });
export const PresetsSchema = Type.Array(Type.Object({ name: Type.String(), label: Type.String() }));

export const StatusSchema = Type.Object({
  running: Nullable(Type.Object({ runId: Type.Integer(), connectionId: Type.Integer() })),
  counts: Type.Record(Type.String(), Type.Integer(), { description: 'Rows in the mirror: stores, products, inventory, sales, sale_lines, members (stores, products and members without those deleted at the source)' }),
});
export type StoreStatusDto = Static<typeof StatusSchema>;

export const StoreSchema = Type.Object({ code: Type.String(), name: Type.String(), address: Type.String(), phone: Type.String(), deleted: Type.Boolean() });

export const StockRowSchema = Type.Object({
  storeCode: Type.String(),
  storeName: Nullable(Type.String()),
  productCode: Type.String(),
  productName: Nullable(Type.String()),
  category: Nullable(Type.String()),
  quantity: Type.Number(),
  updatedAt: Type.Number(),
});
export type StockRowDto = Static<typeof StockRowSchema>;

export const StockQuery = Type.Object({
  store: Type.Optional(Type.String({ maxLength: 32 })),
  product: Type.Optional(Type.String({ maxLength: 64 })),
  search: Type.Optional(Type.String({ maxLength: 64, description: 'Part of the product name or code, or a whole barcode' })),
  category: Type.Optional(Type.String({ maxLength: 64 })),
  level: Type.Optional(Type.Unsafe<'low' | 'high'>({ type: 'string', enum: ['low', 'high'] })),
  threshold: Type.Optional(Type.Number({ minimum: -1_000_000_000, maximum: 1_000_000_000, description: 'low: quantity ≤ threshold (default 5); high: ≥ threshold (default 500)' })),
  ...Pagination({ maxPageSize: 500, defaultPageSize: 50 }),
});
export const StockPage = Type.Object({ items: Type.Array(StockRowSchema), total: Type.Integer() });

export const StockHistoryQuery = Type.Object({
  product: Type.String({ minLength: 1, maxLength: 64 }),
  store: Type.Optional(Type.String({ maxLength: 32 })),
  from: Type.Optional(EpochMs()),
  to: Type.Optional(EpochMs()),
});
export const StockHistorySchema = Type.Object({
  points: Type.Array(Type.Object({ storeCode: Type.String(), at: Type.Number(), quantity: Type.Number() }), { description: 'Each point: the quantity from that time on' }),
  current: Type.Array(StockRowSchema),
});
export type StockHistoryDto = Static<typeof StockHistorySchema>;

export const ReadOnlyUserQuery = Type.Object({
  client: SourceClientSchema,
  database: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_]{1,64}$' })),
  user: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_]{1,64}$' })),
});

export const ConnectionIdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: MAX_ID }) });

export const SavedConnectionTestBody = Type.Object({
  tls: Type.Optional(ConnectionTlsSchema),
});

export const InspectCertificateBody = Type.Object({
  client: SourceClientSchema,
  host: Type.String({ minLength: 1, maxLength: 255 }),
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535 })),
});

const ServerCertificateSchema = Type.Object({
  subject: Type.String(),
  issuer: Type.String(),
  names: Type.Array(Type.String()),
  validFrom: Type.Number(),
  validTo: Type.Number(),
  fingerprint256: Type.String({ description: 'SHA-256, colon-hex: compare it with the one shown at the server' }),
  selfSigned: Type.Boolean(),
  ca: Type.Boolean(),
  pem: Type.String(),
});

export const ServerCertificateReportSchema = Type.Object({
  chain: Type.Array(ServerCertificateSchema, { description: "The server's certificate first, then the ones it sent with it" }),
  verified: Type.Boolean({ description: 'Verification would pass without trusting anything (public authority and host name)' }),
  verifyError: Type.Union([Type.String(), Type.Null()], { description: 'Why not, e.g. DEPTH_ZERO_SELF_SIGNED_CERT' }),
});
export type ServerCertificateReportDto = Static<typeof ServerCertificateReportSchema>;
export const MappingParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: MAX_ID }), entity: EntitySchema });
