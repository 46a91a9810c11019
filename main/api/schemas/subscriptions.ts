import { Type, type Static } from 'typebox';
import { CONSENT_EVENT_SOURCES } from '../../members/consent.js';
import { MAGAZINE_CONTENTS, MAGAZINE_SCHEDULES } from '../../subscriptions/magazine-settings.js';
import { MAX_ID, PageQuery } from './common.js';
import { ImportListBody, literalUnion } from './lists.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const TopicSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  keyword: Type.String({ description: 'What customers text after DY / TD (DY 促销)' }),
  description: Type.String(),
  role: Nullable(Type.String({ description: "magazine: the 电子杂志's topic" })),
  active: Type.Boolean(),
  sortOrder: Type.Integer(),
  subscribers: Type.Integer(),
});
export type TopicDto = Static<typeof TopicSchema>;

export const TopicsResponse = Type.Object({ items: Type.Array(TopicSchema) });

export const CreateTopicBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 40 }),
  keyword: Type.String({ minLength: 1, maxLength: 8 }),
  description: Type.Optional(Type.String({ maxLength: 200 })),
  active: Type.Optional(Type.Boolean()),
  sortOrder: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
});
export const UpdateTopicBody = Type.Partial(CreateTopicBody);

export const MemberSubscriptionSchema = Type.Object({
  topicId: Type.Integer(),
  topicName: Type.String(),
  keyword: Type.String(),
  active: Type.Boolean(),
  subscribed: Nullable(Type.Boolean({ description: 'null: the member never chose' })),
  source: Nullable(Type.String()),
  changedAt: Nullable(Type.Number()),
});
export const MemberSubscriptionsResponse = Type.Object({ items: Type.Array(MemberSubscriptionSchema) });
export type MemberSubscriptionDto = Static<typeof MemberSubscriptionSchema>;

export const SetMemberSubscriptionsBody = Type.Object({
  changes: Type.Array(Type.Object({ topicId: Type.Integer({ minimum: 1, maximum: MAX_ID }), subscribed: Type.Boolean() }), { minItems: 1, maxItems: 50 }),
  note: Type.Optional(Type.String({ maxLength: 200, description: 'How the customer agreed (在服务台口头同意 …): kept in the consent record' })),
});

export const ConsentEventSchema = Type.Object({
  id: Type.Integer(),
  at: Type.Number(),
  topicId: Nullable(Type.Integer()),
  topicName: Nullable(Type.String({ description: 'null with topicId null: the general marketing consent (营销)' })),
  granted: Type.Boolean(),
  source: literalUnion(CONSENT_EVENT_SOURCES),
  text: Nullable(Type.String({ description: 'The text that caused it: the SMS, a note, the import' })),
  inboxId: Nullable(Type.Integer()),
  actor: Type.String(),
});
export type ConsentEventDto = Static<typeof ConsentEventSchema>;
export const ConsentHistoryQuery = Type.Object({ ...PageQuery });
export const ConsentHistoryResponse = Type.Object({ items: Type.Array(ConsentEventSchema), total: Type.Integer() });

export const ImportSubscriptionsBody = Type.Omit(ImportListBody, []);
export const SubscriptionImportReportSchema = Type.Object({
  rows: Type.Integer(),
  good: Type.Integer(),
  subscribed: Type.Integer(),
  unsubscribed: Type.Integer(),
  errors: Type.Array(Type.Object({ row: Type.Integer(), input: Type.String(), code: Type.String(), message: Type.String() })),
  committed: Type.Boolean(),
});
export type SubscriptionImportReportDto = Static<typeof SubscriptionImportReportSchema>;

// ---- the 电子杂志 ----

export const MagazineIssueSchema = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  text: Type.String(),
  content: literalUnion(MAGAZINE_CONTENTS),
  state: literalUnion(['draft', 'sent'] as const),
  period: Nullable(Type.String()),
  batchId: Nullable(Type.String()),
  recipients: Nullable(Type.Integer()),
  queued: Nullable(Type.Integer()),
  sentAt: Nullable(Type.Number()),
  sentBy: Nullable(Type.String()),
  createdAt: Type.Number(),
  createdBy: Type.String(),
  updatedAt: Type.Number(),
});
export type MagazineIssueDto = Static<typeof MagazineIssueSchema>;
export const MagazineIssuePage = Type.Object({ items: Type.Array(MagazineIssueSchema), total: Type.Integer() });
export const MagazineIssueQuery = Type.Object({ ...PageQuery });
export const CreateIssueBody = Type.Object({ title: Type.String({ minLength: 1, maxLength: 60 }), text: Type.String({ minLength: 1, maxLength: 500 }) });
export const UpdateIssueBody = Type.Partial(CreateIssueBody);
export const PreviewBody = Type.Object({ text: Type.String({ minLength: 1, maxLength: 500 }) });
export const MagazinePreviewSchema = Type.Object({
  sample: Type.Object({
    text: Type.String(),
    characters: Type.Integer(),
    parts: Type.Integer(),
    partLimit: Type.Integer(),
    withinLimit: Type.Boolean(),
    error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
  }),
  topic: Nullable(Type.Object({ id: Type.Integer(), name: Type.String(), subscribers: Type.Integer() })),
  tally: Nullable(Type.Object({ total: Type.Integer(), queued: Type.Integer(), deferred: Type.Integer(), blocked: Type.Record(Type.String(), Type.Integer()), parts: Type.Integer() })),
});
export type MagazinePreviewDto = Static<typeof MagazinePreviewSchema>;
export const AssembledResponse = Type.Object({ issue: Nullable(Type.Object({ title: Type.String(), text: Type.String() })) });

export const MagazineSettingsSchema = Type.Object({
  schedule: literalUnion(MAGAZINE_SCHEDULES),
  weekday: Type.Integer({ minimum: 1, maximum: 7 }),
  dayOfMonth: Type.Integer({ minimum: 1, maximum: 28 }),
  time: Type.String({ maxLength: 5 }),
  content: literalUnion(MAGAZINE_CONTENTS),
  intro: Type.String({ maxLength: 40 }),
  maxPromotions: Type.Integer({ minimum: 1, maximum: 10 }),
  publicUrl: Type.String({ maxLength: 120 }),
});
export type MagazineSettingsDto = Static<typeof MagazineSettingsSchema>;
export const UpdateMagazineSettingsBody = Type.Partial(MagazineSettingsSchema);
