import { Type, type Static } from 'typebox';
import { CODE_CATEGORIES, MAX_POLL_MS, MIN_POLL_MS, type CodeCategory } from '../../mas/db/config.js';
import { REPLY_ENCODINGS } from '../../mas/db/encoding.js';
import { ConnectionTlsSchema } from './store.js';

/**
 * The contract of /api/mas-db (the MAS database interface on the 接口 page).
 * The UI imports these types; the server validates with the same schemas.
 */
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

const CodeName = Type.String({ pattern: '^[A-Za-z0-9_]{1,20}$', description: 'Interface code (接口编码), e.g. 003 or erp01: part of the table names api_mt_<code>' });
export const CodeParams = Type.Object({ code: CodeName });

const Category = Type.Unsafe<CodeCategory>({ type: 'string', enum: [...CODE_CATEGORIES], description: 'transactional (order notices: no opt-out checks), care or marketing (policy applies)' });
const ReplyEncodingSchema = Type.Unsafe<'auto' | (typeof REPLY_ENCODINGS)[number]>({
  type: 'string',
  enum: ['auto', ...REPLY_ENCODINGS],
  description: 'How api_mo/api_rpt text is written: auto (as the client writes), gbk-latin1 (the stock Java client), gbk-iso8859, utf8',
});

/** The POS connections' encryption schema: one rule for every database server StoreMAS connects to. */
export const TlsSchema = ConnectionTlsSchema;

export const ConnectionBody = Type.Object({
  host: Type.String({ minLength: 1, maxLength: 255 }),
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_535 })),
  user: Type.String({ minLength: 1, maxLength: 80, description: 'A MySQL user that may write the MAS database' }),
  password: Type.Optional(Type.String({ maxLength: 256, description: 'Omit to keep the stored password; empty removes it' })),
  database: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Default mas' })),
  tls: Type.Optional(TlsSchema),
  enabled: Type.Optional(Type.Boolean()),
});
export type MasDbConnectionBodyDto = Static<typeof ConnectionBody>;

export const ConnectionSchema = Type.Object({
  host: Type.String(),
  port: Type.Integer(),
  user: Type.String(),
  hasPassword: Type.Boolean({ description: 'The password itself is never sent back' }),
  database: Type.String(),
  tls: TlsSchema,
  enabled: Type.Boolean(),
  updatedAt: Type.Number(),
  updatedBy: Type.String(),
});
export type MasDbConnectionDto = Static<typeof ConnectionSchema>;

export const ConnectionTestSchema = Type.Object({
  serverVersion: Type.String(),
  encrypted: Type.Boolean(),
  databaseExists: Type.Boolean(),
  mayCreateTables: Type.Boolean(),
  mayCreateUsers: Type.Boolean(),
});
export type MasDbConnectionTestDto = Static<typeof ConnectionTestSchema>;

const Counts = Type.Object({ taken: Type.Integer(), rejected: Type.Integer(), reports: Type.Integer(), replies: Type.Integer() });
const ErrorInfo = Type.Object({ code: Type.String(), message: Type.String(), at: Type.Number() });

export const CodeSchema = Type.Object({
  code: Type.String(),
  label: Type.String(),
  category: Category,
  isDefault: Type.Boolean(),
  paused: Type.Boolean(),
  pollIntervalMs: Type.Integer(),
  replyEncoding: ReplyEncodingSchema,
  detectedEncoding: Nullable(Type.String()),
  generation: Type.Integer(),
  lastAutoSn: Type.Number(),
  tableCreated: Nullable(Type.String()),
  loginUser: Nullable(Type.String()),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
});
export type MasDbCodeDto = Static<typeof CodeSchema>;

export const CodeStatusSchema = Type.Intersect([
  CodeSchema,
  Type.Object({
    today: Counts,
    waiting: Nullable(Type.Integer({ description: 'Rows now in api_mt_<code>; null when not connected' })),
    lastPollAt: Nullable(Type.Number()),
    error: Nullable(ErrorInfo),
  }),
]);
export type MasDbCodeStatusDto = Static<typeof CodeStatusSchema>;

export const StatusSchema = Type.Object({
  connection: Nullable(ConnectionSchema),
  state: Type.Unsafe<'connecting' | 'connected' | 'disconnected' | 'stopped' | 'off'>({ type: 'string', enum: ['connecting', 'connected', 'disconnected', 'stopped', 'off'] }),
  lastError: Nullable(ErrorInfo),
  retryAt: Nullable(Type.Number()),
  modemsReady: Type.Boolean({ description: 'What conn_succ_status tells clients' }),
  codes: Type.Array(CodeStatusSchema),
});
export type MasDbStatusDto = Static<typeof StatusSchema>;

export const CreateCodeBody = Type.Object({
  code: CodeName,
  label: Type.Optional(Type.String({ maxLength: 100 })),
  category: Type.Optional(Category),
  isDefault: Type.Optional(Type.Boolean({ description: 'Replies from numbers no code has texted go to this code' })),
  pollIntervalMs: Type.Optional(Type.Integer({ minimum: MIN_POLL_MS, maximum: MAX_POLL_MS })),
  replyEncoding: Type.Optional(ReplyEncodingSchema),
});
export type MasDbCreateCodeBodyDto = Static<typeof CreateCodeBody>;

export const UpdateCodeBody = Type.Object({
  label: Type.Optional(Type.String({ maxLength: 100 })),
  category: Type.Optional(Category),
  isDefault: Type.Optional(Type.Boolean()),
  pollIntervalMs: Type.Optional(Type.Integer({ minimum: MIN_POLL_MS, maximum: MAX_POLL_MS })),
  replyEncoding: Type.Optional(ReplyEncodingSchema),
});
export type MasDbUpdateCodeBodyDto = Static<typeof UpdateCodeBody>;

export const LoginSchema = Type.Object({
  user: Type.String(),
  password: Type.String({ description: 'Shown once; StoreMAS does not keep it' }),
  host: Type.String(),
  port: Type.Integer(),
  database: Type.String(),
});
export type MasDbLoginDto = Static<typeof LoginSchema>;

export const ProblemSchema = Type.Object({
  id: Type.Integer(),
  code: Type.String(),
  at: Type.Number(),
  autoSn: Nullable(Type.Number()),
  smId: Nullable(Type.Number()),
  problem: Type.String(),
  detail: Type.String(),
});
export type MasDbProblemDto = Static<typeof ProblemSchema>;

export const ProblemsQuery = Type.Object({
  code: Type.Optional(CodeName),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
});

export const HistoryQuery = Type.Object({ days: Type.Optional(Type.Integer({ minimum: 1, maximum: 90, default: 14 })) });
export const HistorySchema = Type.Array(Type.Object({ day: Type.String(), taken: Type.Integer(), rejected: Type.Integer(), reports: Type.Integer(), replies: Type.Integer() }));
export type MasDbHistoryDto = Static<typeof HistorySchema>;
