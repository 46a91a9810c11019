import fs from 'node:fs';
import { once } from 'node:events';
import sqlite3 from 'sqlite3';
import { StoreError } from '../errors.js';
import { generateDemo, type DemoOptions, type DemoProgress, type DemoSink } from './generator.js';
import { demoDdl, type DemoDialect } from './schema.js';

function run(db: sqlite3.Database, sql: string, params: unknown[] = []): Promise<void> {
  return new Promise((resolve, reject) => db.run(sql, params, (error: Error | null) => (error ? reject(error) : resolve())));
}

function exec(db: sqlite3.Database, sql: string): Promise<void> {
  return new Promise((resolve, reject) => db.exec(sql, (error: Error | null) => (error ? reject(error) : resolve())));
}

export function openSqliteFile(file: string, mode = sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const db = new sqlite3.Database(file, mode, (error) => (error ? reject(error) : resolve(db)));
  });
}

export function closeSqliteFile(db: sqlite3.Database): Promise<void> {
  return new Promise((resolve, reject) => db.close((error) => (error ? reject(error) : resolve())));
}

/** Writes the demo POS into a new SQLite file (refuses to overwrite one). */
export async function writeDemoSqlite(file: string, options: Partial<DemoOptions> = {}, progress?: DemoProgress): Promise<DemoOptions> {
  if (fs.existsSync(file)) {
    throw new StoreError('DEMO_FILE_EXISTS', `${file} already exists. Choose another --out file or remove it first.`, 409);
  }
  const partial = `${file}.partial`;
  fs.rmSync(partial, { force: true });
  const db = await openSqliteFile(partial);
  try {
    await exec(db, 'PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -65536;');
    for (const statement of demoDdl('sqlite')) await exec(db, statement);
    await exec(db, 'BEGIN');
    let sinceCommit = 0;
    const sink: DemoSink = {
      async insert(table, columns, rows) {
        // 999 bound parameters is the lowest limit of old SQLite builds: chunk to stay under it.
        const perStatement = Math.max(1, Math.floor(999 / columns.length));
        for (let i = 0; i < rows.length; i += perStatement) {
          const chunk = rows.slice(i, i + perStatement);
          const placeholders = chunk.map(() => `(${columns.map(() => '?').join(',')})`).join(',');
          await run(db, `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(',')}) VALUES ${placeholders}`, chunk.flat());
        }
        sinceCommit += rows.length;
        if (sinceCommit >= 100_000) {
          await exec(db, 'COMMIT; BEGIN');
          sinceCommit = 0;
        }
      },
    };
    const used = await generateDemo(sink, options, progress);
    await exec(db, 'COMMIT');
    // WAL lets StoreMAS read while the live mode writes.
    await exec(db, 'PRAGMA journal_mode = WAL; ANALYZE;');
    await closeSqliteFile(db);
    fs.renameSync(partial, file);
    return used;
  } catch (error) {
    await closeSqliteFile(db).catch(() => undefined);
    fs.rmSync(partial, { force: true });
    throw error;
  }
}

function sqlLiteral(value: unknown, dialect: DemoDialect): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') return String(value);
  let text = String(value).replace(/'/g, "''");
  if (dialect === 'mysql') text = text.replace(/\\/g, '\\\\');
  return `'${text}'`;
}

/**
 * The same demo schema and data as an SQL script for MariaDB/MySQL or
 * PostgreSQL (load it with `mariadb db < file` or `psql -f file`).
 */
export async function writeDemoDump(file: string, dialect: Exclude<DemoDialect, 'sqlite'>, options: Partial<DemoOptions> = {}, progress?: DemoProgress): Promise<DemoOptions> {
  const out = fs.createWriteStream(file, { encoding: 'utf8' });
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  try {
    await write(dialect === 'mysql' ? 'SET NAMES utf8mb4;\nSET autocommit = 0;\n' : "SET client_encoding = 'UTF8';\nBEGIN;\n");
    for (const statement of demoDdl(dialect)) await write(`${statement};\n`);
    const quote = (name: string) => (dialect === 'mysql' ? `\`${name}\`` : `"${name}"`);
    const sink: DemoSink = {
      async insert(table, columns, rows) {
        const values = rows.map((row) => `(${row.map((v) => sqlLiteral(v, dialect)).join(',')})`).join(',\n');
        await write(`INSERT INTO ${quote(table)} (${columns.map(quote).join(',')}) VALUES\n${values};\n`);
      },
    };
    const used = await generateDemo(sink, options, progress);
    await write('COMMIT;\n');
    out.end();
    await once(out, 'finish');
    return used;
  } catch (error) {
    out.destroy();
    fs.rmSync(file, { force: true });
    throw error;
  }
}
