/**
 * SMS services (issue 10): from an inbound text stored (its row committed) to
 * its answer queued, at 50 texts per second (open loop: texts arrive on
 * schedule whether or not the previous ones are done), through the real Inbox,
 * handler chain and SMS services on a real SQLite file holding 1,000,000
 * members and 100,000 products (300,000 stock rows, the 库存 index built).
 *
 * The mix is what a store sees: 积分 45%, 消费 20%, 促销 10%, 库存 from staff
 * 10% (names, initials, codes), texts that are no keyword 10%, 积分 from
 * numbers that are no member 5%. Every sender is new to its run (the per-number
 * auto-reply limit never interferes).
 *
 * Baseline in the same run: the same texts through the plain inbox chain
 * without the services (store, opt-out check, processed mark). Runs alternate
 * (baseline, services) three times; medians are printed with the machine load.
 * Target: services p99 ≤ 20 ms.
 *
 *   npx tsx bench/services-inbound.ts [--seconds 10] [--rate 50] [--rounds 3] [--members 1000000] [--products 100000] [--keep DIR]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Knex } from 'knex';
import { SYSTEM_ACTOR } from '../main/auth/audit.js';
import { systemClock } from '../main/clock.js';
import { defaultConfig } from '../main/config.js';
import { openCore, type OpenedCore } from '../main/index.js';
import type { PromotionLine, StrategyAnswers } from '../main/sms-services/strategy-answers.js';

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤';
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉梅红飞鹏建国志强海燕雪琳晓东丹宇浩然子涵欣怡梓轩雨萱俊杰佳琪';
const BRANDS = ['金龙鱼', '福临门', '鲁花', '海天', '李锦记', '康师傅', '统一', '蒙牛', '伊利', '光明', '农夫山泉', '可口可乐', '百事', '旺旺', '良品铺子', '三只松鼠', '青岛', '雪花', '思念', '三全', '湾仔码头', '维达', '清风', '心相印', '蓝月亮', '立白', '舒肤佳', '高露洁'];
const GOODS = ['东北大米', '花生油', '生抽', '老抽', '陈醋', '蚝油', '薯片', '牛肉干', '饼干', '瓜子', '矿泉水', '绿茶', '可乐', '橙汁', '纯牛奶', '酸奶', '啤酒', '白酒', '水饺', '汤圆', '羊肉卷', '鸡翅', '苹果', '香蕉', '洗衣液', '牙膏', '抽纸', '卷纸', '保鲜膜', '方便面', '八宝粥', '火腿肠', '面包', '蛋糕', '纸尿裤', '奶粉'];
const SIZES = ['250ml', '500ml', '1L', '1.5L', '5L', '100g', '250g', '500g', '1kg', '2.5kg', '5kg', '6连包', '12盒装', '散装', '礼盒', '家庭装'];
const STORES = ['S01', 'S02', 'S03', 'S04', 'S05'];

export interface ServicesBenchRun {
  kind: 'baseline' | 'services';
  texts: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  replies: number;
  /** Process CPU (all threads: JS and SQLite's) per text, ms: what a loaded machine cannot inflate. */
  cpuPerText: number;
  /** p99 per kind of text (积分, 库存 …): where the slow answers are. */
  p99ByKind: Record<string, number>;
}

export interface ServicesBenchResult {
  members: number;
  products: number;
  generateSeconds: number;
  indexSeconds: number;
  runs: ServicesBenchRun[];
  baselineP99: number;
  servicesP99: number;
  servicesP50: number;
  loadAverage: number;
  withinTarget: boolean;
}

/** Small deterministic PRNG so every run asks about the same data. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const mobileOf = (i: number) => `+86139${String(i).padStart(8, '0')}`;
const round = (n: number) => Math.round(n * 10) / 10;

/** Plain multi-row INSERTs in big transactions: knex's SQLite batch insert is limited to 500 terms. */
async function insertRows(db: Knex, table: string, rows: Array<Record<string, unknown>>): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const perStatement = Math.floor(30_000 / columns.length);
  await db.transaction(async (trx) => {
    for (let i = 0; i < rows.length; i += perStatement) {
      const chunk = rows.slice(i, i + perStatement);
      const tuple = `(${columns.map(() => '?').join(',')})`;
      await trx.raw(`INSERT INTO ${table} (${columns.join(',')}) VALUES ${chunk.map(() => tuple).join(',')}`, chunk.flatMap((r) => columns.map((c) => r[c] as never)));
    }
  });
}

