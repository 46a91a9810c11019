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
  dischargeAt?: number | null;
}

/**
 * Status reports (状态报告): each one is kept, matched to the part it reports
 * on by modem, MR and recipient, and moves that part (and its message) on to
 * delivered or failed.
 */
export class StatusReports {
  constructor(
    private readonly db: Knex,
    private readonly clock: Clock,
    private readonly events: EventBus,
    private readonly move: MoveMessage,
  ) {}

  /**
   * A status report from a modem: matched to the most recent part that modem
   * sent with this MR to this recipient (MRs wrap at 256, so older parts with
   * the same MR are left alone). Unmatched reports are kept for the record.
   */
  async store(input: StatusReportInput): Promise<{ partId: number | null; messageStatus: MessageStatus | null }> {
    const recipient = tryNormalizeMobile(input.recipient) ?? input.recipient;
    let published: { id: number; status: MessageStatus; recipient: string; batchId: string | null } | undefined;
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
      await trx('status_reports').insert({
        modem_id: input.modemId,
        mr: input.mr,
        recipient,
        status: input.status,
        outcome: input.outcome,
        detail: (input.detail ?? '').slice(0, 200),
        discharge_at: input.dischargeAt ?? null,
        received_at: now,
        part_id: part ? part.id : null,
      });
      if (!part) return { partId: null, messageStatus: null };
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

  /** The reports on these parts, oldest first (a message's timeline). */
  async forParts(partIds: readonly number[]): Promise<OutboxStatusReport[]> {
    if (partIds.length === 0) return [];
    const rows: StatusReportRow[] = await this.db('status_reports').whereIn('part_id', partIds).orderBy('received_at');
    return rows.map(toStatusReport);
  }
}
