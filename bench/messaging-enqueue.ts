/**
 * Bulk enqueue (issue 4): 1,000,000 personalised, policy-filtered marketing
 * messages through the real Outbox.enqueue (streamed recipients, list lookup,
 * frequency-cap counts, consent, idempotency keys, salutation + signature +
 * opt-out hint, batched transactions) against a raw SQLite bulk insert of the
 * same rows (same table, same indexes, same multi-row INSERT, texts built by
 * plain concatenation, no checks) in the same run, each into its own fresh
 * database. Targets: ratio ≤ 2×, peak RSS ≤ 300 MB.
 *
 *   npx tsx bench/messaging-enqueue.ts [--count 1000000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SYSTEM_ACTOR } from '../main/auth/audit.js';
import { ManualClock } from '../main/clock.js';
import { defaultConfig } from '../main/config.js';
import { openCore, type OpenedCore } from '../main/index.js';
import { insertOutboxRows, type Recipient } from '../main/messaging/outbox/enqueue.js';

export interface EnqueueBenchResult {
  count: number;
  rawSeconds: number;
  enqueueSeconds: number;
  ratio: number;
  peakRssMb: number;
  queued: number;
  blocked: Record<string, number>;
  withinTarget: boolean;
}

const SURNAMES = ['王', '李', '张', '刘', '陈', '欧阳', '杨', '黄', '赵', '司马', '吴', '周'];
const GIVEN = ['伟', '芳', '娜', '秀英', '敏', '静', '丽', '强', '磊', '军'];
const GENDERS = ['M', 'F', 'U'];
const NOW = Date.UTC(2026, 10, 22, 2, 0, 0); // 10:00 in Shanghai: outside quiet hours

function mobile(i: number): string {
  return `+86139${String(i).padStart(8, '0')}`;
}

/** The audience, generated lazily: the whole point is that nobody holds a million of anything. */
function* audience(count: number): Generator<Recipient> {
  for (let i = 0; i < count; i += 1) {
    yield {
      number: mobile(i),
      memberId: i + 1,
      member: {
        name: SURNAMES[i % SURNAMES.length]! + GIVEN[(i >> 3) % GIVEN.length]!,
        gender: GENDERS[i % 3]!,
        points: (i * 37) % 5000,
        marketingConsent: i % 50 !== 0,
      },
    };
  }
}

async function open(clock: ManualClock): Promise<{ core: OpenedCore; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-bench-enqueue-'));
  const core = await openCore(
    defaultConfig({ dataDir: dir, port: 0, logLevel: 'warn', logToConsole: false, auth: { sessionIdleMinutes: 30, maxFailedLogins: 5, lockoutMinutes: 15, scryptCost: 1024 } }),
    { clock, lock: false },
  );
  return { core, dir };
}

async function rawInsert(count: number, batchSize: number): Promise<number> {
  const { core, dir } = await open(new ManualClock(NOW));
  const db = core.services.db;
  const started = performance.now();
  let rows: unknown[][] = [];
  const flush = async () => {
    const chunk = rows;
    rows = [];
    await db.transaction((trx) => insertOutboxRows(trx, chunk));
  };
  for (const r of audience(count)) {
    const m = r.member!;
    const title = m.gender === 'M' ? '先生' : m.gender === 'F' ? '女士' : '';
    const text = `尊敬的${title ? m.name!.slice(0, 1) + title : '会员'}:本周会员日全场八折，积分${m.points}可抵现，回T退订【好又多超市】`;
    rows.push([r.number, text, 'marketing', 2, 'queued', null, null, null, `campaign:1:${r.memberId}`, r.memberId, 'b1', 'campaign', null, null, null, false, 1, NOW, null, null, NOW, 'system', NOW, null, null]);
    if (rows.length >= batchSize) await flush();
  }
  await flush();
  const seconds = (performance.now() - started) / 1000;
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return seconds;
}

export async function run(options: { count?: number; batchSize?: number; log?: (line: string) => void } = {}): Promise<EnqueueBenchResult> {
  const count = options.count ?? 1_000_000;
  const batchSize = options.batchSize ?? 2_000;
  const log = options.log ?? console.log;
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

  log(`raw SQLite bulk insert of ${count.toLocaleString()} rows …`);
  const rawSeconds = await rawInsert(count, batchSize);
  log(`  ${rawSeconds.toFixed(1)} s (${Math.round(count / rawSeconds).toLocaleString()} rows/s)`);

  const clock = new ManualClock(NOW);
  const { core, dir } = await open(clock);
  // Policy has something to do: 2% without consent (above), 1% blacklisted, some already capped.
  const db = core.services.db;
  const listed: unknown[] = [];
  for (let i = 7; i < count; i += 100) listed.push({ list: 'black', mobile: mobile(i), scope: i % 200 === 7 ? 'all' : 'marketing', reason: '', source: 'import', created_at: NOW, updated_at: NOW });
  for (let i = 0; i < listed.length; i += 500) await db('number_lists').insert(listed.slice(i, i + 500));

  log(`Outbox.enqueue of ${count.toLocaleString()} personalised, policy-filtered messages …`);
  const started = performance.now();
  let lastLog = started;
  const result = await core.services.messaging.outbox.enqueue(
    audience(count),
    { text: '{称呼}:本周会员日全场八折，积分{积分}可抵现', category: 'marketing', source: 'campaign', idempotencyPrefix: 'campaign:1', batch: { label: 'bench', kind: 'campaign' } },
    SYSTEM_ACTOR,
    {
      onBatch: (tally) => {
        if (performance.now() - lastLog > 5_000) {
          lastLog = performance.now();
          log(`  … ${tally.total.toLocaleString()}`);
        }
      },
    },
  );
  const enqueueSeconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  await core.close();
  fs.rmSync(dir, { recursive: true, force: true });
  const peakRssMb = Math.round(peakRss / 1024 / 1024);
  const ratio = enqueueSeconds / rawSeconds;
  log(`  ${enqueueSeconds.toFixed(1)} s (${Math.round(count / enqueueSeconds).toLocaleString()} messages/s); queued ${result.queued.toLocaleString()}, blocked ${JSON.stringify(result.blocked)}`);
  log(`ratio enqueue / raw insert: ${ratio.toFixed(2)}× (target ≤ 2×); peak RSS ${peakRssMb} MB (target ≤ 300 MB)`);
  return { count, rawSeconds, enqueueSeconds, ratio, peakRssMb, queued: result.queued, blocked: result.blocked, withinTarget: ratio <= 2 && peakRssMb <= 300 };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const countArg = process.argv.indexOf('--count');
  const result = await run({ count: countArg > 0 ? Number(process.argv[countArg + 1]) : undefined });
  process.exitCode = result.withinTarget ? 0 : 1;
}
