import type sqlite3 from 'sqlite3';
import { Random, posDateTime } from './generator.js';
import { closeSqliteFile, openSqliteFile } from './sinks.js';

/**
 * Live mode: keeps the demo POS busy like a store at opening hours — a new
 * receipt every few seconds, stock going down, member totals going up, now
 * and then a new member — so incremental sync has something to pick up.
 * The demo POS writes its own file; StoreMAS only ever reads it.
 */
export interface LiveOptions {
  intervalMs?: number;
  seed?: number;
  now?: () => number;
  onSale?: (flowNo: string) => void;
}

function all<T>(db: sqlite3.Database, sql: string, params: unknown[] = []): Promise<T[]> {
  return new Promise((resolve, reject) => db.all(sql, params, (error: Error | null, rows: T[]) => (error ? reject(error) : resolve(rows))));
}

function run(db: sqlite3.Database, sql: string, params: unknown[] = []): Promise<void> {
  return new Promise((resolve, reject) => db.run(sql, params, (error: Error | null) => (error ? reject(error) : resolve())));
}

/** Adds one sale (and sometimes a member) to the demo POS file. */
export async function addLiveSale(db: sqlite3.Database, random: Random, now: number): Promise<string> {
  const [stats] = await all<{ members: number; products: number; stores: number; flow: number | null }>(
    db,
    'SELECT (SELECT COUNT(*) FROM t_member) AS members, (SELECT COUNT(*) FROM t_goods) AS products, (SELECT COUNT(*) FROM t_branch) AS stores, (SELECT MAX(flow_id) FROM t_sale_detail) AS flow',
  );
  const time = posDateTime(now);
  const store = String(random.int(1, Math.max(1, stats!.stores))).padStart(4, '0');
  await run(db, 'BEGIN IMMEDIATE');
  try {
    let member: string | null = null;
    if (random.chance(0.05)) {
      member = `V${String(stats!.members + 1).padStart(8, '0')}`;
      await run(db, `INSERT INTO t_member (card_id, card_no, vip_name, vip_sex, birthday, birthday_type, mobile, sms_flag, id_card, branch_no, acc_amount, acc_points, reg_date, modify_time)
        VALUES (?, ?, ?, ?, NULL, '0', ?, '1', NULL, ?, 0, 0, ?, ?)`, [member, `8800${String(stats!.members + 1).padStart(8, '0')}`, random.pick(['张新', '李悦', '王晨', '陈静', '刘洋']), random.pick(['1', '2']), `139${String(random.int(0, 99_999_999)).padStart(8, '0')}`, store, time, time]);
    } else if (stats!.members > 0 && random.chance(0.6)) {
      member = `V${String(random.int(1, stats!.members)).padStart(8, '0')}`;
    }
    const flowNo = `${store}${time.slice(0, 10).replace(/-/g, '')}L${String(now).slice(-9)}${random.int(0, 9)}`;
    const lines = random.int(1, 5);
    let total = 0;
    let flowId = stats!.flow ?? 0;
    for (let l = 1; l <= lines; l++) {
      const itemNo = `10${String(random.int(1, Math.max(1, Math.min(stats!.products, 300)))).padStart(6, '0')}`;
      const [goods] = await all<{ sale_price: number }>(db, 'SELECT sale_price FROM t_goods WHERE item_no = ?', [itemNo]);
      const price = Number(goods?.sale_price ?? 9.9);
      const quantity = random.int(1, 3);
      const amount = Math.round(price * quantity * 100) / 100;
      total += amount;
      flowId++;
      await run(db, 'INSERT INTO t_sale_detail (flow_id, flow_no, line_no, item_no, sale_qty, sale_price, sale_money) VALUES (?, ?, ?, ?, ?, ?, ?)', [flowId, flowNo, l, itemNo, quantity, price.toFixed(2), amount.toFixed(2)]);
      await run(db, 'UPDATE t_stock SET stock_qty = MAX(0, stock_qty - ?), modify_time = ? WHERE branch_no = ? AND item_no = ?', [quantity, time, store, itemNo]);
    }
    const amount = Math.round(total * 100) / 100;
    await run(db, 'INSERT INTO t_sale_master (flow_no, branch_no, card_id, sale_time, sale_amount, points, modify_time) VALUES (?, ?, ?, ?, ?, ?, ?)', [flowNo, store, member, time, amount.toFixed(2), member ? Math.floor(amount) : 0, time]);
    if (member) {
      await run(db, 'UPDATE t_member SET acc_amount = acc_amount + ?, acc_points = acc_points + ?, last_sale_time = ?, last_sale_amount = ?, modify_time = ? WHERE card_id = ?', [amount, Math.floor(amount), time, amount.toFixed(2), time, member]);
    }
    await run(db, 'COMMIT');
    return flowNo;
  } catch (error) {
    await run(db, 'ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** Runs live mode on a demo POS file until the returned stop function is called. */
export async function startLive(file: string, options: LiveOptions = {}): Promise<() => Promise<void>> {
  const db = await openSqliteFile(file);
  db.configure('busyTimeout', 5_000);
  const random = new Random(options.seed ?? 7);
  const now = options.now ?? (() => Date.now());
  let stopped = false;
  let pending: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    pending = pending.then(async () => {
      if (stopped) return;
      const flowNo = await addLiveSale(db, random, now());
      options.onSale?.(flowNo);
    }).catch(() => undefined);
  }, options.intervalMs ?? 3_000);
  return async () => {
    stopped = true;
    clearInterval(timer);
    await pending;
    await closeSqliteFile(db);
  };
}
