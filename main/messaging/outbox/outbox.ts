import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { AuditActor, AuditLog } from '../../auth/audit.js';
import type { Clock } from '../../clock.js';
import { AppError, NotFoundError, ValidationError } from '../../errors.js';
import type { EventBus } from '../../events/bus.js';
import { encodeSubmit, PduError } from '../../modem/pdu/index.js';
import { tryNormalizeMobile } from '../numbers.js';
import { MESSAGE_CATEGORIES, NOT_LISTED, type ListStatus, type MessageCategory } from '../policy/policy.js';
import type { PolicySettings } from '../policy/settings.js';
import { compileTemplate, literalTemplate, renderMessage, renderOptionsFrom, type CompiledTemplate } from '../render/render.js';
import { emptyTally, enqueueBatch, type EnqueueOptions, type EnqueueTally, type Recipient } from './enqueue.js';
import { defaultSendPolicy, recentMarketingSends, type ListLookup, type SendPolicy } from './policy-inputs.js';
import {
  toMessage,
  toPart,
  toStatusReport,
  type MessageRow,
  type OutboxMessage,
  type OutboxPart,
  type OutboxStatusReport,
  type PartRow,
  type StatusReportRow,
} from './rows.js';
import {
  DEFAULT_RETRY,
  MESSAGE_STATUSES,
  assertMessageTransition,
  assertPartTransition,
  messageStatusFromParts,
  priorityOf,
  retryDelay,
  type MessageStatus,
  type PartStatus,
  type RetryPolicy,
} from './states.js';

declare module '../../events/bus.js' {
  interface ApplianceEvents {
    /** A message changed state (sent, delivered, failed, unknown …); the outbox page updates the row. */
    'outbox.message': { id: number; status: MessageStatus; recipient: string; batchId: string | null };
    /** Messages were queued (a send, a campaign batch, an automatic reply). */
    'outbox.queued': { batchId: string | null; count: number };
  }
}

/** What a sender asks for: one text to many recipients. */
export interface SendRequest {
  /** The template source: placeholders such as {称呼} are rendered per recipient. */
  text: string;
  category: MessageCategory;
  /** Who asked: 'ui', 'cli', 'api', 'campaign', 'auto-reply' … */
  source: string;
  notBefore?: number | null | undefined;
  notAfter?: number | null | undefined;
  pinnedModem?: string | null | undefined;
  /** Send through the modem the customer's text came in on (conversation replies). */
  replyModem?: string | null | undefined;
  inReplyTo?: number | null | undefined;
  automatic?: boolean | undefined;
  idempotencyPrefix?: string | null | undefined;
  /** A batch groups a bulk send for progress; omitted: one is made when there is more than one recipient. */
  batch?: { id?: string | undefined; label: string; kind: string } | undefined;
  matchMembers?: boolean | undefined;
  /** The text as written, braces included: no {placeholders} (texts from other programs). */
  literal?: boolean | undefined;
  /** This send's 【signature】 instead of the store's (a 云MAS sign code's text). */
  signature?: string | undefined;
}

export interface EnqueueResult extends EnqueueTally {
  batchId: string | null;
}

export interface ClaimedPart {
  id: number;
  partNumber: number;
  partCount: number;
  pdu: string;
  tpduLength: number;
  status: PartStatus;
}

export interface ClaimedMessage {
  id: number;
  recipient: string;
  category: MessageCategory;
  batchId: string | null;
  attempts: number;
  /** The parts still to send (pending), in order; accepted parts are never in here. */
  parts: ClaimedPart[];
}

/** How a modem refused or lost a part (from the OutboundChannel). */
export interface PartFailure {
  /** refused: the modem said no (+CMS ERROR), nothing went out; uncertain: no answer, it may have gone out. */
  kind: 'refused' | 'uncertain';
  retryable: boolean;
  code: string;
  message: string;
}

export interface StatusReportInput {
  modemId: string;
  mr: number;
  recipient: string;
  status: number;
  outcome: 'delivered' | 'pending' | 'failed';
  detail?: string;
  dischargeAt?: number | null;
}

