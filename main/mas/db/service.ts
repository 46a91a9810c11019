import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { Logger } from 'pino';
import type { AuditActor, AuditLog } from '../../auth/audit.js';
import type { Clock } from '../../clock.js';
import type { SecretBox } from '../../crypto/secret-box.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import type { EventBus } from '../../events/bus.js';
import type { Settings } from '../../settings/settings.js';
import { dailyHistory, recentProblems, todayCounts, type DailyCounter, type Problem } from './activity.js';
import {
  checkCode,
  checkConnection,
  DEFAULT_POLL_MS,
  toCode,
  toConnectionView,
  type CodeInput,
  type CodeRow,
  type ConnectionInput,
  type ConnectionRow,
  type MasDbCode,
  type MasDbConnectionView,
} from './config.js';
import { classifyMysqlError, MasDbError, openDatabasePool, openPool, type MasDbSettings } from './connection.js';
import type { IntakeOutbox } from './intake.js';
import { MasDbRunner, type ConnectionState, type RunnerStatus } from './runner.js';
import { codeTablesDdl, loginGrants, loginUser, setupSql, SHARED_TABLES_DDL } from './schema.js';

declare module '../../events/bus.js' {
  interface ApplianceEvents {
    /** The MAS database interface changed (connection state, rows taken, reports or replies written): the page reloads its status. */
    'masdb.status': { state: ConnectionState | 'off' };
  }
}

const PASSWORD_AD = 'mas-db.password';

export interface MasDbDeps {
  db: Knex;
  clock: Clock;
  audit: AuditLog;
  events: EventBus;
  logger: Logger;
  secrets: SecretBox;
  settings: Pick<Settings, 'get'>;
  outbox: IntakeOutbox;
  /** The modem pool: which modems are ready, and when that changes. */
  modems: { modemIds(): string[]; onDidChangeModems(listener: () => void): () => void };
  /** Messages were queued: wake the dispatcher. */
  onQueued(): void;
  /** Tuning for tests and the benchmark. */
  runner?: { rowsPerPoll?: number; maxBackoffMs?: number };
}

export interface CodeStatus extends MasDbCode {
  today: Record<DailyCounter, number>;
  waiting: number | null;
  lastPollAt: number | null;
  error: { code: string; message: string; at: number } | null;
}

export interface MasDbStatus {
  connection: MasDbConnectionView | null;
  state: ConnectionState | 'off';
  lastError: RunnerStatus['lastError'];
  retryAt: number | null;
  modemsReady: boolean;
  codes: CodeStatus[];
}

export interface ConnectionTest {
  serverVersion: string;
  encrypted: boolean;
  databaseExists: boolean;
  /** Whether StoreMAS's user may create the tables and the integrators' logins itself. */
  mayCreateTables: boolean;
  mayCreateUsers: boolean;
}

/**
 * The MAS database interface (MAS 数据库接口) as a service: the connection
 * (password sealed), the interface codes, the runner that serves their
 * tables, the status the integrations page shows, and the logins handed to
 * integrators. Every change is audited.
 */
