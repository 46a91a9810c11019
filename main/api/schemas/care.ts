import { Type, type Static } from 'typebox';
import { AUTOMATION_KINDS, POINTS_PERIODS, type AutomationSettings } from '../../care/automations.js';
import { FESTIVAL_KEYS } from '../../care/dates.js';
import { MemberFilterSchema, type MemberFilter } from '../../members/filter.js';
import { POINTS_EXPIRY_RULES } from '../../members/points-expiry.js';
import { MAX_ID } from './common.js';
import { literalUnion } from './lists.js';

const Nullable = <T extends ReturnType<typeof Type.String> | ReturnType<typeof Type.Integer> | ReturnType<typeof Type.Object>>(schema: T) => Type.Union([Type.Null(), schema]);
export const IsoDate = (description = 'YYYY-MM-DD') => Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description });

export const AutomationKindSchema = literalUnion(AUTOMATION_KINDS, 'birthday | holiday | date (店庆) | points | invitation | welcome | winback');

/** Every kind's settings in one object; the service keeps what the kind uses and checks it. */
export const AutomationSettingsBody = Type.Object(
  {
    festival: Type.Optional(literalUnion(FESTIVAL_KEYS)),
    name: Type.Optional(Type.String({ maxLength: 20, description: '店庆: the date’s name' })),
    month: Type.Optional(Type.Integer({ minimum: 1, maximum: 12 })),
    day: Type.Optional(Type.Integer({ minimum: 1, maximum: 31 })),
    lunar: Type.Optional(Type.Boolean()),
    mode: Type.Optional(literalUnion(['threshold', 'expiry'] as const)),
    minPoints: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
    period: Type.Optional(literalUnion(POINTS_PERIODS)),
    eventName: Type.Optional(Type.String({ maxLength: 40 })),
    eventDate: Type.Optional(Nullable(IsoDate())),
    place: Type.Optional(Type.String({ maxLength: 60 })),
    keywords: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 10 }), { minItems: 1, maxItems: 5 })),
    capacity: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 100_000 }))),
    days: Type.Optional(Type.Integer({ minimum: 7, maximum: 3650 })),
    maxDays: Type.Optional(Type.Integer({ minimum: 7, maximum: 3650 })),
  },
  { additionalProperties: false },
);

export const AutomationBody = Type.Object(
  {
    kind: AutomationKindSchema,
    name: Type.String({ minLength: 1, maxLength: 64 }),
    text: Type.String({ minLength: 1, maxLength: 500 }),
    templateId: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: MAX_ID }))),
    sendTime: Type.String({ pattern: '^\\d{2}:\\d{2}$', description: 'local HH:MM' }),
    leadDays: Type.Integer({ minimum: 0, maximum: 60 }),
    audience: MemberFilterSchema,
    settings: AutomationSettingsBody,
  },
  { additionalProperties: false },
);
export type AutomationBody = Static<typeof AutomationBody>;

export const EnabledBody = Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false });

export const RunSchema = Type.Object({
  id: Type.Integer(),
  sendDay: Type.String(),
  occasionDate: Type.String(),
  state: literalUnion(['running', 'done', 'failed', 'cancelled'] as const),
  trigger: Type.String(),
  batchId: Type.String(),
  total: Type.Integer(),
  queued: Type.Integer(),
  deferred: Type.Integer(),
  blocked: Type.Integer(),
  duplicates: Type.Integer(),
  error: Type.Union([Type.Null(), Type.String()]),
  startedAt: Type.Number(),
  finishedAt: Type.Union([Type.Null(), Type.Number()]),
});

export const AutomationSchema = Type.Object({
  id: Type.Integer(),
  kind: AutomationKindSchema,
  name: Type.String(),
  enabled: Type.Boolean(),
  text: Type.String(),
  templateId: Type.Union([Type.Null(), Type.Integer()]),
  sendTime: Type.String(),
  leadDays: Type.Integer(),
  audience: Type.Unsafe<MemberFilter>(Type.Record(Type.String(), Type.Unknown(), { description: 'MemberFilter' })),
  settings: Type.Unsafe<AutomationSettings>(Type.Record(Type.String(), Type.Unknown(), { description: 'the kind’s settings, with kind' })),
  enabledAt: Type.Union([Type.Null(), Type.Number()]),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
  updatedBy: Type.String(),
  next: Type.Union([Type.Null(), Type.Object({ sendDay: Type.String(), occasionDate: Type.Union([Type.Null(), Type.String()]) })]),
  lastRun: Type.Union([Type.Null(), RunSchema]),
});

