import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog, CLI_ACTOR } from '../auth/audit.js';
import { systemClock } from '../clock.js';
import { SecretBox } from '../crypto/secret-box.js';
import { openSqlite } from '../db/connection.js';
import { migrateToLatest } from '../db/migrate.js';
import { EventBus, type PublishedEvent } from '../events/bus.js';
import type { OutboundChannel } from '../messaging/channel.js';
import { MemoryInboundSink } from './inbound.js';
import type { ModemState } from './modem.js';
import { ModemPool, type ModemConfigInput } from './pool.js';

/** The pool over a real SQLite file with simulated modems in-process. */
let dir: string;
let db: Knex;
let pool: ModemPool;
let sink: MemoryInboundSink;
let events: PublishedEvent[];
let secrets: SecretBox;

const SIM: ModemConfigInput['simulator'] = { latency: 'zero', statusReports: { delayMs: [0, 0] } };
const FREE = { minGapMs: 0, perHour: 200, perDay: 1000 };

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-pool-'));
  db = openSqlite(path.join(dir, 'test.sqlite'));
  await migrateToLatest(db);
  const bus = new EventBus();
  events = [];
  bus.onDidPublish((e) => events.push(e));
  sink = new MemoryInboundSink();
  secrets = new SecretBox(crypto.randomBytes(32));
  pool = new ModemPool({
    db,
    clock: systemClock,
    events: bus,
    audit: new AuditLog(db, systemClock),
    secrets,
    sink,
    modemDefaults: { commandTimeoutMs: 400, sendTimeoutMs: 1000, partRetryDelayMs: 10, resetWaitMs: 10 },
  });
});

