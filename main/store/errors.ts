import { AppError } from '../errors.js';

/** Errors about store databases, mappings and sync; the message says what to do. */
export class StoreError extends AppError {
  constructor(code: string, message: string, status = 400, details?: Record<string, unknown>) {
    super(code, message, status, details);
  }
}

/**
 * Turns a driver error from a POS database into a StoreError a store manager
 * can act on. Connection problems get their own codes so the UI can say
 * "the POS database is down" rather than print a stack.
 */
export function classifySourceError(error: unknown, connectionName: string): StoreError {
  if (error instanceof StoreError) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
  const message = error instanceof Error ? error.message : String(error);
  const where = `the store database “${connectionName}”`;
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|ESOCKET/.test(code) || /ECONNREFUSED|getaddrinfo/.test(message)) {
    return new StoreError('SOURCE_UNREACHABLE', `Cannot reach ${where} (${message}). Check that the server is running, and the host and port.`, 502);
  }
  if (/ETIMEDOUT|ETIMEOUT|PROTOCOL_SEQUENCE_TIMEOUT/.test(code) || /timeout|timed out/i.test(message)) {
    return new StoreError('SOURCE_TIMEOUT', `${capital(where)} did not answer in time (${message}). It may be busy; try again later or raise the timeout.`, 504);
  }
  if (/ER_ACCESS_DENIED|28P01|28000|ELOGIN/.test(code) || /password authentication failed|Access denied|Login failed/i.test(message)) {
    return new StoreError('SOURCE_LOGIN_FAILED', `${capital(where)} refused the user name or password (${message}). Check the credentials.`, 502);
  }
  if (/ER_BAD_DB_ERROR|3D000/.test(code) || /Unknown database|database .* does not exist/i.test(message)) {
    return new StoreError('SOURCE_DATABASE_MISSING', `The database named for ${where} does not exist (${message}). Check the database name.`, 502);
  }
  if (/SQLITE_CANTOPEN/.test(code)) {
    return new StoreError('SOURCE_UNREACHABLE', `Cannot open ${where} (${message}). Check the file path and that StoreMAS may read it.`, 502);
  }
  if (/ECONNRESET|PROTOCOL_CONNECTION_LOST|EPIPE|57P01|57P03|SQLITE_IOERR|SQLITE_CORRUPT|SQLITE_NOTADB/.test(code) || /Connection terminated|connection lost|server closed the connection/i.test(message)) {
    return new StoreError('SOURCE_CONNECTION_LOST', `The connection to ${where} was lost (${message}). The mirror keeps its last good state; the next sync continues from there.`, 502);
  }
  if (/permission denied|command denied|SQLITE_READONLY|25006|read-only|READ ONLY/i.test(message) || /42501|ER_TABLEACCESS_DENIED/.test(code)) {
    return new StoreError('SOURCE_PERMISSION_DENIED', `${capital(where)} denied the query (${message}). The database user needs SELECT on the mapped tables.`, 502);
  }
  return new StoreError('SOURCE_QUERY_FAILED', `The query on ${where} failed: ${message}. Check the mapping with “preview”.`, 502);
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
