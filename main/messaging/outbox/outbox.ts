import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { AuditActor, AuditLog } from '../../auth/audit.js';
import type { Clock } from '../../clock.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import type { EventBus } from '../../events/bus.js';
import { encodeSubmit, encodeSubmitUserData, PduError, type SubmitUserData } from '../../modem/pdu/index.js';
import { MESSAGE_CATEGORIES, NOT_LISTED, isCommercial, type ListStatus, type MessageCategory } from '../policy/policy.js';
import type { PolicySettings } from '../policy/settings.js';
import { compileTemplate, literalTemplate, renderMessage, renderOptionsFrom, type CompiledTemplate } from '../render/render.js';
import { CrashRecovery, type UnknownResolution } from './crash-recovery.js';
import { emptyTally, enqueueBatch, EnqueueError, type EnqueueOptions, type EnqueueTally, type Recipient } from './enqueue.js';
import { OutboxError } from './errors.js';
import { defaultSendPolicy, recentCommercialSends, type ListLookup, type SendPolicy } from './policy-inputs.js';
import {
  toMessage,
  toPart,
  type MessageRow,
  type OutboxMessage,
  type OutboxPart,
  type OutboxStatusReport,
  type PartRow,
} from './rows.js';
import { StatusReports, type StatusReportInput } from './status-reports.js';
import {
  DEFAULT_RETRY,
  FINAL_MESSAGE_STATUSES,
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
  /** The batch this send makes or joins (paused, resumed and cancelled as one); omitted: a new one, labelled with the text. */
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

export { OutboxError };
export type { StatusReportInput, UnknownResolution };

/** The one way a message's status changes (checked against the state machine), for the outbox's parts. */
export type MoveMessage = (trx: Knex, row: MessageRow, to: MessageStatus, fields?: Record<string, unknown>, publish?: boolean) => Promise<void>;

/** A scheduled time this much in the past is still "now": the form was filled in a minute ago. */
export const SCHEDULE_GRACE_MS = 60_000;

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
    const move: MoveMessage = (trx, row, to, fields, publish) => this.moveMessage(trx, row, to, fields, publish);
    this.recovery = new CrashRecovery(db, clock, audit, events, move, (id) => this.get(id));
    this.reports = new StatusReports(db, clock, events, move, (trx, report) => this.recovery.resolveByReport(trx, report));
  }

  /** Status reports: matching to parts (status-reports.ts). */
  readonly reports: StatusReports;
  /** Unknown parts after a restart and how they are resolved (crash-recovery.ts). */
  readonly recovery: CrashRecovery;

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
    if (request.notBefore != null && request.notBefore < now - SCHEDULE_GRACE_MS) {
      throw new EnqueueError(
        'SCHEDULE_IN_PAST',
        `The send time ${new Date(request.notBefore).toISOString()} has already passed; choose a later time, or send now.`,
        { notBefore: request.notBefore, now },
      );
    }
    if (request.notAfter != null && request.notAfter <= Math.max(now, request.notBefore ?? now)) {
      throw new EnqueueError('EXPIRY_BEFORE_SEND', 'The expiry time is before the send time; choose a later expiry or none.');
    }
    const policy = await this.settings.policy();
    const render = renderOptionsFrom(await this.settings.renderSettings(), policy, request.category);
    if (request.signature !== undefined) render.signature = request.signature;
    const dryRun = options.dryRun === true;
    const tally = emptyTally();
    // Every send is a batch (paused, resumed and cancelled as one); a dry run makes none.
    const batchId: string | null = dryRun ? null : (request.batch?.id ?? randomUUID());
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
        if (batchId !== null) {
          // Read per chunk: a batch paused while a large audience streams in holds the rest; a cancelled one takes no more.
          const batch: { state: string } | undefined = await trx('outbox_batches').select('state').where('id', batchId).first();
          if (batch?.state === 'cancelled') {
            throw new EnqueueError('BATCH_CANCELLED', `Batch ${batchId} was cancelled; it takes no more messages. Start a new send.`, { batchId }, 409);
          }
          enqueueOptions.hold = batch?.state === 'paused';
        }
        const before = tally.total - tally.duplicates - sumBlocked(tally);
        const blockedBefore = sumBlocked(tally);
        await enqueueBatch(trx, chunk, enqueueOptions, context, tally, dryRun);
        if (batchId !== null) {
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
    if (batchId !== null && batchesWritten > 0) this.events.publish('batch.changed', { id: batchId, change: 'created' }, 'messages.read');
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
        const decision = this.sendPolicy({ category: 'reply', recipient: to, automatic: true }, { now, settings: policy, lists, recentCommercialSends: 0 });
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
        if (existingParts.some((p) => p.status === 'cancelled')) {
          // Withdrawn while a worker held it, then handed back (a stop or a retry): what is left stays withdrawn.
          await trx('outbox_parts').where({ message_id: id, status: 'pending' }).update({ status: 'cancelled', updated_at: now });
          await this.moveMessage(trx, row, 'cancelled', withdrawnFields(existingParts));
          return { done: false as const };
        }
        const anyAccepted = existingParts.some((p) => p.status !== 'pending');
        if (!anyAccepted) {
          const verdict = await this.recheckPolicy(trx, row, now);
          if (verdict === 'blocked' || verdict === 'deferred') return { done: false as const };
        }
        let parts = existingParts;
        if (parts.length === 0) {
          let encoded;
          try {
            encoded = row.binary_payload
              ? [{ ...encodeSubmitUserData({ ...(JSON.parse(row.binary_payload) as SubmitUserData), to: row.recipient }), partNumber: 1, partCount: 1 }]
              : encodeSubmit({ to: row.recipient, text: row.text, concatReference: id % 256, requestStatusReport: true });
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
    const commercial = isCommercial(row.category);
    if (row.member_id !== null && commercial) {
      const member: { marketing_consent: number | boolean } | undefined = await trx('members').select('marketing_consent').where('id', row.member_id).first();
      consent = member ? Boolean(member.marketing_consent) : null;
    }
    const recent =
      commercial && policy.frequencyCap.enabled
        ? ((await recentCommercialSends(trx, [row.recipient], now - policy.frequencyCap.windowDays * 86_400_000, Number(row.id))).get(row.recipient) ?? 0)
        : 0;
    // Sends after this one was queued count; queued ones ahead of it in the same run do not block it twice.
    const decision = this.sendPolicy(
      { category: row.category, recipient: row.recipient, marketingConsent: consent, automatic: Boolean(row.automatic) },
      { now, settings: policy, lists, recentCommercialSends: recent },
    );
    if (decision.allowed) return 'allowed';
    if (decision.deferUntil !== undefined) {
      await trx('outbox_messages').where('id', row.id).update({ due_at: decision.deferUntil, updated_at: now });
      return 'deferred';
    }
    await this.moveMessage(trx, row, 'blocked', { blocked_rule: decision.rule, error_code: 'POLICY_BLOCKED', error_message: decision.reason });
    return 'blocked';
  }

  /**
   * The part goes `sending` (committed) before its bytes go to the modem. One
   * conditional UPDATE: no read first. False when the part was withdrawn (its
   * message or batch cancelled) since it was claimed: it must not be sent.
   */
  async beginPart(partId: number, modemId: string): Promise<boolean> {
    const now = this.clock.now();
    const changed = await this.db('outbox_parts')
      .where({ id: partId, status: 'pending' })
      .update({ status: 'sending', modem_id: modemId, attempts: this.db.raw('attempts + 1'), sending_at: now, updated_at: now });
    if (Number(changed) === 1) return true;
    if ((await this.partRow(this.db, partId)).status === 'cancelled') return false;
    return this.refuseMove(partId, 'sending');
  }

  /**
   * A worker found the next part of its message withdrawn: the parts already
   * handed to a modem stay as they are, the message ends cancelled (unless
   * the cancel already moved it).
   */
  async settleWithdrawn(message: Pick<ClaimedMessage, 'id'>): Promise<void> {
    await this.db.transaction(async (trx) => {
      const row: MessageRow | undefined = await trx('outbox_messages').where('id', message.id).first();
      if (!row || row.status !== 'sending') return;
      const parts: PartRow[] = await trx('outbox_parts').where('message_id', message.id);
      if (parts.some((p) => p.status === 'sending')) return;
      await this.moveMessage(trx, row, 'cancelled', withdrawnFields(parts));
    });
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

  /** See CrashRecovery.recoverAfterRestart. */
  recoverAfterRestart(): Promise<{ unknown: number; requeued: number }> {
    return this.recovery.recoverAfterRestart();
  }

  /** See CrashRecovery.resolveUnknown. */
  resolveUnknown(actor: AuditActor, id: number, resolution: UnknownResolution): Promise<OutboxMessage> {
    return this.recovery.resolveUnknown(actor, id, resolution);
  }

  /** See StatusReports.store. */
  storeStatusReport(input: StatusReportInput): Promise<{ partId: number | null; messageStatus: MessageStatus | null }> {
    return this.reports.store(input);
  }

  async get(id: number): Promise<OutboxMessage> {
    const row: MessageRow | undefined = await this.db('outbox_messages').where('id', id).first();
    if (!row) throw new NotFoundError(`Message ${id}`);
    return toMessage(row);
  }

  /** A message with its parts and status reports: the timeline the outbox page shows. */
  async detail(id: number): Promise<{ message: OutboxMessage; parts: OutboxPart[]; reports: OutboxStatusReport[] }> {
    const row: MessageRow | undefined = await this.db('outbox_messages').where('id', id).first();
    if (!row) throw new NotFoundError(`Message ${id}`);
    const [message] = await this.foresee([row]);
    const parts: PartRow[] = await this.db('outbox_parts').where('message_id', id).orderBy('part_number');
    const reports = await this.reports.forParts(parts.map((p) => Number(p.id)));
    return { message: message!, parts: parts.map(toPart), reports };
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
    return { items: await this.foresee(rows), total: Number(countRow?.n ?? 0) };
  }

  /**
   * Waiting messages the policy would block if they were dispatched now (the
   * number opted out, was blacklisted, the member withdrew consent since they
   * were queued) carry `willBlock`: the page says so at once; the claim
   * blocks them when their turn comes. Deferrals (quiet hours) and the cap,
   * which depends on what goes out first, are left to the claim.
   */
  private async foresee(rows: MessageRow[]): Promise<OutboxMessage[]> {
    const messages = rows.map(toMessage);
    const waiting = rows.filter((r) => r.status === 'queued' || r.status === 'paused');
    if (waiting.length === 0) return messages;
    const now = this.clock.now();
    const policy = await this.settings.policy();
    const lists = await this.lookupLists([...new Set(waiting.map((r) => r.recipient))], now, this.db);
    const memberIds = [...new Set(waiting.filter((r) => r.member_id !== null && isCommercial(r.category)).map((r) => Number(r.member_id)))];
    const consent = new Map<number, boolean>();
    if (memberIds.length > 0) {
      const members: Array<{ id: number; marketing_consent: number | boolean }> = await this.db('members').select('id', 'marketing_consent').whereIn('id', memberIds);
      for (const m of members) consent.set(Number(m.id), Boolean(m.marketing_consent));
    }
    const byId = new Map(messages.map((m) => [m.id, m]));
    for (const row of waiting) {
      const decision = this.sendPolicy(
        {
          category: row.category,
          recipient: row.recipient,
          marketingConsent: row.member_id === null ? null : (consent.get(Number(row.member_id)) ?? null),
          automatic: Boolean(row.automatic),
        },
        { now, settings: policy, lists: lists.get(row.recipient) ?? NOT_LISTED, recentCommercialSends: 0 },
      );
      if (!decision.allowed && decision.deferUntil === undefined) byId.get(Number(row.id))!.willBlock = { rule: decision.rule, reason: decision.reason };
    }
    return messages;
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
      if (row.status !== 'queued' && row.status !== 'paused' && row.status !== 'sending') done += n;
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
    const final = FINAL_MESSAGE_STATUSES.includes(to);
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

/** Why a message ends cancelled, and how much of it had gone out before. */
export function withdrawnFields(parts: ReadonlyArray<{ status: string }>): Record<string, string> {
  const out = parts.filter((p) => p.status !== 'pending' && p.status !== 'cancelled').length;
  return {
    error_code: 'CANCELLED',
    error_message:
      out === 0 ? 'Cancelled before any modem had it.' : `Cancelled while being sent: ${out} of ${parts.length} parts had gone out; the rest were withdrawn.`,
  };
}

function sumBlocked(tally: EnqueueTally): number {
  let n = 0;
  for (const v of Object.values(tally.blocked)) n += v;
  return n;
}
