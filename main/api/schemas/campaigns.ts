import { Type, type Static, type TSchema } from 'typebox';
import { MemberFilterSchema } from '../../members/filter.js';
import { EpochMs, MAX_ID, Pagination } from './common.js';
import { literalUnion } from './lists.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([Type.Null(), schema]);
const TimeOfDay = Type.String({ pattern: '^([01]\\d|2[0-3]):([0-5]\\d)$', description: 'HH:MM, local time' });

export const CAMPAIGN_STATES = ['draft', 'pending_approval', 'scheduled', 'running', 'paused', 'completed', 'cancelled'] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];
export const AUDIENCE_KINDS = ['segment', 'filter', 'list', 'tag'] as const;
export type AudienceKind = (typeof AUDIENCE_KINDS)[number];
export const SCHEDULE_KINDS = ['now', 'at', 'recurring'] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];
/** Campaigns are commercial texts: marketing (the default) or care (greetings, reminders). */
export const CAMPAIGN_CATEGORIES = ['marketing', 'care'] as const;
export type CampaignCategory = (typeof CAMPAIGN_CATEGORIES)[number];
export const RUN_STATES = ['enqueuing', 'queued', 'finished', 'cancelled', 'failed'] as const;
export type RunState = (typeof RUN_STATES)[number];

// ---- segments --------------------------------------------------------------

export const SegmentBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    description: Type.Optional(Type.String({ maxLength: 200 })),
    filter: MemberFilterSchema,
  },
  { additionalProperties: false },
);
export type SegmentInput = Static<typeof SegmentBody>;

export const SegmentSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  description: Type.String(),
  filter: MemberFilterSchema,
  /** Members the filter matches now (with a mobile number); null when not counted. */
  count: Nullable(Type.Integer()),
  createdAt: Type.Number(),
  createdBy: Type.String(),
  updatedAt: Type.Number(),
  updatedBy: Type.String(),
  /** Campaigns that use it (it cannot be deleted while any does). */
  usedBy: Type.Integer(),
  /** Those campaigns (not yet completed or cancelled, drafts included): an edited filter changes their audience. */
  usedIn: Type.Array(Type.Object({ id: Type.Integer(), name: Type.String(), state: literalUnion(CAMPAIGN_STATES) })),
});
export type Segment = Static<typeof SegmentSchema>;
export const SegmentList = Type.Object({ items: Type.Array(SegmentSchema) });

export const CountBody = Type.Object({ filter: MemberFilterSchema }, { additionalProperties: false });
export const CountResponse = Type.Object({ count: Type.Integer() });

// ---- campaigns -------------------------------------------------------------

export const AudienceBody = Type.Object(
  {
    kind: literalUnion(AUDIENCE_KINDS, 'segment | filter | list | tag'),
    segmentId: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: MAX_ID }))),
    filter: Type.Optional(Nullable(MemberFilterSchema)),
    /** An uploaded or pasted list of numbers (one per line, or separated by commas). */
    numbers: Type.Optional(Nullable(Type.String({ maxLength: 4_000_000 }))),
    tag: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 32 }))),
  },
  { additionalProperties: false },
);

export const ScheduleBody = Type.Object(
  {
    kind: literalUnion(SCHEDULE_KINDS, 'now | at | recurring'),
    at: Type.Optional(Nullable(EpochMs({ description: 'for "at": when to send' }))),
    rule: Type.Optional(Nullable(Type.String({ maxLength: 100, description: 'for "recurring": cron, five fields, store time zone, e.g. "0 10 * * 5"' }))),
    until: Type.Optional(Nullable(EpochMs({ description: 'for "recurring": no run after this time' }))),
  },
  { additionalProperties: false },
);

export const CampaignBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    audience: AudienceBody,
    templateId: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: MAX_ID }))),
    text: Type.String({ minLength: 1, maxLength: 1000 }),
    category: Type.Optional(literalUnion(CAMPAIGN_CATEGORIES, 'marketing (default) | care')),
    modemId: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 64 }))),
    schedule: ScheduleBody,
    window: Type.Optional(Nullable(Type.Object({ start: TimeOfDay, end: TimeOfDay }, { additionalProperties: false }))),
    holdoutPercent: Type.Optional(Type.Integer({ minimum: 0, maximum: 50 })),
    effectDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 60 })),
  },
  { additionalProperties: false },
);
export type CampaignInput = Static<typeof CampaignBody>;

