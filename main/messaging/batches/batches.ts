import type { Knex } from 'knex';
import type { AuditActor, AuditLog } from '../../auth/audit.js';
import type { Clock } from '../../clock.js';
import { AppError, NotFoundError } from '../../errors.js';
import type { EventBus } from '../../events/bus.js';
import { toMessage, type MessageRow, type OutboxMessage } from '../outbox/rows.js';
import { assertMessageTransition, MESSAGE_STATUSES, type MessageStatus } from '../outbox/states.js';

declare module '../../events/bus.js' {
  interface ApplianceEvents {
    /** A batch was created, paused, resumed or cancelled: the batch list and the outbox reload. */
    'batch.changed': { id: string; change: 'created' | 'paused' | 'resumed' | 'cancelled' };
  }
}

/** Stored: what an operator made of the batch. */
export const STORED_BATCH_STATES = ['active', 'paused', 'cancelled'] as const;
/** Shown: an active batch with nothing left to send is completed (derived, never stored). */
export const BATCH_STATES = ['active', 'paused', 'cancelled', 'completed'] as const;
export type BatchState = (typeof BATCH_STATES)[number];

/** One send (a bulk send, a CLI send, a reply, a campaign run) and where its messages are. */
export interface Batch {
  id: string;
  name: string;
  /** What made it: ui, cli, api, campaign … */
  kind: string;
  createdBy: string;
  createdAt: number;
  state: BatchState;
  stateChangedAt: number | null;
  stateChangedBy: string | null;
  /** Messages per status (every status present, zeros included). */
  counts: Record<MessageStatus, number>;
  total: number;
  /** Queued or paused: not handed to a modem yet. */
  waiting: number;
  /** Out of the queue: sent, delivered, failed, blocked, cancelled, or unknown (for a person to decide). */
  done: number;
  /** When the next waiting message is due (a scheduled batch), or null. */
  nextDueAt: number | null;
}

export interface BatchQuery {
  page: number;
  pageSize: number;
}

export class BatchError extends AppError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, 409, details);
  }
}

interface BatchRow {
  id: string;
  label: string;
  kind: string;
  created_at: number | string;
  created_by: string;
  state: string;
  state_changed_at: number | string | null;
  state_changed_by: string | null;
}

const WAITING: readonly MessageStatus[] = ['queued', 'paused'];
/** A cancel withdraws these: waiting, or claimed by a worker (their parts not yet begun are withdrawn). */
const WITHDRAWABLE: readonly MessageStatus[] = ['queued', 'paused', 'sending'];

/**
 * Batches (批次): every send is one, so it can be paused, resumed and
 * cancelled as a whole, and a single message withdrawn until a modem has it.
 * A pause moves the batch's queued messages to `paused` (the claim only ever
 * takes queued ones, so its index stays as fast as before); a cancel
 * withdraws every message and part not yet handed to a modem; a part already
 * begun is never withdrawn. Each change is one transaction with its audit entry.
 * The campaigns feature builds on this: a campaign run is a batch.
 */
export class Batches {
  constructor(
    private readonly db: Knex,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly events: EventBus,
  ) {}