export type UnknownResolution = 'mark-sent' | 'mark-failed' | 'resend';

export interface OutboxQuery {
  status?: MessageStatus | undefined;
  category?: MessageCategory | undefined;
  batchId?: string | undefined;
  /** Part of the number or of the text. */
  q?: string | undefined;
  from?: number | undefined;
  to?: number | undefined;
  page: number;
  pageSize: number;
}

export interface OutboxOptions {
  sendPolicy?: SendPolicy;
  retry?: RetryPolicy;
  /** Recipients per enqueue transaction. */
  batchSize?: number;
  /** Automatic answers per number per hour (stops loops with other auto-responders). */
  autoReplyLimit?: number;
}

export class OutboxError extends AppError {}

export const AUTO_REPLY_RULE = 'auto-reply-limit';

/**
 * The durable outbox (发件箱). Enqueue writes rows; the dispatcher claims them
 * and reports each part's fate here; every status change is checked against
 * the state machine in states.ts and happens in one short transaction.
 */
export class Outbox {
  readonly retry: RetryPolicy;
  private readonly sendPolicy: SendPolicy;
  private readonly batchSize: number;
  readonly autoReplyLimit: number;

  constructor(
    private readonly db: Knex,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly events: EventBus,
    private readonly settings: {
      policy(): Promise<PolicySettings>;
      renderSettings(): Promise<{ smsSignature: string; storeName: string }>;
    },
    private readonly lookupLists: ListLookup,
    options: OutboxOptions = {},
  ) {
    this.sendPolicy = options.sendPolicy ?? defaultSendPolicy;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.batchSize = options.batchSize ?? 2_000;
    this.autoReplyLimit = options.autoReplyLimit ?? 5;
  }

  /**
   * Queues one text for many recipients, streaming: recipients are read, decided,
   * rendered and written `batchSize` at a time, each batch in one transaction, so
   * memory stays flat whatever the audience. The text is checked first: an empty
   * text or unknown placeholder fails before anything is written.
   */
  async enqueue(
    recipients: Iterable<Recipient> | AsyncIterable<Recipient>,
    request: SendRequest,
    actor: AuditActor,
    options: { dryRun?: boolean; expectedTotal?: number; onBatch?: (tally: EnqueueTally) => void } = {},
  ): Promise<EnqueueResult> {
    if (!MESSAGE_CATEGORIES.includes(request.category)) {
      throw new ValidationError(`Category must be one of ${MESSAGE_CATEGORIES.join(', ')}.`);
    }
    const template = request.literal ? literalTemplate(request.text) : compileTemplate(request.text);
    const now = this.clock.now();
    if (request.notAfter != null && request.notAfter <= Math.max(now, request.notBefore ?? now)) {
      throw new ValidationError('The expiry time is before the send time; choose a later expiry or none.');
    }
    const policy = await this.settings.policy();
    const render = renderOptionsFrom(await this.settings.renderSettings(), policy, request.category);
    if (request.signature !== undefined) render.signature = request.signature;
    const dryRun = options.dryRun === true;
    const tally = emptyTally();
    let batchId: string | null = request.batch?.id ?? null;
    const enqueueOptions: EnqueueOptions = {
      category: request.category,
      source: request.source,
      createdBy: actor.username,
      batchId,
      notBefore: request.notBefore ?? null,
      notAfter: request.notAfter ?? null,
      pinnedModem: request.pinnedModem ?? null,
      replyModem: request.replyModem ?? null,
      inReplyTo: request.inReplyTo ?? null,
      automatic: request.automatic === true,
      idempotencyPrefix: request.idempotencyPrefix ?? null,
      matchMembers: request.matchMembers !== false,
    };
    const context = { now, policy, template, render, sendPolicy: this.sendPolicy, lookupLists: this.lookupLists };
    let pending: Recipient[] = [];
    let batchesWritten = 0;
    const flush = async () => {
      const chunk = pending;
      pending = [];
      if (chunk.length === 0) return;
      if (!dryRun && batchId === null && (request.batch || batchesWritten > 0 || chunk.length > 1)) {
        batchId = request.batch?.id ?? randomUUID();
        enqueueOptions.batchId = batchId;
      }
      await this.db.transaction(async (trx) => {
        if (!dryRun && batchesWritten === 0) {
          if (batchId !== null) {
            await trx('outbox_batches')
              .insert({
                id: batchId,
                label: (request.batch?.label ?? request.text).slice(0, 200),
                kind: request.batch?.kind ?? request.source,
                total: 0,
                created_at: now,
                created_by: actor.username,
              })
              .onConflict('id')
              .ignore();
          }
          await this.audit.record(actor, dryRun ? 'messages.check' : 'messages.enqueue', batchId ?? '', {
            category: request.category,
            source: request.source,
            text: request.text.slice(0, 200),
            notBefore: request.notBefore ?? null,
          }, trx);
        }
        const before = tally.total - tally.duplicates - sumBlocked(tally);
        const blockedBefore = sumBlocked(tally);
        await enqueueBatch(trx, chunk, enqueueOptions, context, tally, dryRun);
        if (!dryRun && batchId !== null) {
          await trx('outbox_batches')
            .where('id', batchId)
            .increment({
              total: tally.total - tally.duplicates - sumBlocked(tally) - before,
              blocked: sumBlocked(tally) - blockedBefore,
            });
        }
      });
      batchesWritten += 1;
      options.onBatch?.(tally);
    };
    for await (const recipient of recipients) {
      pending.push(recipient);
      if (pending.length >= this.batchSize) await flush();
    }
    await flush();
    if (!dryRun && tally.queued + tally.deferred > 0) {
      this.events.publish('outbox.queued', { batchId, count: tally.queued + tally.deferred }, 'messages.read');
    }
    return { ...tally, batchId };
  }

