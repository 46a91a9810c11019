import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startWalCheckpointer } from './checkpoint.js';
import { openSqlite, type Database } from './connection.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function openTemp(): Promise<{ db: Database; file: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-wal-'));
  const file = path.join(dir, 'test.sqlite');
  const db = openSqlite(file);
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => db.destroy());
  await db.raw('create table notes (id integer primary key, body text not null)');
  return { db, file };
}

/** ~2 MB in 200 commits: about 500 pages, under SQLite's default automatic checkpoint of 1,000. */
async function write(db: Database): Promise<void> {
  for (let i = 0; i < 200; i += 1) await db('notes').insert({ body: 'x'.repeat(10_000) });
}

describe('WAL checkpointer', () => {
  it('copies committed pages into the database file from its own connection, with the writer\'s automatic checkpoint as a backstop only', async () => {
    const { db, file } = await openTemp();
    const stop = await startWalCheckpointer(file, db, { everyMs: 10 });
    cleanups.push(stop);
    expect(await db.raw('PRAGMA wal_autocheckpoint')).toEqual([{ wal_autocheckpoint: 10_000 }]);
    await write(db);
    const deadline = Date.now() + 5_000;
    while (fs.statSync(file).size < 2_000_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(fs.statSync(file).size).toBeGreaterThan(2_000_000);
    expect(await db('notes').count({ n: '*' })).toEqual([{ n: 200 }]);
  });

  it('without it the same writes stay in the WAL (the writer would checkpoint inside a later commit)', async () => {
    const { db, file } = await openTemp();
    await write(db);
    await new Promise((r) => setTimeout(r, 100));
    expect(fs.statSync(file).size).toBeLessThan(100_000);
    expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(2_000_000);
  });

  it('stops after the checkpoint in progress and closes its connection; the database stays usable', async () => {
    const { db, file } = await openTemp();
    const stop = await startWalCheckpointer(file, db, { everyMs: 5 });
    await write(db);
    await stop();
    await db('notes').insert({ body: 'after' });
    expect(await db('notes').count({ n: '*' })).toEqual([{ n: 201 }]);
  });
});