afterEach(async () => {
  await pool.stop();
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function until(predicate: () => boolean | Promise<boolean>, what: string, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const stateOf = async (id: string): Promise<ModemState | undefined> => (await pool.get(id)).status?.state;

describe('modem pool', () => {
  it('adds, lists, updates and removes modems with validation, audit and an encrypted PIN', async () => {
    await pool.start();
    const added = await pool.add({ name: '收银台 1', kind: 'simulator', simulator: SIM, pin: '1234', limits: FREE }, CLI_ACTOR);
    expect(added.config).toMatchObject({ name: '收银台 1', kind: 'simulator', hasPin: true, enabled: true });
    const row = await db('modems').where('id', Number(added.config.id)).first();
    expect(row.pin_encrypted).not.toContain('1234');
    expect(secrets.open(row.pin_encrypted, `modem-pin:${added.config.id}`)).toBe('1234');
    await until(async () => (await stateOf(added.config.id)) === 'ready', 'ready');

    await expect(pool.add({ name: '收银台 1', kind: 'simulator' }, CLI_ACTOR)).rejects.toMatchObject({ code: 'MODEM_NAME_TAKEN' });
    await expect(pool.add({ name: 'bad', kind: 'serial', portPath: '/dev/ttyUSB0', baudRate: 1234 }, CLI_ACTOR)).rejects.toMatchObject({ code: 'MODEM_BAD_SERIAL_OPTION' });
    await expect(pool.add({ name: 'bad', kind: 'serial', portPath: '' }, CLI_ACTOR)).rejects.toMatchObject({ code: 'MODEM_BAD_SERIAL_OPTION' });
    await expect(pool.add({ name: 'bad', kind: 'simulator', imeiBinding: '12' }, CLI_ACTOR)).rejects.toMatchObject({ code: 'MODEM_BAD_IMEI' });
    await expect(pool.add({ name: 'bad', kind: 'modem' as 'serial' }, CLI_ACTOR)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });

    const updated = await pool.update(added.config.id, { limits: { perHour: 50 }, pin: null }, CLI_ACTOR);
    expect(updated.config).toMatchObject({ hasPin: false, limits: { perHour: 50, perDay: 1000, minGapMs: 0 } });
    expect(updated.status?.limits.perHour).toBe(50);

    await pool.update(added.config.id, { enabled: false }, CLI_ACTOR);
    expect((await pool.get(added.config.id)).status).toBeNull();
    await pool.remove(added.config.id, CLI_ACTOR);
    expect(await pool.list()).toEqual([]);
    await expect(pool.get(added.config.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const actions = (await db('audit_log').select('action')).map((r: { action: string }) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['modems.add', 'modems.update', 'modems.remove']));
  });

  it('routes by load among modems with capacity, honours pins and conversations, and keeps counters in the database', async () => {
    const a = await pool.add({ name: 'A', kind: 'simulator', simulator: SIM, limits: FREE }, CLI_ACTOR);
    const b = await pool.add({ name: 'B', kind: 'simulator', simulator: SIM, limits: { minGapMs: 0, perHour: 3, perDay: 1000 } }, CLI_ACTOR);
    await pool.start();
    await until(async () => (await stateOf(a.config.id)) === 'ready' && (await stateOf(b.config.id)) === 'ready', 'both ready');
    const used: string[] = [];
    for (let i = 0; i < 6; i++) used.push((await pool.send({ to: '+8613800138000', text: `msg ${i}` })).modemId);
    // B (3/h cap) fills up by load share and then only A takes messages.
    expect(used.filter((id) => id === b.config.id).length).toBeLessThanOrEqual(3);
    expect(used.filter((id) => id === a.config.id).length).toBeGreaterThanOrEqual(3);
    expect(new Set(used).size).toBe(2);
    expect((await pool.send({ to: '+8613800138000', text: 'pinned' }, { modemId: a.config.id })).modemId).toBe(a.config.id);
    expect((await pool.send({ to: '+8613800138000', text: 'reply' }, { conversationModemId: a.config.id })).modemId).toBe(a.config.id);
    const usedB = used.filter((id) => id === b.config.id).length;
    for (let i = usedB; i < 3; i++) await pool.send({ to: '+8613800138000', text: 'fill' }, { modemId: b.config.id });
    await expect(pool.send({ to: '+8613800138000', text: 'x' }, { modemId: b.config.id })).rejects.toMatchObject({ code: 'MODEM_SEND_CAP_REACHED' });
    // Capped B is skipped by routing.
    expect((await pool.send({ to: '+8613800138000', text: 'routed' })).modemId).toBe(a.config.id);
    await expect(pool.send({ to: '+8613800138000', text: 'x' }, { modemId: '999' })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    pool.simulator(a.config.id)!.injectInbound({ from: '+8613911112222', text: '退订' });
    await sink.waitFor(() => sink.messages.length === 1);
    await until(async () => (await pool.counters(a.config.id, 0)).some((c) => c.received === 1), 'received counter');
    const countersA = await pool.counters(a.config.id, 0);
    const countersB = await pool.counters(b.config.id, 0);
    expect(countersA.reduce((n, c) => n + c.sent, 0) + countersB.reduce((n, c) => n + c.sent, 0)).toBe(9 + (3 - usedB));
    expect(countersB.reduce((n, c) => n + c.sent, 0)).toBe(3);
    expect((await pool.healthHistory(a.config.id, 0)).length).toBeGreaterThan(0);
    expect(events.some((e) => e.type === 'modem.status' && e.permission === 'modems.read')).toBe(true);
    expect(events.some((e) => e.type === 'modem.inbound')).toBe(true);
  });

  it('restores the caps from the counters after a restart', async () => {
    const a = await pool.add({ name: 'A', kind: 'simulator', simulator: SIM, limits: { minGapMs: 0, perHour: 2, perDay: 100 } }, CLI_ACTOR);
    await pool.start();
    await until(async () => (await stateOf(a.config.id)) === 'ready', 'ready');
    await pool.send({ to: '+8613800138000', text: 'one' });
    await pool.send({ to: '+8613800138000', text: 'two' });
    await pool.stop();
    await pool.start();
    await until(async () => (await stateOf(a.config.id)) === 'ready', 'ready again');
    await expect(pool.send({ to: '+8613800138000', text: 'three' })).rejects.toMatchObject({ code: 'MODEM_SEND_CAP_REACHED' });
  });

  it('serves the dispatcher: in-service ids, readyAt and one part at a time', async () => {
    // The pool is the dispatcher's channel as it is (checked by the compiler).
    const channel: OutboundChannel = pool;
    expect(channel.modemIds()).toEqual([]);
    const a = await pool.add({ name: 'A', kind: 'simulator', simulator: SIM, limits: FREE }, CLI_ACTOR);
    let changes = 0;
    pool.onDidChangeModems(() => changes++);
    await pool.start();
    await until(() => pool.modemIds().includes(a.config.id), 'in service');
    expect(pool.readyAt(a.config.id)).toBeTypeOf('number');
    expect(changes).toBeGreaterThan(0);
    const { encodeSubmit } = await import('./pdu/index.js');
    const [part] = encodeSubmit({ to: '+8613800138000', text: 'hi', requestStatusReport: true });
    const sent = await pool.sendPart(a.config.id, { pdu: part!.pdu, tpduLength: part!.tpduLength, messageId: 1, partNumber: 1 });
    expect(sent).toMatchObject({ ok: true });
    await sink.waitFor(() => sink.reports.length === 1);
    expect(sink.reports[0]).toMatchObject({ modemId: a.config.id, messageReference: sent.ok ? sent.mr : -1, matched: { reference: '1' } });
    pool.simulator(a.config.id)!.faults.set({ sendErrors: [{ onSend: 1, code: 1 }] });
    expect(await pool.sendPart(a.config.id, { pdu: part!.pdu, tpduLength: part!.tpduLength, messageId: 2, partNumber: 1 })).toMatchObject({
      ok: false,
      failure: { kind: 'refused', retryable: false },
    });
    expect(await pool.sendPart('42', { pdu: part!.pdu, tpduLength: part!.tpduLength, messageId: 3, partNumber: 1 })).toMatchObject({ ok: false });
  });
});
