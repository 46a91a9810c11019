import mysql, { type Pool, type PoolConnection } from 'mysql2/promise';
import { AppError } from '../../errors.js';
import { classifyTlsError, mysqlServerIdentityError, mysqlSsl, type ConnectionTls } from '../../store/tls.js';
import { quote } from './schema.js';

/**
 * The connection to the MySQL/MariaDB server that holds the MAS tables.
 * Encryption is the POS connections' (store/tls.ts): verified TLS unless
 * switched off; a server with a self-signed certificate is trusted by pinning
 * that certificate (kind 'server') or its authority's (kind 'ca', the name
 * checked, for an IP address too).
 */
export interface MasDbSettings {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  tls: ConnectionTls;
}

export class MasDbError extends AppError {}

/** A pool on the MAS database; text columns are read as bytes by the queries that need them. */
export function openPool(settings: MasDbSettings, options: { database?: boolean; connectTimeoutMs?: number } = {}): mysql.Pool {
  const { ssl, identityAfterConnect } = mysqlSsl(settings.tls, settings.host);
  const pool = mysql.createPool({
    host: settings.host,
    port: settings.port,
    user: settings.user,
    password: settings.password,
    ...(options.database === false ? {} : { database: settings.database }),
    charset: 'UTF8MB4_GENERAL_CI',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    connectionLimit: 3,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    enableKeepAlive: true,
    ...(ssl ? { ssl } : {}),
  });
  pool.pool.on('connection', (connection) => {
    // A connection the server drops while idle reports an error on its own: never let it reach the process.
    connection.on('error', () => undefined);
    const wrongServer = identityAfterConnect ? mysqlServerIdentityError(connection, settings.host) : undefined;
    if (wrongServer) refuseConnection(connection, wrongServer);
  });
  return pool;
}

/**
 * A pool on the MAS database, which is created first when it is missing and
 * StoreMAS's user may create it: the runner's first connect and an
 * installer's 重置登录 right after saving the connection both need it.
 */
export async function openDatabasePool(settings: MasDbSettings, options: { connectTimeoutMs?: number } = {}): Promise<mysql.Pool> {
  const pool = openPool(settings, options);
  try {
    await pool.query('SELECT 1');
    return pool;
  } catch (error) {
    await pool.end().catch(() => undefined);
    if ((error as { code?: string }).code !== 'ER_BAD_DB_ERROR') throw error;
  }
  const server = openPool(settings, { ...options, database: false });
  try {
    await server.query(`CREATE DATABASE IF NOT EXISTS ${quote(settings.database)} CHARACTER SET utf8mb4`);
  } finally {
    await server.end().catch(() => undefined);
  }
  const created = openPool(settings, options);
  try {
    await created.query('SELECT 1');
  } catch (error) {
    await created.end().catch(() => undefined);
    throw error;
  }
  return created;
}

/**
 * A connection to a server whose certificate does not name its IP address:
 * the query about to run on it fails with that reason (mysql2 runs it right
 * after this event), and the connection is dropped before anything is sent.
 */
function refuseConnection(connection: { destroy(): void }, reason: Error): void {
  connection.destroy();
  // After destroy (which installs mysql2's own "closed state" refusal): the query learns why.
  (connection as unknown as { addCommand(command: { onResult?: (error: Error) => void }): void }).addCommand = (command) => command.onResult?.(reason);
}

const NETWORK = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const LOST = new Set(['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'EPIPE', 'ER_SERVER_SHUTDOWN', 'ER_CON_COUNT_ERROR', 'POOL_CLOSED']);
const NOT_ALLOWED = new Set(['ER_DBACCESS_DENIED_ERROR', 'ER_TABLEACCESS_DENIED_ERROR', 'ER_SPECIFIC_ACCESS_DENIED_ERROR', 'ER_COLUMNACCESS_DENIED_ERROR', 'ER_CANT_CREATE_USER_WITH_GRANT', 'ER_PASSWORD_NO_MATCH']);

/** A driver error as a MasDbError saying what to do. */
export function classifyMysqlError(error: unknown, settings: Pick<MasDbSettings, 'host' | 'port' | 'database' | 'user' | 'tls'>): MasDbError {
  if (error instanceof MasDbError) return error;
  const code = String((error as { code?: unknown })?.code ?? '');
  const message = error instanceof Error ? error.message : String(error);
  const where = `the MAS database server ${settings.host}:${settings.port}`;
  if (NETWORK.has(code)) {
    return new MasDbError('MAS_DB_UNREACHABLE', `Cannot reach ${where} (${code}). Check that MySQL/MariaDB runs there, the port, and the firewall.`, 502, { cause: code });
  }
  if (LOST.has(code) || /Pool is closed|Connection lost|closed state/i.test(message)) {
    return new MasDbError('MAS_DB_CONNECTION_LOST', `The connection to ${where} was lost (${code || message}). StoreMAS reconnects by itself; nothing inserted into api_mt is lost.`, 502, { cause: code });
  }
  if (code === 'ER_ACCESS_DENIED_ERROR' || code === 'ER_NOT_SUPPORTED_AUTH_MODE') {
    return new MasDbError('MAS_DB_LOGIN_REFUSED', `${where} refused the login of "${settings.user}": check the user name and password.`, 502);
  }
  if (code === 'ER_BAD_DB_ERROR') {
    return new MasDbError('MAS_DB_NO_DATABASE', `${where} has no database "${settings.database}". Create it (CREATE DATABASE ${settings.database} CHARACTER SET utf8mb4), or let StoreMAS's user create it.`, 502);
  }
  if (NOT_ALLOWED.has(code)) {
    return new MasDbError('MAS_DB_NOT_ALLOWED', `The user "${settings.user}" may not do this in "${settings.database}": ${message}. Grant it ALL on ${settings.database}.* (and CREATE USER to make logins), or run the setup SQL shown on the page as an administrator.`, 502, { cause: code });
  }
  const tls = classifyTlsError(error, where, settings.tls, { server: `The MAS database server ${settings.host}:${settings.port}`, codePrefix: 'MAS_DB' });
  if (tls) return new MasDbError(tls.code, tls.message, tls.status, tls.details);
  return new MasDbError('MAS_DB_ERROR', `${where} answered with an error: ${message}`, 502, { cause: code });
}

/** Runs `work` in one MySQL transaction on a connection of the pool: committed whole, or rolled back. */
export async function inTransaction<T>(pool: Pool, work: (connection: PoolConnection) => Promise<T>): Promise<T> {
  const connection = await pool.getConnection();
  try {
    await connection.beginTransaction();
    const result = await work(connection);
    await connection.commit();
    return result;
  } catch (error) {
    await connection.rollback().catch(() => undefined);
    throw error;
  } finally {
    connection.release();
  }
}
