import type { Knex } from 'knex';
import { SYSTEM_ACTOR, type AuditActor, type AuditLog } from '../../auth/audit.js';
import type { Clock } from '../../clock.js';
import { NotFoundError } from '../../errors.js';
import type { EventBus } from '../../events/bus.js';
import { decodePdu } from '../../modem/pdu/index.js';
import { OutboxError } from './errors.js';
import type { MoveMessage } from './outbox.js';
import type { MessageRow, OutboxMessage, StatusReportRow } from './rows.js';
import { assertPartTransition, messageStatusFromParts, type PartStatus } from './states.js';
import type { MessageChange, UnmatchedReport } from './status-reports.js';

export type UnknownResolution = 'mark-sent' | 'mark-failed' | 'resend';

/** A part left unknown whose status report never found it (its MR was not recorded). */
export interface UnknownPart {
  id: number;
  messageId: number;
  /** When it went `sending`: its bytes left for the modem right after. */
  sendingAt: number;
  pdu: string;
}

/** How long a service centre keeps trying a part that has no validity period of its own (72 h is the usual ceiling). */
export const DEFAULT_VALIDITY_MS = 72 * 3_600_000;
/** A report comes when the part is delivered or its validity ends; this long more for it to reach us. */
export const REPORT_TRAVEL_MS = 3_600_000;
/** No report is taken as evidence for a part older than this, whatever its validity. */
export const LONGEST_EVIDENCE_WINDOW_MS = 7 * 24 * 3_600_000;
/** How far behind ours the service centre's clock (the report's SCTS) may be. */
export const NETWORK_CLOCK_SKEW_MS = 15 * 60_000;

/** The last moment a status report for this part can arrive: its validity period (or the default) and the travel time. */
export function reportDeadline(part: Pick<UnknownPart, 'sendingAt' | 'pdu'>): number {
  let validity = DEFAULT_VALIDITY_MS;
  try {
    const decoded = decodePdu(part.pdu, { hasSmsc: true, direction: 'mo' });
    if (decoded.type === 'submit' && decoded.validity.format === 'relative') validity = decoded.validity.minutes * 60_000;
    if (decoded.type === 'submit' && decoded.validity.format === 'absolute') validity = decoded.validity.expires - part.sendingAt;
  } catch {
    // Not decodable: the default window.
  }
  return part.sendingAt + Math.min(validity + REPORT_TRAVEL_MS, LONGEST_EVIDENCE_WINDOW_MS);
}

/**
 * The unknown parts (same modem, same recipient, MR never recorded) a report
 * no recorded part holds may be about: it arrived after the part went out and
 * within the part's validity window, and the service centre did not take it
 * before the part was sent. One part: the report is its evidence. Several: it
 * cannot say which.
 */
export function partsTheReportFits(report: Pick<UnmatchedReport, 'receivedAt' | 'submittedAt'>, unknown: readonly UnknownPart[]): UnknownPart[] {
  return unknown.filter(
    (part) =>
      report.receivedAt >= part.sendingAt &&
      report.receivedAt <= reportDeadline(part) &&
      (report.submittedAt === null || report.submittedAt >= part.sendingAt - NETWORK_CLOCK_SKEW_MS),
  );
}

/**
 * What a crash leaves behind and how it is settled: parts that were on their
 * way to a modem when StoreMAS stopped become `unknown` (never resent by
 * themselves). A status report for such a part — one no recorded part holds,
 * from that recipient, within the part's validity window — settles it as sent
 * (or delivered) by itself, recorded with the report as the reason; an
 * operator resolves the rest.
 */
export class CrashRecovery {
  constructor(
    private readonly db: Knex,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly events: EventBus,
    private readonly move: MoveMessage,
    private readonly get: (id: number) => Promise<OutboxMessage>,
  ) {}

  /**
   * On start-up, before the dispatcher runs: a part found `sending` may or may
   * not have reached a modem (the appliance stopped in between), so it and its
   * message become `unknown` and are never resent by themselves. A message
   * found `sending` with no part in flight simply goes back to the queue.
   */
  async recoverAfterRestart(): Promise<{ unknown: number; requeued: number }> {
    const changes: MessageChange[] = [];
    const result = await this.db.transaction(async (trx) => {
      const now = this.clock.now();
      const inFlight: Array<{ message_id: number }> = await trx('outbox_parts').distinct('message_id').where('status', 'sending');
      const unknownIds = inFlight.map((r) => Number(r.message_id));
      for (let i = 0; i < unknownIds.length; i += 500) {
        const chunk = unknownIds.slice(i, i + 500);
        await trx('outbox_parts').whereIn('message_id', chunk).andWhere('status', 'sending').update({
          status: 'unknown',
          error_code: 'INTERRUPTED',
          error_message: 'StoreMAS stopped while this part was being sent; it may or may not have reached the phone.',
          updated_at: now,
        });
        await trx('outbox_messages').whereIn('id', chunk).andWhere('status', 'sending').update({
          status: 'unknown',
          error_code: 'INTERRUPTED',
          error_message: 'StoreMAS stopped while this message was being sent. Check with the recipient, then mark it sent, failed, or send it again.',
          updated_at: now,
        });
      }
      const requeued = await trx('outbox_messages').where('status', 'sending').update({ status: 'queued', modem_id: null, updated_at: now });
      // A report may have come in before these parts were marked (the modems start first): look again.
      for (const change of await this.reexamineReports(trx, unknownIds)) changes.push(change);
      return { unknown: unknownIds.length, requeued: Number(requeued) };
    });
    for (const change of changes) this.events.publish('outbox.message', change, 'messages.read');
    return result;
  }

