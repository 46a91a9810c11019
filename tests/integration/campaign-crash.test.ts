/**
 * A campaign survives SIGKILL (issue 11): `storemas serve` runs a campaign
 * over a 50,000-member filter audience, streaming it into the outbox and
 * sending through two modem simulators on socat PTYs, and is killed with
 * SIGKILL at random moments while queueing and sending, then restarted. The
 * simulators are the witnesses: no member's number reached a modem twice,
 * and the database holds exactly one message per member of the audience.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../../main/auth/audit.js';
import { campaignInput, MANAGER, seedMembers } from '../../main/campaigns/testing.js';
import { openSqlite } from '../../main/db/connection.js';
import { openCore } from '../../main/index.js';
import { POLICY_DEFAULTS } from '../../main/messaging/policy/settings.js';
import { decodePdu } from '../../main/modem/pdu/index.js';
import { SimulatorControl } from '../../main/modem/sim/control-client.js';
import { tempDir, testConfig } from '../support/appliance.js';
import { CLI, REPO_ROOT, startServe, type ServeProcess } from '../support/cli.js';

const MEMBERS = 50_000;
const KILLS = 3;

const temp = tempDir('storemas-campaign-crash-');
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  temp.remove();
});

function startSimulator(index: number): { control: SimulatorControl; link: string } {
  const link = path.join(temp.dir, `ttySIM${index}`);
  const socket = path.join(temp.dir, `sim${index}.sock`);
  const child = spawn(process.execPath, [CLI, 'modem-sim', '--link', link, '--latency', 'zero', '--control', socket, '--seed', String(index + 1), '--sm-slots', '200'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  return { control: new SimulatorControl(socket), link };
}

describe('a campaign killed mid-run', () => {
  it(`texts nobody twice: ${MEMBERS.toLocaleString()} members, ${KILLS} SIGKILLs while queueing and sending`, async () => {
    const dataDir = path.join(temp.dir, 'data');
    const sims = Array.from({ length: 2 }, (_, i) => startSimulator(i));
    await Promise.all(sims.map((s) => s.control.waitUntilReady(30_000)));

    const core = await openCore(testConfig(dataDir), { lock: false });
    for (const [i, sim] of sims.entries()) {
      await core.services.modems.add({ name: `SIM-${i}`, kind: 'serial', portPath: sim.link, limits: { minGapMs: 5, perHour: 1_000_000, perDay: 1_000_000 } }, SYSTEM_ACTOR);
    }
    // Whatever the hour the test runs at: no quiet hours to hold the texts back.
    await core.services.settings.update(SYSTEM_ACTOR, { policy: { ...POLICY_DEFAULTS, quietHours: { ...POLICY_DEFAULTS.quietHours, enabled: false } } });
    await seedMembers(core.services.db, MEMBERS, Date.now());
    const campaign = await core.services.campaigns.create(MANAGER, campaignInput({ name: '崩溃测试', audience: { kind: 'filter', filter: {} }, text: '{称呼}，周六会员日八折', schedule: { kind: 'now' } }));
    await core.services.campaigns.submit(MANAGER, campaign.id);
    await core.services.campaigns.stop();
    await core.close();

    const db = openSqlite(path.join(dataDir, 'storemas.sqlite'));
    const progress = async () => {
      const [row] = (await db('outbox_messages').count({ n: '*' }).sum({ sent: db.raw("CASE WHEN status IN ('sent', 'delivered') THEN 1 ELSE 0 END") })) as Array<{ n: number; sent: number | null }>;
      return { written: Number(row?.n ?? 0), sent: Number(row?.sent ?? 0) };
    };
    const env = { STOREMAS_LOG_LEVEL: 'error' };
    const killedAt: string[] = [];
    for (let kill = 0; kill < KILLS; kill += 1) {
      const before = await progress();
      const serve: ServeProcess = await startServe(['--data-dir', dataDir, '--no-demo'], env);
      children.push(serve.child);
      // Once this run has done something (queued or sent more), kill it 0–1.5 s later.
      const by = Date.now() + 60_000;
      for (let now = await progress(); now.written === before.written && now.sent === before.sent && Date.now() < by; now = await progress()) {
        await new Promise((r) => setTimeout(r, 50));
      }
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 1_500)));
      await serve.stop('SIGKILL');
      const after = await progress();
      killedAt.push(`${after.written}/${after.sent}`);
    }

    // The last run queues the rest; once every member has a message and some more went out, stop it.
    const last = await startServe(['--data-dir', dataDir, '--no-demo'], env);
    children.push(last.child);
    const deadline = Date.now() + 120_000;
    let run = (await db('campaign_runs').where('campaign_id', campaign.id).first()) as { state: string; cursor: number | string } | undefined;
    while (Date.now() < deadline && run?.state === 'enqueuing') {
      await new Promise((r) => setTimeout(r, 500));
      run = await db('campaign_runs').where('campaign_id', campaign.id).first();
    }
    const sentBefore = (await progress()).sent;
    const sendingBy = Date.now() + 30_000;
    while ((await progress()).sent < sentBefore + 50 && Date.now() < sendingBy) await new Promise((r) => setTimeout(r, 200));
    expect(await last.stop('SIGTERM')).toBe(0);

    expect(run?.state).not.toBe('enqueuing');
    const runs = Number((await db('campaign_runs').where('campaign_id', campaign.id).count({ n: '*' }))[0]!.n);
    expect(runs, 'a restart goes on with the same run').toBe(1);
    // One message per member of the audience, whatever the outcome (queued, sent, blocked for consent …).
    const rows: Array<{ member_id: number; n: number }> = await db('outbox_messages').select('member_id').count({ n: '*' }).groupBy('member_id').havingRaw('COUNT(*) > 1');
    expect(rows, 'members with more than one message').toEqual([]);
    const written = await progress();
    expect(written.written).toBe(MEMBERS);

    // The simulators' own record: no number reached a modem twice, and each is a member's.
    const accepted = (await Promise.all(sims.map((s) => s.control.log()))).flat();
    const seen = new Map<string, number>();
    for (const entry of accepted) {
      const pdu = decodePdu(entry.pdu);
      if (pdu.type !== 'submit') throw new Error('the simulator logged a PDU that is not an SMS-SUBMIT');
      seen.set(pdu.recipient.number, (seen.get(pdu.recipient.number) ?? 0) + 1);
    }
    expect([...seen].filter(([, n]) => n > 1).map(([number]) => number), 'numbers texted twice').toEqual([]);
    expect(accepted.length).toBeGreaterThan(0);
    const reached = new Set((await db('outbox_messages').whereIn('status', ['sent', 'delivered', 'unknown', 'sending']).pluck('recipient')).map((r: string) => r.replace(/^\+/, '')));
    expect([...seen.keys()].filter((number) => !reached.has(number.replace(/^\+/, ''))), 'texts the database does not know it sent').toEqual([]);
    await db.destroy();
    console.log(`campaign-crash: ${KILLS} SIGKILLs (written/sent at each kill: ${killedAt.join(', ')}); ${MEMBERS} members, ${written.written} messages written, ${accepted.length} texts accepted by the simulators, none twice`);
  }, 400_000);
});
