import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { EventBus } from '../events/bus.js';
import { rawRows } from '../db/raw-rows.js';
import { addDays, localDate, startOfDay } from './days.js';

/**
 * The aggregates behind the dashboard and the reports, kept by a periodic
 * roll-up: message_daily (per day and every dimension), message_day_totals
 * (per day, store and modem: charts and the dashboard), message_monthly
 * (message_daily summed per month: a long range's whole months), batch_totals
 * (per batch, store and modem) and inbound_daily.
 *
 * How they stay correct:
 * - A run finds what changed since its watermark — outbox rows whose
 *   updated_at is past it (every status change sets updated_at) and rows
 *   with a higher id than the last seen (new rows, even from a long bulk
 *   enqueue whose timestamps are older) — and recomputes every day and batch
 *   those rows belong to, whole, from the raw rows. The watermark moves to
 *   the run's start minus an overlap (OVERLAP_MS): a transaction that stamped
 *   a row just before and committed just after the run's read is seen by the
 *   next run.
 * - A day is replaced whole in one transaction, its totals and its month's
 *   sums with it: a crash mid-way leaves the day as it was, and the watermark
 *   only moves after every day was written, so the next run redoes it.
 *   Running twice changes nothing.
 * - A status report that arrives days later updates its message's
 *   updated_at: that message's day is recomputed.
 * - The clock going backwards: the watermark is never later than now.
 * - The store's time zone changing: every day is rebuilt in the new zone.
 * - And once a night (after 03:00) the two previous days are recomputed
 *   whatever the watermark says.
 * A day is the message's planned day: its scheduled time (not_before), else
 * when it was queued, in the store's time zone. Outbox rows are never deleted,
 * so nothing ever needs subtracting.
 */
export const OVERLAP_MS = 5 * 60_000;
/** Changed rows are located to the quarter hour (every time zone's offset is a multiple of it), then to local days. */
const BUCKET_MS = 900_000;
const NIGHTLY_AFTER_MS = 3 * 3_600_000;
const INTERVAL_MS = 60_000;

export const COUNT_COLUMNS = ['messages', 'parts', 'parts_sent', 'waiting', 'sent', 'delivered', 'failed', 'blocked', 'expired', 'cancelled', 'unknown'] as const;
export type CountColumn = (typeof COUNT_COLUMNS)[number];

/**
 * The parts of a message the network accepted (what the operator bills): every
 * part once the message went out whole; else those a modem accepted (a long
 * text sent in part before a retry, a failure, a cancel or a crash), those
 * whose fate is unknown, and those an operator marked sent. Parts are read
 * only for the messages that did not go out whole (one index seek each).
 */
const BILLED_PARTS_SQL = `CASE
    WHEN o.sent_at IS NOT NULL AND o.resolution IS NULL THEN o.part_count
    WHEN o.status = 'blocked' THEN 0
    ELSE (SELECT COUNT(*) FROM outbox_parts p WHERE p.message_id = o.id AND (p.sent_at IS NOT NULL OR p.status IN ('sent', 'delivered', 'unknown')))
  END`;

const COUNTS_SQL = `COUNT(*) AS messages,
  COALESCE(SUM(o.part_count), 0) AS parts,
  COALESCE(SUM(${BILLED_PARTS_SQL}), 0) AS parts_sent,
  SUM(CASE WHEN o.status IN ('queued', 'paused', 'sending') THEN 1 ELSE 0 END) AS waiting,
  SUM(CASE WHEN o.status = 'sent' THEN 1 ELSE 0 END) AS sent,
  SUM(CASE WHEN o.status = 'delivered' THEN 1 ELSE 0 END) AS delivered,
  SUM(CASE WHEN o.status = 'failed' THEN 1 ELSE 0 END) AS failed,
  SUM(CASE WHEN o.status = 'blocked' THEN 1 ELSE 0 END) AS blocked,
  SUM(CASE WHEN o.status = 'expired' THEN 1 ELSE 0 END) AS expired,
  SUM(CASE WHEN o.status = 'cancelled' THEN 1 ELSE 0 END) AS cancelled,
  SUM(CASE WHEN o.status = 'unknown' THEN 1 ELSE 0 END) AS unknown`;

/** A message's planned time: when it was scheduled for, else when it was queued (outbox_messages_planned_index). */
const PLANNED = 'COALESCE(o.not_before, o.created_at)';
/** The messages of one planned day [from, to). */
const DAY_WHERE = `${PLANNED} >= ? AND ${PLANNED} < ?`;
const COMMERCIAL = new Set(['care', 'marketing']);

