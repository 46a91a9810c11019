import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { AuditActor, AuditLog } from '../auth/audit.js';
import { SYSTEM_ACTOR } from '../auth/audit.js';
import type { Clock } from '../clock.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { ConflictError, NotFoundError, isAppError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import { SOURCE_CLIENTS, openSource, validateSettings, type ConnectionSettings, type SourceClient, type SourceDatabase, type SourceInfo } from './connectors.js';
import { StoreError, classifySourceError } from './errors.js';
import { describeTls, normalizeTls } from './tls.js';
import { ENTITIES, buildSelect, convertRow, validateMapping, type Entity, type FieldError, type MappingDefinition } from './mapping.js';
import { PRESETS, type PresetName } from './presets.js';
import { DEFAULT_BATCH_SIZE, runSync, type EntityCounts, type EntityPlan, type RunOutcome, type RunState, type SyncMode } from './sync.js';

/** Live sync state for the UI (the 门店数据 page) besides the generic job.progress bar. */
export interface StoreSyncEvent {
  runId: number;
  connectionId: number;
  connectionName: string;
  state: RunState;
  entity: Entity | null;
  rowsRead: number;
  rowsWritten: number;
  errorCode: string | null;
  message: string | null;
}

declare module '../events/bus.js' {
  interface ApplianceEvents {
    'store.sync': StoreSyncEvent;
  }
}

export type SyncTrigger = 'manual' | 'schedule' | 'startup' | 'cli';

