import net from 'node:net';
import mysql, { type Pool, type PoolConnection } from 'mysql2/promise';
import { AppError } from '../../errors.js';

/**
 * The connection to the MySQL/MariaDB server that holds the MAS tables.
 * Encryption follows the house rule: verified TLS unless switched off; a
 * server with a self-signed certificate is trusted by pinning that
 * certificate (kind 'server', the only trust anchor, name not checked) or
 * its authority's (kind 'ca', the name checked for a host name).
 */
export interface MasDbTls {
  mode: 'verify' | 'off';
  trusted?: { kind: 'server' | 'ca'; pem: string } | undefined;
}

export interface MasDbSettings {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  tls: MasDbTls;
}

export class MasDbError extends AppError {}

/** mysql2's `ssl` for a TLS mode (undefined: no TLS). */
export function mysqlSsl(tls: MasDbTls, host: string): Record<string, unknown> | undefined {
  if (tls.mode === 'off') return undefined;
  const pinned = tls.trusted?.kind === 'server';
  // mysql2 checks the name only for a host name; an IP address relies on the chain (pin the certificate to be exact).
  return { rejectUnauthorized: true, ...(tls.trusted ? { ca: tls.trusted.pem } : {}), verifyIdentity: !pinned && net.isIP(host) === 0 };
}

/** A pool on the MAS database; text columns are read as bytes by the queries that need them. */
export function openPool(settings: MasDbSettings, options: { database?: boolean; connectTimeoutMs?: number } = {}): mysql.Pool {
  const ssl = mysqlSsl(settings.tls, settings.host);
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
  // A connection the server drops while idle reports an error on its own: never let it reach the process.
  pool.pool.on('connection', (connection) => connection.on('error', () => undefined));
  return pool;
}

const NETWORK = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const LOST = new Set(['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'EPIPE', 'ER_SERVER_SHUTDOWN', 'ER_CON_COUNT_ERROR', 'POOL_CLOSED']);
const NOT_ALLOWED = new Set(['ER_DBACCESS_DENIED_ERROR', 'ER_TABLEACCESS_DENIED_ERROR', 'ER_SPECIFIC_ACCESS_DENIED_ERROR', 'ER_COLUMNACCESS_DENIED_ERROR', 'ER_CANT_CREATE_USER_WITH_GRANT', 'ER_PASSWORD_NO_MATCH']);
const TLS_WORDS = /certificate|self[- ]signed|unable to verify|altnames|SSL|TLS/i;

/** A driver error as a MasDbError saying what to do. */
export function classifyMysqlError(error: unknown, settings: Pick<MasDbSettings, 'host' | 'port' | 'database' | 'user'>): MasDbError {
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
  if (code === 'HANDSHAKE_NO_SSL_SUPPORT') {
    return new MasDbError('MAS_DB_TLS_UNSUPPORTED', `${where} does not offer encryption (TLS). Switch TLS on at the server (recommended), or set this connection's encryption to off — the password and messages then cross the network unencrypted.`, 502);
  }
  if (code.startsWith('HANDSHAKE_') || code.startsWith('ERR_TLS') || code.includes('CERT') || TLS_WORDS.test(message)) {
    return new MasDbError('MAS_DB_TLS_UNTRUSTED', `${where} presented a certificate StoreMAS cannot verify (${message}). Trust the server's own certificate (paste it under encryption), or give the server one from a trusted authority.`, 502);
  }
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