type Counts = Record<CountColumn, number>;

interface DayRow extends Counts {
  store_code: string;
  modem_id: string;
  category: string;
  source: string;
  created_by: string;
  batch_id: string | null;
}

interface RollupState {
  name: string;
  watermark: number | string;
  last_id: number | string;
  time_zone: string;
  last_run_at: number | string | null;
  nightly_day: string | null;
}

export interface RollupRun {
  days: number;
  batches: number;
  rebuilt: boolean;
}

function counts(row: Record<string, unknown>): Counts {
  const out = {} as Counts;
  for (const c of COUNT_COLUMNS) out[c] = Number(row[c] ?? 0);
  return out;
}

function zero(): Counts {
  const out = {} as Counts;
  for (const c of COUNT_COLUMNS) out[c] = 0;
  return out;
}

function add(into: Counts, from: Counts): void {
  for (const c of COUNT_COLUMNS) into[c] += from[c];
}

async function insertChunked(trx: Knex, table: string, rows: Array<Record<string, unknown>>): Promise<void> {
  // 17 columns × 50 rows stays far inside SQLite's variable limit.
  for (let i = 0; i < rows.length; i += 50) await trx(table).insert(rows.slice(i, i + 50));
}

export interface RollupDeps {
  db: Knex;
  clock: Clock;
  logger: Logger;
  events: EventBus;
  timeZone(): Promise<string>;
}

export class DailyRollup {
  private running: Promise<RollupRun> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastRunAt = 0;
  /** False while a first build or a time-zone rebuild is under way: figures are still being counted. */
  ready = true;
  /** Test hook: fails the write of this day (a crash in the middle of a run). */
  failDayForTest: string | undefined;
  /** A rebuild adds its batch sums to batch_totals once it holds this many (tests lower it to add them day by day). */
  batchFlushEntries = 20_000;

  constructor(private readonly deps: RollupDeps) {}

  private get db(): Knex {
    return this.deps.db;
  }

