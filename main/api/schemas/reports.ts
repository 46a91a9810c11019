import { Type, type Static } from 'typebox';
import { REPORT_KINDS, VOLUME_GROUPS } from '../../reports/reports.js';
import { CADENCES, SCHEDULED_REPORTS } from '../../reports/schedules.js';
import { MAX_MODEM_PRICES, MAX_PRICE_LI } from '../../reports/settings.js';
import { literalUnion } from './lists.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Count = Type.Integer();
const Day = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', maxLength: 10, description: 'YYYY-MM-DD (the store’s time zone)' });

export const BusinessDashboardResponse = Type.Object({
  ready: Type.Boolean({ description: 'false while the daily figures are first being counted' }),
  today: Type.String(),
  messaging: Type.Optional(
    Type.Object({
      today: Type.Object({ messages: Count, partsSent: Count, delivered: Count, failed: Count, waiting: Count, blocked: Count, deliveryRate: Nullable(Type.Number()) }),
      days: Type.Array(Type.Object({ day: Type.String(), messages: Count, partsSent: Count, delivered: Count, failed: Count })),
      deliveryRate30: Nullable(Type.Number()),
    }),
  ),
  modems: Type.Optional(
    Type.Array(Type.Object({ modemId: Type.String(), name: Nullable(Type.String()), out: Count, delivered: Count, failed: Count, deliveryRate: Nullable(Type.Number()) })),
  ),
  inbox: Type.Optional(
    Type.Object({ repliesToday: Count, openConversations: Count, optOutsToday: Count, optOuts: Type.Array(Type.Object({ day: Type.String(), optOuts: Count })) }),
  ),
  surveys: Type.Optional(Type.Object({ open: Count, answersToday: Count })),
  feedback: Type.Optional(Type.Object({ configured: Type.Boolean(), new: Count, overdue: Count, open: Count })),
  strategies: Type.Optional(Type.Object({ suggested: Count, active: Count })),
  upcoming: Type.Optional(
    Type.Object({
      configured: Type.Boolean(),
      items: Type.Array(
        Type.Object({
          kind: Type.Union([Type.Literal('campaign'), Type.Literal('automation')]),
          id: Type.String(),
          name: Type.String(),
          at: Type.Number(),
          audience: Nullable(Type.Integer()),
          link: Type.String(),
        }),
      ),
    }),
  ),
  mail: Type.Optional(Type.Object({ configured: Type.Boolean(), failedRecently: Count, queued: Count, lastError: Nullable(Type.String()) })),
});
export type BusinessDashboardDto = Static<typeof BusinessDashboardResponse>;

export const ReportKindSchema = literalUnion(REPORT_KINDS, 'volume | delivery | campaigns | surveys | feedback | opt-outs');
export const ReportParams = Type.Object({ kind: ReportKindSchema });
export const ReportQuery = Type.Object({
  from: Day,
  to: Day,
  storeCode: Type.Optional(Type.String({ maxLength: 32 })),
  groupBy: Type.Optional(literalUnion(VOLUME_GROUPS, 'day | modem | operator | source | category | store (volume only)')),
});
export const ReportExportQuery = Type.Intersect([ReportQuery, Type.Object({ language: Type.Optional(Type.Union([Type.Literal('zh-CN'), Type.Literal('en')])) })]);

const Cell = Type.Union([Type.String(), Type.Number(), Type.Null()]);
export const ReportResponse = Type.Object({
  report: ReportKindSchema,
  from: Type.String(),
  to: Type.String(),
  storeCode: Nullable(Type.String()),
  groupBy: Nullable(Type.String()),
  configured: Type.Boolean(),
  empty: Type.Boolean(),
  chart: Type.Object({
    categories: Type.Array(Type.String()),
    series: Type.Array(
      Type.Object({
        key: Type.String(),
        type: Type.Union([Type.Literal('bar'), Type.Literal('line')]),
        axis: Type.Union([Type.Literal('count'), Type.Literal('percent'), Type.Literal('money'), Type.Literal('number')]),
        stack: Type.Optional(Type.String()),
        values: Type.Array(Nullable(Type.Number())),
      }),
    ),
  }),
  columns: Type.Array(Type.Object({ key: Type.String(), kind: Type.String() })),
  rows: Type.Array(Type.Record(Type.String(), Cell)),
  totals: Type.Record(Type.String(), Cell),
});
export type ReportResultDto = Static<typeof ReportResponse>;

export const ScheduleBody = Type.Object(
  {
    report: literalUnion(SCHEDULED_REPORTS, 'satisfaction (the surveys’ periodic report) or any report kind'),
    cadence: literalUnion(CADENCES, 'daily | weekly (Mondays) | monthly (the 1st)'),
    hour: Type.Integer({ minimum: 0, maximum: 23 }),
    storeCode: Type.Optional(Type.Union([Type.String({ maxLength: 32 }), Type.Null()])),
    language: Type.Optional(Type.Union([Type.Literal('zh-CN'), Type.Literal('en')])),
    enabled: Type.Boolean(),
  },
  { additionalProperties: false },
);
export const ScheduleSchema = Type.Object({
  id: Type.Integer(),
  report: Type.String(),
  cadence: Type.String(),
  hour: Type.Integer(),
  storeCode: Nullable(Type.String()),
  language: Type.String(),
  enabled: Type.Boolean(),
  purpose: Type.String(),
  nextRunAt: Type.Number(),
  lastRunAt: Nullable(Type.Number()),
  lastRun: Nullable(
    Type.Object({
      state: Type.String(),
      periodFrom: Type.String(),
      periodTo: Type.String(),
      errorCode: Nullable(Type.String()),
      errorMessage: Nullable(Type.String()),
      finishedAt: Nullable(Type.Number()),
    }),
  ),
});
export type ScheduleDto = Static<typeof ScheduleSchema>;
export type ScheduleBodyDto = Static<typeof ScheduleBody>;

const PriceLi = Type.Integer({ minimum: 0, maximum: MAX_PRICE_LI, description: 'price of one SMS part in 厘 (1/1000 yuan): 45 is ¥0.045' });
export const PriceSettingsBody = Type.Object(
  {
    pricePerPartLi: PriceLi,
    modemPrices: Type.Array(Type.Object({ modemId: Type.String({ minLength: 1, maxLength: 64 }), pricePerPartLi: PriceLi }, { additionalProperties: false }), {
      maxItems: MAX_MODEM_PRICES,
      description: 'modems whose SIM has its own price (the others cost pricePerPartLi)',
    }),
  },
  { additionalProperties: false },
);
export const PriceSettingsResponse = Type.Object({
  pricePerPartLi: Type.Integer(),
  modemPrices: Type.Array(Type.Object({ modemId: Type.String(), pricePerPartLi: Type.Integer() })),
  modems: Type.Array(Type.Object({ modemId: Type.String(), name: Nullable(Type.String()) })),
});
export type PriceSettingsDto = Static<typeof PriceSettingsResponse>;
export type PriceSettingsBodyDto = Static<typeof PriceSettingsBody>;
