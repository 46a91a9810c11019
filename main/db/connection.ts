import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import sqlite3 from 'sqlite3';
import { StartupError, systemErrorCode } from '../errors.js';

export type Database = Knex;

export const DATABASE_FILE = 'storemas.sqlite';

/**
 * Checks an existing database file before anything writes to it: a file that is
 * not a database, or is damaged, must be reported and left exactly as it is.
 * Opened read-only so not even a WAL file is created.
 */
export async function checkDatabaseFile(file: string): Promise<void> {
  if (!fs.existsSync(file)) return;
  await new Promise<void>((resolve, reject) => {
    const db = new sqlite3.Database(file, sqlite3.OPEN_READONLY, (openError) => {
      if (openError) {
        reject(classifySqliteError(openError, file));
        return;
      }
      db.configure('busyTimeout', 3000);
      db.get('PRAGMA quick_check', (checkError: Error | null, row: Record<string, unknown> | undefined) => {
        db.close();
        if (checkError) {
          reject(classifySqliteError(checkError, file));
        } else if (!row || row['quick_check'] !== 'ok') {
          reject(
            new StartupError(
              'DATABASE_CORRUPT',
              `The database ${file} failed its integrity check (${String(row?.['quick_check'] ?? 'no answer')}). ` +
                'StoreMAS did not change it. Restore it from a backup, or move it aside to start empty.',
            ),
          );
        } else {
          resolve();
        }
      });
    });
  });
}

export function classifySqliteError(error: unknown, file: string): StartupError {
  const code = systemErrorCode(error) ?? '';
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' || /locked|busy/i.test(message)) {
    return new StartupError(
      'DATABASE_LOCKED',
      `The database ${file} is locked by another program. Close the other StoreMAS or tool using it and start again.`,
    );
  }
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || /not a database|malformed/i.test(message)) {
    return new StartupError(
      'DATABASE_CORRUPT',
      `The file ${file} is not a usable StoreMAS database (${message}). StoreMAS did not change it. ` +
        'Restore it from a backup, or move it aside to start empty.',
    );
  }
  if (code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code === 'SQLITE_PERM') {
    return new StartupError(
      'DATABASE_UNWRITABLE',
      `The database ${file} cannot be opened for writing (${message}). Check the permissions of the data directory.`,
    );
  }
  return new StartupError('DATABASE_FAILED', `The database ${file} could not be opened: ${message}`);
}

/**
 * SQLite through knex: WAL (readers never block the writer), a busy timeout
 * (short waits instead of errors when the CLI and the service touch the file at
 * once) and foreign keys on. One connection: SQLite serialises writers anyway,
 * and one connection keeps transactions from stepping on each other.
 */
export function openSqlite(file: string): Database {
  return knexFactory({
    client: 'sqlite3',
    connection: { filename: file },
    useNullAsDefault: true,
    pool: {
      min: 1,
      max: 1,
      afterCreate: (conn: sqlite3.Database, done: (error: Error | null, conn: sqlite3.Database) => void) => {
        conn.configure('busyTimeout', 5000);
        conn.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;', (error) =>
          done(error, conn),
        );
      },
    },
  });
}

export function databasePath(dataDir: string): string {
  return path.join(dataDir, DATABASE_FILE);
}

/** Size of the database including its WAL, for the dashboard. */
export function databaseSizeBytes(file: string): number {
  let total = 0;
  for (const suffix of ['', '-wal']) {
    try {
      total += fs.statSync(file + suffix).size;
    } catch {
      // The WAL file only exists while the database is open with changes in it.
    }
  }
  return total;
}