  /**
   * The evidence rule, for a report no recorded part holds: when it fits
   * exactly one unknown part (see partsTheReportFits), that part is settled as
   * sent — delivered or failed when the report says so — and its message
   * follows when no other part of it is undecided; the report, the audit log
   * and the timeline say why. When it fits several, none is settled: each gets
   * the report beside it for the operator.
   */
  async resolveByReport(trx: Knex, report: UnmatchedReport): Promise<{ partId: number | null; change: MessageChange | null }> {
    const none = { partId: null, change: null };
    const oldest = report.receivedAt - LONGEST_EVIDENCE_WINDOW_MS;
    // Some part holds this MR for this recipient (matched or not, e.g. an older one): the report may be its.
    const holder = await trx('outbox_parts as p')
      .join('outbox_messages as m', 'm.id', 'p.message_id')
      .where({ 'p.modem_id': report.modemId, 'p.mr': report.mr, 'm.recipient': report.recipient })
      .andWhere('p.sent_at', '>=', oldest)
      .first('p.id');
    if (holder) return none;
    const rows: Array<{ id: number; message_id: number; sending_at: number | string; pdu: string }> = await trx('outbox_parts as p')
      .join('outbox_messages as m', 'm.id', 'p.message_id')
      .select('p.id', 'p.message_id', 'p.sending_at', 'p.pdu')
      .where({ 'p.modem_id': report.modemId, 'p.status': 'unknown', 'm.recipient': report.recipient })
      .whereNull('p.mr')
      .whereNotNull('p.sending_at')
      .andWhere('p.sending_at', '>=', oldest);
    const fits = partsTheReportFits(
      report,
      rows.map((r) => ({ id: Number(r.id), messageId: Number(r.message_id), sendingAt: Number(r.sending_at), pdu: r.pdu })),
    );
    if (fits.length === 0) return none;
    if (fits.length > 1) {
      await trx('status_report_candidates')
        .insert(fits.map((part) => ({ report_id: report.id, part_id: part.id })))
        .onConflict(['report_id', 'part_id'])
        .ignore();
      return none;
    }
    const part = fits[0]!;
    const now = this.clock.now();
    const settled: PartStatus = report.outcome === 'pending' ? 'sent' : report.outcome;
    assertPartTransition(part.id, 'unknown', 'sent');
    await trx('outbox_parts')
      .where({ id: part.id, status: 'unknown' })
      .update({ status: settled, mr: report.mr, sent_at: part.sendingAt, report_status: report.status, report_at: now, error_code: null, error_message: null, updated_at: now });
    await trx('status_reports').where('id', report.id).update({ part_id: part.id, evidence: 'resolved' });
    await trx('status_report_candidates').where('report_id', report.id).delete();
    const row: MessageRow = await trx('outbox_messages').where('id', part.messageId).first();
    const parts: Array<{ status: PartStatus }> = await trx('outbox_parts').select('status').where('message_id', part.messageId);
    const derived = messageStatusFromParts(parts.map((p) => p.status));
    const why =
      `Resolved automatically: status report MR ${report.mr} from ${report.recipient} at ${new Date(report.receivedAt).toISOString()} (${report.outcome}); ` +
      `no recorded part holds that MR, and this was the only part to ${report.recipient} on modem ${report.modemId} left unknown within its validity window.`;
    await this.audit.record(
      SYSTEM_ACTOR,
      'messages.resolve.by-report',
      String(row.id),
      { recipient: report.recipient, modemId: report.modemId, mr: report.mr, reportId: report.id, partId: part.id, outcome: report.outcome, receivedAt: report.receivedAt, why },
      trx,
    );
    if (row.status !== 'unknown' || derived === undefined || derived === 'unknown') {
      // Another part of it is still undecided (or was never sent): the operator decides the message.
      await trx('outbox_messages').where('id', row.id).update({ error_message: `${why} Other parts of this message are still undecided.`, updated_at: now });
      return { partId: part.id, change: null };
    }
    await this.move(trx, row, 'sent', { sent_at: part.sendingAt, resolution: 'by-report', resolved_by: SYSTEM_ACTOR.username, resolved_at: now, error_code: null, error_message: null }, false);
    if (derived === 'delivered' || derived === 'failed') {
      await this.move(trx, row, derived, derived === 'failed' ? { error_code: 'DELIVERY_FAILED', error_message: 'The network could not deliver the message.' } : {}, false);
    }
    return { partId: part.id, change: { id: Number(row.id), status: row.status, recipient: row.recipient, batchId: row.batch_id } };
  }