  async list(query: BatchQuery): Promise<{ items: Batch[]; total: number }> {
    const [countRow] = await this.db('outbox_batches').count<Array<{ n: number | string }>>({ n: '*' });
    const rows: BatchRow[] = await this.db('outbox_batches')
      .select('*')
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize);
    return { items: await this.views(rows), total: Number(countRow?.n ?? 0) };
  }

  async get(id: string, trx: Knex = this.db): Promise<Batch> {
    const row: BatchRow | undefined = await trx('outbox_batches').where('id', id).first();
    if (!row) throw new NotFoundError(`Batch ${id}`);
    const [view] = await this.views([row], trx);
    return view!;
  }

  /** Holds the batch's waiting messages back; the ones a modem already has go on. */
  async pause(actor: AuditActor, id: string): Promise<Batch> {
    await this.change(actor, id, 'paused', async (trx, batch, now) => {
      if (batch.state === 'cancelled') throw cancelledAlready(id);
      if (batch.state === 'paused') throw new BatchError('BATCH_ALREADY_PAUSED', `Batch ${id} is paused already; resume it or cancel it.`, { batchId: id });
      if (batch.state === 'completed') throw finished(id);
      const held = await trx('outbox_messages').where({ batch_id: id, status: 'queued' }).update({ status: 'paused', updated_at: now });
      return { held: Number(held) };
    });
    return this.get(id);
  }

  /** Lets a paused batch go on: its messages are queued again (quiet hours and expiry still apply at dispatch). */
  async resume(actor: AuditActor, id: string): Promise<Batch> {
    await this.change(actor, id, 'active', async (trx, batch, now) => {
      if (batch.state !== 'paused') {
        throw new BatchError('BATCH_NOT_PAUSED', `Batch ${id} is ${batch.state}, not paused; only a paused batch is resumed.`, { batchId: id, state: batch.state });
      }
      const released = await trx('outbox_messages').where({ batch_id: id, status: 'paused' }).update({ status: 'queued', updated_at: now });
      return { released: Number(released) };
    });
    return this.get(id);
  }

  /**
   * Withdraws everything not yet handed to a modem: waiting messages, messages
   * a worker has claimed but not begun, and the parts not yet begun of a
   * message being sent (its worker ends it cancelled at its next part).
   */
  async cancel(actor: AuditActor, id: string): Promise<Batch> {
    await this.change(actor, id, 'cancelled', async (trx, batch, now) => {
      if (batch.state === 'cancelled') throw cancelledAlready(id);
      if (batch.state === 'completed') throw finished(id);
      const fields = { status: 'cancelled', error_code: 'CANCELLED', finished_at: now, updated_at: now };
      await trx('outbox_parts')
        .whereIn('message_id', (q) => void q.select('id').from('outbox_messages').where('batch_id', id).whereIn('status', WITHDRAWABLE))
        .andWhere('status', 'pending')
        .update({ status: 'cancelled', updated_at: now });
      const waiting = await trx('outbox_messages')
        .where('batch_id', id)
        .whereIn('status', WAITING)
        .update({ ...fields, error_message: 'Cancelled with its batch; no modem had it.' });
      // Claimed by a worker, no part begun: withdrawn whole (its worker finds the first part withdrawn).
      const claimed = await trx('outbox_messages')
        .where({ batch_id: id, status: 'sending' })
        .whereNotExists(
          (q) => void q.select('id').from('outbox_parts').whereRaw('outbox_parts.message_id = outbox_messages.id').whereNotIn('status', ['pending', 'cancelled']),
        )
        .update({ ...fields, error_message: 'Cancelled with its batch; no modem had it.' });
      return { withdrawn: Number(waiting) + Number(claimed) };
    });
    return this.get(id);
  }

  /** Withdraws one message while no modem has any part of it; audited. */
  async cancelMessage(actor: AuditActor, messageId: number): Promise<OutboxMessage> {
    const message = await this.db.transaction(async (trx) => {
      const row: MessageRow | undefined = await trx('outbox_messages').where('id', messageId).first();
      if (!row) throw new NotFoundError(`Message ${messageId}`);
      if (!WITHDRAWABLE.includes(row.status)) {
        throw new BatchError('MESSAGE_NOT_CANCELLABLE', `Message ${messageId} is ${row.status}; only a message no modem has yet can be cancelled.`, {
          messageId,
          status: row.status,
        });
      }
      const begun = await trx('outbox_parts').where('message_id', messageId).whereNotIn('status', ['pending', 'cancelled']).first();
      if (begun) {
        throw new BatchError('MESSAGE_ALREADY_SENDING', `A modem already has message ${messageId} (or part of it); it can no longer be cancelled.`, { messageId });
      }
      assertMessageTransition(messageId, row.status, 'cancelled');
      const now = this.clock.now();
      await trx('outbox_parts').where({ message_id: messageId, status: 'pending' }).update({ status: 'cancelled', updated_at: now });
      const changed = await trx('outbox_messages')
        .where({ id: messageId, status: row.status })
        .update({ status: 'cancelled', error_code: 'CANCELLED', error_message: `Cancelled by ${actor.username}; no modem had it.`, finished_at: now, updated_at: now });
      if (Number(changed) !== 1) throw new AppError('OUTBOX_CONCURRENT_CHANGE', `Message ${messageId} changed while it was being cancelled; try again.`, 409);
      await this.audit.record(actor, 'messages.cancel', String(messageId), { recipient: row.recipient, batchId: row.batch_id, was: row.status }, trx);
      return toMessage((await trx('outbox_messages').where('id', messageId).first()) as MessageRow);
    });
    this.events.publish('outbox.message', { id: message.id, status: 'cancelled', recipient: message.recipient, batchId: message.batchId }, 'messages.read');
    return message;
  }

  private async change(
    actor: AuditActor,
    id: string,
    to: 'active' | 'paused' | 'cancelled',
    apply: (trx: Knex, batch: Batch, now: number) => Promise<Record<string, number>>,
  ): Promise<void> {
    await this.db.transaction(async (trx) => {
      const batch = await this.get(id, trx);
      const now = this.clock.now();
      const detail = await apply(trx, batch, now);
      await trx('outbox_batches').where('id', id).update({ state: to, state_changed_at: now, state_changed_by: actor.username });
      const action = to === 'paused' ? 'batches.pause' : to === 'active' ? 'batches.resume' : 'batches.cancel';
      await this.audit.record(actor, action, id, { name: batch.name, ...detail }, trx);
    });
    this.events.publish('batch.changed', { id, change: to === 'paused' ? 'paused' : to === 'active' ? 'resumed' : 'cancelled' }, 'messages.read');
  }

  /** Rows to views: message counts per status and the next due time in two grouped queries. */
  private async views(rows: BatchRow[], trx: Knex = this.db): Promise<Batch[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const counted: Array<{ batch_id: string; status: MessageStatus; n: number | string }> = await trx('outbox_messages')
      .select('batch_id', 'status')
      .count({ n: '*' })
      .whereIn('batch_id', ids)
      .groupBy('batch_id', 'status');
    const due: Array<{ batch_id: string; next: number | string | null }> = await trx('outbox_messages')
      .select('batch_id')
      .min({ next: 'due_at' })
      .whereIn('batch_id', ids)
      .whereIn('status', WAITING)
      .groupBy('batch_id');
    const nextDue = new Map(due.map((d) => [d.batch_id, d.next === null ? null : Number(d.next)]));
    return rows.map((row) => {
      const counts = Object.fromEntries(MESSAGE_STATUSES.map((s) => [s, 0])) as Record<MessageStatus, number>;
      for (const c of counted) if (c.batch_id === row.id) counts[c.status] = Number(c.n);
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      const waiting = counts.queued + counts.paused;
      const done = total - waiting - counts.sending;
      const stored = row.state as (typeof STORED_BATCH_STATES)[number];
      return {
        id: row.id,
        name: row.label,
        kind: row.kind,
        createdBy: row.created_by,
        createdAt: Number(row.created_at),
        state: stored === 'active' && waiting + counts.sending === 0 ? 'completed' : stored,
        stateChangedAt: row.state_changed_at === null ? null : Number(row.state_changed_at),
        stateChangedBy: row.state_changed_by,
        counts,
        total,
        waiting,
        done,
        nextDueAt: nextDue.get(row.id) ?? null,
      };
    });
  }
}

const cancelledAlready = (id: string) => new BatchError('BATCH_CANCELLED', `Batch ${id} is cancelled; start a new send instead.`, { batchId: id });
const finished = (id: string) => new BatchError('BATCH_FINISHED', `Batch ${id} has nothing left to send.`, { batchId: id });
