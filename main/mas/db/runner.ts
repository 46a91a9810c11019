import type { Knex } from 'knex';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { Logger } from 'pino';
import { Wakeable } from '../../modem/sleep.js';
import { recordProblems } from './activity.js';
import { type MasDbCode } from './config.js';
import { classifyMysqlError, openDatabasePool, type MasDbError, type MasDbSettings } from './connection.js';
import { takeRows, type IntakeOutbox } from './intake.js';
import { codeTablesDdl, mtTable, quote, SHARED_TABLES_DDL } from './schema.js';
import { pruneWritten, writeReplies, writeReports } from './write-back.js';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'stopped';

export interface RunnerStatus {
  state: ConnectionState;
  lastError: { code: string; message: string; at: number } | null;
  /** When the next reconnect is tried (while disconnected). */
  retryAt: number | null;
  /** Whether StoreMAS tells clients it can send (conn_succ_status). */
  modemsReady: boolean;
  lastPollAt: Record<string, number>;
  codeErrors: Record<string, { code: string; message: string; at: number }>;
}

export interface RunnerDeps {
  db: Knex;
  logger: Logger;
  outbox: IntakeOutbox;
  /** Epoch ms for what is stored (the outbox's clock). */
  now(): number;
  timeZone(): Promise<string>;
  codes(): Promise<MasDbCode[]>;
  inboxCursor(): Promise<number>;
  setInboxCursor(cursor: number): Promise<void>;
  modemsReady(): boolean;
  /** Something changed that the page shows. */
  onChange(): void;
  /** Messages were queued: wake the dispatcher. */
  onQueued(): void;
  rowsPerPoll?: number;
  /** Longest wait between reconnect attempts. */
  maxBackoffMs?: number;
}

const IDLE_MS = 1_000;

/**
 * The loop that serves the MAS tables: connects (creating the database and
 * tables when it may), tells clients whether StoreMAS can send
 * (tbl_api_info), polls each code that is not paused, and writes reports
 * and replies back. A server that goes away is retried with a growing pause
 * (1 s … 30 s); nothing is lost meanwhile: rows wait in api_mt, reports and
 * replies wait in StoreMAS's tables.
 */
export class MasDbRunner {
  private pool: Pool | undefined;
  private readonly abort = new AbortController();
  private readonly wakeable = new Wakeable();
  private running: Promise<void> | undefined;
  private readonly nextPoll = new Map<string, number>();
  private lastPrune = 0;
  private lastReady: boolean | undefined;
  private ensured = new Set<string>();
  readonly status: RunnerStatus = { state: 'connecting', lastError: null, retryAt: null, modemsReady: false, lastPollAt: {}, codeErrors: {} };

  constructor(
    private readonly settings: MasDbSettings,
    private readonly deps: RunnerDeps,
  ) {}

  start(): void {
    this.running ??= this.loop().catch((error: unknown) => this.deps.logger.error({ err: error }, 'MAS database loop ended'));
  }

  wake(): void {
    this.wakeable.wake();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    if (this.pool) {
      // Clients see that nothing is being sent while StoreMAS is stopped.
      await this.pool.query('UPDATE tbl_api_info SET conn_succ_status = 0, updated_at = NOW()').catch(() => undefined);
      await this.pool.end().catch(() => undefined);
      this.pool = undefined;
    }
    this.setState('stopped');
  }

  private setState(state: ConnectionState, error?: MasDbError, retryAt: number | null = null): void {
    const changed = this.status.state !== state || (error !== undefined && error.code !== this.status.lastError?.code);
    this.status.state = state;
    this.status.retryAt = retryAt;
    if (error) this.status.lastError = { code: error.code, message: error.message, at: Date.now() };
    else if (state === 'connected') this.status.lastError = null;
    if (changed) this.deps.onChange();
  }

