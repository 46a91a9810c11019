/**
 * Crash safety of the outbox (issue 4): the appliance runs as a child process
 * (`storemas serve`) sending 2,000 messages through two standalone modem
 * simulators (every sixth message two parts long) on socat PTYs, and is killed with SIGKILL at random moments, ten
 * times, then restarted to finish. The simulators are the witnesses: from the
 * PDUs THEY accepted (decoded) we prove that no part reached a modem twice,
 * that every message the database calls sent or delivered really went out
 * whole, and that every message ended delivered, sent, failed, blocked or
 * unknown — none lost, none left queued.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../main/auth/audit.js';
import { openSqlite } from '../../main/db/connection.js';
import { openCore } from '../../main/index.js';
import { decodePdu } from '../../main/modem/pdu/index.js';
import { SimulatorControl } from '../../main/modem/sim/control-client.js';
import { tempDir, testConfig } from '../support/appliance.js';
import { CLI, REPO_ROOT, startServe, type ServeProcess } from '../support/cli.js';

const MESSAGES = 2_000;
const MODEMS = 2;
const KILLS = 10;
const FINAL = ['delivered', 'sent', 'failed', 'blocked', 'unknown'];

const temp = tempDir('storemas-crash-');
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  temp.remove();
});

function startSimulator(index: number): { control: SimulatorControl; link: string } {
  const link = path.join(temp.dir, `ttySIM${index}`);
  const socket = path.join(temp.dir, `sim${index}.sock`);
  const child = spawn(
    process.execPath,
    [CLI, 'modem-sim', '--link', link, '--latency', 'zero', '--control', socket, '--status-delay', '300', '--seed', String(index + 1), '--sm-slots', '200'],
    { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  children.push(child);
  return { control: new SimulatorControl(socket), link };
}

describe('crash safety', () => {
  it(`no part twice, no message lost: ${MESSAGES} messages, ${KILLS} SIGKILLs`, async () => {
    const dataDir = path.join(temp.dir, 'data');
    const sims = Array.from({ length: MODEMS }, (_, i) => startSimulator(i));
    await Promise.all(sims.map((s) => s.control.waitUntilReady(30_000)));

    // The data directory: two serial modems on the simulators' PTYs, and the whole send queued up front.
    const core = await openCore(testConfig(dataDir), { lock: false });
    for (const [i, sim] of sims.entries()) {
      // A short gap per part keeps the send going long enough to be interrupted ten times.
      await core.services.modems.add({ name: `SIM-${i}`, kind: 'serial', portPath: sim.link, limits: { minGapMs: 15, perHour: 1_000_000, perDay: 1_000_000 } }, SYSTEM_ACTOR);
    }
    const recipients = Array.from({ length: MESSAGES }, (_, i) => ({ number: `+86137${String(i).padStart(8, '0')}` }));
    const queued = await core.services.messaging.outbox.enqueue(
      // Every fifth message is two parts: a kill between parts must not resend the first.
      recipients,
      { text: '尊敬的会员：本周六会员日，生鲜八折，积分双倍。', category: 'transactional', source: 'crash-test' },
      SYSTEM_ACTOR,
    );
    const long = await core.services.messaging.outbox.enqueue(
      recipients.filter((_, i) => i % 5 === 0).map((r) => ({ number: r.number.replace('+86137', '+86136') })),
      { text: '尊敬的会员：本周六会员日全场生鲜八折，积分双倍，满一百元再送十元电子券，凭本短信到服务台另领鸡蛋一盒，欢迎光临好又多超市人民路店。', category: 'transactional', source: 'crash-test' },
      SYSTEM_ACTOR,
    );
    expect(queued.queued + long.queued).toBe(MESSAGES + MESSAGES / 5);
    expect(Number((await core.services.db('outbox_messages').where('part_count', 2).count({ n: '*' }))[0]!.n)).toBe(MESSAGES / 5);
    await core.close();
    const total = MESSAGES + MESSAGES / 5;

    const db = openSqlite(path.join(dataDir, 'storemas.sqlite'));
    const counts = async () => {
      const rows: Array<{ status: string; n: number }> = await db('outbox_messages').select('status').count({ n: '*' }).groupBy('status');
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    };

    const env = { STOREMAS_LOG_LEVEL: 'error' };
    const killedAt: number[] = [];
    const startSeconds: number[] = [];
    for (let kill = 0; kill < KILLS; kill += 1) {
      const before = (await counts()).queued ?? 0;
      const spawned = Date.now();
      const serve: ServeProcess = await startServe(['--data-dir', dataDir, '--no-demo'], env);
      children.push(serve.child);
      // Kill at a random moment while it is sending: once this run has sent something, 0–1.5 s later.
      const progressBy = Date.now() + 60_000;
      while (((await counts()).queued ?? 0) >= before && Date.now() < progressBy) await new Promise((r) => setTimeout(r, 50));
      startSeconds.push(Math.round((Date.now() - spawned) / 100) / 10);
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 1_500)));
      await serve.stop('SIGKILL');
      killedAt.push((await counts()).queued ?? 0);
    }
    expect(killedAt.every((left, i) => left < (i === 0 ? total : killedAt[i - 1]!)), `every run sent something before its kill: ${killedAt.join(', ')}`).toBe(true);

    // The last run finishes the queue; status reports then settle sent → delivered.
    const last = await startServe(['--data-dir', dataDir, '--no-demo'], env);
    children.push(last.child);
    const deadline = Date.now() + 90_000;
    let c = await counts();
    while (Date.now() < deadline && ((c.queued ?? 0) > 0 || (c.sending ?? 0) > 0)) {
      await new Promise((r) => setTimeout(r, 500));
      c = await counts();
    }
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await last.stop('SIGTERM')).toBe(0);
    c = await counts();

    // The simulators' own record of what reached them.
    const accepted = (await Promise.all(sims.map((s) => s.control.log()))).flat();
    const seen = new Map<string, number>();
    for (const entry of accepted) {
      const pdu = decodePdu(entry.pdu);
      if (pdu.type !== 'submit') throw new Error('the simulator logged a PDU that is not an SMS-SUBMIT');
      const key = `${pdu.recipient.number}|${pdu.concat?.sequence ?? 1}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    const twice = [...seen].filter(([, n]) => n > 1);
    expect(twice, `parts that reached a modem more than once: ${twice.map(([k]) => k).join(', ')}`).toEqual([]);

    const messages: Array<{ id: number; recipient: string; status: string; part_count: number }> = await db('outbox_messages').select('id', 'recipient', 'status', 'part_count');
    expect(messages).toHaveLength(total);
    const notFinal = messages.filter((m) => !FINAL.includes(m.status));
    expect(notFinal.map((m) => `${m.id}:${m.status}`)).toEqual([]);
    // What the database calls sent or delivered went out whole; what it never sent did not go out.
    for (const m of messages) {
      const partsSeen = Array.from({ length: m.part_count }, (_, i) => seen.get(`${m.recipient}|${i + 1}`) ?? 0);
      if (m.status === 'sent' || m.status === 'delivered') expect(partsSeen.every((n) => n === 1), `message ${m.id} is ${m.status}`).toBe(true);
      if (m.status === 'failed' || m.status === 'blocked') expect(partsSeen.some((n) => n > 0) && m.status === 'blocked', `message ${m.id}`).toBe(false);
    }
    const partsAccepted = accepted.length;
    const partsInDb = Number((await db('outbox_parts').whereIn('status', ['sent', 'delivered']).count({ n: '*' }))[0]!.n);
    // Unknown after a kill, then settled by a status report no recorded part held (crash-recovery.ts).
    const settledByReport = Number((await db('outbox_messages').where('resolution', 'by-report').count({ n: '*' }))[0]!.n);
    await db.destroy();
    console.log(
      `crash-safety: ${KILLS} SIGKILLs (queued left at each kill: ${killedAt.join(', ')}; seconds from spawn to first send: ${startSeconds.join(', ')}); ${total} messages: ` +
        `${JSON.stringify(c)} (${settledByReport} of them settled by their status report after a kill); ${partsAccepted} parts accepted by the simulators, ${partsInDb} parts sent/delivered in the database; no part twice`,
    );
    expect(fs.existsSync(dataDir)).toBe(true);
  }, 400_000);
});