export const ProgressSchema = Type.Object({
  total: Type.Integer({ description: 'messages written to the outbox (queued, sent, blocked …)' }),
  waiting: Type.Integer(),
  sending: Type.Integer(),
  sent: Type.Integer({ description: 'sent, delivered included' }),
  delivered: Type.Integer(),
  failed: Type.Integer(),
  blocked: Type.Integer(),
  cancelled: Type.Integer(),
});
export type CampaignProgress = Static<typeof ProgressSchema>;

export const CampaignSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  state: literalUnion(CAMPAIGN_STATES),
  audience: Type.Object({
    kind: literalUnion(AUDIENCE_KINDS),
    segmentId: Nullable(Type.Integer()),
    segmentName: Nullable(Type.String()),
    filter: Nullable(MemberFilterSchema),
    tag: Nullable(Type.String()),
    listSize: Type.Integer(),
  }),
  templateId: Nullable(Type.Integer()),
  text: Type.String(),
  category: literalUnion(CAMPAIGN_CATEGORIES),
  modemId: Nullable(Type.String()),
  schedule: Type.Object({ kind: literalUnion(SCHEDULE_KINDS), at: Nullable(Type.Number()), rule: Nullable(Type.String()), until: Nullable(Type.Number()) }),
  window: Nullable(Type.Object({ start: Type.String(), end: Type.String() })),
  holdoutPercent: Type.Integer(),
  effectDays: Type.Integer(),
  nextRunAt: Nullable(Type.Number()),
  runCount: Type.Integer(),
  progress: ProgressSchema,
  createdBy: Type.String(),
  createdByRole: Type.String(),
  createdAt: Type.Number(),
  updatedBy: Type.String(),
  updatedAt: Type.Number(),
  approvedBy: Nullable(Type.String()),
  approvedAt: Nullable(Type.Number()),
  stateReason: Nullable(Type.String()),
  stateChangedAt: Nullable(Type.Number()),
  stateChangedBy: Nullable(Type.String()),
});
export type Campaign = Static<typeof CampaignSchema>;

export const CampaignListQuery = Type.Object({
  states: Type.Optional(Type.Array(literalUnion(CAMPAIGN_STATES), { maxItems: 7 })),
  q: Type.Optional(Type.String({ maxLength: 64 })),
  ...Pagination({ maxPageSize: 200 }),
});
export const CampaignPage = Type.Object({ items: Type.Array(CampaignSchema), total: Type.Integer() });

export const RunSchema = Type.Object({
  id: Type.Integer(),
  runNumber: Type.Integer(),
  state: literalUnion(RUN_STATES),
  batchId: Type.String(),
  scheduledFor: Type.Number(),
  startedAt: Type.Number(),
  queuedAt: Nullable(Type.Number()),
  finishedAt: Nullable(Type.Number()),
  audience: Type.Integer(),
  holdout: Type.Integer(),
  errorCode: Nullable(Type.String()),
  errorMessage: Nullable(Type.String()),
});
export type CampaignRun = Static<typeof RunSchema>;

export const CampaignDetail = Type.Object({
  campaign: CampaignSchema,
  runs: Type.Array(RunSchema),
  /** The next five run times (recurring) or the one planned time. */
  upcoming: Type.Array(Type.Number()),
});

export const DryRunSchema = Type.Object({
  /** Members (or list numbers) the audience holds now. */
  audience: Type.Integer(),
  target: Type.Integer(),
  holdout: Type.Integer(),
  queued: Type.Integer(),
  deferred: Type.Integer(),
  blocked: Type.Record(Type.String(), Type.Integer()),
  duplicates: Type.Integer(),
  parts: Type.Integer(),
  estimate: Type.Object({ seconds: Nullable(Type.Number()), modems: Type.Integer(), partsPerHour: Type.Number() }),
  samples: Type.Array(Type.Object({ recipient: Type.String(), text: Type.String(), parts: Type.Integer() })),
  startsAt: Nullable(Type.Number()),
  upcoming: Type.Array(Type.Number()),
});
export type DryRun = Static<typeof DryRunSchema>;

