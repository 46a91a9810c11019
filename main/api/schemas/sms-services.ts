import { Type, type Static } from 'typebox';
import { literalUnion } from './lists.js';
import { EpochMs, PageQuery } from './common.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([Type.Null(), schema]);

export const ServiceIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 32, description: 'points, spending, promotions, help, stock, strategies, approve, reject, or general' }) });

export const ServiceViewSchema = Type.Object({
  id: Type.String(),
  enabled: Type.Boolean(),
  audience: Nullable(literalUnion(['anyone', 'member', 'staff', 'approver'] as const)),
  argument: Nullable(literalUnion(['none', 'page', 'number', 'text'] as const)),
  keywords: Type.Array(Type.String()),
  defaultKeywords: Type.Array(Type.String()),
  templates: Type.Array(Type.Object({ key: Type.String(), text: Type.String(), defaultText: Type.String(), placeholders: Type.Array(Type.String()) })),
  customised: Type.Boolean(),
  updatedAt: Nullable(Type.Number()),
  updatedBy: Nullable(Type.String()),
});
export type ServiceViewDto = Static<typeof ServiceViewSchema>;

export const UpdateServiceBody = Type.Object({
  enabled: Type.Optional(Type.Boolean()),
  keywords: Type.Optional(Type.Array(Type.String({ maxLength: 20 }), { maxItems: 20 })),
  templates: Type.Optional(Type.Record(Type.String({ maxLength: 32 }), Type.String({ maxLength: 1000 }))),
});
export type UpdateServiceDto = Static<typeof UpdateServiceBody>;

export const ServiceSettingsSchema = Type.Object({
  severalMembers: literalUnion(['latest-purchase', 'reply-error'] as const),
  staleAfterHours: Type.Integer({ minimum: 0, maximum: 720, description: '0: never say 数据更新于' }),
  lockoutRefusals: Type.Integer({ minimum: 1, maximum: 100 }),
  lockoutWindowMinutes: Type.Integer({ minimum: 1, maximum: 1440 }),
  lockoutHours: Type.Integer({ minimum: 1, maximum: 720 }),
});
export type ServiceSettingsDto = Static<typeof ServiceSettingsSchema>;
export const UpdateSettingsBody = Type.Partial(ServiceSettingsSchema);

export const PreviewBody = Type.Object({
  owner: Type.String({ maxLength: 32 }),
  key: Type.String({ maxLength: 32 }),
  text: Type.String({ maxLength: 1000 }),
});
export const PreviewSchema = Type.Object({
  text: Type.String(),
  parts: Type.Integer(),
  partLimit: Type.Integer(),
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
});
export type TemplatePreviewDto = Static<typeof PreviewSchema>;

export const AskBody = Type.Object({
  from: Type.String({ minLength: 1, maxLength: 40, description: 'The sender’s mobile' }),
  text: Type.String({ maxLength: 2000, description: 'The text as the customer or staff member would send it' }),
});
export const AskSchema = Type.Object({
  service: Nullable(Type.String()),
  argument: Type.String(),
  outcome: Type.String(),
  refusedReason: Nullable(Type.String()),
  reply: Nullable(Type.String()),
  parts: Type.Integer(),
  memberId: Nullable(Type.Integer()),
  staffId: Nullable(Type.Integer()),
  note: Nullable(Type.String()),
});
export type AskResultDto = Static<typeof AskSchema>;

export const QueryLogQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 64, description: 'Part of the text or the number' })),
  service: Type.Optional(Type.String({ maxLength: 32 })),
  outcome: Type.Optional(Type.String({ maxLength: 24 })),
  from: Type.Optional(EpochMs()),
  to: Type.Optional(EpochMs()),
  ...PageQuery,
});

export const QueryLogEntrySchema = Type.Object({
  id: Type.Integer(),
  at: Type.Number(),
  sender: Type.String(),
  text: Type.String(),
  service: Nullable(Type.String()),
  argument: Nullable(Type.String()),
  memberId: Nullable(Type.Integer()),
  memberName: Nullable(Type.String()),
  staffId: Nullable(Type.Integer()),
  staffName: Nullable(Type.String()),
  outcome: Type.String(),
  refusedReason: Nullable(Type.String()),
  reply: Nullable(Type.String()),
  replyMessageId: Nullable(Type.Integer()),
  blockedRule: Nullable(Type.String()),
  elapsedMs: Type.Integer(),
});
export const QueryLogPage = Type.Object({ items: Type.Array(QueryLogEntrySchema), total: Type.Integer() });
export type QueryLogEntryDto = Static<typeof QueryLogEntrySchema>;
export type QueryLogPageDto = Static<typeof QueryLogPage>;

export const StatsQuery = Type.Object({ days: Type.Optional(Type.Integer({ minimum: 1, maximum: 92, default: 14 })) });
export const StatsSchema = Type.Object({
  days: Type.Array(Type.String()),
  series: Type.Array(Type.Object({ service: Type.String(), counts: Type.Array(Type.Integer()) })),
  refused: Type.Array(Type.Integer()),
  p95ElapsedMs: Nullable(Type.Number()),
});
export type ServiceStatsDto = Static<typeof StatsSchema>;

export const SummarySchema = Type.Object({
  answeredToday: Type.Integer(),
  refused24h: Type.Integer(),
  lockouts: Type.Array(Type.Object({ mobile: Type.String(), at: Type.Number(), until: Nullable(Type.Number()) })),
});
export type ServiceSummaryDto = Static<typeof SummarySchema>;
