import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import { migrateToLatest } from '../../main/db/migrate.js';

/**
 * Throwaway MariaDB and PostgreSQL servers for integration tests: each in its
 * own temp directory, listening on 127.0.0.1 on a free port, removed by
 * stop(). Start one per test file (beforeAll) and share it between its tests:
 * a server takes a few seconds to start.
 *
 * Tests run as root; MariaDB runs with --user=root, PostgreSQL (which refuses
 * root) runs as the `postgres` OS user on a directory chowned to it.
 */
export interface DbServer {
  kind: 'mysql' | 'pg';
  host: string;
  port: number;
  /** Superuser for test setup (never used by StoreMAS itself). */
  adminUser: string;
  adminPassword: string;
  /** Runs SQL as the superuser through the command-line client; returns its output. */
  exec(sql: string, database?: string): Promise<string>;
  /** Loads an SQL script (e.g. a demo POS dump) into a database. */
  loadFile(file: string, database: string): Promise<void>;
  createDatabase(name: string): Promise<void>;
  /** Creates a user that may only SELECT in `database`. */
  createReadOnlyUser(user: string, password: string, database: string): Promise<void>;
  /** Kills the server process at once (fault tests: "the POS went away"). */
  kill(): void;
  stop(): Promise<void>;
}

/** A server certificate and key (PEM) to serve TLS with; the servers then accept TLS and plain connections alike. */
export interface ServerTls {
  cert: string;
  key: string;
}

export const MARIADB_BIN = '/usr/sbin/mariadbd';
export const POSTGRES_BIN_DIR = '/usr/lib/postgresql/15/bin';

export function mariaDbAvailable(): boolean {
  return fs.existsSync(MARIADB_BIN) && fs.existsSync('/usr/bin/mariadb-install-db');
}

export function postgresAvailable(): boolean {
  return fs.existsSync(path.join(POSTGRES_BIN_DIR, 'postgres'));
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function run(command: string, args: string[], options: { input?: string; stdinFile?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${err || out}`))));
    if (options.stdinFile) fs.createReadStream(options.stdinFile).pipe(child.stdin);
    else child.stdin.end(options.input ?? '');
  });
}

async function waitFor(check: () => Promise<boolean>, what: string, log: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not become ready in ${timeoutMs / 1000} s:\n${log()}`);
}

function stopProcess(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill(signal);
  });
}

function readLog(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').slice(-4000);
  } catch {
    return '(no log)';
  }
}

/** Writes the TLS pair into the server's directory (key owner-only, as the servers insist) and names the files. */
function writeTlsFiles(dir: string, tls: ServerTls): { cert: string; key: string } {
  const files = { cert: path.join(dir, 'server.crt'), key: path.join(dir, 'server.key') };
  fs.writeFileSync(files.cert, tls.cert);
  fs.writeFileSync(files.key, tls.key, { mode: 0o600 });
  return files;
}

