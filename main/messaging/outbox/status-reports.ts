import type { Knex } from 'knex';
import type { Clock } from '../../clock.js';
import type { EventBus } from '../../events/bus.js';
import { tryNormalizeMobile } from '../numbers.js';
import type { MoveMessage } from './outbox.js';
import { toStatusReport, type MessageRow, type OutboxStatusReport, type PartRow, type StatusReportRow } from './rows.js';
import { messageStatusFromParts, type MessageStatus, type PartStatus } from './states.js';

/** A status report as a modem delivered it, for the outbox. */
export interface StatusReportInput {
  modemId: string;
  mr: number;
  recipient: string;
  status: number;
  outcome: 'delivered' | 'pending' | 'failed';
  detail?: string;
  /** When the service centre took the part (the report's SCTS). */
  submittedAt?: number | null;
  dischargeAt?: number | null;
  /**
   * The send the modem itself remembers this MR for: an outbox message id, or
   * another sender's reference ('test:…' for a test send). A report the modem
   * gives to another sender is never evidence for an outbox part.
   */
  sendReference?: string | null;
}

/** A stored report no recorded part holds, as the evidence rule reads it. */
export interface UnmatchedReport {
  id: number;
  modemId: string;
  mr: number;
  recipient: string;
  status: number;
  outcome: 'delivered' | 'pending' | 'failed';
  submittedAt: number | null;
  receivedAt: number;
}

export interface MessageChange {
  id: number;
  status: MessageStatus;
  recipient: string;
  batchId: string | null;
}

/** What the evidence rule did with an unmatched report (crash-recovery.ts), inside the report's transaction. */
export type EvidenceRule = (trx: Knex, report: UnmatchedReport) => Promise<{ partId: number | null; change: MessageChange | null }>;

/**
 * Status reports (状态报告): each one is kept, matched to the part it reports
 * on by modem, MR and recipient, and moves that part (and its message) on to
 * delivered or failed. A report no recorded part holds goes to the evidence
 * rule, which may settle a part a crash left unknown.
 */
export class StatusReports {
  constructor(
    private readonly db: Knex,
    private readonly clock: Clock,
    private readonly events: EventBus,
    private readonly move: MoveMessage,
    private readonly evidence: EvidenceRule,
  ) {}

  /**
   * A status report from a modem: matched to the most recent part that modem
   * sent with this MR to this recipient (MRs wrap at 256, so older parts with
   * the same MR are left alone). Unmatched reports are kept for the record,
   * and as evidence for unknown parts.
   */
  async store(input: StatusReportInput): Promise<{ partId: number | null; messageStatus: MessageStatus | null }> {
    const recipient = tryNormalizeMobile(input.recipient) ?? input.recipient;
    let published: MessageChange | null = null;
    const result = await this.db.transaction(async (trx) => {
      const now = this.clock.now();
      const candidates: Array<PartRow & { recipient: string }> = await trx('outbox_parts as p')
        .join('outbox_messages as m', 'm.id', 'p.message_id')
        .select('p.*', 'm.recipient')
        .where({ 'p.modem_id': input.modemId, 'p.mr': input.mr })
        .whereIn('p.status', ['sent', 'delivered', 'failed', 'unknown'])
        .orderBy('p.sent_at', 'desc')
        .limit(20);
      const part = candidates.find((c) => c.recipient === recipient);
      // The modem gave it to a send outside the outbox (a test send): kept, never evidence.
      const elsewhere = !part && input.sendReference != null && !/^\d+$/.test(input.sendReference);
      const [inserted] = await trx('status_reports')
        .insert({
          modem_id: input.modemId,
          mr: input.mr,
          recipient,
          status: input.status,
          outcome: input.outcome,
          detail: (input.detail ?? '').slice(0, 200),
          submitted_at: input.submittedAt ?? null,
          discharge_at: input.dischargeAt ?? null,
          received_at: now,
          part_id: part ? part.id : null,
          evidence: elsewhere ? 'elsewhere' : null,
        })
        .returning('id');
      const reportId = Number(typeof inserted === 'object' ? (inserted as { id: number }).id : inserted);
      if (!part) {
        if (elsewhere) return { partId: null, messageStatus: null };
        const settled = await this.evidence(trx, {
          id: reportId,
          modemId: input.modemId,
          mr: input.mr,
          recipient,
          status: input.status,
          outcome: input.outcome,
          submittedAt: input.submittedAt ?? null,
          receivedAt: now,
        });
        published = settled.change;
        return { partId: settled.partId, messageStatus: settled.change?.status ?? null };
      }
      await trx('outbox_parts').where('id', part.id).update({ report_status: input.status, report_at: now, updated_at: now });
      if (input.outcome === 'pending' || part.status !== 'sent') return { partId: Number(part.id), messageStatus: null };
      await trx('outbox_parts').where('id', part.id).update({ status: input.outcome });
      const row: MessageRow = await trx('outbox_messages').where('id', part.message_id).first();
      if (row.status !== 'sent') return { partId: Number(part.id), messageStatus: row.status };
      const parts: Array<{ status: PartStatus }> = await trx('outbox_parts').select('status').where('message_id', part.message_id);
      const derived = messageStatusFromParts(parts.map((p) => p.status));
      if (derived === 'delivered' || derived === 'failed') {
        await this.move(trx, row, derived, derived === 'failed' ? { error_code: 'DELIVERY_FAILED', error_message: input.detail ?? 'The network could not deliver the message.' } : {}, false);
        published = { id: Number(row.id), status: derived, recipient: row.recipient, batchId: row.batch_id };
        return { partId: Number(part.id), messageStatus: derived };
      }
      return { partId: Number(part.id), messageStatus: row.status };
    });
    if (published) this.events.publish('outbox.message', published, 'messages.read');
    return result;
  }

  /**
   * The reports on these parts, oldest first (a message's timeline): those
   * matched to them, and those that fit them among other unknown parts.
   */
  async forParts(partIds: readonly number[]): Promise<OutboxStatusReport[]> {
    if (partIds.length === 0) return [];
    const matched: StatusReportRow[] = await this.db('status_reports').whereIn('part_id', partIds);
    const fitting: Array<StatusReportRow & { candidate_part_id: number }> = await this.db('status_report_candidates as c')
      .join('status_reports as r', 'r.id', 'c.report_id')
      .select('r.*', 'c.part_id as candidate_part_id')
      .whereIn('c.part_id', partIds)
      .whereNull('r.part_id');
    const others: Array<{ report_id: number; message_id: number }> =
      fitting.length === 0
        ? []
        : await this.db('status_report_candidates as c')
            .join('outbox_parts as p', 'p.id', 'c.part_id')
            .select('c.report_id', 'p.message_id')
            .whereIn(
              'c.report_id',
              fitting.map((r) => r.id),
            )
            .whereNotIn('c.part_id', partIds);
    const reports = [
      ...matched.map(toStatusReport),
      ...fitting.map((row) => ({
        ...toStatusReport({ ...row, part_id: Number(row.candidate_part_id) }),
        evidence: 'candidate' as const,
        alsoFits: others.filter((o) => Number(o.report_id) === Number(row.id)).map((o) => Number(o.message_id)),
      })),
    ];
    return reports.sort((a, b) => a.receivedAt - b.receivedAt || a.id - b.id);
  }
}
