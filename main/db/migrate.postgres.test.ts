import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../migrations/index.js';
import { postgresKnex, startPostgres, type DbServer } from '../../tests/support/dbservers.js';
import { AuditLog, CLI_ACTOR } from '../auth/audit.js';
import { Users } from '../auth/users.js';
import { ManualClock } from '../clock.js';
import { EventBus } from '../events/bus.js';
import { migrateToLatest, pendingMigrations } from './migrate.js';

/** Column names per table, as each engine reports them after all migrations. */
async function columnsOf(db: Knex, kind: 'pg' | 'sqlite'): Promise<Map<string, string[]>> {
  const tables = new Map<string, string[]>();
  if (kind === 'pg') {
    const rows: Array<{ table_name: string; column_name: string }> = await db('information_schema.columns')
      .where({ table_schema: 'public' })
      .select('table_name', 'column_name');
    for (const row of rows) tables.set(row.table_name, [...(tables.get(row.table_name) ?? []), row.column_name]);
  } else {
    const names: Array<{ name: string }> = await db('sqlite_master')
      .where({ type: 'table' })
      .andWhereNot('name', 'like', 'sqlite_%')
      .select('name');
    for (const { name } of names) {
      const info: Array<{ name: string }> = await db.raw(`PRAGMA table_info(${JSON.stringify(name)})`);
      tables.set(name, info.map((c) => c.name));
    }
  }
  for (const [name, columns] of tables) tables.set(name, [...columns].sort());
  return tables;
}

/**
 * The head office will run the same schema on PostgreSQL: every migration applies on
 * a real server (127.0.0.1, temp directory), gives the same tables and columns as on
 * SQLite, and the foundation's SQL (users, sessions, audit) works there.
 */
describe('migrations on PostgreSQL', () => {
  let server: DbServer;
  let pg: Knex;
  let sqliteDir: string;
  let sqlite: Knex;

  beforeAll(async () => {
    server = await startPostgres();
    await server.createDatabase('storemas');
    pg = postgresKnex(server, 'storemas');
    sqliteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-migrate-'));
    sqlite = knex({ client: 'sqlite3', connection: { filename: path.join(sqliteDir, 'storemas.db') }, useNullAsDefault: true });
  }, 120_000);

  afterAll(async () => {
    await pg?.destroy();
    await sqlite?.destroy();
    await server?.stop();
    if (sqliteDir) fs.rmSync(sqliteDir, { recursive: true, force: true });
  });

  it('applies every migration, then finds nothing pending', async () => {
    expect(await pendingMigrations(pg)).toEqual(migrations.map((m) => m.name));
    const report = await migrateToLatest(pg);
    expect(report.applied).toEqual(migrations.map((m) => m.name));
    expect(await pendingMigrations(pg)).toEqual([]);
    expect((await migrateToLatest(pg)).applied).toEqual([]);
  }, 120_000);

  it('gives the same tables and columns as SQLite', async () => {
    await migrateToLatest(sqlite);
    const onSqlite = await columnsOf(sqlite, 'sqlite');
    const onPg = await columnsOf(pg, 'pg');
    expect([...onPg.keys()].sort()).toEqual([...onSqlite.keys()].sort());
    for (const [table, columns] of onSqlite) expect({ table, columns: onPg.get(table) }).toEqual({ table, columns });
  }, 120_000);

  it('runs users, sessions, lockout and audit on PostgreSQL', async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 22, 2, 0));
    const audit = new AuditLog(pg, clock);
    const users = new Users(pg, clock, audit, new EventBus(), {
      maxFailedLogins: 2,
      lockoutMinutes: 15,
      sessionIdleMinutes: 30,
      scryptCost: 1024,
    });
    const created = await users.create(CLI_ACTOR, { username: 'li.na', role: 'manager', password: 'Shelf2026x', mustChangePassword: false });
    expect(created).toMatchObject({ username: 'li.na', role: 'manager', disabled: false });
    const from = { ip: '10.0.0.8', userAgent: 'test' };
    const { token } = await users.login('li.na', 'Shelf2026x', from);
    expect((await users.authenticate(token))?.user.username).toBe('li.na');
    await expect(users.login('li.na', 'wrong', from)).rejects.toMatchObject({ code: 'LOGIN_FAILED' });
    await expect(users.login('li.na', 'wrong', from)).rejects.toMatchObject({ code: 'LOGIN_FAILED' });
    await expect(users.login('li.na', 'Shelf2026x', from)).rejects.toMatchObject({ code: 'ACCOUNT_LOCKED' });
    await users.setDisabled(CLI_ACTOR, created.id, true);
    expect(await users.authenticate(token)).toBeUndefined();
    const actions = (await audit.search({ username: 'li.na', page: 1, pageSize: 20 })).items.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['login', 'login.failed', 'user.locked']));
    const byCli = (await audit.search({ action: 'user.disable', page: 1, pageSize: 20 })).items;
    expect(byCli.map((e) => e.target)).toContain('li.na');
  }, 60_000);
});