  /**
   * An automatic answer to an inbound text: through the receiving modem, at
   * reply priority, unless the number already had `autoReplyLimit` automatic
   * answers in the last hour (another auto-responder would loop with us). One
   * short transaction: this sits on the inbound path, where latency counts.
   */
  async enqueueAutoReply(
    to: string,
    text: string,
    reply: { modemId: string; inboxId: number; rule: string },
    /** The caller's transaction (an inbound handler that changes lists and answers in one commit). */
    outer?: Knex,
    /** The recipient's list status as the caller read it in `outer` (the inbound chain has it): no second read. */
    known?: ListStatus,
  ): Promise<{ messageId: number | null; blockedRule: string | null }> {
    const template = this.autoReplyTemplates.get(text) ?? compileTemplate(text);
    if (this.autoReplyTemplates.size < 100) this.autoReplyTemplates.set(text, template);
    const policy = await this.settings.policy();
    const render = renderOptionsFrom(await this.settings.renderSettings(), policy, 'reply');
    const inTransaction = <T>(run: (trx: Knex) => Promise<T>): Promise<T> => (outer ? run(outer) : this.db.transaction(run));
    return inTransaction(async (trx) => {
      const now = this.clock.now();
      const [recent] = await trx('outbox_messages')
        .where({ recipient: to, automatic: true })
        .andWhere('created_at', '>', now - 3_600_000)
        .count<Array<{ n: number | string }>>({ n: '*' });
      let status: MessageStatus = 'queued';
      let rule: string | null = null;
      let errorCode: string | null = null;
      let errorMessage: string | null = null;
      let body = text;
      if (Number(recent?.n ?? 0) >= this.autoReplyLimit) {
        status = 'blocked';
        rule = AUTO_REPLY_RULE;
        errorCode = 'AUTO_REPLY_LIMIT';
        errorMessage = `${to} already had ${this.autoReplyLimit} automatic answers in the last hour; no more, to stop a loop with another auto-responder.`;
      } else {
        const lists = (outer && known) || ((await this.lookupLists([to], now, trx)).get(to) ?? NOT_LISTED);
        const decision = this.sendPolicy({ category: 'reply', recipient: to, automatic: true }, { now, settings: policy, lists, recentMarketingSends: 0 });
        if (!decision.allowed) {
          status = 'blocked';
          rule = decision.rule;
          errorCode = 'POLICY_BLOCKED';
          errorMessage = decision.reason;
        } else {
          body = renderMessage(template, null, render).text;
        }
      }
      const [inserted] = await trx('outbox_messages')
        .insert({
          recipient: to,
          text: body,
          category: 'reply',
          priority: priorityOf('reply'),
          status,
          blocked_rule: rule,
          error_code: errorCode,
          error_message: errorMessage,
          idempotency_key: `auto:${reply.rule}:${reply.inboxId}`,
          source: 'auto-reply',
          reply_modem: reply.modemId,
          in_reply_to: reply.inboxId,
          automatic: true,
          due_at: now,
          created_at: now,
          created_by: 'system',
          updated_at: now,
          finished_at: status === 'blocked' ? now : null,
        })
        .onConflict('idempotency_key')
        .ignore()
        .returning('id');
      const id = inserted === undefined ? null : Number(typeof inserted === 'object' ? (inserted as { id: number }).id : inserted);
      if (status === 'blocked') return { messageId: null, blockedRule: rule };
      return { messageId: id, blockedRule: null };
    });
  }

