import { EpochMs, Pagination } from './common.js';
import { Type, type Static } from 'typebox';
import { EstimateSchema } from './batches.js';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const enumOf = <T extends string>(values: readonly T[]) => Type.Unsafe<T>({ type: 'string', enum: [...values] });

export const MESSAGE_STATUS_VALUES = ['queued', 'paused', 'sending', 'sent', 'delivered', 'failed', 'expired', 'blocked', 'cancelled', 'unknown'] as const;
export const CATEGORY_VALUES = ['reply', 'care', 'transactional', 'marketing'] as const;

export const OutboxMessageSchema = Type.Object({
  id: Type.Integer(),
  recipient: Type.String(),
  text: Type.String(),
  category: enumOf(CATEGORY_VALUES),
  status: enumOf(MESSAGE_STATUS_VALUES),
  blockedRule: Nullable(Type.String()),
  errorCode: Nullable(Type.String()),
  errorMessage: Nullable(Type.String()),
  memberId: Nullable(Type.Integer()),
  batchId: Nullable(Type.String()),
  source: Type.String(),
  automatic: Type.Boolean(),
  partCount: Type.Integer(),
  attempts: Type.Integer(),
  dueAt: Type.Number(),
  notBefore: Nullable(Type.Number()),
  notAfter: Nullable(Type.Number()),
  modemId: Nullable(Type.String()),
  /** The modem's name (the id when the modem was removed); filled in by the API. */
  modemName: Type.Optional(Nullable(Type.String())),
  /** Sent through this modem only (a send pinned to it). */
  pinnedModem: Nullable(Type.String()),
  pinnedModemName: Type.Optional(Nullable(Type.String())),
  createdAt: Type.Number(),
  createdBy: Type.String(),
  updatedAt: Type.Number(),
  sentAt: Nullable(Type.Number()),
  finishedAt: Nullable(Type.Number()),
  resolution: Nullable(Type.String()),
  resolvedBy: Nullable(Type.String()),
  resolvedAt: Nullable(Type.Number()),
  resentAs: Nullable(Type.Integer()),
  inReplyTo: Nullable(Type.Integer()),
  /** Waiting, but the policy would block it if it went now (an opt-out since it was queued): it will be blocked at dispatch. */
  willBlock: Type.Optional(Nullable(Type.Object({ rule: Type.String(), reason: Type.String() }))),
});
export type OutboxMessageDto = Static<typeof OutboxMessageSchema>;

export const OutboxPartSchema = Type.Object({
  id: Type.Integer(),
  partNumber: Type.Integer(),
  partCount: Type.Integer(),
  status: Type.String(),
  modemId: Nullable(Type.String()),
  modemName: Type.Optional(Nullable(Type.String())),
  mr: Nullable(Type.Integer()),
  attempts: Type.Integer(),
  errorCode: Nullable(Type.String()),
  errorMessage: Nullable(Type.String()),
  sendingAt: Nullable(Type.Number()),
  sentAt: Nullable(Type.Number()),
  reportStatus: Nullable(Type.Integer()),
  reportAt: Nullable(Type.Number()),
});

export const StatusReportSchema = Type.Object({
  id: Type.Integer(),
  partId: Nullable(Type.Integer()),
  modemId: Type.String(),
  mr: Type.Integer(),
  recipient: Type.String(),
  status: Type.Integer(),
  outcome: Type.String(),
  detail: Type.String(),
  /** When the service centre took the part (SCTS). */
  submittedAt: Nullable(Type.Number()),
  dischargeAt: Nullable(Type.Number()),
  receivedAt: Type.Number(),
  /** resolved: it settled a part a crash left unknown; candidate: it fits this unknown part and others (alsoFits). */
  evidence: Nullable(enumOf(['resolved', 'candidate'] as const)),
  /** For a candidate: the other unknown messages it fits. */
  alsoFits: Type.Array(Type.Integer()),
});

export const MessageDetailSchema = Type.Object({
  message: OutboxMessageSchema,
  parts: Type.Array(OutboxPartSchema),
  reports: Type.Array(StatusReportSchema),
});
export type MessageDetailDto = Static<typeof MessageDetailSchema>;

export const MessageListQuery = Type.Object({
  status: Type.Optional(enumOf(MESSAGE_STATUS_VALUES)),
  category: Type.Optional(enumOf(CATEGORY_VALUES)),
  batchId: Type.Optional(Type.String({ maxLength: 64 })),
  q: Type.Optional(Type.String({ maxLength: 100 })),
  from: Type.Optional(EpochMs()),
  to: Type.Optional(EpochMs()),
  ...Pagination({ maxPageSize: 200, defaultPageSize: 50 }),
});

export const MessageListResponse = Type.Object({ items: Type.Array(OutboxMessageSchema), total: Type.Integer() });
export type MessageListDto = Static<typeof MessageListResponse>;

