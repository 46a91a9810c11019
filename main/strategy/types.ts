/**
 * The strategy engine's shared types (营销策略): what the keyword services,
 * the API and the UI import — types and the constant lists that define them,
 * nothing else — so other areas can depend on them without pulling in the engine.
 */
import type { AuditActor } from '../auth/audit.js';

export const STRATEGY_KINDS = ['promotion', 'restock', 'price-rise', 'limit-per-customer'] as const;
export type StrategyKind = (typeof STRATEGY_KINDS)[number];

/**
 * suggested → approved (by a manager or a staff text) → active (between its
 * dates) → ended; or rejected. A suggestion whose condition cleared before
 * anyone decided also ends ('resolved').
 */
export const STRATEGY_STATES = ['suggested', 'approved', 'active', 'ended', 'rejected'] as const;
export type StrategyState = (typeof STRATEGY_STATES)[number];
/** The states in which an equal suggestion is not made again. */
export const OPEN_STRATEGY_STATES: readonly StrategyState[] = ['suggested', 'approved', 'active'];

/** Why a strategy was suggested; the UI words each code in zh-CN and en from the figures. */
export const REASON_CODES = ['overstock-cover', 'overstock-max', 'slow-mover', 'low-cover', 'low-min', 'fast-seller', 'manual'] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

/** The numbers behind a suggestion, as they were in the mirror when it was (re)computed. */
export interface ReasonFigures {
  stock: number;
  /** Units sold in the last `windowDays` days. */
  soldInWindow: number;
  windowDays: number;
  /** soldInWindow ÷ windowDays. */
  avgDailySales: number;
  /** stock ÷ avgDailySales; null when nothing sold in the window (cover is unbounded). */
  daysOfCover: number | null;
  /** The rule's threshold the figure crossed (days, or units for max/min stock). */
  threshold: number | null;
  /** Last sale of this product in this store within the look-back, null if none. */
  lastSoldAt: number | null;
  /** Whole days without a sale (at least this many when lastSoldAt is null). */
  daysSinceLastSale: number | null;
  /** Target cover (restock) in days. */
  targetCoverDays?: number | null;
}

export interface StrategyReason {
  codes: ReasonCode[];
  /** zh-CN, words and numbers: "库存 480，近28天日均销量 6.1，可售 79 天 > 45 天". */
  text: string;
  figures: ReasonFigures | null;
}

export type StrategyOrigin = 'engine' | 'manual';

/** Who decided (or typed) a strategy, as shown and audited. */
export type StrategyActor =
  | { kind: 'user'; actor: AuditActor }
  | {
      kind: 'staff';
      staffId: number;
      name: string;
      mobile: string;
      /** The stores this staff member may decide for; omitted or 'all': every store. */
      storeCodes?: string[] | 'all';
    };

export interface StrategyDecider {
  kind: 'user' | 'staff' | 'system';
  name: string;
  userId: number | null;
  staffId: number | null;
}

export interface Strategy {
  /** What staff quote in 同意 <n> / 拒绝 <n>. */
  id: number;
  kind: StrategyKind;
  state: StrategyState;
  origin: StrategyOrigin;
  /** null: every store (a hand-typed promotion for all stores). */
  storeCode: string | null;
  storeName: string | null;
  productCode: string | null;
  productName: string | null;
  category: string | null;
  reason: StrategyReason;
  /** Percent off (15 = 8.5折). */
  discountPercent: number | null;
  /** Buy N, get one free. */
  buyNGetOne: number | null;
  restockQuantity: number | null;
  limitPerCustomer: number | null;
  priceRisePercent: number | null;
  /** Customer-facing line for promotions, e.g. "金龙鱼花生油5L 8.5折(至12/20)"; null for other kinds. */
  promotionText: string | null;
  startsAt: number | null;
  endsAt: number | null;
  decidedBy: StrategyDecider | null;
  decidedAt: number | null;
  /** A rejection's reason. */
  decisionNote: string | null;
  /** 'expired' (end date passed), 'resolved' (condition cleared before a decision), 'product-deleted', 'stopped' (ended by hand). */
  endedReason: string | null;
  endedAt: number | null;
  /** The outbox batch of the last push to members. */
  pushBatchId: string | null;
  pushedAt: number | null;
  /** What is at stake, for ordering: stock value (promotion) or a day's sales (restock), in cents. */
  priority: number;
  createdAt: number;
  updatedAt: number;
}

export interface StrategyQuery {
  states?: StrategyState[];
  storeCodes?: string[] | 'all';
  kinds?: StrategyKind[];
  /** Product name or code contains. */
  q?: string;
  page?: number;
  limit?: number;
}