  private readonly autoReplyTemplates = new Map<string, CompiledTemplate>();

  /**
   * Claims the next due message for `modemId`: replies first, then care and
   * transactional, then marketing, oldest due first; messages pinned (or
   * replying) through another modem that is in the pool are left to it. The
   * policy is checked again here: a number blacklisted since it was queued is
   * blocked now; marketing in quiet hours is deferred. Parts are encoded on
   * the first claim and never again.
   */
  async claim(modemId: string, modemsInPool: readonly string[]): Promise<ClaimedMessage | undefined> {
    for (let guard = 0; guard < 50; guard += 1) {
      const outcome = await this.db.transaction(async (trx) => {
        const now = this.clock.now();
        const row = await this.nextDue(trx, modemId, modemsInPool, now);
        if (!row) return { done: true as const };
        const id = Number(row.id);
        if (row.not_after !== null && Number(row.not_after) <= now) {
          await this.moveMessage(trx, row, 'expired', { error_code: 'EXPIRED', error_message: 'The message expired before it could be sent.' });
          return { done: false as const };
        }
        const existingParts: PartRow[] = await trx('outbox_parts').where('message_id', id).orderBy('part_number');
        const anyAccepted = existingParts.some((p) => p.status !== 'pending');
        if (!anyAccepted) {
          const verdict = await this.recheckPolicy(trx, row, now);
          if (verdict === 'blocked' || verdict === 'deferred') return { done: false as const };
        }
        let parts = existingParts;
        if (parts.length === 0) {
          let encoded;
          try {
            encoded = encodeSubmit({ to: row.recipient, text: row.text, concatReference: id % 256, requestStatusReport: true });
          } catch (error) {
            if (!(error instanceof PduError)) throw error;
            await this.moveMessage(trx, row, 'failed', { error_code: error.code, error_message: error.message });
            return { done: false as const };
          }
          const fresh = encoded.map((p) => ({
            message_id: id,
            part_number: p.partNumber,
            part_count: p.partCount,
            pdu: p.pdu,
            tpdu_length: p.tpduLength,
            status: 'pending' as const,
          }));
          const ids: Array<number | { id: number }> = await trx('outbox_parts')
            .insert(fresh.map((p) => ({ ...p, updated_at: now })))
            .returning('id');
          parts = fresh.map((p, i) => {
            const partId = ids[i]!;
            return { ...p, id: Number(typeof partId === 'object' ? partId.id : partId) } as PartRow;
          });
        }
        await this.moveMessage(trx, row, 'sending', { modem_id: modemId, part_count: parts.length });
        const claimed: ClaimedMessage = {
          id,
          recipient: row.recipient,
          category: row.category,
          batchId: row.batch_id,
          attempts: Number(row.attempts),
          parts: parts
            .filter((p) => p.status === 'pending')
            .map((p) => ({
              id: Number(p.id),
              partNumber: Number(p.part_number),
              partCount: Number(p.part_count),
              pdu: p.pdu,
              tpduLength: Number(p.tpdu_length),
              status: p.status,
            })),
        };
        return { done: true as const, claimed };
      });
      if (outcome.done) return 'claimed' in outcome ? outcome.claimed : undefined;
    }
    return undefined;
  }

