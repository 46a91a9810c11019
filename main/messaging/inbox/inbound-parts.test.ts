import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../auth/audit.js';
import { systemClock } from '../../clock.js';
import { encodeDeliverParts } from '../../modem/pdu/index.js';
import type { ModemPool } from '../../modem/pool.js';
import { openMessagingCore, type MessagingCore } from '../outbox/testing.js';

/**
 * Long inbound texts through the real pool, a simulated modem with a small
 * SIM and the inbox on SQLite: every part is a row in inbound_parts before it
 * leaves the SIM, the inbox gets the whole text, and parts stored before a
 * restart complete their message after it.
 */
let t: MessagingCore;
let pool: ModemPool;
const db = () => t.core.services.db;

async function until(predicate: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const count = async (table: string) => Number((await db()(table).count({ n: '*' }))[0]!.n);

beforeEach(async () => {
  t = await openMessagingCore(systemClock.now());
  pool = t.core.services.modems;
  await pool.add({ name: 'SIM-S', kind: 'simulator', simulator: { latency: 'zero', storage: { sm: 3, me: 0 } } }, SYSTEM_ACTOR);
  await pool.start();
  await until(async () => pool.modemIds().length === 1, 'the modem ready');
  await t.core.services.messaging.start(pool);
}, 60_000);
afterEach(async () => {
  await t.core.services.messaging.stop();
  await pool.stop();
  await t.close();
});

describe('long inbound texts', () => {
  it('reach the inbox whole through a SIM with fewer slots than parts, and leave no part behind', async () => {
    const [id] = pool.modemIds();
    const text = '您好，我想订一个生日蛋糕，八寸，水果的，周六下午三点来取，蛋糕上写"生日快乐"，请问需要预付定金吗？'.repeat(6);
    expect(pool.simulator(id!)!.injectInbound({ from: '+8613911114444', text }).pdus.length).toBeGreaterThan(3);
    await until(async () => (await count('inbox_messages')) === 1, 'the text in the inbox');
    expect(await db()('inbox_messages').first()).toMatchObject({ sender: '+8613911114444', text, partial: 0 });
    await until(async () => (await count('inbound_parts')) === 0, 'the parts dropped');
  });

  it('completes a text from parts stored before a restart', async () => {
    const [id] = pool.modemIds();
    const parts = encodeDeliverParts({ from: '+8613911115555', text: '续'.repeat(150), timestamp: Date.now(), reference: 77 });
    pool.simulator(id!)!.injectPdu(parts[0]!.pdu);
    pool.simulator(id!)!.injectPdu(parts[1]!.pdu);
    await until(async () => (await count('inbound_parts')) === 2, 'two parts stored');
    expect(Object.values(pool.simulator(id!)!.status().storage).every((s) => s.used === 0)).toBe(true);

    // A restart: the simulated device comes back empty; the stored parts wait in the database.
    await t.core.services.messaging.stop();
    await pool.stop();
    await pool.start();
    await until(async () => pool.modemIds().length === 1, 'the modem ready again');
    await t.core.services.messaging.start(pool);
    expect(await count('inbox_messages')).toBe(0);
    pool.simulator(id!)!.injectPdu(parts[2]!.pdu);
    await until(async () => (await count('inbox_messages')) === 1, 'the text in the inbox');
    expect(await db()('inbox_messages').first()).toMatchObject({ text: '续'.repeat(150), partial: 0 });
    await until(async () => (await count('inbound_parts')) === 0, 'the parts dropped');
  });
});
