import { Type, type Static } from 'typebox';
import { CROSS_TAB_DIMENSIONS } from '../../surveys/statistics.js';
import { MAX_QUESTIONS, MAX_OPTIONS, QUESTION_KINDS, RATING_SCALES, SESSION_STATES, SURVEY_MODES, SURVEY_STATES } from '../../surveys/types.js';
import { EpochMs, MAX_ID, Pagination } from './common.js';
import { literalUnion } from './lists.js';
import { MemberFilterSchema } from './members.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const QuestionKindSchema = literalUnion(QUESTION_KINDS, 'choice | rating | yes-no | text');
export const RatingScaleSchema = literalUnion(RATING_SCALES, '1-5 (satisfaction) | 0-10 (NPS)');
export const SurveyModeSchema = literalUnion(SURVEY_MODES, 'sequential: one question per SMS | all-at-once');
export const SurveyStateSchema = literalUnion(SURVEY_STATES, 'draft → open → closed');
export const SessionStateSchema = literalUnion(SESSION_STATES);

export const QuestionBody = Type.Object(
  {
    kind: QuestionKindSchema,
    text: Type.String({ maxLength: 300 }),
    options: Type.Optional(Type.Array(Type.String({ maxLength: 60 }), { maxItems: MAX_OPTIONS })),
    scale: Type.Optional(RatingScaleSchema),
  },
  { additionalProperties: false },
);

export const SurveyBody = Type.Object(
  {
    title: Type.String({ maxLength: 100 }),
    intro: Type.String({ maxLength: 300 }),
    mode: SurveyModeSchema,
    timeoutHours: Type.Integer({ minimum: 1, maximum: 720 }),
    incentive: Type.String({ maxLength: 100 }),
    thanks: Type.String({ maxLength: 300 }),
    questions: Type.Array(QuestionBody, { maxItems: MAX_QUESTIONS }),
  },
  { additionalProperties: false },
);
export type SurveyBodyDto = Static<typeof SurveyBody>;

const SessionCountsSchema = Type.Object({
  invited: Type.Integer(),
  answering: Type.Integer(),
  completed: Type.Integer(),
  expired: Type.Integer(),
  optedOut: Type.Integer(),
  superseded: Type.Integer(),
  closed: Type.Integer(),
});

export const SurveyQuestionSchema = Type.Object({
  id: Type.Integer(),
  position: Type.Integer(),
  kind: QuestionKindSchema,
  text: Type.String(),
  options: Type.Array(Type.String()),
  scale: Nullable(RatingScaleSchema),
});

export const SurveySchema = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  intro: Type.String(),
  mode: SurveyModeSchema,
  timeoutHours: Type.Integer(),
  incentive: Type.String(),
  thanks: Type.String(),
  state: SurveyStateSchema,
  questions: Type.Array(SurveyQuestionSchema),
  createdAt: Type.Number(),
  createdBy: Type.String(),
  updatedAt: Type.Number(),
  openedAt: Nullable(Type.Number()),
  closedAt: Nullable(Type.Number()),
  sessions: SessionCountsSchema,
});
export type SurveyDto = Static<typeof SurveySchema>;

export const SurveySummarySchema = Type.Object({
  id: Type.Integer(),
  title: Type.String(),
  mode: SurveyModeSchema,
  state: SurveyStateSchema,
  questionCount: Type.Integer(),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
  openedAt: Nullable(Type.Number()),
  closedAt: Nullable(Type.Number()),
  sessions: SessionCountsSchema,
  responded: Type.Integer(),
});
export type SurveySummaryDto = Static<typeof SurveySummarySchema>;

export const SurveyListQuery = Type.Object({
  state: Type.Optional(SurveyStateSchema),
  q: Type.Optional(Type.String({ maxLength: 100 })),
  ...Pagination({ maxPageSize: 200, defaultPageSize: 50 }),
});
export const SurveyPage = Type.Object({ items: Type.Array(SurveySummarySchema), total: Type.Integer() });

const PreviewTextSchema = Type.Object({
  text: Type.String(),
  characters: Type.Integer(),
  parts: Type.Integer(),
  encoding: Type.String(),
  partLimit: Type.Integer(),
  withinLimit: Type.Boolean(),
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String() })),
});
export const SurveyPreviewResponse = Type.Object({ invitation: PreviewTextSchema, questions: Type.Array(Type.String()) });
export type SurveyPreviewDto = Static<typeof SurveyPreviewResponse>;

export const InviteBody = Type.Object(
  {
    /** The audience: a member filter (as 会员 searches) or chosen members. */
    filter: Type.Optional(MemberFilterSchema),
    memberIds: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: MAX_ID }), { maxItems: 10_000 })),
    dryRun: Type.Optional(Type.Boolean({ description: 'Count and show samples; nothing is queued' })),
    notBefore: Type.Optional(Nullable(EpochMs({ description: 'Send no earlier than this' }))),
  },
  { additionalProperties: false },
);
export type InviteBodyDto = Static<typeof InviteBody>;

