import { EpochMs, Pagination } from './common.js';
import { Type, type Static, type TSchema } from 'typebox';
import { FAST_SELLER_ACTIONS, PROMOTION_TYPES, REASON_CODES, STRATEGY_KINDS, STRATEGY_STATES } from '../../strategy/types.js';
import { literalUnion } from './lists.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([Type.Null(), schema]);
const NullableString = Type.Union([Type.Null(), Type.String()]);

export const StrategyKindSchema = literalUnion(STRATEGY_KINDS, 'promotion | restock | price-rise | limit-per-customer');
export const StrategyStateSchema = literalUnion(STRATEGY_STATES, 'suggested → approved → active → ended; or rejected');

export const ReasonFiguresSchema = Type.Object({
  stock: Type.Number(),
  soldInWindow: Type.Number(),
  windowDays: Type.Integer(),
  avgDailySales: Type.Number(),
  daysOfCover: Nullable(Type.Number()),
  threshold: Nullable(Type.Number()),
  lastSoldAt: Nullable(Type.Number()),
  daysSinceLastSale: Nullable(Type.Number()),
  targetCoverDays: Type.Optional(Nullable(Type.Number())),
});

export const StrategySchema = Type.Object({
  id: Type.Integer({ description: 'What staff quote in 同意 <n> / 拒绝 <n>' }),
  kind: StrategyKindSchema,
  state: StrategyStateSchema,
  origin: literalUnion(['engine', 'manual'] as const),
  storeCode: NullableString,
  storeName: NullableString,
  productCode: NullableString,
  productName: NullableString,
  category: NullableString,
  reason: Type.Object({
    codes: Type.Array(literalUnion(REASON_CODES)),
    text: Type.String({ description: 'zh-CN, words and numbers' }),
    figures: Type.Union([Type.Null(), ReasonFiguresSchema]),
  }),
  discountPercent: Nullable(Type.Integer({ description: 'Percent off: 15 = 8.5折' })),
  buyNGetOne: Nullable(Type.Integer()),
  restockQuantity: Nullable(Type.Number()),
  limitPerCustomer: Nullable(Type.Integer()),
  priceRisePercent: Nullable(Type.Integer()),
  promotionText: NullableString,
  startsAt: Nullable(Type.Number()),
  endsAt: Nullable(Type.Number()),
  decidedBy: Type.Union([
    Type.Null(),
    Type.Object({ kind: literalUnion(['user', 'staff', 'system'] as const), name: Type.String(), userId: Nullable(Type.Integer()), staffId: Nullable(Type.Integer()) }),
  ]),
  decidedAt: Nullable(Type.Number()),
  decisionNote: NullableString,
  endedReason: NullableString,
  endedAt: Nullable(Type.Number()),
  pushBatchId: NullableString,
  pushedAt: Nullable(Type.Number()),
  priority: Type.Number(),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
});
export type StrategyDto = Static<typeof StrategySchema>;

export const StrategyListQuery = Type.Object({
  states: Type.Optional(Type.Array(StrategyStateSchema, { description: 'Repeat or comma-free list: states=suggested&states=approved' })),
  kinds: Type.Optional(Type.Array(StrategyKindSchema)),
  storeCodes: Type.Optional(Type.Array(Type.String({ maxLength: 32 }))),
  q: Type.Optional(Type.String({ maxLength: 64, description: 'Part of the product name or code' })),
  ...Pagination(),
});

export const StrategyPage = Type.Object({ items: Type.Array(StrategySchema), total: Type.Integer() });
export type StrategyPageDto = Static<typeof StrategyPage>;

export const StrategyCounts = Type.Object({
  suggested: Type.Integer(),
  approved: Type.Integer(),
  active: Type.Integer(),
  ended: Type.Integer(),
  rejected: Type.Integer(),
});
export type StrategyCountsDto = Static<typeof StrategyCounts>;

export const PromotionSchema = Type.Object({
  strategyId: Type.Integer(),
  origin: literalUnion(['engine', 'manual'] as const),
  storeCode: NullableString,
  storeName: NullableString,
  productCode: NullableString,
  productName: NullableString,
  category: NullableString,
  discountPercent: Nullable(Type.Integer()),
  buyNGetOne: Nullable(Type.Integer()),
  text: Type.String({ description: 'What the 促销 answer says, e.g. 金龙鱼花生油5L 8.5折(至12/20)' }),
  startsAt: Type.Number(),
  endsAt: Type.Number(),
});
export type PromotionDto = Static<typeof PromotionSchema>;

export const ActivePromotionsQuery = Type.Object({
  preferStoreCode: Type.Optional(Type.String({ maxLength: 32, description: "The member's home store: its promotions first" })),
});

export const RecomputeSummarySchema = Type.Object({
  runId: Type.Integer(),
  state: literalUnion(['finished', 'cancelled', 'failed'] as const),
  startedAt: Type.Number(),
  finishedAt: Type.Number(),
  durationMs: Type.Number(),
  evaluated: Type.Integer(),
  created: Type.Integer(),
  refreshed: Type.Integer(),
  resolved: Type.Integer(),
  coolingDown: Type.Integer(),
  activated: Type.Integer(),
  ended: Type.Integer(),
  errorMessage: NullableString,
});
export type RecomputeSummaryDto = Static<typeof RecomputeSummarySchema>;

export const RecomputeStatus = Type.Object({
  running: Type.Union([Type.Null(), Type.Object({ runId: Type.Integer() })]),
  last: Type.Union([
    Type.Null(),
    Type.Object({
      id: Type.Integer(),
      trigger: Type.String(),
      state: literalUnion(['running', 'finished', 'cancelled', 'failed'] as const),
      startedAt: Type.Number(),
      finishedAt: Nullable(Type.Number()),
      summary: Type.Union([Type.Null(), RecomputeSummarySchema]),
    }),
  ]),
});
export type RecomputeStatusDto = Static<typeof RecomputeStatus>;

