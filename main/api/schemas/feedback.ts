import { Type, type Static } from 'typebox';
import { FEEDBACK_KINDS } from '../../feedback/settings.js';
import { TICKET_STATES } from '../../feedback/feedback.js';
import { MAX_ID, PageQuery } from './common.js';
import { literalUnion } from './lists.js';
import { ConversationEntrySchema } from './messages.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const FeedbackKindSchema = literalUnion(FEEDBACK_KINDS, 'complaint: 投诉; suggestion: 建议; praise: 表扬; question: 咨询');
export const TicketStateSchema = literalUnion(TICKET_STATES, 'new → in-progress → resolved → closed');

export const TicketSchema = Type.Object({
  id: Type.Integer(),
  number: Type.String({ description: 'What the customer quotes, e.g. FK20261206-0001' }),
  kind: FeedbackKindSchema,
  state: TicketStateSchema,
  mobile: Type.String(),
  memberId: Nullable(Type.Integer()),
  memberName: Nullable(Type.String()),
  conversationId: Nullable(Type.Integer()),
  text: Type.String(),
  source: literalUnion(['sms', 'ui'] as const),
  assignee: Nullable(Type.Object({ id: Type.Integer(), username: Type.String(), displayName: Type.String() })),
  dueAt: Type.Number(),
  overdue: Type.Boolean({ description: 'Open past its due time (the kind’s SLA)' }),
  createdAt: Type.Number(),
  createdBy: Type.String(),
  updatedAt: Type.Number(),
  lastCustomerAt: Nullable(Type.Number()),
  resolvedAt: Nullable(Type.Number()),
  closedAt: Nullable(Type.Number()),
  resolution: Nullable(Type.String()),
  resolutionMessageId: Nullable(Type.Integer()),
  satisfaction: Type.Object({
    state: literalUnion(['none', 'asked', 'answered', 'expired'] as const),
    score: Nullable(Type.Integer()),
    askedAt: Nullable(Type.Number()),
    answeredAt: Nullable(Type.Number()),
  }),
  blacklistedAt: Nullable(Type.Number()),
});
export type TicketDto = Static<typeof TicketSchema>;

export const TicketQuery = Type.Object({
  state: Type.Optional(literalUnion([...TICKET_STATES, 'open'] as const, 'open: new and in progress')),
  kind: Type.Optional(FeedbackKindSchema),
  overdue: Type.Optional(Type.Boolean()),
  assigneeUserId: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ID })),
  q: Type.Optional(Type.String({ maxLength: 64, description: 'Part of the number, the text, the mobile or the member’s name' })),
  ...PageQuery,
});

export const TicketPage = Type.Object({ items: Type.Array(TicketSchema), total: Type.Integer() });
export type TicketPageDto = Static<typeof TicketPage>;

export const TicketEventSchema = Type.Object({
  id: Type.Integer(),
  at: Type.Number(),
  actor: Type.String(),
  kind: Type.String({ description: 'created, note, state, assigned, kind, resolved, acknowledged, mail, mail-skipped, customer-text, satisfaction, blacklisted' }),
  text: Nullable(Type.String()),
  detail: Nullable(Type.Record(Type.String(), Type.Unknown())),
});

export const TicketDetailSchema = Type.Object({ ticket: TicketSchema, events: Type.Array(TicketEventSchema), thread: Type.Array(ConversationEntrySchema) });
export type TicketDetailDto = Static<typeof TicketDetailSchema>;

export const CreateTicketBody = Type.Object({
  conversationId: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_ID, description: 'The inbox conversation to turn into a ticket' })),
  mobile: Type.Optional(Type.String({ maxLength: 40, description: 'Or the customer’s mobile (a complaint by phone)' })),
  kind: FeedbackKindSchema,
  text: Type.Optional(Type.String({ maxLength: 5000, description: 'Omitted: the conversation’s last text' })),
  acknowledge: Type.Optional(Type.Boolean({ description: 'Send the acknowledgement with the ticket number (default true)' })),
});

