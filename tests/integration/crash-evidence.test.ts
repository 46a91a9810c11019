/**
 * Fewer unknowns after a crash (hardening issue, item 3): `storemas serve`
 * sends one text through a simulated modem on a socat PTY and is killed with
 * SIGKILL at the worst moment — the network has taken the part, the +CMGS
 * with its MR has not reached StoreMAS. After the restart the part is
 * `unknown` (it may have gone out, so it is never sent again), and the status
 * report the network sends for it — an MR no recorded part holds — settles it
 * as delivered by itself, with the reason in the audit log. The simulator's
 * own log proves it went out once.
 */
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../main/auth/audit.js';
import { openSqlite } from '../../main/db/connection.js';
import { openCore } from '../../main/index.js';
import { startStandaloneSimulator, type StandaloneSimulator } from '../../main/modem/sim/standalone.js';
import { tempDir, testConfig } from '../support/appliance.js';
import { startServe, type ServeProcess } from '../support/cli.js';

const temp = tempDir('storemas-crash-evidence-');
const running: ServeProcess[] = [];
let sim: StandaloneSimulator | undefined;
afterAll(async () => {
  for (const serve of running) if (serve.child.exitCode === null && serve.child.signalCode === null) await serve.stop('SIGKILL');
  await sim?.stop();
  temp.remove();
});

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

it('a part the network took just before a SIGKILL is settled by its status report after the restart, and sent once', async () => {
  sim = await startStandaloneSimulator({
    link: path.join(temp.dir, 'ttySIM0'),
    // Reports come directly (+CDS) and want an AT+CNMA: one nobody acknowledges is stored on the SIM instead (TS 27.005 §3.4.1).
    modem: { latency: { commandMs: [0, 0], sendMs: [100, 100], bootMs: 0 }, statusReports: { delayMs: [300, 300] }, alwaysRequireAck: true, ackTimeoutMs: 1_000 },
  });
  const dataDir = path.join(temp.dir, 'data');
  const core = await openCore(testConfig(dataDir), { lock: false });
  await core.services.modems.add({ name: 'SIM-0', kind: 'serial', portPath: sim.link, limits: { minGapMs: 0, perHour: 1_000, perDay: 1_000 } }, SYSTEM_ACTOR);
  // A transactional notice (an order to collect): quiet hours never hold it, whatever the time this test runs.
  const queued = await core.services.messaging.outbox.enqueue([{ number: '13800138000' }], { text: '您预订的月饼已到店，请凭短信领取。', category: 'transactional', source: 'crash-test' }, SYSTEM_ACTOR);
  const id = queued.messageIds[0]!;
  await core.close();

  // The kill lands the moment the simulated network accepts the part, before its +CMGS goes back over the PTY.
  const first = await startServe(['--data-dir', dataDir, '--no-demo']);
  running.push(first);
  const killed = new Promise<void>((resolve) => {
    const off = sim!.modem.onAccepted(() => {
      off();
      first.child.kill('SIGKILL');
      resolve();
    });
  });
  await killed;
  expect(await first.stop('SIGKILL')).toBeNull();

  const db = openSqlite(path.join(dataDir, 'storemas.sqlite'));
  try {
    expect(await db('outbox_parts').where('message_id', id).first()).toMatchObject({ status: 'sending', mr: null });
    // While StoreMAS is down the network reports on the part; the report waits on the SIM.
    await until(async () => sim!.modem.status().storage, (storage) => Object.values(storage).some((s) => s.used === 1), 'the status report stored on the SIM');

    const second = await startServe(['--data-dir', dataDir, '--no-demo']);
    running.push(second);
    const message = await until(
      () => db('outbox_messages').where('id', id).first(),
      (m: { status: string }) => m.status === 'delivered',
      'the message to be settled by its status report',
    );
    expect(message).toMatchObject({ resolution: 'by-report', resolved_by: 'system', error_code: null });
    expect(await db('outbox_parts').where('message_id', id).first()).toMatchObject({ status: 'delivered', mr: sim.modem.acceptedLog()[0]!.mr });
    expect(await db('status_reports').where('evidence', 'resolved').count({ n: '*' })).toEqual([{ n: 1 }]);
    const audit = await db('audit_log').where({ action: 'messages.resolve.by-report', target: String(id) }).first();
    expect(JSON.parse(audit.detail).why).toMatch(/^Resolved automatically: status report MR \d+ from \+8613800138000 at /);
    // The simulator's own record: the part reached the network once, and was not sent again after the restart.
    await new Promise((r) => setTimeout(r, 500));
    expect(sim.modem.acceptedLog()).toHaveLength(1);
    expect(await second.stop('SIGTERM')).toBe(0);
  } finally {
    await db.destroy();
  }
}, 120_000);
