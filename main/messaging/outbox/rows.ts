import type { MessageCategory } from '../policy/policy.js';
import type { MessageStatus, PartStatus } from './states.js';

/** Database rows as knex returns them (SQLite gives 0/1 for booleans, numbers or strings for bigints). */
export interface MessageRow {
  id: number;
  recipient: string;
  text: string;
  category: MessageCategory;
  priority: number;
  status: MessageStatus;
  blocked_rule: string | null;
  error_code: string | null;
  error_message: string | null;
  idempotency_key: string | null;
  member_id: number | null;
  batch_id: string | null;
  source: string;
  pinned_modem: string | null;
  reply_modem: string | null;
  in_reply_to: number | null;
  automatic: number | boolean;
  part_count: number;
  attempts: number;
  due_at: number | string;
  not_before: number | string | null;
  not_after: number | string | null;
  modem_id: string | null;
  created_at: number | string;
  created_by: string;
  updated_at: number | string;
  sent_at: number | string | null;
  finished_at: number | string | null;
  resolution: string | null;
  resolved_by: string | null;
  resolved_at: number | string | null;
  resent_as: number | null;
  /** A binary message's user data (JSON SubmitUserData); null for text. */
  binary_payload: string | null;
}

export interface PartRow {
  id: number;
  message_id: number;
  part_number: number;
  part_count: number;
  pdu: string;
  tpdu_length: number;
  status: PartStatus;
  modem_id: string | null;
  mr: number | null;
  attempts: number;
  error_code: string | null;
  error_message: string | null;
  sending_at: number | string | null;
  sent_at: number | string | null;
  report_status: number | null;
  report_at: number | string | null;
  updated_at: number | string;
}

export interface StatusReportRow {
  id: number;
  modem_id: string;
  mr: number;
  recipient: string;
  status: number;
  outcome: string;
  detail: string;
  discharge_at: number | string | null;
  received_at: number | string;
  part_id: number | null;
  submitted_at: number | string | null;
  evidence: string | null;
}

/** What the API and UI see of a message. */
export interface OutboxMessage {
  id: number;
  recipient: string;
  text: string;
  category: MessageCategory;
  status: MessageStatus;
  blockedRule: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  memberId: number | null;
  batchId: string | null;
  source: string;
  automatic: boolean;
  partCount: number;
  attempts: number;
  dueAt: number;
  notBefore: number | null;
  notAfter: number | null;
  modemId: string | null;
  pinnedModem: string | null;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  sentAt: number | null;
  finishedAt: number | null;
  resolution: string | null;
  resolvedBy: string | null;
  resolvedAt: number | null;
  resentAs: number | null;
  inReplyTo: number | null;
  /** Waiting, but the policy would block it now (the number opted out since it was queued …); set by the outbox list. */
  willBlock?: { rule: string; reason: string } | null;
}

export interface OutboxPart {
  id: number;
  partNumber: number;
  partCount: number;
  status: PartStatus;
  modemId: string | null;
  mr: number | null;
  attempts: number;
  errorCode: string | null;
  errorMessage: string | null;
  sendingAt: number | null;
  sentAt: number | null;
  reportStatus: number | null;
  reportAt: number | null;
}

export interface OutboxStatusReport {
  id: number;
  partId: number | null;
  modemId: string;
  mr: number;
  recipient: string;
  status: number;
  outcome: string;
  detail: string;
  /** When the service centre took the part (SCTS), as the report says. */
  submittedAt: number | null;
  dischargeAt: number | null;
  receivedAt: number;
  /**
   * resolved: no recorded part held its MR, and it settled this part left unknown by a crash;
   * candidate: it fits this unknown part and others (alsoFits), so it settled none — the operator decides.
   */
  evidence: 'resolved' | 'candidate' | null;
  /** For a candidate: the other unknown messages it fits. */
  alsoFits: number[];
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

export function toMessage(row: MessageRow): OutboxMessage {
  return {
    id: Number(row.id),
    recipient: row.recipient,
    text: row.text,
    category: row.category,
    status: row.status,
    blockedRule: row.blocked_rule,
    errorCode: row.error_code,
    errorMessage: row.error_message,
    memberId: row.member_id === null ? null : Number(row.member_id),
    batchId: row.batch_id,
    source: row.source,
    automatic: Boolean(row.automatic),
    partCount: Number(row.part_count),
    attempts: Number(row.attempts),
    dueAt: Number(row.due_at),
    notBefore: num(row.not_before),
    notAfter: num(row.not_after),
    modemId: row.modem_id,
    pinnedModem: row.pinned_modem,
    createdAt: Number(row.created_at),
    createdBy: row.created_by,
    updatedAt: Number(row.updated_at),
    sentAt: num(row.sent_at),
    finishedAt: num(row.finished_at),
    resolution: row.resolution,
    resolvedBy: row.resolved_by,
    resolvedAt: num(row.resolved_at),
    resentAs: row.resent_as === null ? null : Number(row.resent_as),
    inReplyTo: row.in_reply_to === null ? null : Number(row.in_reply_to),
  };
}

export function toPart(row: PartRow): OutboxPart {
  return {
    id: Number(row.id),
    partNumber: Number(row.part_number),
    partCount: Number(row.part_count),
    status: row.status,
    modemId: row.modem_id,
    mr: row.mr === null ? null : Number(row.mr),
    attempts: Number(row.attempts),
    errorCode: row.error_code,
    errorMessage: row.error_message,
    sendingAt: num(row.sending_at),
    sentAt: num(row.sent_at),
    reportStatus: row.report_status === null ? null : Number(row.report_status),
    reportAt: num(row.report_at),
  };
}

export function toStatusReport(row: StatusReportRow): OutboxStatusReport {
  return {
    id: Number(row.id),
    partId: row.part_id === null ? null : Number(row.part_id),
    modemId: row.modem_id,
    mr: Number(row.mr),
    recipient: row.recipient,
    status: Number(row.status),
    outcome: row.outcome,
    detail: row.detail,
    submittedAt: num(row.submitted_at),
    dischargeAt: num(row.discharge_at),
    receivedAt: Number(row.received_at),
    evidence: row.evidence === 'resolved' ? 'resolved' : null,
    alsoFits: [],
  };
}
