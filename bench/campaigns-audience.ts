/**
 * Campaign audience to outbox (issue 11): a campaign whose audience is a
 * member filter over N members (default 1,000,000), from submit until every
 * message is queued — the real scheduler and runner (keyset pages of the
 * filter, hold-out draw, per-run idempotency keys, cursor saved per page) —
 * against Outbox.enqueue of the same recipients given as a list, in the same
 * run, each into its own copy of the same members database. Alternating
 * runs, medians, machine load printed. Targets: ratio ≤ 1.5×, peak RSS ≤ 300 MB.
 * Each timed step runs in a child process of its own, so its peak RSS is its
 * own (not the seeding's); the child runs this file bundled as the appliance
 * ships its core (plain JavaScript, see support/bundle.ts), so its peak RSS —
 * the whole process's, start-up included — is what a store's PC would see.
 *
 *   npx tsx bench/campaigns-audience.ts [--count 1000000] [--rounds 3]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SYSTEM_ACTOR } from '../main/auth/audit.js';
import { campaignInput, MANAGER, seedMembers, testMobile } from '../main/campaigns/testing.js';
import { ManualClock } from '../main/clock.js';
import { defaultConfig } from '../main/config.js';
import { openCore, type OpenedCore } from '../main/index.js';
import type { Recipient } from '../main/messaging/outbox/enqueue.js';
import { bundleForChild } from './support/bundle.js';

const NOW = Date.UTC(2026, 11, 7, 2, 0); // Monday 10:00 in Shanghai: outside quiet hours
const TEXT = '{称呼}，本周六会员日全场八折，积分{积分}可抵现';
const NAMES = ['王芳', '李强', '张伟', '刘洋', '陈静'];

async function open(dir: string): Promise<OpenedCore> {
  return openCore(
    defaultConfig({ dataDir: dir, port: 0, logLevel: 'warn', logToConsole: false, auth: { sessionIdleMinutes: 30, maxFailedLogins: 5, lockoutMinutes: 15, scryptCost: 1024 } }),
    { clock: new ManualClock(NOW), lock: false },
  );
}

/** The same members seedMembers writes, as a list a caller would hand to bulk enqueue. */
function* listed(count: number): Generator<Recipient> {
  for (let i = 1; i <= count; i += 1) {
    yield {
      number: testMobile(i),
      memberId: i,
      member: { name: NAMES[i % 5]!, gender: i % 2 === 0 ? 'F' : 'M', points: i * 10, cardNo: i % 3 === 0 ? null : `8800${String(i).padStart(8, '0')}`, marketingConsent: i % 10 !== 0 },
      idempotencyKey: `bench:${i}`,
    };
  }
}

function copyOf(template: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-bench-campaign-'));
  for (const file of fs.readdirSync(template)) fs.cpSync(path.join(template, file), path.join(dir, file), { recursive: true });
  return dir;
}

interface StepResult {
  seconds: number;
  queued: number;
  /** Peak RSS of the step's process over its whole life, MB. */
  peakRssMb: number;
  /** RSS when the step started: the loaded code and the open core. */
  startRssMb: number;
}

const rssMb = () => Math.round(process.memoryUsage().rss / 1048576);
const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function timeList(dir: string, count: number): Promise<StepResult> {
  const core = await open(dir);
  try {
    const startRssMb = rssMb();
    const started = performance.now();
    const tally = await core.services.messaging.outbox.enqueue(listed(count), { text: TEXT, category: 'marketing', source: 'campaign', batch: { label: 'bench', kind: 'campaign' } }, SYSTEM_ACTOR);
    return { seconds: (performance.now() - started) / 1000, queued: tally.queued, peakRssMb: peakRssMb(), startRssMb };
  } finally {
    await core.close();
  }
}

