/**
 * A small hand-built mirror for the strategy tests (service, API, CLI): two
 * stores, products whose figures cross each threshold in known ways, and
 * members who bought the categories at known times.
 */
import type { Knex } from 'knex';
import { aggregateChanges, applyAggregateChanges } from '../store/sales-aggregate.js';
import { DAY_MS } from './decide.js';

export const STRATEGY_TEST_NOW = Date.UTC(2026, 11, 6, 4, 0, 0);

export const SEEDED_PRODUCTS = {
  slow: 'P-SLOW',
  over: 'P-OVER',
  rice: 'P-RICE',
  low: 'P-LOW',
  ok: 'P-OK',
  deleted: 'P-DEL',
  empty: 'P-ZERO',
} as const;

let receiptCounter = 0;

export async function sell(db: Knex, now: number, storeCode: string, productCode: string, quantity: number, daysAgo: number, memberId: number | null = null): Promise<void> {
  receiptCounter += 1;
  const receipt = `T${receiptCounter}-${storeCode}-${productCode}`;
  const at = now - Math.round(daysAgo * DAY_MS);
  await db('sales').insert({ receipt_no: receipt, store_code: storeCode, member_id: memberId, sold_at: at, total_cents: quantity * 500, updated_at: now });
  await db('sale_lines').insert({ receipt_no: receipt, line_no: 1, product_code: productCode, quantity, amount_cents: quantity * 500, updated_at: now });
  // The day totals a sync keeps beside the lines it writes.
  await applyAggregateChanges(db, aggregateChanges([{ before: null, after: { storeCode, productCode, soldAt: at, quantity, amountCents: quantity * 500 } }]));
}

/**
 * Store 01: P-SLOW never sold (slow mover), P-OVER 480 with 6.1 a day
 * (79 days of cover > 45 of the 粮油 rule), P-RICE 50 with 3 sold (overstock),
 * P-LOW 4 with 2 a day (low cover), P-OK 60 with 2 a day (fine), P-DEL deleted,
 * P-ZERO empty and unsold (below the minimum). Store 02: P-OVER 10, last sold
 * 40 days ago (nothing to suggest). Members: 1 bought 粮油 at 01 20 days ago
 * (consent), 2 the same without consent, 3 a hundred days ago, 4 bought 生鲜,
 * 5 bought 粮油 at 02.
 */
export async function seedStrategyMirror(db: Knex, now = STRATEGY_TEST_NOW): Promise<{ memberIds: number[] }> {
  await db('stores').insert([
    { code: '01', name: '人民路店', created_at: now, updated_at: now },
    { code: '02', name: '解放路店', created_at: now, updated_at: now },
  ]);
  const product = (code: string, name: string, category: string, extra: Record<string, unknown> = {}) => ({ code, name, category, price_cents: 1000, created_at: now, updated_at: now, ...extra });
  await db('products').insert([
    product('P-SLOW', '老坛酸菜', '粮油'),
    product('P-OVER', '金龙鱼花生油5L', '粮油', { price_cents: 8990 }),
    product('P-RICE', '五常大米5kg', '粮油'),
    product('P-LOW', '土鸡蛋30枚', '生鲜'),
    product('P-OK', '可口可乐2L', '饮料'),
    product('P-DEL', '停售饼干', '粮油', { deleted_at: now - DAY_MS }),
    product('P-ZERO', '竹筷子', '杂货'),
  ]);
  const stock = (store_code: string, product_code: string, quantity: number) => ({ store_code, product_code, quantity, updated_at: now });
  await db('inventory').insert([
    stock('01', 'P-SLOW', 40),
    stock('01', 'P-OVER', 480),
    stock('01', 'P-RICE', 50),
    stock('01', 'P-LOW', 4),
    stock('01', 'P-OK', 60),
    stock('01', 'P-DEL', 100),
    stock('01', 'P-ZERO', 0),
    stock('02', 'P-OVER', 10),
  ]);
  const memberIds: number[] = [];
  for (const [i, consent] of [true, false, true, true, true].entries()) {
    const [row] = (await db('members')
      .insert({ source: 'manual', name: `会员${i + 1}`, gender: 'F', mobile: `1390000000${i + 1}`, marketing_consent: consent, created_at: now, updated_at: now })
      .returning('id')) as Array<{ id: number } | number>;
    memberIds.push(typeof row === 'object' ? row.id : row!);
  }
  // 171 units over the last 28 days: 6.1 a day.
  for (let i = 0; i < 57; i++) await sell(db, now, '01', 'P-OVER', 3, 0.25 + i * 0.47);
  for (let i = 0; i < 28; i++) await sell(db, now, '01', 'P-LOW', 2, 0.5 + i, i === 3 ? memberIds[3]! : null);
  for (let i = 0; i < 28; i++) await sell(db, now, '01', 'P-OK', 2, 0.5 + i);
  await sell(db, now, '01', 'P-RICE', 2, 20, memberIds[0]!);
  await sell(db, now, '01', 'P-RICE', 1, 10, memberIds[1]!);
  await sell(db, now, '01', 'P-RICE', 1, 100, memberIds[2]!);
  await sell(db, now, '02', 'P-OVER', 1, 40, memberIds[4]!);
  // A stricter rule for 粮油 in every store: overstock from 45 days of cover.
  const defaults = (await db('strategy_rules').where({ store_code: '', category: '', product_code: '' }).first()) as Record<string, unknown>;
  const { id: _id, ...rest } = defaults;
  await db('strategy_rules').insert({ ...rest, category: '粮油', overstock_cover_days: 45, created_at: now, updated_at: now });
  return { memberIds };
}
