import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import type { Clock } from '../clock.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { isAppError } from '../errors.js';
import type { SourceDatabase, SourceRow } from './connectors.js';
import { StoreError, classifySourceError } from './errors.js';
import { TARGETS, buildSelect, convertRow, type Entity, type FieldError, type MappingDefinition } from './mapping.js';
import { MirrorWriter, linkSalesToMembers, type MirrorConnection } from './mirror.js';

/**
 * One sync run: reads each mapped entity from the POS as a stream and writes
 * it into the mirror in batches, each batch one SQLite transaction that also
 * advances the entity's watermark. So a run that stops — POS down, bad data,
 * cancel, crash — leaves the mirror at its last committed batch, and the next
 * run continues from there. Memory holds one batch, whatever the table size.
 */
export type SyncMode = 'incremental' | 'full';
export type RunState = 'running' | 'finished' | 'failed' | 'cancelled';

export interface EntityPlan {
  entity: Entity;
  mappingId: number;
  mapping: MappingDefinition;
  watermark: string | null;
}

export interface RejectedRow {
  entity: Entity;
  key: string;
  errors: FieldError[];
}

export interface EntityCounts {
  read: number;
  written: number;
  rejected: number;
  deleted: number;
  fieldErrors: number;
  /** Members whose mobile column held a landline or service number (kept as their phone). */
  notMobile: number;
  compared: boolean;
}

export interface RunProgress {
  entity: Entity | null;
  done: number;
  total: number | null;
  ratePerSecond: number | null;
  etaSeconds: number | null;
}

export interface RunOutcome {
  state: Exclude<RunState, 'running'>;
  counts: Partial<Record<Entity, EntityCounts>>;
  rowsRead: number;
  rowsWritten: number;
  rowsRejected: number;
  rowsDeleted: number;
  durationMs: number;
  errorCode: string | null;
  errorMessage: string | null;
  rejected: RejectedRow[];
  fieldErrors: RejectedRow[];
  /** Examples of rows counted in `notMobile`. */
  notMobile: RejectedRow[];
}

export interface SyncDeps {
  db: Knex;
  clock: Clock;
  secrets: SecretBox;
  batchSize?: number;
}

export interface RunOptions {
  mode: SyncMode;
  signal: AbortSignal;
  onProgress?: (progress: RunProgress) => void;
  /** Called after each committed batch (tests use it to fail a source mid-sync). */
  onBatchCommitted?: (entity: Entity, rowsSoFar: number) => void | Promise<void>;
}

const SAMPLE_LIMIT = 20;
export const DEFAULT_BATCH_SIZE = 5_000;

function watermarkText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

function keyText(entity: Entity, values: Record<string, unknown>, row: SourceRow, mapping: MappingDefinition): string {
  return TARGETS[entity].key.map((k) => String(values[k] ?? row[mapping.fields[k]!.column] ?? '?')).join('/');
}