async function timeCampaign(dir: string): Promise<StepResult> {
  const core = await open(dir);
  const { campaigns, db } = core.services;
  try {
    const created = await campaigns.create(MANAGER, campaignInput({ name: 'bench', audience: { kind: 'filter', filter: {} }, text: TEXT, schedule: { kind: 'now' } }));
    const startRssMb = rssMb();
    const started = performance.now();
    await campaigns.submit(MANAGER, created.id);
    await campaigns.tick();
    await campaigns.whenIdle();
    const seconds = (performance.now() - started) / 1000;
    const peak = peakRssMb();
    const [row] = await db('outbox_messages').where('status', 'queued').count<Array<{ n: number | string }>>({ n: '*' });
    return { seconds, queued: Number(row?.n ?? 0), peakRssMb: peak, startRssMb };
  } finally {
    await campaigns.stop();
    await core.close();
  }
}

/** One timed step in a fresh process on a fresh copy of the members database: its time, and its own peak RSS. */
async function inChild(bundle: string, which: 'list' | 'campaign', template: string, count: number): Promise<StepResult> {
  const dir = copyOf(template);
  try {
    const child = spawn(process.execPath, [bundle, '--step', which, '--dir', dir, '--count', String(count)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const line = out.trim().split('\n').at(-1) ?? '';
    if (code !== 0 || !line.startsWith('{')) throw new Error(`the ${which} step failed (exit ${String(code)}): ${out}`);
    return JSON.parse(line) as StepResult;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function run(options: { count?: number; rounds?: number; log?: (line: string) => void } = {}) {
  const count = options.count ?? 1_000_000;
  const rounds = options.rounds ?? 3;
  const log = options.log ?? console.log;
  log(`machine: ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const template = fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-bench-members-'));
  const seeding = await open(template);
  log(`seeding ${count.toLocaleString()} members …`);
  await seedMembers(seeding.services.db, count, NOW);
  await seeding.services.campaigns.stop();
  await seeding.close();

  const bundle = await bundleForChild(fileURLToPath(import.meta.url));
  const list: number[] = [];
  const campaign: number[] = [];
  let peakRss = 0;
  let baselinePeakRss = 0;
  try {
    for (let round = 1; round <= rounds; round += 1) {
      // Alternate which goes first, so neither always gets the cooler machine.
      const order = round % 2 === 1 ? (['list', 'campaign'] as const) : (['campaign', 'list'] as const);
      for (const which of order) {
        const result = await inChild(bundle, which, template, count);
        (which === 'list' ? list : campaign).push(result.seconds);
        if (which === 'campaign') peakRss = Math.max(peakRss, result.peakRssMb);
        else baselinePeakRss = Math.max(baselinePeakRss, result.peakRssMb);
        log(
          `  round ${round} ${which.padEnd(8)} ${result.seconds.toFixed(2)} s, queued ${result.queued.toLocaleString()}, RSS at the start ${result.startRssMb} MB, peak ${result.peakRssMb} MB, load ${os.loadavg()[0]!.toFixed(2)}`,
        );
      }
    }
  } finally {
    fs.rmSync(template, { recursive: true, force: true });
  }
  const ratio = median(campaign) / median(list);
  const peakRssMb = peakRss;
  log(`median list ${median(list).toFixed(2)} s, campaign ${median(campaign).toFixed(2)} s`);
  log(`ratio campaign / bulk enqueue of the list: ${ratio.toFixed(2)}× (target ≤ 1.5×); campaign peak RSS ${peakRssMb} MB (target ≤ 300 MB; the list baseline's: ${baselinePeakRss} MB)`);
  return { count, ratio, peakRssMb, withinTarget: ratio <= 1.5 && peakRssMb <= 300 };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const step = arg('--step');
  if (step === 'list' || step === 'campaign') {
    const dir = arg('--dir')!;
    const result = step === 'list' ? await timeList(dir, Number(arg('--count'))) : await timeCampaign(dir);
    console.log(JSON.stringify(result));
  } else {
    const number = (name: string) => (arg(name) === undefined ? undefined : Number(arg(name)));
    const result = await run({ count: number('--count'), rounds: number('--rounds') });
    process.exitCode = result.withinTarget ? 0 : 1;
  }
}
