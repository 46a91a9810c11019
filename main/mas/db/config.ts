import { AppError, ValidationError } from '../../errors.js';
import type { MessageCategory } from '../../messaging/policy/policy.js';
import { normalizeTls, type ConnectionTls, type TlsSettings } from '../../store/tls.js';
import { REPLY_ENCODINGS, type DetectedEncoding, type ReplyEncoding } from './encoding.js';
import { CODE_PATTERN, DATABASE_PATTERN } from './schema.js';

/** Categories a code's texts may have: transactional by default (an ERP's order notices); marketing for blasts. */
export const CODE_CATEGORIES = ['transactional', 'care', 'marketing'] as const satisfies readonly MessageCategory[];
export type CodeCategory = (typeof CODE_CATEGORIES)[number];

export const DEFAULT_POLL_MS = 1_000;
export const MIN_POLL_MS = 200;
export const MAX_POLL_MS = 60_000;

/** One interface code (接口编码) as StoreMAS keeps it. */
export interface MasDbCode {
  code: string;
  label: string;
  category: CodeCategory;
  /** Replies from numbers no code has texted go here. */
  isDefault: boolean;
  paused: boolean;
  pollIntervalMs: number;
  /** 'auto': as the code's client last wrote (the stock client's GBK-through-latin1 until it has written). */
  replyEncoding: 'auto' | ReplyEncoding;
  detectedEncoding: DetectedEncoding | null;
  generation: number;
  lastAutoSn: number;
  tableCreated: string | null;
  loginUser: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface CodeRow {
  code: string;
  label: string;
  category: string;
  is_default: number | boolean;
  paused: number | boolean;
  poll_interval_ms: number;
  reply_encoding: string;
  detected_encoding: string | null;
  generation: number;
  last_auto_sn: number | string;
  table_created: string | null;
  login_user: string | null;
  created_at: number | string;
  updated_at: number | string;
}

export function toCode(row: CodeRow): MasDbCode {
  return {
    code: row.code,
    label: row.label,
    category: row.category as CodeCategory,
    isDefault: Boolean(row.is_default),
    paused: Boolean(row.paused),
    pollIntervalMs: Number(row.poll_interval_ms),
    replyEncoding: row.reply_encoding as MasDbCode['replyEncoding'],
    detectedEncoding: row.detected_encoding as DetectedEncoding | null,
    generation: Number(row.generation),
    lastAutoSn: Number(row.last_auto_sn),
    tableCreated: row.table_created,
    loginUser: row.login_user,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** The encoding replies to this code are written in now. */
export function replyEncodingOf(code: Pick<MasDbCode, 'replyEncoding' | 'detectedEncoding'>, detected: (d: DetectedEncoding) => ReplyEncoding | undefined): ReplyEncoding {
  if (code.replyEncoding !== 'auto') return code.replyEncoding;
  return (code.detectedEncoding && detected(code.detectedEncoding)) || 'gbk-latin1';
}

export interface ConnectionRow {
  id: number;
  host: string;
  port: number;
  user: string;
  password_enc: string | null;
  database: string;
  tls: string;
  enabled: number | boolean;
  inbox_cursor: number | string;
  created_at: number | string;
  updated_at: number | string;
  updated_by: string;
}

/** The connection as the API shows it: never the password. */
export interface MasDbConnectionView {
  host: string;
  port: number;
  user: string;
  hasPassword: boolean;
  database: string;
  tls: ConnectionTls;
  enabled: boolean;
  updatedAt: number;
  updatedBy: string;
}

export function toConnectionView(row: ConnectionRow): MasDbConnectionView {
  return {
    host: row.host,
    port: Number(row.port),
    user: row.user,
    hasPassword: row.password_enc !== null,
    database: row.database,
    tls: JSON.parse(row.tls) as ConnectionTls,
    enabled: Boolean(row.enabled),
    updatedAt: Number(row.updated_at),
    updatedBy: row.updated_by,
  };
}

export interface ConnectionInput {
  host: string;
  port?: number | undefined;
  user: string;
  /** undefined keeps the stored password; '' removes it. */
  password?: string | undefined;
  database?: string | undefined;
  tls?: TlsSettings | undefined;
  enabled?: boolean | undefined;
}

export interface CodeInput {
  code: string;
  label?: string | undefined;
  category?: CodeCategory | undefined;
  isDefault?: boolean | undefined;
  pollIntervalMs?: number | undefined;
  replyEncoding?: MasDbCode['replyEncoding'] | undefined;
}

/** The connection as stored: trimmed, defaulted, checked; each mistake named. */
export function checkConnection(input: ConnectionInput): { host: string; port: number; user: string; database: string; tls: ConnectionTls; enabled: boolean } {
  const host = input.host.trim();
  if (!host || /\s/.test(host)) throw new ValidationError('Give the host name or IP address of the MySQL/MariaDB server (e.g. 127.0.0.1).', { field: 'host' });
  const port = input.port ?? 3306;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new ValidationError('The port must be a number from 1 to 65535 (MySQL uses 3306).', { field: 'port' });
  const user = input.user.trim();
  if (!user) throw new ValidationError('Give the MySQL user StoreMAS signs in with (one that may write the MAS database).', { field: 'user' });
  const database = (input.database ?? 'mas').trim();
  if (!DATABASE_PATTERN.test(database)) throw new ValidationError('The database name may use letters, digits, _ and $ only (MAS uses mas).', { field: 'database' });
  let tls: ConnectionTls;
  try {
    // The POS connections' rule: the fingerprint and subject are computed from the PEM, never taken on trust.
    tls = normalizeTls(input.tls);
  } catch (error) {
    throw error instanceof AppError ? new ValidationError(error.message, { field: 'tls' }) : error;
  }
  return { host, port, user, database, tls: tls.mode === 'off' ? { mode: 'off' } : tls, enabled: input.enabled ?? true };
}

export function checkCode(input: CodeInput): void {
  if (!CODE_PATTERN.test(input.code)) {
    throw new ValidationError('An interface code is 1–20 letters, digits or _ (e.g. 003, erp01): it becomes part of the table names api_mt_<code>.', { field: 'code' });
  }
  if (input.pollIntervalMs !== undefined && (input.pollIntervalMs < MIN_POLL_MS || input.pollIntervalMs > MAX_POLL_MS)) {
    throw new ValidationError(`Poll every ${MIN_POLL_MS} ms to ${MAX_POLL_MS / 1000} s.`, { field: 'pollIntervalMs' });
  }
  if (input.replyEncoding !== undefined && input.replyEncoding !== 'auto' && !REPLY_ENCODINGS.includes(input.replyEncoding)) {
    throw new ValidationError(`The reply encoding is auto or one of ${REPLY_ENCODINGS.join(', ')}.`, { field: 'replyEncoding' });
  }
}