export interface StoreConnection {
  id: number;
  name: string;
  client: SourceClient;
  settings: ConnectionSettings;
  hasPassword: boolean;
  keyPrefix: string;
  enabled: boolean;
  scheduleMinutes: number;
  fullCompareHours: number;
  lastSyncAt: number | null;
  lastFullAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface ConnectionInput {
  name: string;
  client: SourceClient;
  settings: ConnectionSettings;
  /** undefined keeps the stored password; '' removes it. */
  password?: string | undefined;
  enabled?: boolean | undefined;
  scheduleMinutes?: number | undefined;
  fullCompareHours?: number | undefined;
}

export interface StoredMapping {
  id: number;
  entity: Entity;
  enabled: boolean;
  definition: MappingDefinition;
  watermark: string | null;
  updatedAt: number;
}

export interface SyncRun {
  id: number;
  connectionId: number;
  connectionName: string;
  mode: SyncMode;
  trigger: SyncTrigger;
  state: RunState;
  startedAt: number;
  finishedAt: number | null;
  durationMs: number | null;
  rowsRead: number;
  rowsWritten: number;
  rowsDeleted: number;
  rowsRejected: number;
  errorCode: string | null;
  errorMessage: string | null;
  /** Members whose POS mobile was a landline or service number (from the detail; 0 for older runs). */
  rowsNotMobile: number;
  detail: { counts: Partial<Record<Entity, EntityCounts>>; rejected: unknown[]; fieldErrors: unknown[]; notMobile?: unknown[] } | null;
}

export interface PreviewRow {
  source: Record<string, unknown>;
  values: Record<string, unknown>;
  errors: FieldError[];
  rejected: boolean;
}

export interface StockRow {
  storeCode: string;
  storeName: string | null;
  productCode: string;
  productName: string | null;
  category: string | null;
  quantity: number;
  updatedAt: number;
}

const PASSWORD_AD = 'store.password';
const SCHEDULER_TICK_MS = 30_000;
/** SQLite page cache during a sync run (32 MiB: 64 MiB synced faster but pushed peak memory past 300 MB). */
const SYNC_PAGE_CACHE_KIB = 32_768;

interface ConnectionRow {
  id: number;
  name: string;
  client: string;
  settings: string;
  password_enc: string | null;
  key_prefix: string;
  enabled: number | boolean;
  schedule_minutes: number;
  full_compare_hours: number;
  last_sync_at: number | string | null;
  last_full_at: number | string | null;
  created_at: number | string;
  updated_at: number | string;
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

function toConnection(row: ConnectionRow): StoreConnection {
  return {
    id: row.id,
    name: row.name,
    client: row.client as SourceClient,
    settings: JSON.parse(row.settings) as ConnectionSettings,
    hasPassword: row.password_enc !== null,
    keyPrefix: row.key_prefix,
    enabled: Boolean(row.enabled),
    scheduleMinutes: row.schedule_minutes,
    fullCompareHours: row.full_compare_hours,
    lastSyncAt: num(row.last_sync_at),
    lastFullAt: num(row.last_full_at),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function cleanSettings(client: SourceClient, settings: ConnectionSettings): ConnectionSettings {
  const allowed: Array<keyof ConnectionSettings> =
    client === 'sqlite' ? ['file', 'idleTimeoutMs'] : ['host', 'port', 'database', 'user', 'connectTimeoutMs', 'idleTimeoutMs'];
  const clean: Record<string, unknown> = {};
  for (const key of allowed) if (settings[key] !== undefined && settings[key] !== '') clean[key] = settings[key];
  // Stored explicitly (verified TLS when not given), the trusted certificate's fingerprint computed here.
  if (client !== 'sqlite') clean['tls'] = normalizeTls(settings.tls);
  return clean as ConnectionSettings;
}

function checkSchedule(minutes: number | undefined, hours: number | undefined): void {
  if (minutes !== undefined && (!Number.isInteger(minutes) || minutes < 0 || minutes > 1440)) {
    throw new StoreError('SCHEDULE_INVALID', 'Sync every N minutes: N must be a whole number from 0 (off) to 1440.', 400);
  }
  if (hours !== undefined && (!Number.isInteger(hours) || hours < 0 || hours > 24 * 31)) {
    throw new StoreError('SCHEDULE_INVALID', 'Full comparison every N hours: N must be a whole number from 0 (off) to 744.', 400);
  }
}

interface ActiveRun {
  runId: number;
  connectionId: number;
  controller: AbortController;
  done: Promise<SyncRun>;
}

/**
 * The store-database mirror as a service: connections (passwords sealed),
 * mappings, sync runs (one at a time, on demand and on a schedule), and the
 * stock questions the 库存 page asks.
 */
export class StoreMirror {
  private active: ActiveRun | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly syncListeners = new Set<(run: SyncRun) => void>();

  constructor(
    private readonly db: Knex,
    private readonly clock: Clock,
    private readonly secrets: SecretBox,
    private readonly events: EventBus,
    private readonly audit: AuditLog,
    private readonly logger: Logger,
    private readonly options: { batchSize?: number } = {},
  ) {}

  // ---- connections -------------------------------------------------------

  async listConnections(): Promise<StoreConnection[]> {
    const rows = (await this.db('store_connections').orderBy('id')) as ConnectionRow[];
    return rows.map(toConnection);
  }

  async getConnection(id: number): Promise<StoreConnection> {
    const row = (await this.db('store_connections').where({ id }).first()) as ConnectionRow | undefined;
    if (!row) throw new NotFoundError(`Store connection ${id}`);
    return toConnection(row);
  }

  async findConnection(nameOrId: string): Promise<StoreConnection> {
    const row = (await this.db('store_connections')
      .where('name', nameOrId)
      .orWhere('id', /^\d+$/.test(nameOrId) ? Number(nameOrId) : -1)
      .first()) as ConnectionRow | undefined;
    if (!row) throw new NotFoundError(`Store connection “${nameOrId}”`);
    return toConnection(row);
  }

  private validateInput(input: ConnectionInput): void {
    if (typeof input.name !== 'string' || input.name.trim() === '' || [...input.name.trim()].length > 64) {
      throw new StoreError('CONNECTION_INVALID', 'Give the connection a name of 1 to 64 characters, e.g. 总部POS.', 400);
    }
    if (!(SOURCE_CLIENTS as readonly string[]).includes(input.client)) {
      throw new StoreError('CONNECTION_INVALID', `The database type “${String(input.client)}” is not supported: use sqlite, mysql, pg or mssql.`, 400);
    }
    validateSettings(input.client, input.settings);
    checkSchedule(input.scheduleMinutes, input.fullCompareHours);
  }

  async createConnection(actor: AuditActor, input: ConnectionInput): Promise<StoreConnection> {
    this.validateInput(input);
    const now = this.clock.now();
    const id = await this.db.transaction(async (trx) => {
      if (await trx('store_connections').where('name', input.name.trim()).first()) {
        throw new ConflictError('CONNECTION_EXISTS', `A store connection named “${input.name.trim()}” already exists. Choose another name.`);
      }
      const [inserted] = (await trx('store_connections')
        .insert({
          name: input.name.trim(),
          client: input.client,
          settings: JSON.stringify(cleanSettings(input.client, input.settings)),
          password_enc: input.password ? this.secrets.seal(input.password, PASSWORD_AD) : null,
          enabled: input.enabled ?? true,
          schedule_minutes: input.scheduleMinutes ?? 15,
          full_compare_hours: input.fullCompareHours ?? 24,
          created_at: now,
          updated_at: now,
        })
        .returning('id')) as Array<{ id: number } | number>;
      const newId = typeof inserted === 'object' ? inserted.id : inserted!;
      // The first connection keeps the POS keys as they are; later ones get "<id>:" so keys cannot collide.
      const others = await trx('store_connections').whereNot('id', newId).where('key_prefix', '').first();
      if (others) await trx('store_connections').where('id', newId).update({ key_prefix: `${newId}:` });
      await this.audit.record(actor, 'store.connection.create', input.name.trim(), { client: input.client, tls: describeTls(cleanSettings(input.client, input.settings).tls) }, trx);
      return newId;
    });
    return this.getConnection(id);
  }

  async updateConnection(actor: AuditActor, id: number, input: ConnectionInput): Promise<StoreConnection> {
    this.validateInput(input);
    const current = await this.getConnection(id);
    const now = this.clock.now();
    await this.db.transaction(async (trx) => {
      const clash = await trx('store_connections').where('name', input.name.trim()).whereNot('id', id).first();
      if (clash) throw new ConflictError('CONNECTION_EXISTS', `A store connection named “${input.name.trim()}” already exists. Choose another name.`);
      const update: Record<string, unknown> = {
        name: input.name.trim(),
        client: input.client,
        settings: JSON.stringify(cleanSettings(input.client, input.settings)),
        updated_at: now,
      };
      if (input.password !== undefined) update['password_enc'] = input.password ? this.secrets.seal(input.password, PASSWORD_AD) : null;
      if (input.enabled !== undefined) update['enabled'] = input.enabled;
      if (input.scheduleMinutes !== undefined) update['schedule_minutes'] = input.scheduleMinutes;
      if (input.fullCompareHours !== undefined) update['full_compare_hours'] = input.fullCompareHours;
      await trx('store_connections').where({ id }).update(update);
      await this.audit.record(
        actor,
        'store.connection.update',
        current.name,
        { client: input.client, passwordChanged: input.password !== undefined, tls: describeTls(cleanSettings(input.client, input.settings).tls) },
        trx,
      );
    });
    return this.getConnection(id);
  }

  async deleteConnection(actor: AuditActor, id: number): Promise<void> {
    const current = await this.getConnection(id);
    if (this.active?.connectionId === id) throw new ConflictError('SYNC_RUNNING', 'This connection is syncing now. Cancel the sync first.');
    await this.db.transaction(async (trx) => {
      await trx('store_connections').where({ id }).delete();
      await this.audit.record(actor, 'store.connection.delete', current.name, null, trx);
    });
  }

  private passwordOf(row: { password_enc: string | null }): string | undefined {
    return row.password_enc ? this.secrets.open(row.password_enc, PASSWORD_AD) : undefined;
  }

  private async openConnection(id: number, tls?: ConnectionSettings['tls']): Promise<{ connection: StoreConnection; source: SourceDatabase }> {
    const row = (await this.db('store_connections').where({ id }).first()) as ConnectionRow | undefined;
    if (!row) throw new NotFoundError(`Store connection ${id}`);
    const connection = toConnection(row);
    const settings = tls === undefined || connection.client === 'sqlite' ? connection.settings : { ...connection.settings, tls: normalizeTls(tls) };
    return { connection, source: openSource(connection.name, connection.client, settings, this.passwordOf(row)) };
  }

  /**
   * Connects and reports the server version, whether the session is read-only, and the visible tables.
   * A saved connection may be tried with other encryption settings (a certificate just trusted in the
   * dialog); its host and user stay the saved ones, so the stored password goes nowhere else.
   */
  async testConnection(target: number | ConnectionInput, options: { tls?: ConnectionSettings['tls'] } = {}): Promise<SourceInfo> {
    let source: SourceDatabase;
    if (typeof target === 'number') {
      ({ source } = await this.openConnection(target, options.tls));
    } else {
      this.validateInput(target);
      source = openSource(target.name, target.client, target.settings, target.password);
    }
    try {
      return await source.info();
    } catch (error) {
      throw classifySourceError(error, source.name);
    } finally {
      await source.close();
    }
  }

  // ---- mappings ----------------------------------------------------------

  async getMappings(connectionId: number): Promise<StoredMapping[]> {
    await this.getConnection(connectionId);
    const rows = (await this.db('store_mappings').where('connection_id', connectionId)) as Array<{
      id: number;
      entity: Entity;
      definition: string;
      enabled: number | boolean;
      watermark: string | null;
      updated_at: number | string;
    }>;
    return rows
      .map((r) => ({ id: r.id, entity: r.entity, enabled: Boolean(r.enabled), definition: JSON.parse(r.definition) as MappingDefinition, watermark: r.watermark, updatedAt: Number(r.updated_at) }))
      .sort((a, b) => ENTITIES.indexOf(a.entity) - ENTITIES.indexOf(b.entity));
  }

  /**
   * Saves a mapping. A changed source or watermark restarts that entity from
   * the beginning (its watermark is cleared), since old positions mean nothing.
   */
  async setMapping(actor: AuditActor, connectionId: number, entity: Entity, definition: unknown, enabled = true): Promise<StoredMapping> {
    const connection = await this.getConnection(connectionId);
    if (!(ENTITIES as readonly string[]).includes(entity)) throw new StoreError('MAPPING_INVALID', `“${entity}” is not an entity: use ${ENTITIES.join(', ')}.`, 400);
    const mapping = validateMapping(entity, definition);
    const now = this.clock.now();
    await this.db.transaction(async (trx) => {
      const existing = (await trx('store_mappings').where({ connection_id: connectionId, entity }).first()) as { id: number; definition: string } | undefined;
      if (existing) {
        const old = JSON.parse(existing.definition) as MappingDefinition;
        const restart = JSON.stringify(old.source) !== JSON.stringify(mapping.source) || JSON.stringify(old.watermark) !== JSON.stringify(mapping.watermark);
        await trx('store_mappings')
          .where('id', existing.id)
          .update({ definition: JSON.stringify(mapping), enabled, updated_at: now, ...(restart ? { watermark: null } : {}) });
      } else {
        await trx('store_mappings').insert({ connection_id: connectionId, entity, definition: JSON.stringify(mapping), enabled, updated_at: now });
      }
      await this.audit.record(actor, 'store.mapping.update', `${connection.name}/${entity}`, { enabled }, trx);
    });
    return (await this.getMappings(connectionId)).find((m) => m.entity === entity)!;
  }

  async applyPreset(actor: AuditActor, connectionId: number, preset: PresetName): Promise<StoredMapping[]> {
    const found = PRESETS[preset];
    if (!found) throw new StoreError('PRESET_UNKNOWN', `There is no mapping preset “${String(preset)}”. Known: ${Object.keys(PRESETS).join(', ')}.`, 400);
    for (const entity of ENTITIES) await this.setMapping(actor, connectionId, entity, found.mappings[entity], true);
    return this.getMappings(connectionId);
  }

  /** A dry run: the first rows as StoreMAS would read them, with per-field errors. Writes nothing anywhere. */
  async preview(connectionId: number, entity: Entity, definition?: unknown, limit = 20): Promise<{ rows: PreviewRow[]; columns: string[] }> {
    let mapping: MappingDefinition;
    if (definition !== undefined) mapping = validateMapping(entity, definition);
    else {
      const stored = (await this.getMappings(connectionId)).find((m) => m.entity === entity);
      if (!stored) throw new StoreError('MAPPING_MISSING', `There is no ${entity} mapping for this connection yet. Write one or apply a preset.`, 404);
      mapping = stored.definition;
    }
    const { connection, source } = await this.openConnection(connectionId);
    const controller = new AbortController();
    const rows: PreviewRow[] = [];
    let columns: string[] = [];
    try {
      const query = buildSelect({ ...mapping, watermark: undefined }, (i) => source.quote(i));
      reading: for await (const chunk of source.stream(query.sql, query.bindings, { signal: controller.signal })) {
        for (const row of chunk) {
          if (columns.length === 0) columns = Object.keys(row);
          rows.push(previewRow(entity, mapping, row, connection.keyPrefix));
          if (rows.length >= limit) {
            controller.abort();
            break reading;
          }
        }
      }
    } finally {
      await source.close();
    }
    return { rows, columns };
  }

  // ---- sync runs ---------------------------------------------------------

  get running(): { runId: number; connectionId: number } | undefined {
    return this.active ? { runId: this.active.runId, connectionId: this.active.connectionId } : undefined;
  }

  /** Calls `listener` after each sync that finished (not failed or cancelled); returns the function that unsubscribes. */
  onDidFinishSync(listener: (run: SyncRun) => void): () => void {
    this.syncListeners.add(listener);
    return () => this.syncListeners.delete(listener);
  }

  /** Starts a sync in the background and returns its run id at once. */
  async startSync(actor: AuditActor, connectionId: number, options: { mode?: SyncMode; trigger?: SyncTrigger } = {}): Promise<{ runId: number; done: Promise<SyncRun> }> {
    if (this.stopped) throw new StoreError('SYNC_STOPPED', 'StoreMAS is shutting down; sync again after it restarts.', 503);
    if (this.active) {
      throw new ConflictError('SYNC_BUSY', `A sync is already running (run ${this.active.runId}). Wait for it to finish or cancel it.`);
    }
    const mode = options.mode ?? 'incremental';
    const trigger = options.trigger ?? 'manual';
    const { connection, source } = await this.openConnection(connectionId);
    const mappings = (await this.getMappings(connectionId)).filter((m) => m.enabled);
    if (mappings.length === 0) {
      await source.close();
      throw new StoreError('MAPPING_MISSING', `The connection “${connection.name}” has no enabled mappings. Apply a preset or write the mappings first.`, 409);
    }
    const now = this.clock.now();
    const runId = await this.db.transaction(async (trx) => {
      const [inserted] = (await trx('sync_runs')
        .insert({ connection_id: connectionId, mode, trigger, state: 'running', started_at: now })
        .returning('id')) as Array<{ id: number } | number>;
      const id = typeof inserted === 'object' ? inserted.id : inserted!;
      if (trigger === 'manual' || trigger === 'cli') await this.audit.record(actor, 'store.sync.start', connection.name, { runId: id, mode }, trx);
      return id;
    });
    const controller = new AbortController();
    const plans: EntityPlan[] = mappings.map((m) => ({ entity: m.entity, mappingId: m.id, mapping: m.definition, watermark: m.watermark }));
    const publish = (state: RunState, entity: Entity | null, outcome?: RunOutcome) =>
      this.events.publish(
        'store.sync',
        {
          runId,
          connectionId,
          connectionName: connection.name,
          state,
          entity,
          rowsRead: outcome?.rowsRead ?? 0,
          rowsWritten: outcome?.rowsWritten ?? 0,
          errorCode: outcome?.errorCode ?? null,
          message: outcome?.errorMessage ?? null,
        },
        'store.read',
      );
    const label = `同步 ${connection.name}`;
    publish('running', null);
    const done = (async (): Promise<SyncRun> => {
      let outcome: RunOutcome;
      // A first sync of a million members updates a dozen member indexes at random places: give
      // SQLite a page cache big enough for them while the sync runs, and hand the memory back after.
      const cacheBefore = await this.pageCache(-SYNC_PAGE_CACHE_KIB);
      try {
        outcome = await runSync({ db: this.db, clock: this.clock, secrets: this.secrets, batchSize: this.options.batchSize ?? DEFAULT_BATCH_SIZE }, connection, source, plans, {
          mode,
          signal: controller.signal,
          onProgress: (p) =>
            this.events.publish(
              'job.progress',
              { jobId: `sync-${runId}`, kind: 'store.sync', label, done: p.done, total: p.total, ratePerSecond: p.ratePerSecond, etaSeconds: p.etaSeconds, state: 'running', message: p.entity ?? undefined },
              'store.read',
            ),
        });
      } catch (error) {
        const appError = isAppError(error) ? error : classifySourceError(error, connection.name);
        outcome = { state: 'failed', counts: {}, rowsRead: 0, rowsWritten: 0, rowsRejected: 0, rowsDeleted: 0, durationMs: 0, errorCode: appError.code, errorMessage: appError.message, rejected: [], fieldErrors: [], notMobile: [] };
      } finally {
        await source.close().catch(() => undefined);
        if (cacheBefore !== undefined) await this.pageCache(cacheBefore).catch(() => undefined);
      }
      const finishedAt = this.clock.now();
      await this.db.transaction(async (trx) => {
        await trx('sync_runs')
          .where('id', runId)
          .update({
            state: outcome.state,
            finished_at: finishedAt,
            duration_ms: outcome.durationMs,
            rows_read: outcome.rowsRead,
            rows_written: outcome.rowsWritten,
            rows_deleted: outcome.rowsDeleted,
            rows_rejected: outcome.rowsRejected,
            error_code: outcome.errorCode,
            error_message: outcome.errorMessage,
            detail: JSON.stringify({ counts: outcome.counts, rejected: outcome.rejected, fieldErrors: outcome.fieldErrors, notMobile: outcome.notMobile }),
          });
        if (outcome.state !== 'failed') {
          // A first sync read everything: it counts as the first full comparison too.
          await trx('store_connections')
            .where('id', connectionId)
            .update({ last_sync_at: finishedAt, ...(outcome.state === 'finished' && (mode === 'full' || connection.lastSyncAt === null) ? { last_full_at: finishedAt } : {}) });
        }
      });
      if (outcome.state === 'failed') this.logger.warn({ runId, connection: connection.name, code: outcome.errorCode }, outcome.errorMessage ?? 'sync failed');
      else this.logger.info({ runId, connection: connection.name, state: outcome.state, rows: outcome.rowsRead, ms: outcome.durationMs }, 'store sync ended');
      this.events.publish(
        'job.progress',
        {
          jobId: `sync-${runId}`,
          kind: 'store.sync',
          label,
          done: outcome.rowsRead,
          total: outcome.state === 'finished' ? outcome.rowsRead : null,
          ratePerSecond: outcome.durationMs > 0 ? Math.round((outcome.rowsRead * 1000) / outcome.durationMs) : null,
          etaSeconds: 0,
          state: outcome.state,
          ...(outcome.errorMessage ? { message: outcome.errorMessage } : {}),
        },
        'store.read',
      );
      publish(outcome.state, null, outcome);
      const run = await this.getRun(runId);
      // Listeners (the strategy engine) recompute from the mirror; a failed sync changed nothing worth it.
      if (outcome.state === 'finished') {
        for (const listener of [...this.syncListeners]) {
          try {
            listener(run);
          } catch (error) {
            this.logger.warn({ err: error }, 'a sync listener failed');
          }
        }
      }
      return run;
    })().finally(() => {
      if (this.active?.runId === runId) this.active = undefined;
    });
    this.active = { runId, connectionId, controller, done };
    return { runId, done };
  }

  /** Sets SQLite's page cache (the pragma's value: negative = KiB, positive = pages) and returns the previous one. */
  private async pageCache(value: number): Promise<number | undefined> {
    try {
      const rows = (await this.db.raw('PRAGMA cache_size')) as Array<{ cache_size: number }>;
      await this.db.raw(`PRAGMA cache_size = ${Math.trunc(value)}`);
      return rows[0]?.cache_size;
    } catch {
      return undefined;
    }
  }

  async cancel(actor: AuditActor, runId: number): Promise<void> {
    if (!this.active || this.active.runId !== runId) {
      const run = await this.getRun(runId);
      throw new ConflictError('SYNC_NOT_RUNNING', `Run ${run.id} is not running (it is ${run.state}).`);
    }
    this.active.controller.abort();
    await this.audit.record(actor, 'store.sync.cancel', String(runId));
  }

  async getRun(runId: number): Promise<SyncRun> {
    const row = await this.runQuery().where('r.id', runId).first();
    if (!row) throw new NotFoundError(`Sync run ${runId}`);
    return toRun(row as RunRow);
  }

  async listRuns(query: { connectionId?: number | undefined; page: number; pageSize: number }): Promise<{ items: SyncRun[]; total: number }> {
    const base = this.db('sync_runs').modify((q) => {
      if (query.connectionId) q.where('connection_id', query.connectionId);
    });
    const [{ n }] = (await base.clone().count({ n: '*' })) as Array<{ n: number | string }> as [{ n: number | string }];
    const rows = await this.runQuery()
      .modify((q) => {
        if (query.connectionId) q.where('r.connection_id', query.connectionId);
      })
      .orderBy('r.id', 'desc')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize);
    return { items: (rows as RunRow[]).map(toRun), total: Number(n) };
  }

  private runQuery() {
    return this.db('sync_runs as r').leftJoin('store_connections as c', 'c.id', 'r.connection_id').select('r.*', 'c.name as connection_name');
  }

  /** Marks runs a crash left "running" as failed, so the history tells the truth. */
  async recoverInterrupted(): Promise<void> {
    await this.db('sync_runs').where('state', 'running').update({
      state: 'failed',
      finished_at: this.clock.now(),
      error_code: 'SYNC_INTERRUPTED',
      error_message: 'StoreMAS stopped during this sync. The mirror kept its last committed batch; the next sync continues from there.',
    });
  }

  // ---- schedule ----------------------------------------------------------

  async setSchedule(actor: AuditActor, connectionId: number, schedule: { scheduleMinutes: number; fullCompareHours: number; enabled?: boolean | undefined }): Promise<StoreConnection> {
    checkSchedule(schedule.scheduleMinutes, schedule.fullCompareHours);
    const connection = await this.getConnection(connectionId);
    await this.db.transaction(async (trx) => {
      await trx('store_connections')
        .where('id', connectionId)
        .update({
          schedule_minutes: schedule.scheduleMinutes,
          full_compare_hours: schedule.fullCompareHours,
          ...(schedule.enabled !== undefined ? { enabled: schedule.enabled } : {}),
          updated_at: this.clock.now(),
        });
      await this.audit.record(actor, 'store.schedule.update', connection.name, schedule, trx);
    });
    return this.getConnection(connectionId);
  }

  /** What is due now: a full comparison when its hours have passed, else an incremental sync. Starts at most one. */
  async tick(): Promise<number | undefined> {
    if (this.active || this.stopped) return undefined;
    const now = this.clock.now();
    for (const connection of await this.listConnections()) {
      if (!connection.enabled) continue;
      const fullDue = connection.fullCompareHours > 0 && (connection.lastFullAt === null || now - connection.lastFullAt >= connection.fullCompareHours * 3_600_000);
      const incrementalDue = connection.scheduleMinutes > 0 && (connection.lastSyncAt === null || now - connection.lastSyncAt >= connection.scheduleMinutes * 60_000);
      if (!fullDue && !incrementalDue) continue;
      // A connection that keeps failing is retried on its schedule, counted from the failed attempt.
      const lastRun = (await this.db('sync_runs').where('connection_id', connection.id).orderBy('id', 'desc').first()) as { started_at: number | string; state: string } | undefined;
      if (lastRun && lastRun.state === 'failed' && connection.scheduleMinutes > 0 && now - Number(lastRun.started_at) < connection.scheduleMinutes * 60_000) continue;
      try {
        const { runId } = await this.startSync(SYSTEM_ACTOR, connection.id, { mode: fullDue && connection.lastSyncAt !== null ? 'full' : 'incremental', trigger: 'schedule' });
        return runId;
      } catch (error) {
        this.logger.warn({ err: error, connection: connection.name }, 'scheduled store sync could not start');
      }
    }
    return undefined;
  }

  /** Starts the schedule timer; returns the stop function for the composition root. */
  start(): () => Promise<void> {
    void this.recoverInterrupted().catch((error: unknown) => this.logger.warn({ err: error }, 'could not mark interrupted syncs'));
    this.timer = setInterval(() => {
      this.tick().catch((error: unknown) => this.logger.warn({ err: error }, 'store sync schedule failed'));
    }, SCHEDULER_TICK_MS);
    this.timer.unref();
    return () => this.stop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    const active = this.active;
    if (active) {
      active.controller.abort();
      await active.done.catch(() => undefined);
    }
  }

  // ---- mirror questions (库存) --------------------------------------------

  async counts(): Promise<Record<string, number>> {
    const result: Record<string, number> = {};
    for (const table of ['stores', 'products', 'inventory', 'sales', 'sale_lines']) {
      // Stores and products gone from the POS stay in the mirror marked deleted: they are not counted.
      const query = this.db(table);
      if (table === 'stores' || table === 'products') query.whereNull('deleted_at');
      const [{ n }] = (await query.count({ n: '*' })) as [{ n: number | string }];
      result[table] = Number(n);
    }
    const [{ n }] = (await this.db('members').where('source', 'pos').whereNull('deleted_at').count({ n: '*' })) as [{ n: number | string }];
    result['members'] = Number(n);
    return result;
  }

  async listStores(): Promise<Array<{ code: string; name: string; address: string; phone: string; deleted: boolean }>> {
    const rows = (await this.db('stores').select('code', 'name', 'address', 'phone', 'deleted_at').orderBy('code')) as Array<{ code: string; name: string; address: string; phone: string; deleted_at: unknown }>;
    return rows.map((r) => ({ code: r.code, name: r.name, address: r.address, phone: r.phone, deleted: r.deleted_at !== null }));
  }

  private stockQuery() {
    return this.db('inventory as i')
      .leftJoin('stores as s', 's.code', 'i.store_code')
      .leftJoin('products as p', 'p.code', 'i.product_code')
      .select('i.store_code', 's.name as store_name', 'i.product_code', 'p.name as product_name', 'p.category', 'i.quantity', 'i.updated_at');
  }

  /** Stock per store and product; `level` asks for low (≤ threshold, ascending) or high (≥ threshold, descending) stock. */
  async stock(query: { store?: string | undefined; product?: string | undefined; search?: string | undefined; category?: string | undefined; level?: 'low' | 'high' | undefined; threshold?: number | undefined; page: number; pageSize: number }): Promise<{ items: StockRow[]; total: number }> {
    const filtered = this.stockQuery().modify((q) => {
      if (query.store) q.where('i.store_code', query.store);
      if (query.product) q.where('i.product_code', query.product);
      if (query.category) q.where('p.category', query.category);
      if (query.search) {
        const like = `%${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        q.where((w) => w.whereRaw("p.name LIKE ? ESCAPE '\\'", [like]).orWhereRaw("i.product_code LIKE ? ESCAPE '\\'", [like]).orWhere('p.barcode', query.search!));
      }
      if (query.level === 'low') q.where('i.quantity', '<=', query.threshold ?? 5);
      if (query.level === 'high') q.where('i.quantity', '>=', query.threshold ?? 500);
    });
    const [{ n }] = (await this.db.count({ n: '*' }).from(filtered.clone().clearSelect().select('i.id').as('f'))) as [{ n: number | string }];
    const rows = await filtered
      .orderBy(query.level === 'high' ? [{ column: 'i.quantity', order: 'desc' }] : query.level === 'low' ? [{ column: 'i.quantity', order: 'asc' }] : [{ column: 'i.store_code' }, { column: 'i.product_code' }])
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize);
    return { items: (rows as StockDbRow[]).map(toStock), total: Number(n) };
  }

  /**
   * The stock of one product (in one store or all) over time, from the change
   * history: each point is the quantity from that time on. `minSince` answers
   * "still above the threshold after N days?" — the lowest quantity since a time.
   */
  async stockHistory(query: { product: string; store?: string | undefined; from?: number | undefined; to?: number | undefined }): Promise<{ points: Array<{ storeCode: string; at: number; quantity: number }>; current: StockRow[] }> {
    const points = (await this.db('inventory_history')
      .where('product_code', query.product)
      .modify((q) => {
        if (query.store) q.where('store_code', query.store);
        if (query.to !== undefined) q.where('at', '<=', query.to);
      })
      .orderBy('at')
      .select('store_code', 'at', 'quantity')) as Array<{ store_code: string; at: number | string; quantity: number }>;
    // Keep the last point before `from` so the chart starts at the right level.
    const result: Array<{ storeCode: string; at: number; quantity: number }> = [];
    const before = new Map<string, { storeCode: string; at: number; quantity: number }>();
    for (const p of points) {
      const point = { storeCode: p.store_code, at: Number(p.at), quantity: Number(p.quantity) };
      if (query.from !== undefined && point.at < query.from) before.set(point.storeCode, { ...point, at: query.from });
      else result.push(point);
    }
    const current = (await this.stockQuery().where('i.product_code', query.product).modify((q) => {
      if (query.store) q.where('i.store_code', query.store);
    })) as StockDbRow[];
    return { points: [...before.values(), ...result], current: current.map(toStock) };
  }

  /** The lowest quantity of a product in a store since a time (promotion rules: "still above N after D days?"). */
  async minStockSince(store: string, product: string, since: number): Promise<number | null> {
    const before = (await this.db('inventory_history').where({ store_code: store, product_code: product }).where('at', '<', since).orderBy('at', 'desc').first('quantity')) as { quantity: number } | undefined;
    const [{ m }] = (await this.db('inventory_history').where({ store_code: store, product_code: product }).where('at', '>=', since).min({ m: 'quantity' })) as [{ m: number | null }];
    const values = [before?.quantity, m].filter((v): v is number => v !== null && v !== undefined).map(Number);
    return values.length ? Math.min(...values) : null;
  }
}

function printable(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return String(value);
  if (Buffer.isBuffer(value)) return value.toString('hex');
  return value;
}

function previewRow(entity: Entity, mapping: MappingDefinition, row: Record<string, unknown>, keyPrefix: string): PreviewRow {
  const converted = convertRow(entity, mapping, row, keyPrefix);
  const source: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) source[k] = printable(v);
  // An ID number stays masked even in a preview.
  const idColumn = mapping.fields['id_number']?.column;
  if (idColumn && typeof source[idColumn] === 'string') source[idColumn] = `****…${(source[idColumn] as string).slice(-4)}`;
  if (typeof converted.values['id_number'] === 'string') converted.values['id_number'] = `****…${converted.values['id_number'].slice(-4)}`;
  return { source, ...converted };
}

interface StockDbRow {
  store_code: string;
  store_name: string | null;
  product_code: string;
  product_name: string | null;
  category: string | null;
  quantity: number;
  updated_at: number | string;
}

function toStock(r: StockDbRow): StockRow {
  return { storeCode: r.store_code, storeName: r.store_name, productCode: r.product_code, productName: r.product_name, category: r.category, quantity: Number(r.quantity), updatedAt: Number(r.updated_at) };
}

interface RunRow {
  id: number;
  connection_id: number;
  connection_name: string | null;
  mode: SyncMode;
  trigger: SyncTrigger;
  state: RunState;
  started_at: number | string;
  finished_at: number | string | null;
  duration_ms: number | null;
  rows_read: number;
  rows_written: number;
  rows_deleted: number;
  rows_rejected: number;
  error_code: string | null;
  error_message: string | null;
  detail: string | null;
}

function toRun(r: RunRow): SyncRun {
  const detail = r.detail ? (JSON.parse(r.detail) as NonNullable<SyncRun['detail']>) : null;
  return {
    id: r.id,
    connectionId: r.connection_id,
    connectionName: r.connection_name ?? '',
    mode: r.mode,
    trigger: r.trigger,
    state: r.state,
    startedAt: Number(r.started_at),
    finishedAt: num(r.finished_at),
    durationMs: r.duration_ms,
    rowsRead: r.rows_read,
    rowsWritten: r.rows_written,
    rowsDeleted: r.rows_deleted,
    rowsRejected: r.rows_rejected,
    errorCode: r.error_code,
    errorMessage: r.error_message,
    rowsNotMobile: Object.values(detail?.counts ?? {}).reduce((sum, c) => sum + ((c as Partial<EntityCounts>).notMobile ?? 0), 0),
    detail,
  };
}
