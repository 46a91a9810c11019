import type { AuditActor } from '../auth/audit.js';
import { AppError } from '../errors.js';

/**
 * What the SMS services need from the strategy engine (main/strategy): the
 * active promotions for 促销, the open strategies for 策略, and approving or
 * rejecting one for 同意 / 拒绝. The engine's `Strategies` class satisfies it
 * structurally; the composition root hands it in.
 */
export type StrategyState = 'suggested' | 'approved' | 'active' | 'ended' | 'rejected';
export type StrategyKind = 'promotion' | 'restock' | 'price-rise' | 'limit-per-customer';

export interface PromotionLine {
  strategyId: number;
  /** null: every store. */
  storeCode: string | null;
  storeName: string | null;
  /** Short customer-facing text: "金龙鱼花生油5L 8.5折(至12/20)". */
  text: string;
  endsAt: number;
}

export interface StrategyLine {
  id: number;
  kind: StrategyKind;
  state: StrategyState;
  storeCode: string | null;
  storeName: string | null;
  productName: string | null;
  reason: { text: string };
  promotionText: string | null;
}

/** Who decided, as the engine records it: a staff member by text, or a UI user. */
export type StrategyDecision =
  | { kind: 'staff'; staffId: number; name: string; mobile: string; storeCodes?: string[] | 'all' }
  | { kind: 'user'; actor: AuditActor };

export interface StrategyAnswers {
  activePromotions(options: { preferStoreCode?: string | null; storeCodes?: string[] | 'all'; now?: number }): Promise<PromotionLine[]>;
  list(query: { states?: StrategyState[]; storeCodes?: string[] | 'all'; kinds?: StrategyKind[]; page?: number; limit?: number }): Promise<{ items: StrategyLine[]; total: number }>;
  /** Throws STRATEGY_NOT_FOUND. */
  get(id: number): Promise<StrategyLine>;
  /** Throws STRATEGY_NOT_FOUND, STRATEGY_NOT_PENDING, STRATEGY_STORE_NOT_ALLOWED. */
  approve(id: number, by: StrategyDecision): Promise<StrategyLine>;
  reject(id: number, by: StrategyDecision, reason?: string): Promise<StrategyLine>;
}

/**
 * An appliance without the strategy engine: no promotions, no strategies, and
 * 同意 12 answers that there is no strategy 12. Replaced by the engine's
 * `Strategies` where it is built in.
 */
export const NO_STRATEGIES: StrategyAnswers = {
  activePromotions: async () => [],
  list: async () => ({ items: [], total: 0 }),
  get: async (id) => {
    throw new AppError('STRATEGY_NOT_FOUND', `There is no strategy ${id}.`, 404);
  },
  approve: async (id) => {
    throw new AppError('STRATEGY_NOT_FOUND', `There is no strategy ${id}.`, 404);
  },
  reject: async (id) => {
    throw new AppError('STRATEGY_NOT_FOUND', `There is no strategy ${id}.`, 404);
  },
};
