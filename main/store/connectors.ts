import fs from 'node:fs';
import type { Readable } from 'node:stream';
import knexFactory, { type Knex } from 'knex';
import { createRequire } from 'node:module';
import sqlite3 from 'sqlite3';
import { StoreError, classifySourceError } from './errors.js';
import { assertSingleSelect } from './sql-guard.js';
import { classifyTlsError, mssqlEncryption, mysqlServerIdentityError, mysqlSsl, normalizeTls, pgSsl, type ConnectionTls, type TlsSettings } from './tls.js';

/**
 * Connectors to store (POS) databases. Each opens its connection read-only
 * where the engine can enforce it, and every query passes the SELECT guard
 * first:
 *   - SQLite: the file is opened with SQLITE_OPEN_READONLY (plus query_only);
 *   - MySQL/MariaDB: every session starts with SET SESSION TRANSACTION READ ONLY;
 *   - PostgreSQL: every session sets default_transaction_read_only = on;
 *   - SQL Server: no read-only session exists; ApplicationIntent=ReadOnly is
 *     sent and the installer must create a SELECT-only login (readonly-user.ts, README.md).
 * The database user should have SELECT only, whatever the engine.
 */
export const SOURCE_CLIENTS = ['sqlite', 'mysql', 'pg', 'mssql'] as const;
export type SourceClient = (typeof SOURCE_CLIENTS)[number];

export interface ConnectionSettings {
  /** SQLite: the database file. */
  file?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  database?: string | undefined;
  user?: string | undefined;
  /** Encryption of a server connection: verified TLS unless set to off (tls.ts); SQLite has none. */
  tls?: TlsSettings | undefined;
  connectTimeoutMs?: number | undefined;
  /** A query that sends no row for this long is abandoned (SOURCE_TIMEOUT). */
  idleTimeoutMs?: number | undefined;
}

export type SourceRow = Record<string, unknown>;

export interface StreamOptions {
  signal?: AbortSignal | undefined;
}

export interface SourceInfo {
  serverVersion: string;
  readOnlySession: boolean;
  tables: string[];
}

export interface SourceDatabase {
  readonly client: SourceClient;
  readonly name: string;
  /**
   * Streams the rows of one guarded SELECT in chunks, pulling as the consumer
   * reads (memory stays flat). Chunks, not single rows: a per-row async hop
   * would cost more than the rest of the sync.
   */
  stream(sql: string, bindings?: readonly unknown[], options?: StreamOptions): AsyncIterable<SourceRow[]>;
  /** Quotes an identifier the way this engine does. */
  quote(identifier: string): string;
  /** Server version, whether the session is read-only, and the tables visible to the user. */
  info(): Promise<SourceInfo>;
  close(): Promise<void>;
}

export const DEFAULT_IDLE_TIMEOUT_MS = 60_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const SQLITE_PAGE_ROWS = 10_000;

/** Dates and times come back as the text the server holds, so watermarks round-trip exactly. */
const PG_TEXT_TYPES = new Set([1082, 1083, 1114, 1184, 1266]);
// pg ships no type declarations; only its type-parser registry is needed here.
const pgDefaults = createRequire(import.meta.url)('pg') as { types: { getTypeParser(oid: number, format?: string): (value: string) => unknown } };
const pgTypes = {
  getTypeParser: (oid: number, format?: string) => (PG_TEXT_TYPES.has(oid) ? (value: string) => value : pgDefaults.types.getTypeParser(oid, format)),
};

export function validateSettings(client: SourceClient, settings: ConnectionSettings): void {
  const fail = (message: string): never => {
    throw new StoreError('CONNECTION_INVALID', message, 400);
  };
  if (!(SOURCE_CLIENTS as readonly string[]).includes(client)) fail(`The database type “${String(client)}” is not supported: use sqlite, mysql, pg or mssql.`);
  if (client === 'sqlite') {
    if (!settings.file) fail('A SQLite store database needs the path of its file.');
    return;
  }
  if (!settings.host) fail('The database server needs a host name or address.');
  if (settings.port !== undefined && (!Number.isInteger(settings.port) || settings.port < 1 || settings.port > 65535)) {
    fail('The port must be a whole number from 1 to 65535.');
  }
  if (!settings.database) fail('Name the database that holds the POS tables.');
  if (!settings.user) fail('Give the user name StoreMAS signs in with (a SELECT-only user).');
  normalizeTls(settings.tls);
}

export function openSource(name: string, client: SourceClient, settings: ConnectionSettings, password: string | undefined): SourceDatabase {
  validateSettings(client, settings);
  if (client === 'sqlite') return new SqliteSource(name, settings);
  return new KnexSource(name, client, settings, password);
}

