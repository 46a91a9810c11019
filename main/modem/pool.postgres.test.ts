import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMigratedPostgres, type DbServer } from '../../tests/support/dbservers.js';
import { AuditLog, CLI_ACTOR } from '../auth/audit.js';
import { systemClock } from '../clock.js';
import { SecretBox } from '../crypto/secret-box.js';
import { EventBus } from '../events/bus.js';
import { MemoryInboundSink } from './inbound.js';
import { ModemPool } from './pool.js';

/** The modem tables and the pool's SQL on PostgreSQL (a real server on 127.0.0.1): the SQL stays portable. */
describe('modem pool on PostgreSQL', () => {
  let server: DbServer;
  let db: Knex;
  let pool: ModemPool;

  beforeAll(async () => {
    ({ server, db } = await startMigratedPostgres());
    pool = new ModemPool({
      db,
      clock: systemClock,
      events: new EventBus(),
      audit: new AuditLog(db, systemClock),
      secrets: new SecretBox(crypto.randomBytes(32)),
      sink: new MemoryInboundSink(),
      modemDefaults: { commandTimeoutMs: 400 },
    });
  }, 120_000);

  afterAll(async () => {
    await pool?.stop();
    await db?.destroy();
    await server?.stop();
  });

  it('stores configs with a sealed PIN, counts sends per hour and keeps health samples', async () => {
    const view = await pool.add({ name: '收银台 PG', kind: 'simulator', simulator: { latency: 'zero' }, pin: '1234', limits: { minGapMs: 0, perHour: 100, perDay: 500 } }, CLI_ACTOR);
    expect(view.config).toMatchObject({ id: expect.stringMatching(/^\d+$/), hasPin: true, limits: { perHour: 100 } });
    await pool.start();
    const deadline = Date.now() + 15_000;
    while ((await pool.get(view.config.id)).status?.state !== 'ready') {
      if (Date.now() > deadline) throw new Error('modem not ready');
      await new Promise((r) => setTimeout(r, 50));
    }
    for (let i = 0; i < 3; i++) expect((await pool.send({ to: '+8613800138000', text: `pg ${i}` })).ok).toBe(true);
    const until = Date.now() + 5_000;
    while ((await pool.counters(view.config.id, 0)).reduce((n, c) => n + c.sent, 0) < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    expect((await pool.counters(view.config.id, 0)).reduce((n, c) => n + c.sent, 0)).toBe(3);
    expect((await pool.healthHistory(view.config.id, 0)).length).toBeGreaterThan(0);
    const updated = await pool.update(view.config.id, { name: '收银台 PG 2', pin: null }, CLI_ACTOR);
    expect(updated.config).toMatchObject({ name: '收银台 PG 2', hasPin: false });
    await pool.remove(view.config.id, CLI_ACTOR);
    expect(await pool.list()).toEqual([]);
  }, 60_000);
});
