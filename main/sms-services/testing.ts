import type { Knex } from 'knex';
import { AppError } from '../errors.js';
import type { PromotionLine, StrategyAnswers, StrategyDecision, StrategyLine, StrategyState } from './strategy-answers.js';

/**
 * Test support for the SMS services: a small mirror as a sync would write it
 * (two stores, products, stock, receipts, members) and an in-memory strategy
 * engine for the unit tests (the real one is tested with its own tables).
 */
export const STORES = [
  { code: 'S01', name: '人民路店' },
  { code: 'S02', name: '解放路店' },
  { code: 'S03', name: '滨江店' },
];

export const PRODUCTS = [
  { code: 'P0801', barcode: '6900000000801', name: '羊肉卷 散装', unit: 'kg', stock: { S01: 36.5, S02: 12, S03: 0 } },
  { code: 'P0802', barcode: '6900000000802', name: '精品肥牛卷 散装', unit: 'kg', stock: { S01: 8, S02: 20 } },
  { code: 'P0401', barcode: '6900000000401', name: '可口可乐 330ml', unit: '瓶', stock: { S01: 240, S02: 96, S03: 48 } },
  { code: 'P0402', barcode: '6900000000402', name: '可口可乐 2L', unit: '瓶', stock: { S01: 30 } },
  { code: 'P0403', barcode: '6900000000403', name: '百事可乐 330ml', unit: '瓶', stock: { S02: 60 } },
  { code: 'P0501', barcode: '6900000000501', name: '蒙牛纯牛奶 250ml', unit: '盒', stock: { S01: 120 } },
  { code: 'P1001', barcode: '6900000001001', name: '有机菠菜', unit: 'kg', stock: { S03: 5 } },
] as const;

let sequence = 0;

/** Writes the stores, products and stock (and a connection that synced at `syncedAt`, when given). */
export async function seedMirror(db: Knex, now: number, options: { syncedAt?: number | null } = {}): Promise<void> {
  await db('stores').insert(STORES.map((s) => ({ ...s, created_at: now, updated_at: now })));
  await db('products').insert(PRODUCTS.map((p) => ({ code: p.code, barcode: p.barcode, name: p.name, unit: p.unit, category: '', created_at: now, updated_at: now })));
  const stock = PRODUCTS.flatMap((p) => Object.entries(p.stock).map(([store, quantity]) => ({ store_code: store, product_code: p.code, quantity, updated_at: now })));
  await db('inventory').insert(stock);
  if (options.syncedAt !== undefined) {
    await db('store_connections').insert({ name: 'POS', client: 'sqlite', settings: '{}', last_sync_at: options.syncedAt, created_at: now, updated_at: now });
  }
}

export async function addMirrorMember(
  db: Knex,
  now: number,
  fields: { mobile: string; name: string; gender?: 'M' | 'F' | 'U'; points?: number; storeCode?: string; lastPurchaseAt?: number | null },
): Promise<number> {
  sequence += 1;
  const [id] = await db('members')
    .insert({
      source: 'pos',
      source_key: `M${sequence}-${now}`,
      name: fields.name,
      gender: fields.gender ?? 'U',
      mobile: fields.mobile,
      points: fields.points ?? 0,
      store_code: fields.storeCode ?? null,
      last_purchase_at: fields.lastPurchaseAt ?? null,
      created_at: now,
      updated_at: now,
    })
    .returning('id');
  return Number(typeof id === 'object' ? (id as { id: number }).id : id);
}

export async function addSale(db: Knex, memberId: number, storeCode: string, soldAt: number, cents: number): Promise<void> {
  sequence += 1;
  await db('sales').insert({ receipt_no: `R${sequence}`, store_code: storeCode, member_id: memberId, sold_at: soldAt, total_cents: cents, updated_at: soldAt });
}

/** The strategy engine's answers from plain arrays, recording every decision. */
export class FakeStrategies implements StrategyAnswers {
  promotions: PromotionLine[] = [];
  strategies: StrategyLine[] = [];
  decisions: Array<{ action: 'approve' | 'reject'; id: number; by: StrategyDecision }> = [];

  async activePromotions(options: { preferStoreCode?: string | null }): Promise<PromotionLine[]> {
    const home = options.preferStoreCode ?? null;
    return [...this.promotions].sort((a, b) => Number(b.storeCode === home) - Number(a.storeCode === home));
  }

  async list(query: { states?: StrategyState[]; storeCodes?: string[] | 'all' }): Promise<{ items: StrategyLine[]; total: number }> {
    const items = this.strategies.filter(
      (s) => (!query.states || query.states.includes(s.state)) && (query.storeCodes === 'all' || !query.storeCodes || (s.storeCode !== null && query.storeCodes.includes(s.storeCode))),
    );
    return { items, total: items.length };
  }

  async get(id: number): Promise<StrategyLine> {
    const found = this.strategies.find((s) => s.id === id);
    if (!found) throw new AppError('STRATEGY_NOT_FOUND', `no strategy ${id}`, 404);
    return found;
  }

  async approve(id: number, by: StrategyDecision): Promise<StrategyLine> {
    return this.decide('approve', id, by);
  }

  async reject(id: number, by: StrategyDecision): Promise<StrategyLine> {
    return this.decide('reject', id, by);
  }

  private async decide(action: 'approve' | 'reject', id: number, by: StrategyDecision): Promise<StrategyLine> {
    const strategy = await this.get(id);
    if (strategy.state !== 'suggested') throw new AppError('STRATEGY_NOT_PENDING', 'not pending', 409);
    strategy.state = action === 'approve' ? 'approved' : 'rejected';
    this.decisions.push({ action, id, by });
    return strategy;
  }
}

export function strategy(fields: Partial<StrategyLine> & { id: number; storeCode: string | null }): StrategyLine {
  return {
    kind: 'promotion',
    state: 'suggested',
    storeName: STORES.find((s) => s.code === fields.storeCode)?.name ?? null,
    productName: '羊肉卷 散装',
    reason: { text: '库存 480，可售 79 天' },
    promotionText: '羊肉卷 8.5折',
    ...fields,
  };
}