/**
 * Runs the bulk load with the tables' secondary indexes dropped and builds
 * them again afterwards (as SQLite does best: from sorted keys): the schema
 * the services then read is exactly the migrated one.
 */
async function withoutIndexes<T>(db: Knex, tables: string[], load: () => Promise<T>): Promise<T> {
  const indexes = (await db.raw(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (${tables.map(() => '?').join(',')})`, tables)) as Array<{ name: string; sql: string }>;
  for (const index of indexes) await db.raw(`DROP INDEX "${index.name}"`);
  const result = await load();
  for (const index of indexes) await db.raw(index.sql);
  return result;
}

async function generate(core: OpenedCore, members: number, products: number, now: number, log: (line: string) => void): Promise<string[]> {
  return withoutIndexes(core.services.db, ['members', 'sales', 'products', 'inventory'], () => generateRows(core, members, products, now, log));
}

async function generateRows(core: OpenedCore, members: number, products: number, now: number, log: (line: string) => void): Promise<string[]> {
  const db = core.services.db;
  const rand = random(7);
  const pick = <T>(list: readonly T[] | string) => list[Math.floor(rand() * list.length)] as T;
  await insertRows(db, 'stores', STORES.map((code, i) => ({ code, name: ['人民路店', '解放路店', '滨江店', '高新店', '万达店'][i], created_at: now, updated_at: now })));
  await db('store_connections').insert({ name: 'POS', client: 'sqlite', settings: '{}', last_sync_at: now - 600_000, created_at: now, updated_at: now });
  const BATCH = 50_000;
  for (let offset = 0; offset < members; offset += BATCH) {
    const rows: Array<Record<string, unknown>> = [];
    for (let i = offset; i < Math.min(members, offset + BATCH); i++) {
      const bought = rand() < 0.9;
      rows.push({
        source: 'pos',
        source_key: `M${i}`,
        store_code: pick(STORES),
        card_no: `C${String(i).padStart(9, '0')}`,
        name: pick<string>(SURNAMES) + pick<string>(GIVEN) + (rand() < 0.6 ? pick<string>(GIVEN) : ''),
        gender: rand() < 0.52 ? 'F' : 'M',
        mobile: mobileOf(i),
        points: Math.floor(rand() * rand() * 20_000),
        last_purchase_at: bought ? now - Math.floor(rand() * 365 * 86_400_000) : null,
        last_purchase_cents: bought ? Math.floor(rand() * 50_000) : null,
        total_spent_cents: 0,
        created_at: now,
        updated_at: now,
      });
    }
    await insertRows(db, 'members', rows);
    if ((offset / BATCH) % 4 === 0) log(`  ${offset + rows.length} members`);
  }
  // Receipts for the members the 消费 texts ask about (every 10th member): ~20 a year each.
  const sales: Array<Record<string, unknown>> = [];
  for (let id = 1; id <= members; id += 10) {
    for (let k = 0; k < 20; k++) sales.push({ receipt_no: `R${id}-${k}`, store_code: pick(STORES), member_id: id, sold_at: now - Math.floor(rand() * 365 * 86_400_000), total_cents: Math.floor(rand() * 30_000), updated_at: now });
    if (sales.length >= 100_000) await insertRows(db, 'sales', sales.splice(0));
  }
  await insertRows(db, 'sales', sales);
  const names: string[] = [];
  const productRows: Array<Record<string, unknown>> = [];
  const stock: Array<Record<string, unknown>> = [];
  for (let i = 0; i < products; i++) {
    const name = `${pick(BRANDS)}${pick(GOODS)} ${pick(SIZES)}`;
    names.push(name);
    const code = `P${String(i).padStart(6, '0')}`;
    productRows.push({ code, barcode: `69${String(i).padStart(11, '0')}`, name, category: '', unit: '件', created_at: now, updated_at: now });
    for (const store of STORES.slice(0, 3)) stock.push({ store_code: store, product_code: code, quantity: Math.floor(rand() * 500), updated_at: now });
  }
  await insertRows(db, 'products', productRows);
  await insertRows(db, 'inventory', stock);
  for (let s = 0; s < 300; s++) {
    await core.services.staff.create(SYSTEM_ACTOR, { name: `店员${s}`, mobile: `+86138${String(s).padStart(8, '0')}`, allStores: s % 2 === 0, storeCodes: s % 2 === 0 ? [] : ['S01', 'S02'] });
  }
  return names;
}

/** A fixed strategy engine: twenty promotions across the stores (the engine's own cost is its benchmark's). */
function promotions(now: number): StrategyAnswers {
  const lines: PromotionLine[] = Array.from({ length: 20 }, (_, i) => ({ strategyId: i + 1, storeCode: STORES[i % 5]!, storeName: null, text: `${BRANDS[i]!}${GOODS[i]!} 8.5折(至12/31)`, endsAt: now + 7 * 86_400_000 }));
  return {
    activePromotions: async ({ preferStoreCode }) => [...lines].sort((a, b) => Number(b.storeCode === preferStoreCode) - Number(a.storeCode === preferStoreCode)),
    list: async () => ({ items: [], total: 0 }),
    get: async () => {
      throw new Error('no strategies in the benchmark');
    },
    approve: async () => {
      throw new Error('no strategies in the benchmark');
    },
    reject: async () => {
      throw new Error('no strategies in the benchmark');
    },
  };
}

/** The texts of one run: senders never repeat across runs. */
type BenchText = { from: string; text: string; kind: 'points' | 'spending' | 'promotions' | 'stock' | 'other' | 'not-member' };

function texts(run: number, count: number, members: number, names: string[], rand: () => number): BenchText[] {
  const out: BenchText[] = [];
  for (let i = 0; i < count; i++) {
    const r = rand();
    const member = (run * count + i) * 97 % members;
    if (r < 0.45) out.push({ kind: 'points', from: mobileOf(member), text: ['积分', 'JF', '我的积分是多少？', '查积分'][i % 4]! });
    else if (r < 0.65) out.push({ kind: 'spending', from: mobileOf(member - (member % 10)), text: ['消费', 'XF'][i % 2]! });
    else if (r < 0.75) out.push({ kind: 'promotions', from: mobileOf(member), text: ['促销', 'CX', '促销2'][i % 3]! });
    else if (r < 0.85) {
      const name = names[Math.floor(rand() * names.length)]!;
      const goods = GOODS.find((g) => name.includes(g)) ?? '可乐';
      const variants = [`库存 ${goods}`, `KC ${name.replace(/ .*/, '')}`, `库存 P${String(Math.floor(rand() * names.length)).padStart(6, '0')}`, 'kc yrj', `库存 ${name}`];
      out.push({ kind: 'stock', from: `+86138${String((run * count + i) % 300).padStart(8, '0')}`, text: variants[i % variants.length]! });
    } else if (r < 0.95) out.push({ kind: 'other', from: mobileOf(member), text: ['你好，请问几点关门', '谢谢', '😀', '在吗'][i % 4]! });
    else out.push({ kind: 'not-member', from: `+86137${String(run * count + i).padStart(8, '0')}`, text: '积分' });
  }
  return out;
}

async function measure(core: OpenedCore, kind: 'baseline' | 'services', batch: BenchText[], rate: number, run: number): Promise<ServicesBenchRun> {
  const { inbox } = core.services.messaging;
  if (kind === 'baseline') core.services.smsServices.detach();
  else core.services.smsServices.attach(inbox);
  const before = Number(((await core.services.db('outbox_messages').count({ n: '*' })) as Array<{ n: number }>)[0]!.n);
  const latencies: number[] = [];
  const byKind = new Map<string, number[]>();
  const pending: Array<Promise<void>> = [];
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (const [i, message] of batch.entries()) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(
      (async () => {
        const stored = await inbox.write({ modemId: `sim-${(i % 4) + 1}`, sender: message.from, text: message.text, key: `bench-${run}-${i}` });
        const committed = performance.now();
        await inbox.processStored(stored.stored);
        const latency = performance.now() - committed;
        latencies.push(latency);
        byKind.set(message.kind, [...(byKind.get(message.kind) ?? []), latency]);
      })(),
    );
  }
  await Promise.all(pending);
  const cpu = process.cpuUsage(cpuBefore);
  const after = Number(((await core.services.db('outbox_messages').count({ n: '*' })) as Array<{ n: number }>)[0]!.n);
  const sorted = latencies.sort((a, b) => a - b);
  const p99ByKind = Object.fromEntries([...byKind].map(([k, values]) => [k, percentile(values.sort((a, b) => a - b), 99)]));
  return { kind, texts: batch.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99), max: sorted[sorted.length - 1]!, replies: after - before, cpuPerText: (cpu.user + cpu.system) / 1000 / batch.length, p99ByKind };
}

export async function run(
  options: { seconds?: number; rate?: number; rounds?: number; members?: number; products?: number; keep?: string | undefined; log?: (line: string) => void } = {},
): Promise<ServicesBenchResult> {
  const seconds = options.seconds ?? 10;
  const rate = options.rate ?? 50;
  const rounds = options.rounds ?? 3;
  const memberCount = options.members ?? 1_000_000;
  const productCount = options.products ?? 100_000;
  const log = options.log ?? console.log;
  const dir = options.keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-bench-services-'));
  const reuse = options.keep !== undefined && fs.existsSync(path.join(dir, 'storemas.sqlite'));
  const core = await openCore(
    defaultConfig({ dataDir: dir, port: 0, logLevel: 'warn', logToConsole: false, auth: { sessionIdleMinutes: 30, maxFailedLogins: 5, lockoutMinutes: 15, scryptCost: 1024 } }),
    { clock: systemClock, lock: false },
  );
  try {
    const now = systemClock.now();
    let started = performance.now();
    let names: string[];
    if (reuse) {
      names = ((await core.services.db('products').select('name').orderBy('id')) as Array<{ name: string }>).map((r) => r.name);
      // What earlier runs left: their texts and answers (the auto-reply limit and the help-once rule would see them).
      for (const table of ['outbox_parts', 'outbox_messages', 'inbox_messages', 'conversations', 'sms_query_log', 'number_lists']) await core.services.db(table).delete();
      log(`reusing the mirror in ${dir}`);
    } else {
      log(`generating ${memberCount} members, ${productCount} products …`);
      names = await generate(core, memberCount, productCount, now, log);
      await core.services.db.raw('ANALYZE');
    }
    const generateSeconds = round((performance.now() - started) / 1000);
    started = performance.now();
    const indexed = await core.services.smsServices.refreshProductIndex();
    const indexSeconds = round((performance.now() - started) / 1000);
    if (!reuse) log(`generated in ${generateSeconds} s; 库存 index: ${indexed.indexed} products in ${indexSeconds} s`);
    core.services.smsServices.strategies = promotions(now);
    // Warm-up (caches, statements): not measured.
    const rand = random(11);
    await measure(core, 'services', texts(99, 100, memberCount, names, rand), rate, 99);
    const runs: ServicesBenchRun[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const kind of ['baseline', 'services'] as const) {
        const index = round * 2 + (kind === 'services' ? 1 : 0);
        const result = await measure(core, kind, texts(index, seconds * rate, memberCount, names, rand), rate, index);
        runs.push(result);
        log(
          `  ${kind.padEnd(8)} ${result.texts} texts at ${rate}/s: p50 ${result.p50.toFixed(1)} ms, p95 ${result.p95.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, max ${result.max.toFixed(1)} ms; CPU ${result.cpuPerText.toFixed(2)} ms/text; ${result.replies} answers queued; p99 by kind: ${Object.entries(result.p99ByKind).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`,
        );
      }
    }
    const baselineP99 = median(runs.filter((r) => r.kind === 'baseline').map((r) => r.p99));
    const servicesP99 = median(runs.filter((r) => r.kind === 'services').map((r) => r.p99));
    const servicesP50 = median(runs.filter((r) => r.kind === 'services').map((r) => r.p50));
    const baselineCpu = median(runs.filter((r) => r.kind === 'baseline').map((r) => r.cpuPerText));
    const servicesCpu = median(runs.filter((r) => r.kind === 'services').map((r) => r.cpuPerText));
    const loadAverage = os.loadavg()[0]!;
    const withinTarget = servicesP99 <= 20;
    log(
      `stored → answer queued, ${memberCount} members, ${productCount} products, ${rate} texts/s (median of ${rounds} alternating runs): ` +
        `services p50 ${servicesP50.toFixed(1)} ms, p99 ${servicesP99.toFixed(1)} ms (target ≤ 20 ms) — plain inbox chain p99 ${baselineP99.toFixed(1)} ms ` +
        `(×${(servicesP99 / Math.max(0.1, baselineP99)).toFixed(1)}); CPU per text ${servicesCpu.toFixed(2)} ms vs ${baselineCpu.toFixed(2)} ms; load average ${loadAverage.toFixed(1)} on ${os.availableParallelism()} CPUs`,
    );
    return { members: memberCount, products: productCount, generateSeconds, indexSeconds, runs, baselineP99, servicesP99, servicesP50, loadAverage, withinTarget };
  } finally {
    await core.close();
    if (!options.keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const number = (name: string) => (arg(name) === undefined ? undefined : Number(arg(name)));
  const result = await run({ seconds: number('--seconds'), rate: number('--rate'), rounds: number('--rounds'), members: number('--members'), products: number('--products'), keep: arg('--keep') });
  process.exitCode = result.withinTarget ? 0 : 1;
}