  start(): () => Promise<void> {
    const tick = () => {
      this.run().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'report roll-up failed'));
    };
    this.timer = setInterval(tick, INTERVAL_MS);
    this.timer.unref();
    tick();
    return () => this.stop();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** Runs the roll-up when the last run is older than `maxAgeMs` (the dashboard asks before it reads). */
  async refresh(maxAgeMs: number): Promise<void> {
    if (this.running) {
      await this.running.catch(() => undefined);
      return;
    }
    if (this.deps.clock.now() - this.lastRunAt < maxAgeMs) return;
    await this.run();
  }

  /** One roll-up, never two at once. */
  run(): Promise<RollupRun> {
    this.running ??= this.runOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async state(name: 'outbox' | 'inbox'): Promise<RollupState | undefined> {
    return (await this.db('report_rollups').where('name', name).first()) as RollupState | undefined;
  }

  private async runOnce(): Promise<RollupRun> {
    const timeZone = await this.deps.timeZone();
    const runStart = this.deps.clock.now();
    const outbox = await this.state('outbox');
    const inbox = await this.state('inbox');
    let result: RollupRun;
    if (!outbox || !inbox || outbox.time_zone !== timeZone || inbox.time_zone !== timeZone) {
      result = await this.rebuild(timeZone, runStart);
    } else {
      const today = localDate(timeZone, runStart);
      const nightly = outbox.nightly_day !== today && runStart - startOfDay(timeZone, today) >= NIGHTLY_AFTER_MS;
      const extraDays = nightly ? [addDays(today, -1), addDays(today, -2)] : [];
      const out = await this.outboxIncremental(timeZone, outbox, runStart, extraDays);
      const inb = await this.inboxIncremental(timeZone, inbox, runStart, extraDays);
      if (nightly) await this.db('report_rollups').where('name', 'outbox').update({ nightly_day: today });
      result = { days: out.days + inb.days, batches: out.batches, rebuilt: false };
    }
    this.lastRunAt = runStart;
    return result;
  }

  private async maxId(table: 'outbox_messages' | 'inbox_messages'): Promise<number> {
    const row = (await this.db(table).max({ id: 'id' }).first()) as { id: number | string | null } | undefined;
    return Number(row?.id ?? 0);
  }

  private async outboxIncremental(timeZone: string, state: RollupState, runStart: number, extraDays: string[]): Promise<{ days: number; batches: number }> {
    const maxId = await this.maxId('outbox_messages');
    const since = Math.min(Number(state.watermark), runStart) - OVERLAP_MS;
    const lastId = Number(state.last_id);
    const changed = rawRows(await this.db.raw(
      `SELECT DISTINCT ${PLANNED} / ${BUCKET_MS} AS bucket, o.batch_id FROM outbox_messages o WHERE o.updated_at > ?
       UNION SELECT DISTINCT ${PLANNED} / ${BUCKET_MS} AS bucket, o.batch_id FROM outbox_messages o WHERE o.id > ?`,
      [since, lastId],
    )) as Array<{ bucket: number | string; batch_id: string | null }>;
    const days = new Set(extraDays);
    const batches = new Set<string>();
    for (const row of changed) {
      days.add(localDate(timeZone, Math.floor(Number(row.bucket)) * BUCKET_MS));
      if (row.batch_id) batches.add(row.batch_id);
    }
    if (extraDays.length > 0) {
      const from = startOfDay(timeZone, extraDays.at(-1)!);
      const to = startOfDay(timeZone, addDays(extraDays[0]!, 1));
      const nightlyBatches = (await this.db('outbox_messages as o').distinct('o.batch_id').whereNotNull('o.batch_id').whereRaw(DAY_WHERE, [from, to])) as Array<{ batch_id: string }>;
      for (const row of nightlyBatches) batches.add(row.batch_id);
    }
    for (const day of [...days].sort()) await this.recomputeOutboxDay(timeZone, day);
    for (const batch of batches) await this.recomputeBatch(batch);
    await this.db('report_rollups').where('name', 'outbox').update({ watermark: runStart, last_id: Math.max(lastId, maxId), last_run_at: runStart });
    return { days: days.size, batches: batches.size };
  }

  private async inboxIncremental(timeZone: string, state: RollupState, runStart: number, extraDays: string[]): Promise<{ days: number }> {
    const maxId = await this.maxId('inbox_messages');
    const since = Math.min(Number(state.watermark), runStart) - OVERLAP_MS;
    const lastId = Number(state.last_id);
    // processed_at: the handler chain names the rule (opt-out, survey) after the text was stored.
    const changed = rawRows(await this.db.raw(
      `SELECT DISTINCT received_at / ${BUCKET_MS} AS bucket FROM inbox_messages WHERE id > ?
       UNION SELECT DISTINCT received_at / ${BUCKET_MS} AS bucket FROM inbox_messages WHERE processed_at > ?`,
      [lastId, since],
    )) as Array<{ bucket: number | string }>;
    const days = new Set(extraDays);
    for (const row of changed) days.add(localDate(timeZone, Math.floor(Number(row.bucket)) * BUCKET_MS));
    for (const day of [...days].sort()) await this.recomputeInboxDay(timeZone, day);
    await this.db('report_rollups').where('name', 'inbox').update({ watermark: runStart, last_id: Math.max(lastId, maxId), last_run_at: runStart });
    return { days: days.size };
  }

  private async dayRows(timeZone: string, day: string, withBatch: boolean): Promise<DayRow[]> {
    const from = startOfDay(timeZone, day);
    const to = startOfDay(timeZone, addDays(day, 1));
    return rawRows(await this.db.raw(
      `SELECT COALESCE(m.store_code, '') AS store_code, COALESCE(o.modem_id, '') AS modem_id, o.category, o.source, o.created_by,
         ${withBatch ? 'o.batch_id' : 'NULL AS batch_id'}, ${COUNTS_SQL}
       FROM outbox_messages o LEFT JOIN members m ON m.id = o.member_id
       WHERE ${DAY_WHERE}
       GROUP BY COALESCE(m.store_code, ''), COALESCE(o.modem_id, ''), o.category, o.source, o.created_by${withBatch ? ', o.batch_id' : ''}`,
      [from, to],
    )) as DayRow[];
  }

  /**
   * Replaces a day in message_daily and message_day_totals, and (unless a
   * rebuild does it once a month is complete) the day's month in
   * message_monthly, in one transaction.
   */
  private async writeDay(day: string, rows: DayRow[], withMonth = true): Promise<void> {
    const merged = new Map<string, { key: Omit<DayRow, CountColumn | 'batch_id'>; counts: Counts }>();
    const totals = new Map<string, { store_code: string; modem_id: string; counts: Counts; commercial_out: number }>();
    for (const row of rows) {
      const c = counts(row as unknown as Record<string, unknown>);
      const key = { store_code: row.store_code, modem_id: row.modem_id, category: row.category, source: row.source ?? '', created_by: row.created_by ?? '' };
      const id = `${key.store_code}\u0000${key.modem_id}\u0000${key.category}\u0000${key.source}\u0000${key.created_by}`;
      const entry = merged.get(id);
      if (entry) add(entry.counts, c);
      else merged.set(id, { key, counts: { ...c } });
      const totalId = `${key.store_code}\u0000${key.modem_id}`;
      const total = totals.get(totalId) ?? totals.set(totalId, { store_code: key.store_code, modem_id: key.modem_id, counts: zero(), commercial_out: 0 }).get(totalId)!;
      add(total.counts, c);
      if (COMMERCIAL.has(key.category)) total.commercial_out += c.sent + c.delivered + c.failed + c.unknown;
    }
    await this.db.transaction(async (trx) => {
      await trx('message_daily').where('day', day).delete();
      await trx('message_day_totals').where('day', day).delete();
      if (this.failDayForTest === day) throw new Error(`roll-up interrupted at ${day} (test)`);
      await insertChunked(
        trx,
        'message_daily',
        [...merged.values()].map(({ key, counts: c }) => ({ day, ...key, ...c })),
      );
      await insertChunked(
        trx,
        'message_day_totals',
        [...totals.values()].map((t) => ({ day, store_code: t.store_code, modem_id: t.modem_id, ...t.counts, commercial_out: t.commercial_out })),
      );
      if (withMonth) await this.writeMonth(trx, day.slice(0, 7));
    });
  }

  /** A month's sums, from its days in message_daily. */
  private async writeMonth(trx: Knex, month: string): Promise<void> {
    await trx('message_monthly').where('month', month).delete();
    const sums = COUNT_COLUMNS.map((c) => `SUM(${c})`).join(', ');
    await trx.raw(
      `INSERT INTO message_monthly (month, store_code, modem_id, category, source, created_by, ${COUNT_COLUMNS.join(', ')})
       SELECT CAST(? AS VARCHAR(7)), store_code, modem_id, category, source, created_by, ${sums}
       FROM message_daily WHERE day >= ? AND day <= ?
       GROUP BY store_code, modem_id, category, source, created_by`,
      [month, `${month}-01`, `${month}-31`],
    );
  }

  async recomputeOutboxDay(timeZone: string, day: string): Promise<void> {
    await this.writeDay(day, await this.dayRows(timeZone, day, false));
  }

  async recomputeBatch(batchId: string): Promise<void> {
    const rows = rawRows(await this.db.raw(
      `SELECT COALESCE(m.store_code, '') AS store_code, COALESCE(o.modem_id, '') AS modem_id, ${COUNTS_SQL}
       FROM outbox_messages o LEFT JOIN members m ON m.id = o.member_id
       WHERE o.batch_id = ? GROUP BY COALESCE(m.store_code, ''), COALESCE(o.modem_id, '')`,
      [batchId],
    )) as Array<Record<string, unknown> & { store_code: string; modem_id: string }>;
    await this.db.transaction(async (trx) => {
      await trx('batch_totals').where('batch_id', batchId).delete();
      await insertChunked(
        trx,
        'batch_totals',
        rows.map((r) => ({ batch_id: batchId, store_code: r.store_code, modem_id: r.modem_id, ...counts(r) })),
      );
    });
  }

  async recomputeInboxDay(timeZone: string, day: string): Promise<void> {
    const from = startOfDay(timeZone, day);
    const to = startOfDay(timeZone, addDays(day, 1));
    const rows = rawRows(await this.db.raw(
      `SELECT COALESCE(m.store_code, '') AS store_code, i.modem_id,
         COUNT(*) AS received,
         SUM(CASE WHEN i.handled_by_rule = 'opt-out' THEN 1 ELSE 0 END) AS opt_outs,
         SUM(CASE WHEN i.handled_by_rule = 'survey' THEN 1 ELSE 0 END) AS survey_answers,
         SUM(CASE WHEN i.handled_by_rule IS NOT NULL THEN 1 ELSE 0 END) AS handled
       FROM inbox_messages i LEFT JOIN members m ON m.id = i.member_id
       WHERE i.received_at >= ? AND i.received_at < ?
       GROUP BY COALESCE(m.store_code, ''), i.modem_id`,
      [from, to],
    )) as Array<{ store_code: string; modem_id: string; received: number; opt_outs: number; survey_answers: number; handled: number }>;
    await this.db.transaction(async (trx) => {
      await trx('inbound_daily').where('day', day).delete();
      await insertChunked(
        trx,
        'inbound_daily',
        rows.map((r) => ({ day, store_code: r.store_code, modem_id: r.modem_id, received: Number(r.received), opt_outs: Number(r.opt_outs), survey_answers: Number(r.survey_answers), handled: Number(r.handled) })),
      );
    });
  }

  /**
   * Every day from the first message to today, in `timeZone`: the first run on
   * a database with history, and after the time zone changed. Day by day (the
   * database stays usable in between), with progress on the event stream.
   */
  async rebuild(timeZone: string, runStart = this.deps.clock.now()): Promise<RollupRun> {
    this.ready = false;
    try {
      const outMax = await this.maxId('outbox_messages');
      const inMax = await this.maxId('inbox_messages');
      const span = (await this.db('outbox_messages').min({ a: 'created_at', b: 'not_before' }).max({ c: 'created_at', d: 'not_before' }).first()) as Record<string, number | string | null>;
      const inSpan = (await this.db('inbox_messages').min({ a: 'received_at' }).max({ c: 'received_at' }).first()) as Record<string, number | string | null>;
      const starts = [span.a, span.b, inSpan.a].filter((v) => v !== null && v !== undefined).map(Number);
      const ends = [span.c, span.d, inSpan.c, runStart].filter((v) => v !== null && v !== undefined).map(Number);
      await this.db.transaction(async (trx) => {
        for (const table of ['message_daily', 'message_day_totals', 'message_monthly', 'batch_totals', 'inbound_daily']) await trx(table).delete();
      });
      let days = 0;
      let batchCount = 0;
      /** batch\u0000store\u0000modem → counts, added to batch_totals every few thousand (memory stays flat over a long history). */
      const pending = new Map<string, Counts>();
      const seenBatches = new Set<string>();
      const flushBatches = async () => {
        const rows = [...pending].map(([key, c]) => {
          const [batch_id, store_code, modem_id] = key.split('\u0000');
          return { batch_id, store_code, modem_id, ...c };
        });
        pending.clear();
        // A batch whose messages span days is added to: the table was emptied above, so the sums come out whole.
        const addTo = Object.fromEntries(COUNT_COLUMNS.map((c) => [c, this.db.raw('?? + ??', [`batch_totals.${c}`, `excluded.${c}`])]));
        await this.db.transaction(async (trx) => {
          for (let i = 0; i < rows.length; i += 50) {
            await trx('batch_totals').insert(rows.slice(i, i + 50)).onConflict(['batch_id', 'store_code', 'modem_id']).merge(addTo);
          }
        });
      };
      if (starts.length > 0) {
        const first = localDate(timeZone, Math.min(...starts));
        const last = localDate(timeZone, Math.max(...ends));
        let total = 0;
        for (let d = first; d <= last; d = addDays(d, 1)) total += 1;
        const jobId = `reports-rebuild-${runStart}`;
        for (let day = first; day <= last; day = addDays(day, 1)) {
          const rows = await this.dayRows(timeZone, day, true);
          await this.writeDay(day, rows, false);
          // A month's sums once its last day (or the last day there is) is written.
          if (day === last || addDays(day, 1).slice(0, 7) !== day.slice(0, 7)) await this.db.transaction((trx) => this.writeMonth(trx, day.slice(0, 7)));
          for (const row of rows) {
            if (!row.batch_id) continue;
            if (!seenBatches.has(row.batch_id)) {
              seenBatches.add(row.batch_id);
              batchCount += 1;
            }
            const key = `${row.batch_id}\u0000${row.store_code}\u0000${row.modem_id}`;
            const c = pending.get(key);
            if (c) add(c, counts(row as unknown as Record<string, unknown>));
            else pending.set(key, counts(row as unknown as Record<string, unknown>));
          }
          if (pending.size >= this.batchFlushEntries) await flushBatches();
          await this.recomputeInboxDay(timeZone, day);
          days += 1;
          if (days % 30 === 0 || days === total) {
            this.deps.events.publish('job.progress', { jobId, kind: 'reports.rebuild', label: '统计数据', done: days, total, ratePerSecond: null, etaSeconds: null, state: days === total ? 'finished' : 'running' }, 'reports.read');
          }
        }
      }
      await flushBatches();
      const today = localDate(timeZone, runStart);
      await this.db.transaction(async (trx) => {
        for (const [name, lastId] of [
          ['outbox', outMax],
          ['inbox', inMax],
        ] as const) {
          await trx('report_rollups')
            .insert({ name, watermark: runStart, last_id: lastId, time_zone: timeZone, last_run_at: runStart, nightly_day: today })
            .onConflict('name')
            .merge();
        }
      });
      return { days, batches: batchCount, rebuilt: true };
    } finally {
      this.ready = true;
    }
  }
}