/**
 * knex reads every `?` as a binding. A `?` inside a literal or quoted name of
 * a person's SQL must reach the server as it is; the `?` StoreMAS itself
 * writes (the watermark condition) stay bindings.
 */
export function escapeQuotedBindingMarks(sql: string): string {
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (quote) {
      if (c === '?') {
        out += '\\?';
        continue;
      }
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote !== '`' && quote !== ']') {
        out += c + (sql[i + 1] ?? '');
        i++;
        continue;
      }
    } else if (c === "'" || c === '"' || c === '`') quote = c;
    else if (c === '[') quote = ']';
    out += c;
  }
  return out;
}

/**
 * Fails a stream that sends nothing for `ms`: a POS that hangs must not hang
 * the sync. One timer per stream, re-armed per row; time the consumer spends
 * on a row (writing a batch) does not count against the source.
 */
async function* withIdleTimeout<T>(source: AsyncIterable<T>, ms: number, onTimeout: () => void, name: string): AsyncIterable<T> {
  let timedOut = false;
  let consumerBusy = false;
  const timer = setTimeout(function fire() {
    if (consumerBusy) {
      timer.refresh();
      return;
    }
    timedOut = true;
    onTimeout();
  }, ms);
  const timeoutError = () =>
    new StoreError('SOURCE_TIMEOUT', `The store database “${name}” sent nothing for ${Math.round(ms / 1000)} s. It may be overloaded or down; the sync stopped and the mirror keeps its last good state.`, 504);
  try {
    for await (const item of source) {
      if (timedOut) throw timeoutError();
      consumerBusy = true;
      yield item;
      consumerBusy = false;
      timer.refresh();
    }
  } catch (error) {
    if (timedOut) throw timeoutError();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  if (timedOut) throw timeoutError();
}

/** Groups an object stream's rows into arrays of what is already buffered (at most `max`). */
async function* chunked(readable: Readable, max = 1000): AsyncIterable<SourceRow[]> {
  for await (const first of readable as AsyncIterable<SourceRow>) {
    const chunk: SourceRow[] = [first];
    let next: SourceRow | null;
    while (chunk.length < max && readable.readableLength > 0 && (next = readable.read() as SourceRow | null) !== null) chunk.push(next);
    yield chunk;
  }
}

class KnexSource implements SourceDatabase {
  private readonly knex: Knex;
  private readonly idleTimeoutMs: number;
  private readonly tls: ConnectionTls;
  /** Streams being read: a connection that dies under them ends them with a clear error. */
  private readonly reading = new Set<Readable>();

  constructor(
    readonly name: string,
    readonly client: Exclude<SourceClient, 'sqlite'>,
    settings: ConnectionSettings,
    password: string | undefined,
  ) {
    const connectTimeout = settings.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.idleTimeoutMs = settings.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.tls = normalizeTls(settings.tls);
    const base = { host: settings.host, port: settings.port, database: settings.database, user: settings.user, password: password ?? '' };
    let connection: Record<string, unknown>;
    let afterCreate: ((conn: unknown, done: (error: Error | null, conn: unknown) => void) => void) | undefined;
    if (client === 'mysql') {
      const { ssl, identityAfterConnect } = mysqlSsl(this.tls, settings.host ?? '');
      connection = { ...base, connectTimeout, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, ...(ssl ? { ssl } : {}) };
      afterCreate = (conn, done) => {
        this.watch(conn as NodeJS.EventEmitter);
        const wrongServer = identityAfterConnect ? mysqlServerIdentityError(conn, settings.host ?? '') : undefined;
        if (wrongServer) {
          (conn as { destroy(): void }).destroy();
          done(wrongServer, conn);
          return;
        }
        (conn as { query: (sql: string, cb: (error: Error | null) => void) => void }).query('SET SESSION TRANSACTION READ ONLY', (error) => done(error, conn));
      };
    } else if (client === 'pg') {
      connection = { ...base, connectionTimeoutMillis: connectTimeout, types: pgTypes, ssl: pgSsl(this.tls), application_name: 'StoreMAS (read-only)' };
      afterCreate = (conn, done) => {
        this.watch(conn as NodeJS.EventEmitter);
        (conn as { query(sql: string): Promise<unknown> }).query('SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY').then(() => done(null, conn), (error: Error) => done(error, conn));
      };
    } else {
      connection = {
        server: settings.host,
        port: settings.port,
        database: settings.database,
        user: settings.user,
        password: password ?? '',
        options: {
          ...mssqlEncryption(this.tls),
          readOnlyIntent: true,
          connectTimeout,
          requestTimeout: 0,
          appName: 'StoreMAS (read-only)',
        },
      };
    }
    this.knex = knexFactory({
      client: client === 'mysql' ? 'mysql2' : client,
      connection,
      pool: { min: 0, max: 2, idleTimeoutMillis: 30_000, ...(afterCreate ? { afterCreate } : {}) },
      acquireConnectionTimeout: connectTimeout + 2_000,
    });
  }

  /** pg and mysql2 report a dropped session on the connection, not always on the running query. */
  private watch(connection: NodeJS.EventEmitter): void {
    const lost = (error?: Error) => {
      for (const readable of this.reading) {
        readable.destroy(
          new StoreError('SOURCE_CONNECTION_LOST', `The connection to the store database “${this.name}” was lost (${error?.message ?? 'closed by the server'}). The mirror keeps its last good state; the next sync continues from there.`, 502),
        );
      }
    };
    connection.on('error', lost);
    connection.on('end', () => lost());
  }

  quote(identifier: string): string {
    if (this.client === 'mysql') return '`' + identifier.replace(/`/g, '``') + '`';
    if (this.client === 'mssql') return '[' + identifier.replace(/]/g, ']]') + ']';
    return '"' + identifier.replace(/"/g, '""') + '"';
  }

  stream(sql: string, bindings: readonly unknown[] = [], options: StreamOptions = {}): AsyncIterable<SourceRow[]> {
    // The guard runs now, before any connection is opened.
    return this.rows(assertSingleSelect(sql), bindings, options);
  }

  private async *rows(checked: string, bindings: readonly unknown[], options: StreamOptions): AsyncIterable<SourceRow[]> {
    let readable: Readable | undefined;
    const abort = () => readable?.destroy();
    options.signal?.addEventListener('abort', abort, { once: true });
    try {
      readable = this.knex.raw(escapeQuotedBindingMarks(checked), bindings as Knex.RawBinding[]).stream({ highWaterMark: 1000 }) as unknown as Readable;
      this.reading.add(readable);
      yield* withIdleTimeout(chunked(readable), this.idleTimeoutMs, abort, this.name);
    } catch (error) {
      if (options.signal?.aborted) return;
      throw this.classify(error);
    } finally {
      options.signal?.removeEventListener('abort', abort);
      if (readable) this.reading.delete(readable);
      readable?.destroy();
    }
  }

  async info(): Promise<SourceInfo> {
    try {
      if (this.client === 'mysql') {
        const first = async (sql: string) => ((await this.knex.raw(sql)) as unknown as [Array<Record<string, unknown>>])[0];
        const version = await first('SELECT VERSION() AS v');
        // MySQL 8 names it transaction_read_only; MariaDB (before 11.1) only knows tx_read_only.
        const readOnly = await first('SELECT @@SESSION.transaction_read_only AS ro').catch(() => first('SELECT @@SESSION.tx_read_only AS ro'));
        const tables = await first('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name');
        return {
          serverVersion: String(version[0]!['v']),
          readOnlySession: Number(readOnly[0]!['ro']) === 1,
          tables: tables.map((r) => String(r['t'] ?? r['TABLE_NAME'])),
        };
      }
      if (this.client === 'pg') {
        const version = (await this.knex.raw('SELECT version() AS v')) as { rows: Array<{ v: string }> };
        const readOnly = (await this.knex.raw('SHOW default_transaction_read_only')) as { rows: Array<{ default_transaction_read_only: string }> };
        const tables = (await this.knex.raw(
          "SELECT table_schema, table_name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog','information_schema') ORDER BY 1, 2",
        )) as { rows: Array<{ table_schema: string; table_name: string }> };
        return {
          serverVersion: version.rows[0]!.v,
          readOnlySession: readOnly.rows[0]!.default_transaction_read_only === 'on',
          tables: tables.rows.map((r) => (r.table_schema === 'public' ? r.table_name : `${r.table_schema}.${r.table_name}`)),
        };
      }
      const version = (await this.knex.raw('SELECT @@VERSION AS v')) as Array<{ v: string }>;
      const tables = (await this.knex.raw("SELECT TABLE_SCHEMA + '.' + TABLE_NAME AS t FROM INFORMATION_SCHEMA.TABLES ORDER BY 1")) as Array<{ t: string }>;
      return { serverVersion: version[0]!.v, readOnlySession: false, tables: tables.map((r) => r.t) };
    } catch (error) {
      throw this.classify(error);
    }
  }

  /** A TLS refusal says what to do about the certificate; anything else as for every source. */
  private classify(error: unknown): StoreError {
    return classifyTlsError(error, this.name, this.tls) ?? classifySourceError(error, this.name);
  }

  async close(): Promise<void> {
    await this.knex.destroy();
  }
}

/**
 * SQLite sources are opened directly with sqlite3 (not through knex, whose
 * SQLite client always adds OPEN_READWRITE): read-only at the file level, and
 * rows are stepped one at a time so a large table never sits in memory.
 */
class SqliteSource implements SourceDatabase {
  readonly client = 'sqlite' as const;
  private db: Promise<sqlite3.Database> | undefined;
  private readonly file: string;
  private readonly idleTimeoutMs: number;

  constructor(
    readonly name: string,
    settings: ConnectionSettings,
  ) {
    this.file = settings.file!;
    this.idleTimeoutMs = settings.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  }

  private open(): Promise<sqlite3.Database> {
    this.db ??= new Promise<sqlite3.Database>((resolve, reject) => {
      if (!fs.existsSync(this.file)) {
        reject(new StoreError('SOURCE_UNREACHABLE', `The SQLite store database ${this.file} does not exist. Check the path in the connection.`, 502));
        return;
      }
      const db = new sqlite3.Database(this.file, sqlite3.OPEN_READONLY, (error) => {
        if (error) {
          reject(classifySourceError(error, this.name));
          return;
        }
        db.configure('busyTimeout', 5_000);
        // Belt and braces: even a statement that slipped past the guard cannot write.
        db.exec('PRAGMA query_only = ON', (pragmaError) => (pragmaError ? reject(classifySourceError(pragmaError, this.name)) : resolve(db)));
      });
    });
    this.db.catch(() => {
      this.db = undefined;
    });
    return this.db;
  }

  quote(identifier: string): string {
    return '"' + identifier.replace(/"/g, '""') + '"';
  }

  /**
   * node-sqlite3 has no cursor with back-pressure (each() cannot pause, get()
   * costs a thread hop per row), so rows are read in pages of PAGE_ROWS inside
   * one read transaction: WAL gives that transaction a fixed snapshot, so
   * pages neither skip nor repeat rows while the POS keeps writing.
   */
  stream(sql: string, bindings: readonly unknown[] = [], options: StreamOptions = {}): AsyncIterable<SourceRow[]> {
    return this.rows(assertSingleSelect(sql), bindings, options);
  }

  private async *rows(checked: string, bindings: readonly unknown[], options: StreamOptions): AsyncIterable<SourceRow[]> {
    const db = await this.open();
    const run = (text: string) => new Promise<void>((resolve, reject) => db.exec(text, (error: Error | null) => (error ? reject(error) : resolve())));
    const page = (offset: number) =>
      new Promise<SourceRow[]>((resolve, reject) =>
        db.all(`${checked} LIMIT ? OFFSET ?`, [...bindings, SQLITE_PAGE_ROWS, offset], (error: Error | null, rows: SourceRow[]) => (error ? reject(error) : resolve(rows))),
      );
    const pages = (async function* () {
      for (let offset = 0; ; offset += SQLITE_PAGE_ROWS) {
        if (options.signal?.aborted) return;
        const chunk = await page(offset);
        if (chunk.length > 0) yield chunk;
        if (chunk.length < SQLITE_PAGE_ROWS) return;
      }
    })();
    let inTransaction = false;
    try {
      await run('BEGIN');
      inTransaction = true;
      yield* withIdleTimeout(pages, this.idleTimeoutMs, () => db.interrupt(), this.name);
    } catch (error) {
      throw classifySourceError(error, this.name);
    } finally {
      if (inTransaction) await run('COMMIT').catch(() => undefined);
    }
  }

  async info(): Promise<SourceInfo> {
    const db = await this.open();
    const all = (sql: string) =>
      new Promise<SourceRow[]>((resolve, reject) => db.all(sql, (error: Error | null, rows: SourceRow[]) => (error ? reject(classifySourceError(error, this.name)) : resolve(rows))));
    const [version] = await all('SELECT sqlite_version() AS v');
    const tables = await all("SELECT name FROM sqlite_master WHERE type IN ('table','view') AND name NOT LIKE 'sqlite_%' ORDER BY name");
    return { serverVersion: `SQLite ${String(version!['v'])}`, readOnlySession: true, tables: tables.map((r) => String(r['name'])) };
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    if (!db) return;
    const opened = await db.catch(() => undefined);
    if (opened) await new Promise<void>((resolve) => opened.close(() => resolve()));
  }
}