export const InviteResponse = Type.Object({
  dryRun: Type.Boolean(),
  batchId: Nullable(Type.String()),
  total: Type.Integer(),
  queued: Type.Integer(),
  deferred: Type.Integer(),
  blocked: Type.Record(Type.String(), Type.Integer()),
  duplicates: Type.Integer(),
  supersedes: Type.Integer(),
  parts: Type.Integer(),
  samples: Type.Array(Type.Object({ recipient: Type.String(), text: Type.String(), parts: Type.Integer() })),
});
export type InviteResultDto = Static<typeof InviteResponse>;

const DistributionSchema = Type.Object({ key: Type.String(), label: Type.String(), count: Type.Integer() });
export const QuestionStatisticsSchema = Type.Object({
  questionId: Type.Integer(),
  position: Type.Integer(),
  kind: QuestionKindSchema,
  scale: Nullable(RatingScaleSchema),
  text: Type.String(),
  answered: Type.Integer(),
  skipped: Type.Integer(),
  distribution: Type.Array(DistributionSchema),
  mean: Nullable(Type.Number()),
  nps: Nullable(Type.Object({ promoters: Type.Integer(), passives: Type.Integer(), detractors: Type.Integer(), score: Type.Number() })),
  yesShare: Nullable(Type.Number()),
});
export type QuestionStatisticsDto = Static<typeof QuestionStatisticsSchema>;

export const StatisticsQuery = Type.Object({
  storeCode: Type.Optional(Type.String({ maxLength: 32 })),
  from: Type.Optional(EpochMs()),
  to: Type.Optional(EpochMs()),
});

export const StatisticsResponse = Type.Object({
  totals: Type.Object({
    invited: Type.Integer(),
    reached: Type.Integer(),
    responded: Type.Integer(),
    completed: Type.Integer(),
    answering: Type.Integer(),
    expired: Type.Integer(),
    optedOut: Type.Integer(),
    superseded: Type.Integer(),
    closed: Type.Integer(),
    lateAnswers: Type.Integer(),
  }),
  responseRate: Nullable(Type.Number()),
  completionRate: Nullable(Type.Number()),
  questions: Type.Array(QuestionStatisticsSchema),
});
export type SurveyStatisticsDto = Static<typeof StatisticsResponse>;

export const CrossTabDimensionSchema = literalUnion(CROSS_TAB_DIMENSIONS, 'store | gender | ageBand | level');
export const CrossTabQuery = Type.Object({ dimension: CrossTabDimensionSchema, storeCode: Type.Optional(Type.String({ maxLength: 32 })) });
export const CrossTabResponse = Type.Object({
  dimension: CrossTabDimensionSchema,
  labels: Type.Record(Type.String(), Type.String()),
  groups: Type.Array(
    Type.Object({
      key: Type.String(),
      invited: Type.Integer(),
      responded: Type.Integer(),
      completed: Type.Integer(),
      questions: Type.Array(QuestionStatisticsSchema),
    }),
  ),
});
export type CrossTabDto = Static<typeof CrossTabResponse>;

export const TextAnswersQuery = Type.Object({
  questionId: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ID })),
  q: Type.Optional(Type.String({ maxLength: 100 })),
  storeCode: Type.Optional(Type.String({ maxLength: 32 })),
  ...Pagination({ maxPageSize: 200, defaultPageSize: 20 }),
});
export const TextAnswersResponse = Type.Object({
  items: Type.Array(
    Type.Object({
      sessionId: Type.Integer(),
      questionId: Type.Integer(),
      position: Type.Integer(),
      text: Type.String(),
      number: Type.String(),
      memberId: Nullable(Type.Integer()),
      memberName: Nullable(Type.String()),
      storeCode: Nullable(Type.String()),
      storeName: Nullable(Type.String()),
      answeredAt: Type.Number(),
    }),
  ),
  total: Type.Integer(),
});
export type TextAnswersDto = Static<typeof TextAnswersResponse>;

export const RespondentsQuery = Type.Object({
  incentiveOnly: Type.Optional(Type.Boolean({ description: 'Only those who earned the incentive' })),
  storeCode: Type.Optional(Type.String({ maxLength: 32 })),
  ...Pagination({ maxPageSize: 200, defaultPageSize: 50 }),
});
export const RespondentsResponse = Type.Object({
  items: Type.Array(
    Type.Object({
      sessionId: Type.Integer(),
      number: Type.String(),
      memberId: Nullable(Type.Integer()),
      memberName: Nullable(Type.String()),
      cardNo: Nullable(Type.String()),
      storeCode: Nullable(Type.String()),
      storeName: Nullable(Type.String()),
      state: SessionStateSchema,
      invitedAt: Type.Number(),
      endedAt: Nullable(Type.Number()),
      incentiveEarned: Type.Boolean(),
      incentiveGivenAt: Nullable(Type.Number()),
      incentiveGivenBy: Nullable(Type.String()),
      answers: Type.Record(Type.String(), Nullable(Type.String())),
    }),
  ),
  total: Type.Integer(),
});
export type RespondentsDto = Static<typeof RespondentsResponse>;

export const IncentiveBody = Type.Object({ sessionIds: Type.Array(Type.Integer({ minimum: 1, maximum: MAX_ID }), { minItems: 1, maxItems: 1000 }) }, { additionalProperties: false });

export const ExportQuery = Type.Object({
  language: Type.Optional(Type.Union([Type.Literal('zh-CN'), Type.Literal('en')])),
  storeCode: Type.Optional(Type.String({ maxLength: 32 })),
});
