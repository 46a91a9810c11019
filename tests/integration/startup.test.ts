import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import sqlite3 from 'sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../support/appliance.js';
import { runStoremas, startServe } from '../support/cli.js';

const hashFile = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** Startup failures: one clear line, a non-zero exit, and no data touched. */
// Real `storemas serve` processes started and stopped: generous limits for a busy 2-core machine.
describe('storemas serve start-up', { timeout: 120_000 }, () => {
  const cleanups: Array<() => void | Promise<void>> = [];
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!();
  });
  const temp = () => {
    const t = tempDir();
    cleanups.push(t.remove);
    return t.dir;
  };

  it('starts, prints the URL and a one-time admin password kept in an owner-only file, and stops cleanly on SIGTERM', async () => {
    const dataDir = temp();
    const serve = await startServe(['--data-dir', dataDir]);
    expect(serve.initialPassword).toMatch(/^[A-Za-z2-9]{16}$/);
    const file = path.join(dataDir, 'initial-admin-password.txt');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file, 'utf8')).toContain(serve.initialPassword);
    const health = await fetch(new URL('/api/health', serve.url));
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const login = await fetch(new URL('/api/auth/login', serve.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: serve.initialPassword }),
    });
    expect(login.status).toBe(200);
    expect(login.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    expect(await serve.stop('SIGTERM')).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'storemas.pid'))).toBe(false);
    // The password is never in the logs.
    const logs = fs.readdirSync(path.join(dataDir, 'logs')).map((f) => fs.readFileSync(path.join(dataDir, 'logs', f), 'utf8')).join('');
    expect(logs).toContain('StoreMAS started');
    expect(logs).not.toContain(serve.initialPassword!);

    // Second start: no new password.
    const again = await startServe(['--data-dir', dataDir]);
    expect(again.initialPassword).toBeUndefined();
    expect(await again.stop('SIGINT')).toBe(0);
  });

  it('with --lan prints the https address and the certificate fingerprint a TLS client is shown', async () => {
    const serve = await startServe(['--data-dir', temp(), '--lan', '--no-demo']);
    try {
      const port = Number(new URL(serve.url).port);
      expect(serve.url).toBe(`http://127.0.0.1:${port}/`);
      await expect.poll(serve.output).toMatch(/Certificate SHA-256 fingerprint: /);
      const printed = /Certificate SHA-256 fingerprint: ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})$/m.exec(serve.output())?.[1];
      expect(serve.output()).toMatch(new RegExp(`Other computers in the store \\(HTTPS\\): .*https://([\\d.]+|<this computer's address>):${port}/`));
      const presented = await new Promise<string>((resolve, reject) => {
        const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
          resolve(socket.getPeerCertificate().fingerprint256);
          socket.end();
        });
        socket.on('error', reject);
      });
      expect(printed).toBe(presented);
    } finally {
      await serve.stop();
    }
  });

  it('refuses a port already in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as net.AddressInfo).port;
    const run = runStoremas(['serve', '--data-dir', temp(), '--port', String(port)]);
    expect(run.status).not.toBe(0);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(new RegExp(`Port ${port} .* already in use.*\\[PORT_IN_USE\\]`));
  });

  it('refuses a data directory that cannot be written', () => {
    const parent = temp();
    const file = path.join(parent, 'not-a-directory');
    fs.writeFileSync(file, 'x');
    const run = runStoremas(['serve', '--data-dir', path.join(file, 'data'), '--port', '0']);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/cannot be written.*\[DATA_DIR_UNWRITABLE\]/);
  });

  it('refuses a corrupt database and leaves it byte for byte as it was', () => {
    const dataDir = temp();
    const db = path.join(dataDir, 'storemas.sqlite');
    fs.writeFileSync(db, Buffer.from('this is not a database, it is a shopping list: 苹果 香蕉'.repeat(200)));
    const before = hashFile(db);
    const run = runStoremas(['serve', '--data-dir', dataDir, '--port', '0']);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/not a usable StoreMAS database.*did not change it.*\[DATABASE_CORRUPT\]/);
    expect(hashFile(db)).toBe(before);
    expect(fs.existsSync(db + '-wal')).toBe(false);
  });

  it('refuses a database locked by another program', async () => {
    const dataDir = temp();
    expect(runStoremas(['migrate', '--data-dir', dataDir]).status).toBe(0);
    const file = path.join(dataDir, 'storemas.sqlite');
    const holder = new sqlite3.Database(file);
    cleanups.push(() => new Promise<void>((resolve) => holder.close(() => resolve())));
    await new Promise<void>((resolve, reject) =>
      holder.exec('PRAGMA journal_mode=DELETE; PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE;', (e) => (e ? reject(e) : resolve())),
    );
    const run = runStoremas(['serve', '--data-dir', dataDir, '--port', '0']);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/locked by another program.*\[DATABASE_LOCKED\]/);
  });

  it('refuses a second StoreMAS on the same data directory', async () => {
    const dataDir = temp();
    const first = await startServe(['--data-dir', dataDir]);
    cleanups.push(async () => void (await first.stop()));
    const run = runStoremas(['serve', '--data-dir', dataDir, '--port', '0']);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/Another StoreMAS \(process \d+\) is already running.*\[DATA_DIR_IN_USE\]/);
  });

  it('refuses a database written by a newer StoreMAS and changes nothing', async () => {
    const dataDir = temp();
    expect(runStoremas(['migrate', '--data-dir', dataDir]).status).toBe(0);
    const file = path.join(dataDir, 'storemas.sqlite');
    const db = new sqlite3.Database(file);
    await new Promise<void>((resolve, reject) =>
      db.exec(
        "INSERT INTO knex_migrations (name, batch, migration_time) VALUES ('29991231_9999_from_the_future', 2, 0); PRAGMA wal_checkpoint(TRUNCATE);",
        (e) => (e ? reject(e) : resolve()),
      ),
    );
    await new Promise<void>((resolve) => db.close(() => resolve()));
    const before = hashFile(file);
    const run = runStoremas(['serve', '--data-dir', dataDir, '--port', '0']);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/newer StoreMAS.*29991231_9999_from_the_future.*\[SCHEMA_TOO_NEW\]/);
    expect(hashFile(file)).toBe(before);
  });
});