export async function startMariaDb(options: { tls?: ServerTls } = {}): Promise<DbServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-mariadb-'));
  const tlsFiles = options.tls ? writeTlsFiles(dir, options.tls) : undefined;
  const dataDir = path.join(dir, 'data');
  const socket = path.join(dir, 'mysqld.sock');
  const logFile = path.join(dir, 'error.log');
  const port = await freePort();
  await run('/usr/bin/mariadb-install-db', [
    '--no-defaults',
    `--datadir=${dataDir}`,
    '--user=root',
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
    '--skip-name-resolve',
  ]);
  const child = spawn(
    MARIADB_BIN,
    [
      '--no-defaults',
      `--datadir=${dataDir}`,
      `--socket=${socket}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      '--user=root',
      `--log-error=${logFile}`,
      `--pid-file=${path.join(dir, 'mysqld.pid')}`,
      '--skip-name-resolve',
      '--skip-log-bin',
      '--innodb-buffer-pool-size=256M',
      '--innodb-log-file-size=256M',
      '--innodb-flush-log-at-trx-commit=0',
      '--innodb-doublewrite=0',
      '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_unicode_ci',
      '--max-connections=100',
      ...(tlsFiles ? [`--ssl-cert=${tlsFiles.cert}`, `--ssl-key=${tlsFiles.key}`] : []),
    ],
    { stdio: 'ignore' },
  );
  const client = (database?: string) => ['--no-defaults', `--socket=${socket}`, '-uroot', '--batch', '--skip-column-names', ...(database ? [database] : [])];
  const server: DbServer = {
    kind: 'mysql',
    host: '127.0.0.1',
    port,
    adminUser: 'storemas_admin',
    adminPassword: 'admin-pw',
    exec: (sql, database) => run('/usr/bin/mariadb', client(database), { input: sql }),
    loadFile: async (file, database) => {
      await run('/usr/bin/mariadb', client(database), { stdinFile: file });
    },
    createDatabase: async (name) => {
      await server.exec(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
    },
    createReadOnlyUser: async (user, password, database) => {
      await server.exec(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'; GRANT SELECT ON \`${database}\`.* TO '${user}'@'%';`);
    },
    kill: () => child.kill('SIGKILL'),
    stop: async () => {
      await stopProcess(child, 'SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitFor(async () => (await server.exec('SELECT 1')).trim() === '1', 'MariaDB', () => readLog(logFile));
    await server.exec(`CREATE USER '${server.adminUser}'@'%' IDENTIFIED BY '${server.adminPassword}'; GRANT ALL ON *.* TO '${server.adminUser}'@'%' WITH GRANT OPTION;`);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

export async function startPostgres(options: { tls?: ServerTls } = {}): Promise<DbServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-pg-'));
  const tlsFiles = options.tls ? writeTlsFiles(dir, options.tls) : undefined;
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');
  const port = await freePort();
  const adminPassword = 'admin-pw';
  fs.writeFileSync(path.join(dir, 'pw'), `${adminPassword}\n`);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) spawnSync('chown', ['-R', 'postgres:postgres', dir]);
  const asPostgres = (binary: string, args: string[]): [string, string[]] => (asRoot ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args]);
  const [initCommand, initArgs] = asPostgres(path.join(POSTGRES_BIN_DIR, 'initdb'), [
    '-D', dataDir, '-U', 'postgres', '--pwfile', path.join(dir, 'pw'), '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync',
  ]);
  await run(initCommand, initArgs);
  const [command, args] = asPostgres(path.join(POSTGRES_BIN_DIR, 'postgres'), [
    '-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off',
    '-c', 'full_page_writes=off', '-c', 'shared_buffers=128MB', '-c', `log_directory=${dir}`, '-c', 'logging_collector=off',
    ...(tlsFiles ? ['-c', 'ssl=on', '-c', `ssl_cert_file=${tlsFiles.cert}`, '-c', `ssl_key_file=${tlsFiles.key}`] : []),
  ]);
  const log = fs.openSync(logFile, 'a');
  const child = spawn(command, args, { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  const psql = (database?: string) => ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', database ?? 'postgres', '-v', 'ON_ERROR_STOP=1', '-q', '-At'];
  const server: DbServer = {
    kind: 'pg',
    host: '127.0.0.1',
    port,
    adminUser: 'postgres',
    adminPassword,
    exec: (sql, database) => run('/usr/bin/psql', [...psql(database), '-c', sql]),
    loadFile: async (file, database) => {
      await run('/usr/bin/psql', [...psql(database), '-f', file]);
    },
    createDatabase: async (name) => {
      await server.exec(`CREATE DATABASE "${name}" ENCODING 'UTF8' TEMPLATE template0`);
    },
    createReadOnlyUser: async (user, password, database) => {
      await server.exec(`CREATE ROLE "${user}" LOGIN PASSWORD '${password}'`);
      await server.exec(`REVOKE ALL ON SCHEMA public FROM PUBLIC; GRANT USAGE ON SCHEMA public TO "${user}"; GRANT SELECT ON ALL TABLES IN SCHEMA public TO "${user}";`, database);
    },
    kill: () => child.kill('SIGKILL'),
    stop: async () => {
      // SIGINT: fast shutdown (ends sessions, no waiting for clients).
      await stopProcess(child, 'SIGINT');
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitFor(async () => (await server.exec('SELECT 1')).trim() === '1', 'PostgreSQL', () => readLog(logFile));
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/** A knex handle on one database of a throwaway PostgreSQL server, as the superuser. */
export function postgresKnex(server: DbServer, database: string): Knex {
  return knex({
    client: 'pg',
    connection: { host: server.host, port: server.port, user: server.adminUser, password: server.adminPassword, database },
    pool: { min: 0, max: 2 },
  });
}

/** A throwaway PostgreSQL server with StoreMAS's schema migrated into database `storemas`. */
export async function startMigratedPostgres(): Promise<{ server: DbServer; db: Knex }> {
  const server = await startPostgres();
  await server.createDatabase('storemas');
  const db = postgresKnex(server, 'storemas');
  await migrateToLatest(db);
  return { server, db };
}