export const RulePreviewQuery = Type.Object({
  rule: Type.String({ minLength: 1, maxLength: 100 }),
  count: Type.Optional(Type.Integer({ minimum: 1, maximum: 20, default: 5 })),
});
export const RulePreviewResponse = Type.Object({ rule: Type.String(), upcoming: Type.Array(Type.Number()), timeZone: Type.String() });

const GroupEffect = Type.Object({ members: Type.Integer(), buyers: Type.Integer(), responseRate: Nullable(Type.Number()), spendPerMember: Nullable(Type.Number()) });
const Uplift = Type.Object({ difference: Type.Number(), low: Type.Number(), high: Type.Number(), method: Type.String() });

export const ReportSchema = Type.Object({
  campaign: CampaignSchema,
  runs: Type.Array(RunSchema),
  funnel: Type.Object({
    audience: Type.Integer(),
    holdout: Type.Integer(),
    queued: Type.Integer({ description: 'messages written (every outcome)' }),
    waiting: Type.Integer(),
    sent: Type.Integer(),
    delivered: Type.Integer(),
    failed: Type.Integer(),
    cancelled: Type.Integer(),
    expired: Type.Integer(),
    unknown: Type.Integer(),
    blocked: Type.Record(Type.String(), Type.Integer(), { description: 'per rule: consent, opt-out, blacklist, frequency-cap, render (a placeholder the member lacks) …' }),
  }),
  optOuts: Type.Integer({ description: 'recipients who opted out within 7 days after their message' }),
  replies: Type.Integer({ description: 'recipients who texted back within 7 days after their message' }),
  effect: Type.Object({
    days: Type.Integer(),
    /** The effect window is over for every message: the figures no longer move. */
    final: Type.Boolean(),
    target: GroupEffect,
    holdout: GroupEffect,
    responseUplift: Nullable(Uplift),
    spendUplift: Nullable(Type.Intersect([Uplift, Type.Object({ degreesOfFreedom: Type.Number() })])),
  }),
  /** Messages sent per day (local dates). */
  sentPerDay: Type.Array(Type.Object({ date: Type.String(), sent: Type.Integer(), delivered: Type.Integer() })),
  generatedAt: Type.Number(),
});
export type CampaignReport = Static<typeof ReportSchema>;

export const ApprovalBody = Type.Object({ note: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false });

export const CampaignSettingsSchema = Type.Object({
  /** Campaigns an operator creates wait for a manager's approval before they are scheduled. */
  requireApproval: Type.Boolean(),
});

export const CalendarQuery = Type.Object({ month: Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM' }) });
export const CalendarEntrySchema = Type.Object({
  date: Type.String({ description: 'YYYY-MM-DD, store time zone' }),
  kind: literalUnion(['campaign', 'automation', 'holiday'] as const),
  id: Nullable(Type.Integer()),
  name: Type.String(),
  at: Nullable(Type.Number()),
  count: Nullable(Type.Integer()),
  state: Nullable(Type.String()),
  detail: Nullable(Type.String({ description: 'automation kind, holiday key' })),
});
export type CalendarEntry = Static<typeof CalendarEntrySchema>;
export const CalendarResponse = Type.Object({ month: Type.String(), timeZone: Type.String(), entries: Type.Array(CalendarEntrySchema) });

export type CampaignInputDto = CampaignInput;
export type CampaignDto = Campaign;
export type CampaignDetailDto = Static<typeof CampaignDetail>;
export type CampaignPageDto = Static<typeof CampaignPage>;
export type DryRunDto = DryRun;
export type ReportDto = CampaignReport;
export type SegmentDto = Segment;
export type SegmentInputDto = SegmentInput;
export type CalendarDto = Static<typeof CalendarResponse>;
export type RulePreviewDto = Static<typeof RulePreviewResponse>;