  /**
   * When the next queued message becomes due (for the dispatcher's sleep), or
   * undefined. One index seek per priority: a plain MIN over every queued row
   * would scan a million deferred marketing messages on each idle poll.
   */
  async nextDueAt(): Promise<number | undefined> {
    let next: number | undefined;
    for (const priority of [0, 1, 2]) {
      const row: { due_at: number | string } | undefined = await this.db('outbox_messages')
        .select('due_at')
        .where({ status: 'queued', priority })
        .orderBy('due_at')
        .first();
      if (row && (next === undefined || Number(row.due_at) < next)) next = Number(row.due_at);
    }
    return next;
  }

  /**
   * The best due message in one round trip: per priority, the first due row by
   * the claim index (an index seek each, however many deferred rows wait
   * behind it), then the highest priority of those.
   */
  private async nextDue(trx: Knex, modemId: string, modemsInPool: readonly string[], now: number): Promise<MessageRow | undefined> {
    const others = modemsInPool.filter((m) => m !== modemId);
    const firstDue = (priority: number) => {
      const q = trx('outbox_messages')
        .select('*')
        .where({ status: 'queued', priority })
        .andWhere('due_at', '<=', now)
        .andWhere((w) => w.whereNull('pinned_modem').orWhere('pinned_modem', modemId))
        .orderBy('due_at')
        .orderBy('id')
        .limit(1);
      // A reply goes out through the modem its conversation came in on while that modem is in the pool.
      if (others.length > 0) q.andWhere((w) => w.whereNull('reply_modem').orWhere('reply_modem', modemId).orWhereNotIn('reply_modem', others));
      return trx.select('*').from(q.as(`p${priority}`));
    };
    const union = firstDue(0).unionAll([firstDue(1), firstDue(2)]);
    const row: MessageRow | undefined = await trx.select('*').from(union.as('due')).orderBy('priority').first();
    return row;
  }

  private async recheckPolicy(trx: Knex, row: MessageRow, now: number): Promise<'allowed' | 'blocked' | 'deferred'> {
    const policy = await this.settings.policy();
    const lists = (await this.lookupLists([row.recipient], now, trx)).get(row.recipient) ?? NOT_LISTED;
    let consent: boolean | null = null;
    if (row.member_id !== null && row.category === 'marketing') {
      const member: { marketing_consent: number | boolean } | undefined = await trx('members').select('marketing_consent').where('id', row.member_id).first();
      consent = member ? Boolean(member.marketing_consent) : null;
    }
    const recent =
      row.category === 'marketing' && policy.frequencyCap.enabled
        ? ((await recentMarketingSends(trx, [row.recipient], now - policy.frequencyCap.windowDays * 86_400_000, Number(row.id))).get(row.recipient) ?? 0)
        : 0;
    // Sends after this one was queued count; queued ones ahead of it in the same run do not block it twice.
    const decision = this.sendPolicy(
      { category: row.category, recipient: row.recipient, marketingConsent: consent, automatic: Boolean(row.automatic) },
      { now, settings: policy, lists, recentMarketingSends: recent },
    );
    if (decision.allowed) return 'allowed';
    if (decision.deferUntil !== undefined) {
      await trx('outbox_messages').where('id', row.id).update({ due_at: decision.deferUntil, updated_at: now });
      return 'deferred';
    }
    await this.moveMessage(trx, row, 'blocked', { blocked_rule: decision.rule, error_code: 'POLICY_BLOCKED', error_message: decision.reason });
    return 'blocked';
  }

