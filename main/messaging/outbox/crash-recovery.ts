import type { Knex } from 'knex';
import type { AuditActor, AuditLog } from '../../auth/audit.js';
import type { Clock } from '../../clock.js';
import { NotFoundError } from '../../errors.js';
import { OutboxError } from './errors.js';
import type { MoveMessage } from './outbox.js';
import type { MessageRow, OutboxMessage } from './rows.js';

export type UnknownResolution = 'mark-sent' | 'mark-failed' | 'resend';

/**
 * What a crash leaves behind and how it is settled: parts that were on their
 * way to a modem when StoreMAS stopped become `unknown` (never resent by
 * themselves), and unknown messages are resolved — by an operator.
 */
export class CrashRecovery {
  constructor(
    private readonly db: Knex,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
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
    return this.db.transaction(async (trx) => {
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
      return { unknown: unknownIds.length, requeued: Number(requeued) };
    });
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