export const UpdateTicketBody = Type.Object({
  kind: Type.Optional(FeedbackKindSchema),
  assigneeUserId: Type.Optional(Type.Union([Type.Null(), Type.Integer({ minimum: 1, maximum: MAX_ID })])),
});

export const NoteBody = Type.Object({ text: Type.String({ minLength: 1, maxLength: 2000 }) });
export const MoveBody = Type.Object({ to: literalUnion(['in-progress', 'closed'] as const), note: Type.Optional(Type.String({ maxLength: 500 })) });
export const ResolveBody = Type.Object({
  resolution: Type.String({ minLength: 1, maxLength: 300, description: 'What was done; the customer reads it in the resolution text' }),
  notify: Type.Optional(Type.Boolean({ description: 'Text the customer (default true)' })),
});
export const ResolveResponse = Type.Object({ ticket: TicketSchema, messageId: Nullable(Type.Integer()), blocked: Type.Record(Type.String(), Type.Integer()) });
export const BlacklistResponse = Type.Object({ ticket: TicketSchema, change: literalUnion(['added', 'already'] as const) });

export const CountsSchema = Type.Object({
  new: Type.Integer({ description: 'Open tickets nobody has started on' }),
  overdue: Type.Integer(),
  open: Type.Integer({ description: 'New and in progress' }),
  newToday: Type.Integer({ description: 'Opened since local midnight' }),
  openByKind: Type.Object({ complaint: Type.Integer(), suggestion: Type.Integer(), praise: Type.Integer(), question: Type.Integer() }),
});

const LocalDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD, the store’s local date' });
export const DailyQuery = Type.Object({ from: LocalDate, to: LocalDate });
const KindCounts = Type.Object({ complaint: Type.Integer(), suggestion: Type.Integer(), praise: Type.Integer(), question: Type.Integer() });
export const DailyResponse = Type.Object({
  days: Type.Array(
    Type.Object({
      date: Type.String(),
      created: Type.Integer(),
      byKind: KindCounts,
      resolved: Type.Integer(),
      closed: Type.Integer(),
      satisfactionAnswers: Type.Integer(),
      satisfactionAverage: Nullable(Type.Number()),
    }),
  ),
});

export const AssigneesResponse = Type.Object({ items: Type.Array(Type.Object({ id: Type.Integer(), username: Type.String(), displayName: Type.String() })) });

const SlaHours = Type.Object({
  complaint: Type.Integer({ minimum: 1, maximum: 1440 }),
  suggestion: Type.Integer({ minimum: 1, maximum: 1440 }),
  praise: Type.Integer({ minimum: 1, maximum: 1440 }),
  question: Type.Integer({ minimum: 1, maximum: 1440 }),
});

export const FeedbackSettingsSchema = Type.Object({
  keywordsEnabled: Type.Boolean(),
  keywords: Type.Array(Type.Object({ word: Type.String({ maxLength: 8 }), kind: FeedbackKindSchema }), { maxItems: 30 }),
  slaHours: SlaHours,
  acknowledgement: Type.Object({ enabled: Type.Boolean(), text: Type.String({ maxLength: 120 }) }),
  resolutionText: Type.String({ maxLength: 120 }),
  satisfaction: Type.Object({ enabled: Type.Boolean(), question: Type.String({ maxLength: 60 }), thanks: Type.String({ maxLength: 60 }), windowDays: Type.Integer({ minimum: 1, maximum: 30 }) }),
  forwardKinds: Type.Array(FeedbackKindSchema, { maxItems: 4 }),
  digest: Type.Object({ enabled: Type.Boolean(), time: Type.String({ maxLength: 5 }) }),
  autoCloseDays: Type.Integer({ minimum: 0, maximum: 90 }),
});
export type FeedbackSettingsDto = Static<typeof FeedbackSettingsSchema>;
export const UpdateFeedbackSettingsBody = Type.Partial(FeedbackSettingsSchema);