  /** The part goes `sending` (committed) before its bytes go to the modem. One conditional UPDATE: no read first. */
  async beginPart(partId: number, modemId: string): Promise<void> {
    const now = this.clock.now();
    const changed = await this.db('outbox_parts')
      .where({ id: partId, status: 'pending' })
      .update({ status: 'sending', modem_id: modemId, attempts: this.db.raw('attempts + 1'), sending_at: now, updated_at: now });
    if (Number(changed) !== 1) await this.refuseMove(partId, 'sending');
  }

  /** The modem answered +CMGS with this MR: the part is out and will never be sent again. */
  async partAccepted(partId: number, mr: number): Promise<void> {
    const now = this.clock.now();
    const changed = await this.db('outbox_parts')
      .where({ id: partId, status: 'sending' })
      .update({ status: 'sent', mr, sent_at: now, updated_at: now, error_code: null, error_message: null });
    if (Number(changed) !== 1) await this.refuseMove(partId, 'sent');
  }

  /** A conditional update matched nothing: say why, through the state machine. */
  private async refuseMove(partId: number, to: PartStatus): Promise<never> {
    const part = await this.partRow(this.db, partId);
    assertPartTransition(partId, part.status, to);
    throw new OutboxError('OUTBOX_CONCURRENT_CHANGE', `Part ${partId} changed while it was being updated; try again.`, 409);
  }

  /** A claimed message the dispatcher will not send after all (it is stopping): back to the queue. */
  async release(messageId: number): Promise<void> {
    await this.db.transaction(async (trx) => {
      const row: MessageRow | undefined = await trx('outbox_messages').where('id', messageId).first();
      if (!row || row.status !== 'sending') return;
      const inFlight = await trx('outbox_parts').where({ message_id: messageId, status: 'sending' }).first();
      if (inFlight) return;
      await this.moveMessage(trx, row, 'queued', { modem_id: null });
    });
  }

  /**
   * The modem refused the part or did not answer. Refused: the part is pending
   * again and the message is retried with backoff (or failed when the error is
   * permanent or the attempts are used up). Uncertain: the part may have gone
   * out, so it and its message become `unknown` for an operator to decide.
   */
  async partFailed(messageId: number, partId: number, failure: PartFailure): Promise<MessageStatus> {
    const status = await this.db.transaction(async (trx) => {
      const now = this.clock.now();
      const part = await this.partRow(trx, partId);
      const row: MessageRow | undefined = await trx('outbox_messages').where('id', messageId).first();
      if (!row) throw new NotFoundError(`Message ${messageId}`);
      const errorFields = { error_code: failure.code.slice(0, 40), error_message: failure.message };
      if (failure.kind === 'uncertain') {
        assertPartTransition(partId, part.status, 'unknown');
        await trx('outbox_parts').where('id', partId).update({ status: 'unknown', ...errorFields, updated_at: now });
        await this.moveMessage(trx, row, 'unknown', errorFields);
        return 'unknown' as const;
      }
      const attempts = Number(row.attempts) + 1;
      const delay = failure.retryable ? retryDelay(attempts, this.retry) : undefined;
      if (delay === undefined) {
        assertPartTransition(partId, part.status, 'failed');
        await trx('outbox_parts').where('id', partId).update({ status: 'failed', ...errorFields, updated_at: now });
        await trx('outbox_parts').where({ message_id: messageId, status: 'pending' }).update({ status: 'failed', updated_at: now });
        await this.moveMessage(trx, row, 'failed', { ...errorFields, attempts });
        return 'failed' as const;
      }
      assertPartTransition(partId, part.status, 'pending');
      await trx('outbox_parts').where('id', partId).update({ status: 'pending', ...errorFields, updated_at: now });
      await this.moveMessage(trx, row, 'queued', { ...errorFields, attempts, due_at: now + delay, modem_id: null });
      return 'queued' as const;
    });
    return status;
  }