  private async loop(): Promise<void> {
    let backoff = IDLE_MS;
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        if (!this.pool) {
          this.setState('connecting');
          this.pool = await this.connect();
          this.setState('connected');
        }
        const waitMs = await this.tick(this.pool);
        backoff = IDLE_MS;
        await this.wakeable.wait(waitMs, signal);
      } catch (error) {
        if (signal.aborted) break;
        const classified = classifyMysqlError(error, this.settings);
        this.deps.logger.warn({ err: error, code: classified.code }, 'MAS database: connection failed, retrying');
        const pool = this.pool;
        this.pool = undefined;
        this.ensured.clear();
        this.lastReady = undefined;
        await pool?.end().catch(() => undefined);
        this.setState('disconnected', classified, Date.now() + backoff);
        await this.wakeable.wait(backoff, signal);
        backoff = Math.min(backoff * 2, this.deps.maxBackoffMs ?? 30_000);
      }
    }
  }

  /** Opens the pool; a missing database is created when StoreMAS's user may. */
  private connect(): Promise<Pool> {
    return openDatabasePool(this.settings);
  }

  /** One round; returns how long to wait before the next. */
  private async tick(pool: Pool): Promise<number> {
    const codes = await this.deps.codes();
    const timeZone = await this.deps.timeZone();
    await this.ensureTables(pool, codes);
    await this.publishReadiness(pool, codes);
    const byCode = new Map(codes.map((c) => [c.code, c]));
    const clock = Date.now();
    let wait = IDLE_MS;
    for (const code of codes) {
      if (code.paused) continue;
      const due = this.nextPoll.get(code.code) ?? 0;
      if (due > clock) {
        wait = Math.min(wait, due - clock);
        continue;
      }
      let more = false;
      try {
        const result = await takeRows(
          { pool, db: this.deps.db, outbox: this.deps.outbox, now: this.deps.now(), timeZone, rowsPerPoll: this.deps.rowsPerPoll ?? 1_000, host: this.settings.host },
          code,
        );
        more = result.more;
        this.status.lastPollAt[code.code] = Date.now();
        if (this.status.codeErrors[code.code]) delete this.status.codeErrors[code.code];
        if (result.taken > 0) {
          if (result.queued > 0) this.deps.onQueued();
          this.deps.onChange();
        }
      } catch (error) {
        await this.codeFailed(code, error);
      }
      const next = more ? Date.now() : Date.now() + code.pollIntervalMs;
      this.nextPoll.set(code.code, next);
      wait = Math.min(wait, Math.max(0, next - Date.now()));
    }
    const context = { pool, db: this.deps.db, now: this.deps.now(), timeZone, codes: byCode };
    const reports = await writeReports(context);
    const cursor = await this.deps.inboxCursor();
    const replies = await writeReplies(context, cursor);
    if (replies.cursor !== cursor) await this.deps.setInboxCursor(replies.cursor);
    if (reports > 0 || replies.written > 0) this.deps.onChange();
    if (reports >= 500 || replies.written >= 500) wait = 0;
    if (Date.now() - this.lastPrune > 3_600_000) {
      this.lastPrune = Date.now();
      // Housekeeping only: a user that may not delete there must not stop the interface.
      await pruneWritten(pool, this.deps.now()).catch((error: unknown) => this.deps.logger.warn({ err: error }, 'MAS database: could not prune storemas_written'));
    }
    return wait;
  }

  /**
   * A failure of one code's poll. A lost connection ends the round (the loop
   * reconnects); a missing table is made again; anything else is recorded
   * for that code, whose rows wait in api_mt, while the others go on.
   */
  private async codeFailed(code: MasDbCode, error: unknown): Promise<void> {
    const driverCode = String((error as { code?: unknown })?.code ?? '');
    if (driverCode === 'ER_NO_SUCH_TABLE') {
      this.ensured.delete(code.code);
      return;
    }
    const classified = classifyMysqlError(error, this.settings);
    if (classified.code === 'MAS_DB_UNREACHABLE' || classified.code === 'MAS_DB_CONNECTION_LOST' || classified.code === 'MAS_DB_LOGIN_REFUSED') throw error;
    const message = classified.code === 'MAS_DB_ERROR' && !driverCode ? (error instanceof Error ? error.message : String(error)) : classified.message;
    const problemCode = classified.code === 'MAS_DB_ERROR' && !driverCode ? 'MAS_DB_INTAKE_FAILED' : classified.code;
    const previous = this.status.codeErrors[code.code];
    this.status.codeErrors[code.code] = { code: problemCode, message, at: Date.now() };
    if (previous?.message !== message) {
      this.deps.logger.error({ err: error, code: code.code }, 'MAS database: a poll failed; the rows stay in api_mt');
      await recordProblems(this.deps.db, this.deps.now(), [{ code: code.code, autoSn: null, smId: null, problem: problemCode, detail: message }]);
      this.deps.onChange();
    }
  }

  /** The shared tables once per connection; each code's tables and tbl_api_info row once per connection (and after a drop). */
  private async ensureTables(pool: Pool, codes: MasDbCode[]): Promise<void> {
    if (!this.ensured.has('')) {
      for (const ddl of SHARED_TABLES_DDL) await pool.query(ddl);
      this.ensured.add('');
    }
    for (const code of codes) {
      if (this.ensured.has(code.code)) continue;
      for (const ddl of codeTablesDdl(code.code)) await pool.query(ddl);
      await pool.query('INSERT IGNORE INTO tbl_api_info (if_code, if_name, if_status, conn_succ_status, updated_at) VALUES (?, ?, ?, 0, NOW())', [
        code.code,
        code.label,
        code.paused ? 2 : 1,
      ]);
      this.ensured.add(code.code);
      this.lastReady = undefined;
    }
  }

  /** tbl_api_info: if_status 1 running / 2 paused; conn_succ_status 1 while a modem is ready. */
  private async publishReadiness(pool: Pool, codes: MasDbCode[]): Promise<void> {
    const ready = this.deps.modemsReady();
    this.status.modemsReady = ready;
    if (codes.length === 0) return;
    await pool.query(
      `INSERT INTO tbl_api_info (if_code, if_name, if_status, conn_succ_status, updated_at) VALUES ${codes.map(() => '(?, ?, ?, ?, NOW())').join(', ')}
       ON DUPLICATE KEY UPDATE if_name = VALUES(if_name), if_status = VALUES(if_status), conn_succ_status = VALUES(conn_succ_status), updated_at = VALUES(updated_at)`,
      codes.flatMap((c) => [c.code, c.label, c.paused ? 2 : 1, ready ? 1 : 0]),
    );
    if (ready !== this.lastReady) {
      this.lastReady = ready;
      this.deps.onChange();
    }
  }

  /** Rows waiting in each code's api_mt (for the page; cheap on the small queues MAS tables hold). */
  async waiting(codes: readonly string[]): Promise<Record<string, number>> {
    const pool = this.pool;
    if (!pool) return {};
    const out: Record<string, number> = {};
    for (const code of codes) {
      try {
        const [rows] = await pool.query<RowDataPacket[]>(`SELECT COUNT(*) AS n FROM ${quote(mtTable(code))}`);
        out[code] = Number(rows[0]?.['n'] ?? 0);
      } catch {
        // A table not made yet, or the server gone: the page shows nothing for it.
      }
    }
    return out;
  }

  /** Runs a statement on the live connection (creating a code's tables or login now), or says it is not connected. */
  live(): Pool | undefined {
    return this.pool;
  }

  /** Makes a code's tables again at the next round (a code added or renamed). */
  forget(code: string): void {
    this.ensured.delete(code);
    this.nextPoll.delete(code);
  }
}