export const RecomputeBody = Type.Object({
  wait: Type.Optional(Type.Boolean({ description: 'Answer with the summary when it ends (default: answer at once with the run id)' })),
});
export const RecomputeStarted = Type.Object({ runId: Type.Integer() });

const Time = EpochMs({ description: 'Epoch milliseconds' });

export const ApproveBody = Type.Object({
  startsAt: Type.Optional(Time),
  endsAt: Type.Optional(Time),
  discountPercent: Type.Optional(Type.Integer({ minimum: 1, maximum: 90 })),
});
export type ApproveDto = Static<typeof ApproveBody>;

export const RejectBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 200 })) });

export const ManualPromotionBody = Type.Object({
  text: Type.String({ minLength: 1, maxLength: 60, description: 'As customers read it, e.g. 鸡蛋 每斤4.99元' }),
  storeCode: Type.Union([Type.Null(), Type.String({ maxLength: 32 })], { description: 'null: every store' }),
  productCode: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 64 })])),
  category: Type.Optional(Type.Union([Type.Null(), Type.String({ maxLength: 64 })])),
  discountPercent: Type.Optional(Type.Union([Type.Null(), Type.Integer({ minimum: 1, maximum: 90 })])),
  startsAt: Time,
  endsAt: Time,
});
export type ManualPromotionDto = Static<typeof ManualPromotionBody>;

export const SeriesResponse = Type.Object({
  days: Type.Array(Type.Object({ day: Type.Number(), sold: Type.Number() })),
  stock: Type.Array(Type.Object({ at: Type.Number(), quantity: Type.Number() })),
});
export type SeriesDto = Static<typeof SeriesResponse>;

export const AudienceQuery = Type.Object({ text: Type.Optional(Type.String({ maxLength: 500, description: 'Preview this text instead of the default' })) });

export const AudienceResponse = Type.Object({
  count: Type.Integer(),
  sample: Type.Array(Type.Object({ memberId: Type.Integer(), name: Type.String(), mobile: Type.String({ description: 'Masked' }) })),
  defaultText: Type.String(),
  preview: Type.Object({
    text: Type.String(),
    characters: Type.Integer(),
    parts: Type.Integer(),
    withinLimit: Type.Boolean(),
    error: Type.Union([Type.Null(), Type.Object({ code: Type.String(), message: Type.String() })]),
  }),
});
export type AudienceDto = Static<typeof AudienceResponse>;

export const PushBody = Type.Object({ text: Type.String({ maxLength: 500, description: 'Empty: the default text' }) });
export const PushResponse = Type.Object({
  batchId: NullableString,
  queued: Type.Integer(),
  deferred: Type.Integer(),
  blocked: Type.Record(Type.String(), Type.Integer()),
  duplicates: Type.Integer(),
  total: Type.Integer(),
});
export type PushResultDto = Static<typeof PushResponse>;

const RuleFields = {
  storeCode: Type.Union([Type.Null(), Type.String({ maxLength: 32 })], { description: 'null: all stores' }),
  category: Type.Union([Type.Null(), Type.String({ maxLength: 64 })], { description: 'null: all categories' }),
  productCode: Type.Union([Type.Null(), Type.String({ maxLength: 64 })], { description: 'Set: this product only' }),
  windowDays: Type.Integer({ maximum: 365, description: 'N: average daily sales over the last N days' }),
  overstockCoverDays: Type.Union([Type.Null(), Type.Integer({ maximum: 3650 })], { description: 'X: overstock above X days of cover' }),
  maxStock: Type.Union([Type.Null(), Type.Number({ maximum: 1_000_000_000 })]),
  lowCoverDays: Type.Union([Type.Null(), Type.Integer({ maximum: 365 })], { description: 'Y: low stock below Y days of cover' }),
  minStock: Type.Union([Type.Null(), Type.Number({ maximum: 1_000_000_000 })]),
  slowDays: Type.Union([Type.Null(), Type.Integer({ maximum: 365 })], { description: 'Z: slow mover after Z days without a sale' }),
  targetCoverDays: Type.Integer({ maximum: 365 }),
  promotionType: literalUnion(PROMOTION_TYPES),
  minDiscountPercent: Type.Integer({ maximum: 90 }),
  maxDiscountPercent: Type.Integer({ maximum: 90 }),
  buyN: Type.Integer({ maximum: 20 }),
  promotionDays: Type.Integer({ maximum: 90 }),
  rejectCooldownDays: Type.Integer({ maximum: 365 }),
  fastSellerEnabled: Type.Boolean(),
  fastSellerAction: literalUnion(FAST_SELLER_ACTIONS),
  fastMinDailySales: Type.Number({ maximum: 1_000_000_000 }),
  fastCoverDays: Type.Integer({ maximum: 60 }),
  priceRisePercent: Type.Integer({ maximum: 50 }),
  limitPerCustomer: Type.Integer({ maximum: 99 }),
};

export const RuleSchema = Type.Object({ id: Type.Integer(), enabled: Type.Boolean(), updatedAt: Type.Number(), updatedBy: Type.String(), ...RuleFields });
export type RuleDto = Static<typeof RuleSchema>;
export const RuleBody = Type.Object({ enabled: Type.Optional(Type.Boolean()), ...RuleFields });
export type RuleBodyDto = Static<typeof RuleBody>;
export const RuleList = Type.Object({ items: Type.Array(RuleSchema), categories: Type.Array(Type.String(), { description: 'Product categories in the mirror, for the scope picker' }) });
export type RuleListDto = Static<typeof RuleList>;