  /** Unmatched reports from the recipients of parts just marked unknown, through the evidence rule again. */
  private async reexamineReports(trx: Knex, messageIds: readonly number[]): Promise<MessageChange[]> {
    const changes: MessageChange[] = [];
    if (messageIds.length === 0) return changes;
    const parts: Array<{ modem_id: string | null; recipient: string; sending_at: number | string | null }> = await trx('outbox_parts as p')
      .join('outbox_messages as m', 'm.id', 'p.message_id')
      .select('p.modem_id', 'm.recipient', 'p.sending_at')
      .whereIn('p.message_id', messageIds)
      .andWhere('p.status', 'unknown')
      .whereNull('p.mr');
    for (const part of parts) {
      if (part.modem_id === null || part.sending_at === null) continue;
      const reports: StatusReportRow[] = await trx('status_reports')
        .where({ modem_id: part.modem_id, recipient: part.recipient })
        .whereNull('part_id')
        .whereNull('evidence')
        .andWhere('received_at', '>=', Number(part.sending_at))
        .orderBy('received_at');
      for (const r of reports) {
        const settled = await this.resolveByReport(trx, {
          id: Number(r.id),
          modemId: r.modem_id,
          mr: Number(r.mr),
          recipient: r.recipient,
          status: Number(r.status),
          outcome: r.outcome as UnmatchedReport['outcome'],
          submittedAt: r.submitted_at === null ? null : Number(r.submitted_at),
          receivedAt: Number(r.received_at),
        });
        if (settled.change) changes.push(settled.change);
      }
    }
    return changes;
  }

  /** An operator decides what happened to an `unknown` message; audited. */
  async resolveUnknown(actor: AuditActor, id: number, resolution: UnknownResolution): Promise<OutboxMessage> {
    let resentAs: number | null = null;
    await this.db.transaction(async (trx) => {
      const row: MessageRow | undefined = await trx('outbox_messages').where('id', id).first();
      if (!row) throw new NotFoundError(`Message ${id}`);
      if (row.status !== 'unknown') {
        throw new OutboxError('MESSAGE_NOT_UNKNOWN', `Message ${id} is ${row.status}, not unknown; only unknown messages are resolved by hand.`, 409);
      }
      const now = this.clock.now();
      const fields = { resolution: resolution, resolved_by: actor.username, resolved_at: now };
      if (resolution === 'mark-sent') {
        await trx('outbox_parts').where({ message_id: id, status: 'unknown' }).update({ status: 'sent', updated_at: now });
        await trx('outbox_parts').where({ message_id: id, status: 'pending' }).update({ status: 'failed', updated_at: now });
        await this.move(trx, row, 'sent', { ...fields, sent_at: now });
      } else {
        await trx('outbox_parts').where({ message_id: id }).whereIn('status', ['unknown', 'pending']).update({ status: 'failed', updated_at: now });
        if (resolution === 'resend') {
          const [inserted] = await trx('outbox_messages')
            .insert({
              recipient: row.recipient,
              text: row.text,
              category: row.category,
              priority: row.priority,
              status: 'queued',
              member_id: row.member_id,
              batch_id: row.batch_id,
              source: 'resend',
              pinned_modem: row.pinned_modem,
              reply_modem: row.reply_modem,
              in_reply_to: row.in_reply_to,
              binary_payload: row.binary_payload,
              automatic: false,
              due_at: now,
              not_after: row.not_after,
              created_at: now,
              created_by: actor.username,
              updated_at: now,
            })
            .returning('id');
          resentAs = Number(typeof inserted === 'object' ? (inserted as { id: number }).id : inserted);
        }
        await this.move(trx, row, 'failed', {
          ...fields,
          resent_as: resentAs,
          error_message: resolution === 'resend' ? `Sent again as message ${resentAs}.` : row.error_message,
        });
      }
      await this.audit.record(actor, `messages.resolve.${resolution}`, String(id), { recipient: row.recipient, resentAs }, trx);
    });
    return this.get(id);
  }
}