export const AutomationList = Type.Object({ items: Type.Array(AutomationSchema), today: Type.String() });

export const HolidaysQuery = Type.Object({ year: Type.Integer({ minimum: 1950, maximum: 2099 }) }, { additionalProperties: false });
export const HolidayList = Type.Object({
  year: Type.Integer(),
  items: Type.Array(Type.Object({ date: Type.String(), key: Type.String(), name: Type.String(), lunar: Type.Boolean(), lunarText: Type.Optional(Type.Union([Type.Null(), Type.String()])) })),
});

export const PreviewQuery = Type.Object(
  {
    date: IsoDate('the send day to evaluate'),
    automationId: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ID, description: 'one automation, even while switched off (its editor)' })),
    limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, default: 200 })),
  },
  { additionalProperties: false },
);
export const PreviewSchema = Type.Object({
  date: Type.String(),
  total: Type.Integer(),
  items: Type.Array(
    Type.Object({
      automationId: Type.Integer(),
      name: Type.String(),
      kind: AutomationKindSchema,
      enabled: Type.Boolean(),
      occasionDate: Type.Union([Type.Null(), Type.String()]),
      count: Type.Integer(),
      alreadySent: Type.Integer(),
      blocked: Type.Integer(),
      late: Type.Boolean(),
      members: Type.Array(Type.Object({ memberId: Type.Integer(), name: Type.String(), mobile: Type.String({ description: 'masked' }), occasionDate: Type.String(), lunarBirthday: Type.Boolean() })),
    }),
  ),
});

/** 积分有效期: the store's rule, as a body (every key) and as read (with what it means today). */
export const PointsExpiryBody = Type.Object(
  {
    rule: literalUnion(POINTS_EXPIRY_RULES, 'never | annual (one day every year: 12-31 is 年底清零) | rolling (months after the month earned, at its end)'),
    month: Type.Integer({ minimum: 1, maximum: 12, description: 'annual: the month' }),
    day: Type.Integer({ minimum: 1, maximum: 31, description: 'annual: the day' }),
    months: Type.Integer({ minimum: 1, maximum: 120, description: 'rolling: months after the month of earning' }),
    usePosDate: Type.Boolean({ description: 'A member with an expiry date from the POS (mapping field points_expire_on) goes by it' }),
  },
  { additionalProperties: false },
);
export const PointsExpirySchema = Type.Object({
  ...PointsExpiryBody.properties,
  nextDate: Type.Union([Type.Null(), Type.String()], { description: 'the rule’s next expiry day from today; null: points never expire' }),
  posDates: Type.Integer({ description: 'members whose POS record carries an expiry date still to come' }),
});

export const OccurrencesQuery = Type.Object({ from: IsoDate(), to: IsoDate() }, { additionalProperties: false });
export const OccurrenceList = Type.Object({
  items: Type.Array(Type.Object({ date: Type.String(), automationId: Type.Integer(), name: Type.String(), kind: Type.String(), count: Type.Integer() })),
});

export const RsvpList = Type.Object({
  occasionDate: Type.Union([Type.Null(), Type.String()]),
  accepted: Type.Integer(),
  full: Type.Integer(),
  capacity: Type.Union([Type.Null(), Type.Integer()]),
  items: Type.Array(
    Type.Object({
      id: Type.Integer(),
      automationId: Type.Integer(),
      occasionDate: Type.String(),
      name: Type.String(),
      mobile: Type.String(),
      memberId: Type.Union([Type.Null(), Type.Integer()]),
      state: literalUnion(['accepted', 'full'] as const),
      text: Type.String(),
      repliedAt: Type.Number(),
    }),
  ),
});

export const RunList = Type.Object({ items: Type.Array(RunSchema) });

export type AutomationDto = Static<typeof AutomationSchema>;
export type AutomationListDto = Static<typeof AutomationList>;
export type CarePreviewDto = Static<typeof PreviewSchema>;
export type HolidayListDto = Static<typeof HolidayList>;
export type RsvpListDto = Static<typeof RsvpList>;
export type RunListDto = Static<typeof RunList>;
export type OccurrenceListDto = Static<typeof OccurrenceList>;
export type PointsExpiryDto = Static<typeof PointsExpirySchema>;
export type PointsExpiryBodyDto = Static<typeof PointsExpiryBody>;
