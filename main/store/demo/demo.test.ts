import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type sqlite3 from 'sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestAppliance, tempDir } from '../../../tests/support/appliance.js';
import { DEMO_CONNECTION, DEMO_FILE, ensureDemoStore } from './ensure.js';
import { startLive } from './live.js';
import { closeSqliteFile, openSqliteFile, writeDemoDump, writeDemoSqlite } from './sinks.js';
import { CATALOGUE, productName } from './catalogue.js';
import { MOBILE_PREFIXES } from './vocabulary.js';

function all<T = Record<string, unknown>>(db: sqlite3.Database, sql: string): Promise<T[]> {
  return new Promise((resolve, reject) => db.all(sql, (error: Error | null, rows: T[]) => (error ? reject(error) : resolve(rows))));
}
const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('the demo POS generator', () => {
  const temp = tempDir('storemas-demo-');
  afterAll(() => temp.remove());

  it('is deterministic for a seed and differs for another', async () => {
    const a = path.join(temp.dir, 'a.sql');
    const b = path.join(temp.dir, 'b.sql');
    const c = path.join(temp.dir, 'c.sql');
    await writeDemoDump(a, 'pg', { members: 300, receipts: 500 });
    await writeDemoDump(b, 'pg', { members: 300, receipts: 500 });
    await writeDemoDump(c, 'pg', { members: 300, receipts: 500, seed: 7 });
    expect(sha(a)).toBe(sha(b));
    expect(sha(a)).not.toBe(sha(c));
    expect(fs.readFileSync(a, 'utf8')).toMatch(/^SET client_encoding = 'UTF8';\nBEGIN;\nCREATE TABLE "t_branch"/);
  });

  it('makes plausible members, goods, stock and a year of sales', async () => {
    const file = path.join(temp.dir, 'pos.sqlite');
    await writeDemoSqlite(file, { members: 4000, receipts: 6000 });
    const db = await openSqliteFile(file);
    try {
      const members = await all<{ vip_name: string; vip_sex: string; mobile: string | null; birthday: string | null; birthday_type: string }>(db, 'SELECT * FROM t_member');
      expect(members).toHaveLength(4000);
      expect(members.some((m) => /^(欧阳|司马|诸葛|上官|东方|皇甫|慕容|令狐)/.test(m.vip_name))).toBe(true);
      expect(members.filter((m) => m.vip_name.startsWith('王')).length).toBeGreaterThan(members.filter((m) => m.vip_name.startsWith('邵')).length);
      const share = (code: string) => members.filter((m) => m.vip_sex === code).length / members.length;
      expect(share('1')).toBeGreaterThan(0.35);
      expect(share('2')).toBeGreaterThan(0.45);
      expect(share('0')).toBeGreaterThan(0);
      const plain = members.map((m) => m.mobile).filter((m): m is string => m !== null && /^\d{11}$/.test(m));
      expect(plain.length / members.length).toBeGreaterThan(0.8);
      expect(plain.every((m) => MOBILE_PREFIXES.includes(m.slice(0, 3)))).toBe(true);
      expect(members.some((m) => m.mobile?.startsWith('+86 '))).toBe(true);
      // Some customers gave the home phone: the sync must keep it apart from the mobiles.
      expect(members.some((m) => m.mobile?.startsWith('0755-'))).toBe(true);
      expect(members.filter((m) => m.birthday_type === '1').length / members.length).toBeGreaterThan(0.1);

      const [goods] = await all<{ n: number; categories: number }>(db, 'SELECT COUNT(*) AS n, COUNT(DISTINCT cls_no) AS categories FROM t_goods');
      expect(goods).toEqual({ n: 2000, categories: CATALOGUE.length });
      const [stock] = await all<{ empty: number; piled: number; n: number }>(db, 'SELECT SUM(stock_qty <= 3) AS empty, SUM(stock_qty >= 400) AS piled, COUNT(*) AS n FROM t_stock');
      expect(stock!.n).toBe(5 * 2000);
      expect(stock!.empty / stock!.n).toBeGreaterThan(0.03);
      expect(stock!.piled / stock!.n).toBeGreaterThan(0.05);
      const [sales] = await all<{ n: number; first: string; last: string; members: number }>(db, 'SELECT COUNT(*) AS n, MIN(sale_time) AS first, MAX(sale_time) AS last, SUM(card_id IS NOT NULL) AS members FROM t_sale_master');
      expect(sales!.n).toBe(6000);
      expect(Date.parse(sales!.last) - Date.parse(sales!.first)).toBeGreaterThan(360 * 86_400_000);
      expect(sales!.members / sales!.n).toBeGreaterThan(0.5);
      // Slow movers: a long tail of goods sold rarely or never.
      const [tail] = await all<{ rare: number }>(db, 'SELECT COUNT(*) AS rare FROM t_goods g WHERE (SELECT COUNT(*) FROM t_sale_detail d WHERE d.item_no = g.item_no) <= 1');
      expect(tail!.rare).toBeGreaterThan(200);
    } finally {
      await closeSqliteFile(db);
    }
  });

  it('is coherent: members total what their receipts list, receipts what their lines list', async () => {
    const file = path.join(temp.dir, 'pos.sqlite');
    const db = await openSqliteFile(file);
    try {
      const members = await all<{ card_id: string; acc_amount: number; acc_points: number; last_sale_time: string | null; last_sale_amount: number | null; reg_date: string; total: number | null; points: number | null; first: string | null; last: string | null; receipts: number }>(
        db,
        `SELECT m.card_id, m.acc_amount, m.acc_points, m.last_sale_time, m.last_sale_amount, m.reg_date, s.total, s.points, s.first, s.last, COALESCE(s.receipts, 0) AS receipts
         FROM t_member m LEFT JOIN (SELECT card_id, SUM(sale_amount) AS total, SUM(points) AS points, MIN(sale_time) AS first, MAX(sale_time) AS last, COUNT(*) AS receipts
                                    FROM t_sale_master WHERE card_id IS NOT NULL GROUP BY card_id) s ON s.card_id = m.card_id`,
      );
      const cents = (yuan: number | null) => Math.round((yuan ?? 0) * 100);
      const shoppers = members.filter((m) => m.receipts > 0);
      expect(shoppers.length / members.length).toBeGreaterThan(0.3);
      expect(members.length - shoppers.length).toBeGreaterThan(0); // some never bought
      for (const m of members) {
        expect({ id: m.card_id, spent: cents(m.acc_amount), points: m.acc_points, last: m.last_sale_time }).toEqual({ id: m.card_id, spent: cents(m.total), points: m.points ?? 0, last: m.last });
        if (m.first) expect(m.reg_date <= m.first, `${m.card_id} bought before joining`).toBe(true);
      }
      // 最近消费: the amount of the member's latest receipt.
      const [lastAmounts] = await all<{ wrong: number }>(
        db,
        `SELECT COUNT(*) AS wrong FROM t_member m WHERE m.last_sale_time IS NOT NULL AND NOT EXISTS
           (SELECT 1 FROM t_sale_master s WHERE s.card_id = m.card_id AND s.sale_time = m.last_sale_time AND ROUND(s.sale_amount * 100) = ROUND(m.last_sale_amount * 100))`,
      );
      expect(lastAmounts!.wrong).toBe(0);
      const [receipts] = await all<{ wrong: number }>(
        db,
        'SELECT COUNT(*) AS wrong FROM t_sale_master s WHERE ROUND(s.sale_amount * 100) <> (SELECT ROUND(SUM(d.sale_money) * 100) FROM t_sale_detail d WHERE d.flow_no = s.flow_no)',
      );
      expect(receipts!.wrong).toBe(0);
    } finally {
      await closeSqliteFile(db);
    }
  });

  it('sells each brand only in the kinds of goods it makes, within their category', async () => {
    const db = await openSqliteFile(path.join(temp.dir, 'pos.sqlite'));
    try {
      const goods = await all<{ item_name: string; cls_no: string; cls_name: string; unit_no: string; barcode: string | null }>(db, 'SELECT g.item_name, g.cls_no, c.cls_name, g.unit_no, g.barcode FROM t_goods g JOIN t_goods_cls c ON c.cls_no = g.cls_no');
      const names = new Map(CATALOGUE.map((c) => [c.code, new Set(c.kinds.flatMap((k) => k.brands.flatMap(([brand]) => k.variants.flatMap((v) => k.sizes.map(([size]) => productName(brand, v, k.noun, size))))))]));
      const strays = goods.filter((g) => !names.get(g.cls_no)?.has(g.item_name));
      expect(strays).toEqual([]);
      expect(new Set(goods.map((g) => g.item_name)).size).toBe(goods.length);
      // What the old generator got wrong (农夫山泉洗发水), checked by name alone.
      const inCategory = (word: string) => new Set(goods.filter((g) => g.item_name.includes(word)).map((g) => g.cls_name));
      expect([...inCategory('农夫山泉')]).toEqual(['饮料']);
      expect([...inCategory('海飞丝')]).toEqual(['日化']);
      expect(goods.filter((g) => g.item_name.includes('海飞丝')).every((g) => g.item_name.includes('洗发水'))).toBe(true);
      expect([...inCategory('五粮液')]).toEqual(['酒水']);
      // Fresh food is weighed: no brand, no barcode, per kg.
      const fresh = goods.filter((g) => ['蔬菜', '水果', '肉禽蛋', '水产'].includes(g.cls_name));
      expect(fresh.length).toBeGreaterThan(50);
      expect(fresh.every((g) => g.barcode === null && g.unit_no === 'kg')).toBe(true);
    } finally {
      await closeSqliteFile(db);
    }
  });

  it('live mode keeps adding sales that move stock and member totals', async () => {
    const file = path.join(temp.dir, 'live.sqlite');
    await writeDemoSqlite(file, { members: 50, receipts: 50, products: 20, stores: 1 });
    let sales = 0;
    const stop = await startLive(file, { intervalMs: 10, onSale: () => sales++ });
    while (sales < 5) await new Promise((r) => setTimeout(r, 10));
    await stop();
    const db = await openSqliteFile(file);
    try {
      const [count] = await all<{ n: number }>(db, 'SELECT COUNT(*) AS n FROM t_sale_master');
      expect(count!.n).toBeGreaterThanOrEqual(55);
    } finally {
      await closeSqliteFile(db);
    }
  });
});

describe('the embedded default', () => {
  it('a fresh data directory gets the demo POS, configured and synced once; later starts leave it alone', async () => {
    const app = await createTestAppliance();
    try {
      const runId = await ensureDemoStore(app.services, { members: 150 });
      expect(runId).toBeDefined();
      expect(fs.existsSync(path.join(app.dataDir, DEMO_FILE))).toBe(true);
      const [connection] = await app.services.store.listConnections();
      expect(connection).toMatchObject({ name: DEMO_CONNECTION, client: 'sqlite', scheduleMinutes: 15 });
      expect((await app.services.store.getRun(runId!)).state).toBe('finished');
      expect((await app.services.store.counts())['members']).toBe(150);
      await app.services.store.deleteConnection({ userId: null, username: 'test', ip: 'local' }, connection!.id);
      expect(await ensureDemoStore(app.services, { members: 150 })).toBeUndefined();
      expect(await app.services.store.listConnections()).toHaveLength(0);
    } finally {
      await app.close();
    }
  });
});