export const SendBody = Type.Object({
  /** The text; placeholders such as {称呼} are filled per recipient. */
  text: Type.String({ maxLength: 2000 }),
  category: enumOf(CATEGORY_VALUES),
  /** Pasted numbers: one per line, or separated by commas, semicolons, 、 or tabs. */
  numbers: Type.Optional(Type.String({ maxLength: 2_000_000 })),
  /** A contact group: every member with this tag. */
  tag: Type.Optional(Type.String({ maxLength: 32 })),
  /** A CSV or XLSX file whose rows hold numbers. */
  file: Type.Optional(Type.Object({ fileName: Type.String({ maxLength: 200 }), contentBase64: Type.String({ maxLength: 30_000_000 }) })),
  notBefore: Type.Optional(Nullable(EpochMs())),
  notAfter: Type.Optional(Nullable(EpochMs())),
  /** Send through this modem only; omitted or null: the dispatcher picks (automatic). */
  modemId: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  /** The batch's name in the 批次 list; omitted: the start of the text. */
  batchName: Type.Optional(Type.String({ maxLength: 200 })),
});
export type SendBodyDto = Static<typeof SendBody>;

export const InputProblem = Type.Object({ line: Type.Integer(), input: Type.String(), code: Type.String(), message: Type.String() });

export const SendTally = Type.Object({
  batchId: Nullable(Type.String()),
  total: Type.Integer(),
  queued: Type.Integer(),
  deferred: Type.Integer(),
  blocked: Type.Record(Type.String(), Type.Integer()),
  duplicates: Type.Integer(),
  messageIds: Type.Array(Type.Integer()),
  category: enumOf(CATEGORY_VALUES),
  /** SMS parts the modems will send (queued and deferred messages). */
  parts: Type.Integer(),
  /** The first three texts as their recipients will read them (numbers masked). */
  samples: Type.Array(Type.Object({ recipient: Type.String(), text: Type.String(), parts: Type.Integer() })),
  /** When sending starts: now, or the scheduled time. */
  sendAt: Type.Number(),
  /** How long the modems take for every part at their configured pace. */
  estimate: EstimateSchema,
  /** Lines of the pasted list or file that were skipped (repeats) or are not numbers. */
  problems: Type.Array(InputProblem),
});
export type SendTallyDto = Static<typeof SendTally>;

export const OutboxStatusResponse = Type.Object({
  counts: Type.Record(Type.String(), Type.Integer()),
  nextDueAt: Nullable(Type.Number()),
  partsSending: Type.Integer(),
  modems: Type.Array(Type.String()),
  dispatching: Type.Boolean(),
});
export type OutboxStatusDto = Static<typeof OutboxStatusResponse>;

export const ModemChoiceSchema = Type.Object({ id: Type.String(), name: Type.String(), enabled: Type.Boolean(), ready: Type.Boolean() });
export type ModemChoiceDto = Static<typeof ModemChoiceSchema>;
export const ModemChoicesResponse = Type.Object({ items: Type.Array(ModemChoiceSchema) });

export const ContactGroupSchema = Type.Object({ tag: Type.String(), recipients: Type.Integer() });
export type ContactGroupDto = Static<typeof ContactGroupSchema>;
export const ContactGroupsResponse = Type.Object({ items: Type.Array(ContactGroupSchema) });

export const ResolveBody = Type.Object({ action: enumOf(['mark-sent', 'mark-failed', 'resend'] as const) });

export const ConversationSchema = Type.Object({
  id: Type.Integer(),
  number: Type.String(),
  memberId: Nullable(Type.Integer()),
  memberName: Nullable(Type.String()),
  lastModemId: Nullable(Type.String()),
  /** The name of the modem the last text came in on (replies go out through it). */
  lastModemName: Type.Optional(Nullable(Type.String())),
  lastText: Type.String(),
  lastAt: Type.Number(),
  unhandled: Type.Integer(),
  handledAt: Nullable(Type.Number()),
  handledBy: Nullable(Type.String()),
});
export type ConversationDto = Static<typeof ConversationSchema>;

export const ConversationListQuery = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 100 })),
  unhandledOnly: Type.Optional(Type.Boolean()),
  ...Pagination({ maxPageSize: 200, defaultPageSize: 50 }),
});

export const ConversationListResponse = Type.Object({ items: Type.Array(ConversationSchema), total: Type.Integer() });

export const ConversationEntrySchema = Type.Object({
  direction: enumOf(['in', 'out'] as const),
  id: Type.Integer(),
  text: Type.String(),
  at: Type.Number(),
  modemId: Type.Optional(Type.String()),
  modemName: Type.Optional(Type.String()),
  partial: Type.Optional(Type.Boolean()),
  handledByRule: Type.Optional(Nullable(Type.String())),
  message: Type.Optional(OutboxMessageSchema),
});
export type ConversationEntryDto = Static<typeof ConversationEntrySchema>;

export const ConversationDetailResponse = Type.Object({ conversation: ConversationSchema, entries: Type.Array(ConversationEntrySchema) });
export type ConversationDetailDto = Static<typeof ConversationDetailResponse>;

export const ReplyBody = Type.Object({ text: Type.String({ minLength: 1, maxLength: 1000 }) });
export const ReplyResponse = Type.Object({ messageId: Nullable(Type.Integer()), blocked: Type.Record(Type.String(), Type.Integer()) });
