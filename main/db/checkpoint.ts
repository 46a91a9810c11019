import type { Knex } from 'knex';
import sqlite3 from 'sqlite3';

/** The writer's own automatic checkpoint, kept only as a backstop should the background one fall behind. */
const BACKSTOP_PAGES = 10_000;

export interface WalCheckpointerOptions {
  /** Pause between checkpoints. */
  everyMs?: number;
  onError?: (error: Error) => void;
}

/**
 * WAL checkpoints off the commit path. By default SQLite checkpoints inside
 * the COMMIT that takes the WAL past 1,000 pages: that commit copies ~4 MB into
 * the database file and waits for two fsyncs (10–20 ms on an idle disk, far
 * more on a busy one), and everything queued behind it on our one connection
 * waits too — with an inbound text every 20 ms that was the p99 of "text
 * stored → automatic answer queued". Here a second connection runs a PASSIVE
 * checkpoint every `everyMs` on the thread pool (SQLite lets a checkpoint run
 * beside a writer; PASSIVE never waits for one), and the writer's automatic
 * checkpoint moves to 10,000 pages as a backstop. Durability is unchanged:
 * commits reach the WAL exactly as before (synchronous = NORMAL), only the
 * copying into the main file moved. Returns the stop function.
 */
export async function startWalCheckpointer(file: string, db: Knex, options: WalCheckpointerOptions = {}): Promise<() => Promise<void>> {
  const everyMs = options.everyMs ?? 500;
  // Per connection: the pool keeps its one connection for the life of the core.
  await db.raw(`PRAGMA wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  const connection = await new Promise<sqlite3.Database>((resolve, reject) => {
    const opened = new sqlite3.Database(file, sqlite3.OPEN_READWRITE, (error) => (error ? reject(error) : resolve(opened)));
  });
  connection.configure('busyTimeout', 1_000);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const checkpoint = () =>
    new Promise<void>((resolve) => {
      connection.get('PRAGMA wal_checkpoint(PASSIVE)', (error: Error | null) => {
        if (error) options.onError?.(error);
        resolve();
      });
    });
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = checkpoint().then(schedule);
    }, everyMs);
    timer.unref();
  };
  schedule();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
    await new Promise<void>((resolve) => connection.close(() => resolve()));
  };
}