  /**
   * Every part of a claimed message was accepted. One conditional UPDATE in the
   * usual case; when a status report already came in for a part (it can land
   * between the last +CMGS and this call), the message goes on to delivered or failed.
   */
  async messageSent(message: Pick<ClaimedMessage, 'id' | 'recipient' | 'batchId'>): Promise<void> {
    const now = this.clock.now();
    const changed = await this.db('outbox_messages')
      .where({ id: message.id, status: 'sending' })
      .whereNotExists((q) => void q.select('id').from('outbox_parts').where('message_id', message.id).whereIn('status', ['delivered', 'failed']))
      .update({ status: 'sent', sent_at: now, updated_at: now });
    if (Number(changed) === 1) {
      this.events.publish('outbox.message', { id: message.id, status: 'sent', recipient: message.recipient, batchId: message.batchId }, 'messages.read');
      return;
    }
    await this.db.transaction(async (trx) => {
      const row: MessageRow | undefined = await trx('outbox_messages').where('id', message.id).first();
      if (!row || row.status !== 'sending') return;
      const parts: Array<{ status: PartStatus }> = await trx('outbox_parts').select('status').where('message_id', message.id);
      const derived = messageStatusFromParts(parts.map((p) => p.status));
      await this.moveMessage(trx, row, 'sent', { sent_at: now });
      if (derived === 'delivered' || derived === 'failed') await this.moveMessage(trx, row, derived);
    });
  }

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
        await this.moveMessage(trx, row, 'sent', { ...fields, sent_at: now });
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
        await this.moveMessage(trx, row, 'failed', {
          ...fields,
          resent_as: resentAs,
          error_message: resolution === 'resend' ? `Sent again as message ${resentAs}.` : row.error_message,
        });
      }
      await this.audit.record(actor, `messages.resolve.${resolution}`, String(id), { recipient: row.recipient, resentAs }, trx);
    });
    return this.get(id);
  }

  /**
   * A status report from a modem: matched to the most recent part that modem
   * sent with this MR to this recipient (MRs wrap at 256, so older parts with
   * the same MR are left alone). Unmatched reports are kept for the record.
   */
  async storeStatusReport(input: StatusReportInput): Promise<{ partId: number | null; messageStatus: MessageStatus | null }> {
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
        await this.moveMessage(trx, row, derived, derived === 'failed' ? { error_code: 'DELIVERY_FAILED', error_message: input.detail ?? 'The network could not deliver the message.' } : {}, false);
        published = { id: Number(row.id), status: derived, recipient: row.recipient, batchId: row.batch_id };
        return { partId: Number(part.id), messageStatus: derived };
      }
      return { partId: Number(part.id), messageStatus: row.status };
    });
    if (published) this.events.publish('outbox.message', published, 'messages.read');
    return result;
  }

  async get(id: number): Promise<OutboxMessage> {
    const row: MessageRow | undefined = await this.db('outbox_messages').where('id', id).first();
    if (!row) throw new NotFoundError(`Message ${id}`);
    return toMessage(row);
  }

  /** A message with its parts and status reports: the timeline the outbox page shows. */
  async detail(id: number): Promise<{ message: OutboxMessage; parts: OutboxPart[]; reports: OutboxStatusReport[] }> {
    const message = await this.get(id);
    const parts: PartRow[] = await this.db('outbox_parts').where('message_id', id).orderBy('part_number');
    const reports: StatusReportRow[] =
      parts.length === 0
        ? []
        : await this.db('status_reports')
            .whereIn(
              'part_id',
              parts.map((p) => p.id),
            )
            .orderBy('received_at');
    return { message, parts: parts.map(toPart), reports: reports.map(toStatusReport) };
  }

  async search(query: OutboxQuery): Promise<{ items: OutboxMessage[]; total: number }> {
    const base = this.db('outbox_messages');
    if (query.status) base.where('status', query.status);
    if (query.category) base.where('category', query.category);
    if (query.batchId) base.where('batch_id', query.batchId);
    if (query.from !== undefined) base.where('created_at', '>=', query.from);
    if (query.to !== undefined) base.where('created_at', '<=', query.to);
    const q = query.q?.trim();
    if (q) {
      const like = `%${q.replace(/[%_]/g, '')}%`;
      const digits = q.replace(/\D/g, '');
      base.andWhere((w) => {
        w.where('text', 'like', like);
        if (digits) w.orWhere('recipient', 'like', `%${digits}%`);
      });
    }
    const [countRow] = await base.clone().count<Array<{ n: number | string }>>({ n: '*' });
    const rows: MessageRow[] = await base
      .clone()
      .select('*')
      .orderBy('id', 'desc')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize);
    return { items: rows.map(toMessage), total: Number(countRow?.n ?? 0) };
  }

  /** Messages per status, and when the next queued one is due. */
  async status(): Promise<{ counts: Record<MessageStatus, number>; nextDueAt: number | null; partsSending: number }> {
    const rows: Array<{ status: MessageStatus; n: number | string }> = await this.db('outbox_messages').select('status').count({ n: '*' }).groupBy('status');
    const counts = Object.fromEntries(MESSAGE_STATUSES.map((s) => [s, 0])) as Record<MessageStatus, number>;
    for (const row of rows) counts[row.status] = Number(row.n);
    const sending = await this.db('outbox_parts').where('status', 'sending').count<Array<{ n: number | string }>>({ n: '*' });
    return { counts, nextDueAt: (await this.nextDueAt()) ?? null, partsSending: Number(sending[0]?.n ?? 0) };
  }

  /** Progress of one batch: how many are final, and how many in all. */
  async batchProgress(batchId: string): Promise<{ label: string; kind: string; total: number; done: number; counts: Partial<Record<MessageStatus, number>> }> {
    const batch: { label: string; kind: string } | undefined = await this.db('outbox_batches').where('id', batchId).first();
    if (!batch) throw new NotFoundError(`Batch ${batchId}`);
    const rows: Array<{ status: MessageStatus; n: number | string }> = await this.db('outbox_messages')
      .select('status')
      .count({ n: '*' })
      .where('batch_id', batchId)
      .groupBy('status');
    const counts: Partial<Record<MessageStatus, number>> = {};
    let total = 0;
    let done = 0;
    for (const row of rows) {
      const n = Number(row.n);
      counts[row.status] = n;
      total += n;
      if (row.status !== 'queued' && row.status !== 'sending') done += n;
    }
    return { label: batch.label, kind: batch.kind, total, done, counts };
  }

  private async partRow(trx: Knex, partId: number): Promise<PartRow> {
    const part: PartRow | undefined = await trx('outbox_parts').where('id', partId).first();
    if (!part) throw new NotFoundError(`Message part ${partId}`);
    return part;
  }

  /** The one place a message's status changes; checked against the state machine. */
  private async moveMessage(trx: Knex, row: MessageRow, to: MessageStatus, fields: Record<string, unknown> = {}, publish = true): Promise<void> {
    assertMessageTransition(Number(row.id), row.status, to);
    const now = this.clock.now();
    const final = to === 'delivered' || to === 'failed' || to === 'expired' || to === 'blocked';
    const changed = await trx('outbox_messages')
      .where({ id: row.id, status: row.status })
      .update({ ...fields, status: to, updated_at: now, ...(final ? { finished_at: now } : {}) });
    if (Number(changed) !== 1) throw new OutboxError('OUTBOX_CONCURRENT_CHANGE', `Message ${row.id} changed while it was being updated; try again.`, 409);
    row.status = to;
    if (publish && to !== 'sending') {
      this.events.publish('outbox.message', { id: Number(row.id), status: to, recipient: row.recipient, batchId: row.batch_id }, 'messages.read');
    }
  }
}

function sumBlocked(tally: EnqueueTally): number {
  let n = 0;
  for (const v of Object.values(tally.blocked)) n += v;
  return n;
}