export async function runSync(deps: SyncDeps, connection: MirrorConnection & { name: string }, source: SourceDatabase, plans: EntityPlan[], options: RunOptions): Promise<RunOutcome> {
  const { db, clock } = deps;
  const batchSize = deps.batchSize ?? DEFAULT_BATCH_SIZE;
  const started = performance.now();
  const outcome: RunOutcome = {
    state: 'finished',
    counts: {},
    rowsRead: 0,
    rowsWritten: 0,
    rowsRejected: 0,
    rowsDeleted: 0,
    durationMs: 0,
    errorCode: null,
    errorMessage: null,
    rejected: [],
    fieldErrors: [],
    notMobile: [],
  };

  // Totals for the progress bar; a POS that cannot count is still synced.
  let total: number | null = 0;
  const streamsAll = (plan: EntityPlan) => options.mode === 'full' || plan.watermark === null || !plan.mapping.watermark;
  for (const plan of plans) {
    if (total === null) break;
    try {
      const count = buildSelect(plan.mapping, (i) => source.quote(i), { after: streamsAll(plan) ? null : plan.watermark, count: true });
      for await (const chunk of source.stream(count.sql, count.bindings, { signal: options.signal })) {
        for (const row of chunk) {
          const n = Number(Object.values(row)[0]);
          total = Number.isFinite(n) && total !== null ? total + n : null;
        }
      }
    } catch (error) {
      if (isAppError(error) && error.code === 'SQL_NOT_READ_ONLY') throw error;
      if (isAppError(error) && /UNREACHABLE|LOGIN|MISSING|TIMEOUT/.test(error.code)) {
        return fail(outcome, error, started);
      }
      total = null;
    }
  }

  let lastReport = 0;
  const report = (entity: Entity | null, force = false) => {
    const now = performance.now();
    if (!force && now - lastReport < 250) return;
    lastReport = now;
    const seconds = (now - started) / 1000;
    const rate = seconds > 0.05 ? outcome.rowsRead / seconds : null;
    const eta = total !== null && rate ? Math.max(0, (total - outcome.rowsRead) / rate) : null;
    options.onProgress?.({ entity, done: outcome.rowsRead, total, ratePerSecond: rate === null ? null : Math.round(rate), etaSeconds: eta === null ? null : Math.round(eta) });
  };

  try {
    for (const plan of plans) {
      if (options.signal.aborted) break;
      const { entity, mapping } = plan;
      const counts: EntityCounts = { read: 0, written: 0, rejected: 0, deleted: 0, fieldErrors: 0, notMobile: 0, compared: false };
      outcome.counts[entity] = counts;
      const writer = new MirrorWriter(entity, mapping, connection, deps.secrets);
      const all = streamsAll(plan);
      const compare = mapping.detectDeletes && (options.mode === 'full' || !mapping.watermark);
      const passStartedAt = clock.now();
      const query = buildSelect(mapping, (i) => source.quote(i), { after: all ? null : plan.watermark });
      let batch: Array<Record<string, unknown>> = [];
      let touch: Array<Record<string, unknown>> = [];
      let batchWatermark: string | null = null;
      let committedWatermark = plan.watermark;

      // One batch may be written while the next is read: the POS and SQLite work in parallel.
      let writing: Promise<void> | undefined;
      const commit = async () => {
        if (batch.length === 0 && touch.length === 0) return;
        const values = batch;
        const keep = touch;
        const mark = batchWatermark;
        batch = [];
        touch = [];
        const now = clock.now();
        try {
          await db.transaction(async (trx) => {
            await writer.write(trx, values, now);
            await writer.touch(trx, keep, now);
            if (mapping.watermark && mark !== null && !isBehind(mapping, mark, committedWatermark)) {
              await trx('store_mappings').where('id', plan.mappingId).update({ watermark: mark, updated_at: now });
            }
          });
        } catch (error) {
          throw new StoreError(
            'MIRROR_WRITE_FAILED',
            `Writing a batch of ${entity} to the StoreMAS database failed (${error instanceof Error ? error.message : String(error)}). The batch was rolled back; the mirror keeps its last good state.`,
            500,
          );
        }
        if (mark !== null && !isBehind(mapping, mark, committedWatermark)) committedWatermark = mark;
        counts.written += values.length;
        outcome.rowsWritten += values.length;
        report(entity);
        await options.onBatchCommitted?.(entity, counts.read);
        // Let the rest of the appliance (SMS sending, the UI) have the database between batches.
        await new Promise((resolve) => setImmediate(resolve));
      };
      const startCommit = async () => {
        if (writing) await writing;
        writing = commit();
        // Awaited by the next startCommit or at the end; never left unhandled meanwhile.
        writing.catch(() => undefined);
      };
      const finishWriting = async () => {
        await startCommit();
        await writing;
      };

      try {
        for await (const chunk of source.stream(query.sql, query.bindings, { signal: options.signal })) {
          for (const row of chunk) {
            if (options.signal.aborted) break;
            counts.read++;
            outcome.rowsRead++;
            const converted = convertRow(entity, mapping, row, connection.keyPrefix);
            if (converted.errors.length > 0) {
              const sample = { entity, key: keyText(entity, converted.values, row, mapping), errors: converted.errors };
              if (converted.rejected) {
                counts.rejected++;
                outcome.rowsRejected++;
                if (outcome.rejected.length < SAMPLE_LIMIT) outcome.rejected.push(sample);
                if (compare && TARGETS[entity].key.every((k) => converted.values[k] !== null && converted.values[k] !== undefined)) touch.push(converted.values);
              } else {
                counts.fieldErrors++;
                if (outcome.fieldErrors.length < SAMPLE_LIMIT) outcome.fieldErrors.push(sample);
              }
            }
            if (converted.notMobile && !converted.rejected) {
              counts.notMobile++;
              if (outcome.notMobile.length < SAMPLE_LIMIT) outcome.notMobile.push({ entity, key: keyText(entity, converted.values, row, mapping), errors: [converted.notMobile] });
            }
            if (!converted.rejected) batch.push(converted.values);
            if (mapping.watermark) batchWatermark = watermarkText(row[mapping.watermark.column]) ?? batchWatermark;
            if (batch.length >= batchSize) await startCommit();
            else if ((counts.read & 1023) === 0) report(entity);
          }
          if (options.signal.aborted) break;
        }
      } catch (error) {
        // The source failed: let the batch being written finish (it is consistent), then report.
        await writing?.catch(() => undefined);
        throw error;
      }
      if (options.signal.aborted) {
        outcome.state = 'cancelled';
        // Finish what was read: it is consistent and saves reading it again.
        await finishWriting();
        break;
      }
      await finishWriting();
      if (compare) {
        const now = clock.now();
        counts.deleted = await db.transaction((trx) => writer.markUnseen(trx, passStartedAt, now));
        counts.compared = true;
        outcome.rowsDeleted += counts.deleted;
      }
      if (entity === 'sales' || entity === 'members') await linkSalesToMembers(db, connection.id);
      report(entity, true);
    }
  } catch (error) {
    if (options.signal.aborted && !(isAppError(error) && error.code === 'SOURCE_TIMEOUT')) {
      outcome.state = 'cancelled';
    } else {
      return fail(outcome, classifySourceError(error, connection.name), started);
    }
  }
  outcome.durationMs = Math.round(performance.now() - started);
  if (outcome.state === 'cancelled') {
    outcome.errorCode = 'SYNC_CANCELLED';
    outcome.errorMessage = 'The sync was cancelled. What was read so far is kept; the next sync continues from there.';
  } else if (outcome.rowsRejected > 0) {
    outcome.errorCode = 'ROWS_REJECTED';
    outcome.errorMessage = `${outcome.rowsRejected} rows could not be read and were skipped (see the examples). Fix them in the POS or adjust the mapping.`;
  }
  return outcome;
}

function isBehind(mapping: MappingDefinition, candidate: string, current: string | null): boolean {
  if (current === null) return false;
  if (mapping.watermark?.kind === 'id') return Number(candidate) < Number(current);
  return candidate < current;
}

function fail(outcome: RunOutcome, error: unknown, started: number): RunOutcome {
  const appError = error instanceof StoreError ? error : classifySourceError(error, '?');
  outcome.state = 'failed';
  outcome.errorCode = appError.code;
  outcome.errorMessage = appError.message;
  outcome.durationMs = Math.round(performance.now() - started);
  return outcome;
}
