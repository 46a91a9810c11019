/**
 * The pure per-recipient work of bulk enqueue (issue 4): policy decide() and
 * personalised rendering, per message, plus the list lookup one enqueue batch
 * does (one query per 500 numbers) against a 100,000-entry blacklist in SQLite.
 * The baseline, measured in the same run, is JSON-serialising the same rows:
 * the least any enqueue does with a row before it inserts it.
 *
 *   npx tsx bench/messaging-policy.ts [--messages 1000000] [--listed 100000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuditLog } from '../main/auth/audit.js';
import { ManualClock } from '../main/clock.js';
import { openSqlite } from '../main/db/connection.js';
import { migrateToLatest } from '../main/db/migrate.js';
import { NumberLists } from '../main/messaging/lists/lists.js';
import { NOT_LISTED, decide, type ListStatus } from '../main/messaging/policy/policy.js';
import { POLICY_DEFAULTS } from '../main/messaging/policy/settings.js';
import { compileTemplate, renderMessage, renderOptionsFrom } from '../main/messaging/render/render.js';

const arg = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const MESSAGES = arg('messages', 1_000_000);
const LISTED = arg('listed', 100_000);
const NOW = Date.parse('2026-11-22T10:00:00+08:00');
const SURNAMES = ['张', '王', '李', '欧阳', '司马', '陈'];

const mobile = (i: number) => `+86139${String(i).padStart(8, '0')}`;
const member = (i: number) => ({
  name: `${SURNAMES[i % SURNAMES.length]}${i % 3 === 0 ? '小明' : '芳'}`,
  gender: i % 5 === 0 ? 'U' : i % 2 === 0 ? 'M' : 'F',
  points: i % 5000,
  storeName: '人民路店',
  cardNo: `8800${i}`,
  birthday: '1988-05-20',
});

function time<T>(run: () => T): { seconds: number; result: T } {
  const start = process.hrtime.bigint();
  const result = run();
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, result };
}

const blackStatus: ListStatus = { blacklist: { scope: 'marketing', source: 'opt-out', reason: '', expiresAt: null }, whitelist: null };

const baseline = time(() => {
  let bytes = 0;
  for (let i = 0; i < MESSAGES; i++) bytes += JSON.stringify({ to: mobile(i), ...member(i), at: NOW }).length;
  return bytes;
});

const decided = time(() => {
  let allowed = 0;
  for (let i = 0; i < MESSAGES; i++) {
    const decision = decide(
      { category: 'marketing', recipient: mobile(i), marketingConsent: i % 10 !== 0 },
      { now: NOW, settings: POLICY_DEFAULTS, lists: i % 50 === 0 ? blackStatus : NOT_LISTED, recentCommercialSends: i % 4 },
    );
    if (decision.allowed) allowed++;
  }
  return allowed;
});

const template = compileTemplate('{称呼}：本周六会员日，生鲜低至7折，您的积分{积分}分可抵现。{门店}期待您的光临！');
const options = renderOptionsFrom({ smsSignature: '【好又多超市】', storeName: '好又多超市' }, POLICY_DEFAULTS, 'marketing');
const rendered = time(() => {
  let parts = 0;
  for (let i = 0; i < MESSAGES; i++) parts += renderMessage(template, member(i), options).parts;
  return parts;
});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-bench-lists-'));
const db = openSqlite(path.join(dir, 'storemas.db'));
try {
  await migrateToLatest(db);
  const clock = new ManualClock(NOW);
  const lists = new NumberLists(db, clock, new AuditLog(db, clock), async () => 'Asia/Shanghai');
  for (let i = 0; i < LISTED; i += 500) {
    const rows = [];
    for (let j = i; j < Math.min(LISTED, i + 500); j++) {
      rows.push({ list: 'black', mobile: mobile(j * 2), scope: 'marketing', reason: '', source: 'import', created_at: NOW, updated_at: NOW });
    }
    await db('number_lists').insert(rows);
  }
  const lookupCount = LISTED;
  const start = process.hrtime.bigint();
  let hits = 0;
  for (let i = 0; i < lookupCount; i += 500) {
    const batch = Array.from({ length: 500 }, (_, j) => mobile(i + j));
    for (const status of (await lists.lookup(batch, NOW)).values()) if (status.blacklist) hits++;
  }
  const lookupSeconds = Number(process.hrtime.bigint() - start) / 1e9;

  const us = (seconds: number) => ((seconds / MESSAGES) * 1e6).toFixed(2);
  console.log(`messages: ${MESSAGES.toLocaleString()} (allowed ${decided.result.toLocaleString()}, parts ${rendered.result.toLocaleString()})`);
  console.log(`baseline JSON.stringify per row:  ${us(baseline.seconds)} µs  (${baseline.seconds.toFixed(2)} s)`);
  console.log(`decide() per message:             ${us(decided.seconds)} µs  (${decided.seconds.toFixed(2)} s, ${(decided.seconds / baseline.seconds).toFixed(2)}× baseline)`);
  console.log(`renderMessage() per message:      ${us(rendered.seconds)} µs  (${rendered.seconds.toFixed(2)} s, ${(rendered.seconds / baseline.seconds).toFixed(2)}× baseline)`);
  console.log(
    `lists.lookup: ${lookupCount.toLocaleString()} numbers in batches of 500 against ${LISTED.toLocaleString()} entries: ` +
      `${lookupSeconds.toFixed(2)} s, ${((lookupSeconds / lookupCount) * 1e6).toFixed(2)} µs per number, ${hits.toLocaleString()} hits`,
  );
} finally {
  await db.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
}