export class MasDatabaseInterface {
  private runner: MasDbRunner | undefined;
  private readonly unsubscribe: Array<() => void> = [];
  private started = false;
  private lastPublished = 0;
  private publishTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: MasDbDeps) {}

  /** Starts serving (when a connection is configured and enabled); reports, replies and modem changes wake the loop. */
  async start(): Promise<void> {
    this.started = true;
    this.unsubscribe.push(this.deps.modems.onDidChangeModems(() => this.runner?.wake()));
    this.unsubscribe.push(
      this.deps.events.onDidPublish((event) => {
        if (event.type === 'outbox.message' || event.type === 'inbox.message') this.runner?.wake();
      }),
    );
    await this.restart();
  }

  async stop(): Promise<void> {
    this.started = false;
    for (const off of this.unsubscribe.splice(0)) off();
    clearTimeout(this.publishTimer);
    const runner = this.runner;
    this.runner = undefined;
    await runner?.stop();
  }

  private async restart(): Promise<void> {
    const previous = this.runner;
    this.runner = undefined;
    await previous?.stop();
    if (!this.started) return;
    const row = await this.connectionRow();
    if (!row || !row.enabled) {
      this.publish();
      return;
    }
    const runner = new MasDbRunner(this.settingsOf(row), {
      db: this.deps.db,
      logger: this.deps.logger,
      outbox: this.deps.outbox,
      now: () => this.deps.clock.now(),
      timeZone: async () => (await this.deps.settings.get('policy')).timeZone,
      codes: () => this.codes(),
      inboxCursor: async () => Number((await this.connectionRow())?.inbox_cursor ?? 0),
      setInboxCursor: async (cursor) => {
        await this.deps.db('mas_db_connection').where('id', 1).update({ inbox_cursor: cursor });
      },
      modemsReady: () => this.deps.modems.modemIds().length > 0,
      onChange: () => this.publish(),
      onQueued: () => this.deps.onQueued(),
      ...this.deps.runner,
    });
    this.runner = runner;
    runner.start();
  }

  /** At most one status event a second: a busy intake must not flood the event stream. */
  private publish(): void {
    const send = () => {
      this.lastPublished = Date.now();
      this.publishTimer = undefined;
      this.deps.events.publish('masdb.status', { state: this.runner?.status.state ?? 'off' }, 'integrations.read');
    };
    if (this.publishTimer) return;
    const wait = this.lastPublished + 1_000 - Date.now();
    if (wait <= 0) send();
    else this.publishTimer = setTimeout(send, wait);
  }

  private async connectionRow(): Promise<ConnectionRow | undefined> {
    return this.deps.db('mas_db_connection').where('id', 1).first();
  }

  private settingsOf(row: ConnectionRow): MasDbSettings {
    const view = toConnectionView(row);
    return { host: view.host, port: view.port, user: view.user, database: view.database, tls: view.tls, password: row.password_enc ? this.deps.secrets.open(row.password_enc, PASSWORD_AD) : '' };
  }

  async codes(): Promise<MasDbCode[]> {
    const rows: CodeRow[] = await this.deps.db('mas_db_codes').orderBy('code');
    return rows.map(toCode);
  }

  private async code(code: string): Promise<MasDbCode> {
    const row: CodeRow | undefined = await this.deps.db('mas_db_codes').where('code', code).first();
    if (!row) throw new NotFoundError(`Interface code ${code}`);
    return toCode(row);
  }

  async status(): Promise<MasDbStatus> {
    const row = await this.connectionRow();
    const codes = await this.codes();
    const { timeZone } = await this.deps.settings.get('policy');
    const today = await todayCounts(this.deps.db, timeZone, this.deps.clock.now());
    const runner = this.runner;
    const waiting = runner ? await runner.waiting(codes.map((c) => c.code)) : {};
    const zero = { taken: 0, rejected: 0, reports: 0, replies: 0 };
    return {
      connection: row ? toConnectionView(row) : null,
      state: runner?.status.state ?? 'off',
      lastError: runner?.status.lastError ?? null,
      retryAt: runner?.status.retryAt ?? null,
      modemsReady: this.deps.modems.modemIds().length > 0,
      codes: codes.map((c) => ({
        ...c,
        today: today.get(c.code) ?? zero,
        waiting: waiting[c.code] ?? null,
        lastPollAt: runner?.status.lastPollAt[c.code] ?? null,
        error: runner?.status.codeErrors[c.code] ?? null,
      })),
    };
  }

  async history(code: string, days: number): Promise<Array<{ day: string } & Record<DailyCounter, number>>> {
    await this.code(code);
    const { timeZone } = await this.deps.settings.get('policy');
    return dailyHistory(this.deps.db, code, timeZone, this.deps.clock.now(), days);
  }

  problems(code: string | undefined, limit: number): Promise<Problem[]> {
    return recentProblems(this.deps.db, code, limit);
  }

  async saveConnection(actor: AuditActor, input: ConnectionInput): Promise<MasDbConnectionView> {
    const checked = checkConnection(input);
    const now = this.deps.clock.now();
    await this.deps.db.transaction(async (trx) => {
      const current: ConnectionRow | undefined = await trx('mas_db_connection').where('id', 1).first();
      const fields: Record<string, unknown> = { ...checked, tls: JSON.stringify(checked.tls), updated_at: now, updated_by: actor.username };
      if (input.password !== undefined) fields['password_enc'] = input.password ? this.deps.secrets.seal(input.password, PASSWORD_AD) : null;
      if (current) await trx('mas_db_connection').where('id', 1).update(fields);
      else {
        // Replies start from now: texts received before the interface existed belong to nobody's software.
        const last = (await trx('inbox_messages').max({ id: 'id' }).first()) as { id: number | null } | undefined;
        await trx('mas_db_connection').insert({ id: 1, password_enc: null, ...fields, inbox_cursor: Number(last?.id ?? 0), created_at: now });
      }
      await this.deps.audit.record(actor, 'masdb.connection.update', `${checked.host}:${checked.port}/${checked.database}`, {
        user: checked.user,
        tls: checked.tls.mode,
        trusted: checked.tls.trusted?.kind ?? null,
        enabled: checked.enabled,
        passwordChanged: input.password !== undefined,
      }, trx);
    });
    await this.restart();
    return toConnectionView((await this.connectionRow())!);
  }

  /**
   * Tries settings (the stored password when none is given) without saving:
   * the server, TLS, whether the database exists, and whether StoreMAS's user
   * may create tables and logins there.
   */
  async testConnection(input: ConnectionInput): Promise<ConnectionTest> {
    const checked = checkConnection(input);
    const row = await this.connectionRow();
    const password = input.password ?? (row?.password_enc ? this.deps.secrets.open(row.password_enc, PASSWORD_AD) : '');
    const settings: MasDbSettings = { ...checked, password };
    const pool = openPool(settings, { database: false, connectTimeoutMs: 5_000 });
    try {
      const [version] = await pool.query<RowDataPacket[]>('SELECT VERSION() AS v');
      const [cipher] = await pool.query<RowDataPacket[]>("SHOW SESSION STATUS LIKE 'Ssl_cipher'");
      const [schemas] = await pool.query<RowDataPacket[]>('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [checked.database]);
      const [grants] = await pool.query<RowDataPacket[]>('SHOW GRANTS FOR CURRENT_USER()');
      const text = grants.map((g) => String(Object.values(g)[0])).join('\n');
      const onDatabase = new RegExp(`ON (\\*|\`?${checked.database.replace(/[$]/g, '\\$')}\`?)\\.\\*`, 'i');
      const lines = text.split('\n');
      const mayCreateTables = lines.some((l) => onDatabase.test(l) && /ALL PRIVILEGES|CREATE/i.test(l));
      const mayCreateUsers = lines.some((l) => /ON \*\.\*/i.test(l) && /ALL PRIVILEGES|CREATE USER/i.test(l)) && /WITH GRANT OPTION/i.test(text);
      return {
        serverVersion: String(version[0]?.['v'] ?? ''),
        encrypted: Boolean(cipher[0]?.['Value']),
        databaseExists: schemas.length > 0,
        mayCreateTables,
        mayCreateUsers,
      };
    } catch (error) {
      throw classifyMysqlError(error, settings);
    } finally {
      await pool.end().catch(() => undefined);
    }
  }

  /** Adds a code; its tables are made at once when connected (else on connecting). */
  async createCode(actor: AuditActor, input: CodeInput): Promise<MasDbCode> {
    checkCode(input);
    const now = this.deps.clock.now();
    await this.deps.db.transaction(async (trx) => {
      if (await trx('mas_db_codes').where('code', input.code).first()) {
        throw new ConflictError('MAS_DB_CODE_TAKEN', `The interface code ${input.code} exists already; choose another.`);
      }
      // Table names are case-sensitive on Linux servers but not on Windows ones: never two codes that differ by case only.
      const clash: { code: string } | undefined = await trx('mas_db_codes').whereRaw('lower(code) = ?', [input.code.toLowerCase()]).first();
      if (clash) throw new ConflictError('MAS_DB_CODE_TAKEN', `The interface code ${clash.code} differs from ${input.code} only in case; choose another.`);
      if (input.isDefault) await trx('mas_db_codes').update({ is_default: false });
      await trx('mas_db_codes').insert({
        code: input.code,
        label: (input.label ?? '').trim().slice(0, 100),
        category: input.category ?? 'transactional',
        is_default: input.isDefault ?? false,
        paused: false,
        poll_interval_ms: input.pollIntervalMs ?? DEFAULT_POLL_MS,
        reply_encoding: input.replyEncoding ?? 'auto',
        created_at: now,
        updated_at: now,
      });
      await this.deps.audit.record(actor, 'masdb.code.create', input.code, { label: input.label ?? '', category: input.category ?? 'transactional', isDefault: input.isDefault ?? false }, trx);
    });
    await this.createTablesNow(input.code);
    this.runner?.wake();
    this.publish();
    return this.code(input.code);
  }

  async updateCode(actor: AuditActor, code: string, input: Omit<CodeInput, 'code'>): Promise<MasDbCode> {
    checkCode({ ...input, code });
    await this.deps.db.transaction(async (trx) => {
      const current: CodeRow | undefined = await trx('mas_db_codes').where('code', code).first();
      if (!current) throw new NotFoundError(`Interface code ${code}`);
      if (input.isDefault) await trx('mas_db_codes').whereNot('code', code).update({ is_default: false });
      const fields: Record<string, unknown> = { updated_at: this.deps.clock.now() };
      if (input.label !== undefined) fields['label'] = input.label.trim().slice(0, 100);
      if (input.category !== undefined) fields['category'] = input.category;
      if (input.isDefault !== undefined) fields['is_default'] = input.isDefault;
      if (input.pollIntervalMs !== undefined) fields['poll_interval_ms'] = input.pollIntervalMs;
      if (input.replyEncoding !== undefined) fields['reply_encoding'] = input.replyEncoding;
      await trx('mas_db_codes').where('code', code).update(fields);
      await this.deps.audit.record(actor, 'masdb.code.update', code, { ...input }, trx);
    });
    this.runner?.wake();
    this.publish();
    return this.code(code);
  }

  /** Paused: clients read if_status 2 and refuse to send; rows already inserted wait in api_mt until resumed. */
  async setPaused(actor: AuditActor, code: string, paused: boolean): Promise<MasDbCode> {
    await this.deps.db.transaction(async (trx) => {
      const changed = await trx('mas_db_codes').where('code', code).update({ paused, updated_at: this.deps.clock.now() });
      if (Number(changed) === 0) throw new NotFoundError(`Interface code ${code}`);
      await this.deps.audit.record(actor, paused ? 'masdb.code.pause' : 'masdb.code.resume', code, null, trx);
    });
    this.runner?.wake();
    this.publish();
    return this.code(code);
  }

  /**
   * Stops serving a code. Its tables stay in MySQL (they are the
   * integrator's data); reports still owed to it are dropped.
   */
  async deleteCode(actor: AuditActor, code: string): Promise<void> {
    await this.deps.db.transaction(async (trx) => {
      const changed = await trx('mas_db_codes').where('code', code).delete();
      if (Number(changed) === 0) throw new NotFoundError(`Interface code ${code}`);
      await this.deps.audit.record(actor, 'masdb.code.delete', code, null, trx);
    });
    this.runner?.forget(code);
    const pool = this.runner?.live();
    await pool?.query('DELETE FROM tbl_api_info WHERE if_code = ?', [code]).catch(() => undefined);
    this.publish();
  }

  /**
   * Creates (or resets the password of) the code's own MySQL login, with
   * rights on its three tables and tbl_api_info only. The password is shown
   * once, here, and never stored: a new one is made when it is lost.
   */
  async resetLogin(actor: AuditActor, code: string): Promise<{ user: string; password: string; host: string; port: number; database: string }> {
    await this.code(code);
    const row = await this.connectionRow();
    if (!row) throw new MasDbError('MAS_DB_NOT_CONFIGURED', 'Set up the connection to the MAS database first.', 409);
    const settings = this.settingsOf(row);
    const user = loginUser(code);
    const password = randomBytes(12).toString('base64url');
    let pool: Pool | undefined;
    try {
      // Right after the connection is saved the runner may not have made the database yet.
      pool = await openDatabasePool(settings, { connectTimeoutMs: 5_000 });
      await this.createTables(pool, code);
      await pool.query('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [user, '%', password]);
      await pool.query('ALTER USER ?@? IDENTIFIED BY ?', [user, '%', password]);
      for (const grant of loginGrants(settings.database, code, user)) await pool.query(grant);
    } catch (error) {
      throw classifyMysqlError(error, settings);
    } finally {
      await pool?.end().catch(() => undefined);
    }
    await this.deps.db.transaction(async (trx) => {
      await trx('mas_db_codes').where('code', code).update({ login_user: user, updated_at: this.deps.clock.now() });
      await this.deps.audit.record(actor, 'masdb.login.reset', code, { user }, trx);
    });
    this.publish();
    return { user, password, host: settings.host, port: settings.port, database: settings.database };
  }

  /** The SQL an administrator runs by hand when StoreMAS's user may not create tables or logins. */
  async setupSql(code: string): Promise<string> {
    await this.code(code);
    const row = await this.connectionRow();
    return setupSql(row?.database ?? 'mas', code);
  }

  private async createTables(pool: Pool, code: string): Promise<void> {
    for (const ddl of [...SHARED_TABLES_DDL, ...codeTablesDdl(code)]) await pool.query(ddl);
  }

  /** When connected, a new code's tables exist before the answer, so its client can init() at once. */
  private async createTablesNow(code: string): Promise<void> {
    const pool = this.runner?.live();
    if (!pool) return;
    try {
      await this.createTables(pool, code);
    } catch (error) {
      this.deps.logger.warn({ err: error, code }, 'MAS database: could not create the tables now; the runner tries again');
    }
  }
}
