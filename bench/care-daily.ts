/**
 * Member care's daily evaluation (issue 11): 1,000,000 members in the mirror
 * (birthdays spread over the year, 1 in 10 recorded by the lunar calendar,
 * points and last purchases spread), the birthday greeting, a points reminder
 * (≥ 5,000 points, once a quarter) and win-back (90–180 days) switched on.
 * Target: a day's evaluation ≤ 10 s.
 *
 * Measured, alternating, median of --runs:
 *  - preview: what the day would send, per automation, with who (nothing sent);
 *  - tick: the scheduler's step at the send time on a fresh day (queues
 *    birthdays and win-backs; the points reminders after their first day are
 *    all duplicates: the steady state);
 *  - baseline: outbox.enqueue of the same number of recipients given as a list
 *    (members with their fields, fresh keys): what queuing them costs anyway.
 *
 *   npx tsx bench/care-daily.ts [--members 1000000] [--runs 3] [--keep DIR]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { CLI_ACTOR } from '../main/auth/audit.js';
import { ManualClock } from '../main/clock.js';
import { defaultConfig } from '../main/config.js';
import { openSqlite } from '../main/db/connection.js';
import { migrateToLatest } from '../main/db/migrate.js';
import { openCore } from '../main/index.js';
import { lunarDateOf } from '../main/care/dates.js';
import type { Recipient } from '../main/messaging/outbox/enqueue.js';

function arg(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}
const keepIndex = process.argv.indexOf('--keep');
const keepDir = keepIndex >= 0 ? process.argv[keepIndex + 1] : undefined;
const members = arg('members', 1_000_000);
const runs = arg('runs', 3);
const log = (line: string) => console.log(line);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;
const load = () => os.loadavg()[0]!.toFixed(2);
const DAY = 86_400_000;
// 2027-03-01 00:00 Shanghai; each run is a later day (fresh birthdays).
const FIRST_DAY = Date.UTC(2027, 1, 28, 16, 0);

/** A small deterministic generator (mulberry32): the same mirror every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const dataDir = keepDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-bench-care-'));
fs.mkdirSync(dataDir, { recursive: true });
const databaseFile = path.join(dataDir, 'storemas.sqlite');
try {
  if (!fs.existsSync(databaseFile)) {
    log(`Writing ${members.toLocaleString()} members …`);
    const started = performance.now();
    const db = openSqlite(databaseFile);
    await migrateToLatest(db);
    const rnd = random(20261206);
    const CHUNK = 50; // rows per INSERT (SQLite's bound-variable limit)
    await db.transaction(async (trx) => {
      let rows: Array<Record<string, unknown>> = [];
      for (let i = 1; i <= members; i++) {
        const birth = new Date(Date.UTC(1950, 0, 1) + Math.floor(rnd() * 55 * 365) * DAY).toISOString().slice(0, 10);
        const lunar = rnd() < 0.1;
        const recorded = lunar ? (() => {
          const l = lunarDateOf(birth);
          return `${birth.slice(0, 4)}-${String(l.month).padStart(2, '0')}-${String(l.day).padStart(2, '0')}`;
        })() : birth;
        rows.push({
          source: 'pos',
          source_key: String(i),
          name: `会员${i}`,
          gender: rnd() < 0.5 ? 'F' : 'M',
          birthday: recorded,
          birthday_lunar: lunar,
          birth_month: Number(recorded.slice(5, 7)),
          birth_day: Number(recorded.slice(8, 10)),
          mobile: `+86138${String(i).padStart(8, '0')}`,
          points: Math.floor(rnd() * rnd() * 20_000),
          marketing_consent: rnd() < 0.9,
          last_purchase_at: FIRST_DAY - Math.floor(rnd() * 400) * DAY,
          created_at: 0,
          updated_at: 0,
        });
        if (rows.length === CHUNK) {
          await trx('members').insert(rows);
          rows = [];
        }
      }
      if (rows.length > 0) await trx('members').insert(rows);
    });
    await db.raw('ANALYZE');
    await db.destroy();
    log(`  ${round((performance.now() - started) / 1000, 1)} s`);
  } else {
    log(`Reusing the mirror in ${dataDir}`);
  }

  const clock = new ManualClock(FIRST_DAY);
  const core = await openCore({ ...defaultConfig(), dataDir, logLevel: 'warn' }, { clock, lock: false });
  const { db, care, messaging } = core.services;
  try {
    await db('outbox_messages').delete();
    await db('outbox_batches').delete();
    await db('care_runs').delete();
    const automations = await care.list();
    const on = automations.filter((a) => a.kind === 'birthday' || a.kind === 'winback' || a.kind === 'points');
    for (const a of automations) if (a.enabled) await care.setEnabled(CLI_ACTOR, a.id, false);
    const points = on.find((a) => a.kind === 'points')!;
    await care.update(CLI_ACTOR, points.id, { kind: 'points', name: points.name, text: points.text, sendTime: points.sendTime, leadDays: 0, audience: {}, settings: { ...points.settings, minPoints: 5000, period: 'quarter' } });
    for (const a of on) await care.setEnabled(CLI_ACTOR, a.id, true);

    // The points reminders' first day (the quarter's) queues them once; the runs below are the days after.
    clock.set(FIRST_DAY + 10.5 * 3_600_000);
    let t = performance.now();
    const first = await care.tick();
    log(`first day (points reminders of the quarter queued): ${round((performance.now() - t) / 1000)} s, ${first.map((r) => `${r.batchId} ${r.queued} queued`).join('; ')}`);

    const previewTimes: number[] = [];
    const tickTimes: number[] = [];
    const baselineTimes: number[] = [];
    const loads: string[] = [];
    let sample = '';
    for (let run = 0; run < runs; run++) {
      const dayStart = FIRST_DAY + (run + 1) * DAY;
      clock.set(dayStart + 10.5 * 3_600_000);
      loads.push(load());
      const date = new Date(dayStart + 8 * 3_600_000).toISOString().slice(0, 10);

      t = performance.now();
      const preview = await care.preview(date);
      previewTimes.push((performance.now() - t) / 1000);
      sample = preview.items.map((i) => `${i.name} ${i.count} (+${i.alreadySent} already)`).join(', ');

      t = performance.now();
      const done = await care.tick();
      tickTimes.push((performance.now() - t) / 1000);
      const queued = done.reduce((sum, r) => sum + r.queued + r.deferred + r.blocked, 0);
      const streamed = done.reduce((sum, r) => sum + r.total + r.duplicates, 0);

      // Baseline: the same number of recipients the tick streamed, as a list, with fresh keys.
      const rows = (await db('members').orderBy('id').limit(streamed).select('id', 'mobile', 'name', 'gender', 'points')) as Array<{ id: number; mobile: string; name: string; gender: string; points: number }>;
      const list: Recipient[] = rows.map((m) => ({ number: m.mobile, memberId: m.id, idempotencyKey: `bench:${run}:${m.id}`, member: { name: m.name, gender: m.gender as 'M', points: m.points, marketingConsent: true } }));
      t = performance.now();
      await messaging.outbox.enqueue(list, { text: '{称呼}：生日快乐', category: 'care', source: 'care', matchMembers: false }, CLI_ACTOR);
      baselineTimes.push((performance.now() - t) / 1000);
      log(
        `run ${run + 1} (${date}): preview ${round(previewTimes.at(-1)!)} s [${sample}]; tick ${round(tickTimes.at(-1)!)} s (${streamed.toLocaleString()} streamed, ${queued.toLocaleString()} new rows); baseline enqueue of ${list.length.toLocaleString()} as a list ${round(baselineTimes.at(-1)!)} s; load ${loads.at(-1)}`,
      );
    }
    const tick = median(tickTimes);
    const preview = median(previewTimes);
    const baseline = median(baselineTimes);
    log('');
    log(`members ${members.toLocaleString()}, cores ${os.cpus().length}, load ${loads.join(' / ')}`);
    log(`daily evaluation (tick) median ${round(tick)} s — target ≤ 10 s: ${tick <= 10 ? 'met' : 'NOT met'}; ratio to baseline enqueue ${round(tick / Math.max(baseline, 1e-6))}×`);
    log(`preview of a day median ${round(preview)} s`);
    log(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
    if (tick > 10) process.exitCode = 1;
  } finally {
    await core.close();
  }
} finally {
  if (!keepDir) fs.rmSync(dataDir, { recursive: true, force: true });
}