export interface Promotion {
  strategyId: number;
  origin: StrategyOrigin;
  storeCode: string | null;
  storeName: string | null;
  productCode: string | null;
  productName: string | null;
  category: string | null;
  discountPercent: number | null;
  buyNGetOne: number | null;
  /** Short customer-facing text: "金龙鱼花生油5L 8.5折(至12/20)". */
  text: string;
  startsAt: number;
  endsAt: number;
}

export interface RecomputeSummary {
  runId: number;
  state: 'finished' | 'cancelled' | 'failed';
  startedAt: number;
  finishedAt: number;
  durationMs: number;
  /** (store, product) stock rows evaluated. */
  evaluated: number;
  created: number;
  refreshed: number;
  /** Open suggestions whose condition cleared. */
  resolved: number;
  /** New suggestions held back by a recent rejection of an equal one. */
  coolingDown: number;
  activated: number;
  ended: number;
  errorMessage: string | null;
}

export interface RecomputeOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
  actor?: AuditActor;
  /** What started it (shown in the run history). */
  trigger?: 'manual' | 'sync' | 'cli' | 'api';
}

export interface ApproveOptions {
  startsAt?: number;
  endsAt?: number;
  discountPercent?: number;
}

export interface ManualPromotionInput {
  /** The customer-facing text, e.g. "鸡蛋 每斤 4.99 元". */
  text: string;
  /** null: every store. */
  storeCode: string | null;
  productCode?: string | null;
  category?: string | null;
  discountPercent?: number | null;
  startsAt: number;
  endsAt: number;
}

export interface PushAudience {
  count: number;
  /** The first few members (mobile masked) for the confirmation. */
  sample: Array<{ memberId: number; name: string; mobile: string }>;
  /** The text that would be sent when none is given. */
  defaultText: string;
}

export interface PushResult {
  batchId: string | null;
  queued: number;
  deferred: number;
  blocked: Record<string, number>;
  duplicates: number;
  total: number;
}

export const PROMOTION_TYPES = ['discount', 'buy-n-get-one'] as const;
export type PromotionType = (typeof PROMOTION_TYPES)[number];
export const FAST_SELLER_ACTIONS = ['limit-per-customer', 'price-rise'] as const;
export type FastSellerAction = (typeof FAST_SELLER_ACTIONS)[number];

/** The settings of a rule (what the editor edits). null disables a threshold. */
export interface StrategyRuleSettings {
  /** N: average daily sales over the last N days. */
  windowDays: number;
  /** X: overstock when days of cover exceed X. */
  overstockCoverDays: number | null;
  /** Overstock when stock is above this. */
  maxStock: number | null;
  /** Y: low stock when days of cover fall below Y. */
  lowCoverDays: number | null;
  /** Low stock when stock is below this. */
  minStock: number | null;
  /** Z: slow mover when nothing sold for Z days while stock > 0. */
  slowDays: number | null;
  /** Restock to reach this many days of cover. */
  targetCoverDays: number;
  promotionType: PromotionType;
  /** The smallest and deepest discount a promotion may suggest, in percent off. */
  minDiscountPercent: number;
  maxDiscountPercent: number;
  /** Buy N get one (promotionType buy-n-get-one). */
  buyN: number;
  /** How long an approved promotion runs unless dates are given. */
  promotionDays: number;
  /** A rejected suggestion is not made again for this many days. */
  rejectCooldownDays: number;
  fastSellerEnabled: boolean;
  fastSellerAction: FastSellerAction;
  /** A fast seller: sells at least this many a day … */
  fastMinDailySales: number;
  /** … and has fewer days of cover than this. */
  fastCoverDays: number;
  priceRisePercent: number;
  limitPerCustomer: number;
}

export interface StrategyRuleScope {
  /** null: all stores. */
  storeCode: string | null;
  /** null: all categories. */
  category: string | null;
  /** Set: this product only (category is then ignored). */
  productCode: string | null;
}

export interface StrategyRule extends StrategyRuleScope, StrategyRuleSettings {
  id: number;
  enabled: boolean;
  updatedAt: number;
  updatedBy: string;
}

export type StrategyRuleInput = StrategyRuleScope & StrategyRuleSettings & { enabled?: boolean };

export interface RecomputeRun {
  id: number;
  trigger: string;
  state: 'running' | 'finished' | 'cancelled' | 'failed';
  startedAt: number;
  finishedAt: number | null;
  summary: RecomputeSummary | null;
}
