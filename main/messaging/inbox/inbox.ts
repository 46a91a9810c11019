import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { AuditActor, AuditLog } from '../../auth/audit.js';
import type { Clock } from '../../clock.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import type { EventBus } from '../../events/bus.js';
import { tryNormalizeMobile } from '../numbers.js';
import { mayAutoAnswer, NOT_LISTED, type ListStatus } from '../policy/policy.js';
import type { PolicySettings } from '../policy/settings.js';
import type { Outbox } from '../outbox/outbox.js';
import { toMessage, type MessageRow, type OutboxMessage } from '../outbox/rows.js';

declare module '../../events/bus.js' {
  interface ApplianceEvents {
    /** A text came in (stored); the inbox page adds it to its conversation. */
    'inbox.message': { id: number; conversationId: number; sender: string; text: string; memberId: number | null };
    /** A conversation was marked handled or replied to. */
    'inbox.conversation': { id: number; unhandled: number };
  }
}

/** One inbound text as the modem layer hands it over, already reassembled. */
export interface InboundText {
  modemId: string;
  /** As the network gave it: '+8613800138000', '10086', an alphanumeric name … */
  sender: string;
  text: string;
  /** SCTS: when the service centre took the message. */
  sentAt?: number | null;
  /** Reassembly gave up waiting for a part: the text is what arrived. */
  partial?: boolean;
  /** The modem's stable key for this message (the same text read twice after a crash has the same key). */
  key?: string;
}

export interface StoredInbound {
  id: number;
  conversationId: number;
  modemId: string;
  sender: string;
  text: string;
  memberId: number | null;
  receivedAt: number;
}

/**
 * What a handler may use. The chain runs in one transaction: whatever a
 * handler writes commits together with the text being marked processed, so a
 * crash never leaves a text half handled, and a text is handled once.
 */
export interface InboundTools {
  /** The sender's list status (after this chain's own opt-out, if any). */
  readonly lists: ListStatus;
  policy: PolicySettings;
  /** False for numbers on the inbound or full blacklist: stored, never answered automatically. */
  mayAutoAnswer: boolean;
  storeName: string;
  /** The chain's transaction, for a handler's own rows. */
  trx: Knex;
  /** Blacklists the sender for marketing (an SMS opt-out). */
  optOut(): Promise<'added' | 'updated' | 'unchanged'>;
  /** An automatic answer to this text through the modem it came in on (hourly limit per number and policy apply). */
  autoReply(text: string, rule: string): Promise<{ messageId: number | null; blockedRule: string | null }>;
  /** Runs `action` once the chain's transaction has committed (live events about rows a handler wrote). */
  afterCommit(action: () => void): void;
}

/**
 * Where each capability's handler sits in the inbound chain, first to last. A general TD/退订
 * opts out before anything else; a topic command (DY 促销 / TD 促销) before a survey takes the
 * text as an answer; an open survey session before an invitation's RSVP; feedback keywords
 * (投诉, 建议 …) before the keyword services and their help reply, which come last.
 */
export const INBOUND_ORDER = {
  optOut: 0,
  subscriptions: 10,
  surveys: 20,
  invitations: 30,
  feedback: 40,
  integrations: 50,
  keywordServices: 100,
} as const;

/**
 * One link of the inbound chain. Opt-out is the first; keyword services plug in
 * after it. `handled` stops the chain and records the handler's name on the text.
 */
export interface InboundHandler {
  readonly name: string;
  /**
   * Optional reading before the chain's transaction, which holds the only
   * database connection: a handler that asks other services (which query on
   * their own) does it here; the result comes back as `handle`'s `prepared`.
   */
  prepare?(message: StoredInbound): Promise<unknown>;
  handle(message: StoredInbound, tools: InboundTools, prepared?: unknown): Promise<'handled' | 'pass'>;
}

export interface ConversationSummary {
  id: number;
  number: string;
  memberId: number | null;
  memberName: string | null;
  lastModemId: string | null;
  lastText: string;
  lastAt: number;
  unhandled: number;
  handledAt: number | null;
  handledBy: string | null;
}

export type ConversationEntry =
  | { direction: 'in'; id: number; text: string; at: number; modemId: string; partial: boolean; handledByRule: string | null }
  | { direction: 'out'; id: number; text: string; at: number; message: OutboxMessage };

interface ConversationRow {
  id: number;
  number: string;
  member_id: number | null;
  last_modem_id: string | null;
  last_text: string;
  last_at: number | string;
  unhandled: number;
  handled_at: number | string | null;
  handled_by: string | null;
  member_name?: string | null;
}

interface InboxRow {
  id: number;
  conversation_id: number;
  sender: string;
  text: string;
  modem_id: string;
  member_id: number | null;
  sent_at: number | string | null;
  received_at: number | string;
  partial: number | boolean;
  handled_by_rule: string | null;
  processed_at: number | string | null;
}

function toStored(row: InboxRow): StoredInbound {
  return {
    id: Number(row.id),
    conversationId: Number(row.conversation_id),
    modemId: row.modem_id,
    sender: row.sender,
    text: row.text,
    memberId: row.member_id === null ? null : Number(row.member_id),
    receivedAt: Number(row.received_at),
  };
}

function toConversation(row: ConversationRow): ConversationSummary {
  return {
    id: Number(row.id),
    number: row.number,
    memberId: row.member_id === null ? null : Number(row.member_id),
    memberName: row.member_name ?? null,
    lastModemId: row.last_modem_id,
    lastText: row.last_text,
    lastAt: Number(row.last_at),
    unhandled: Number(row.unhandled),
    handledAt: row.handled_at === null ? null : Number(row.handled_at),
    handledBy: row.handled_by,
  };
}

/**
 * The inbox (收件箱): every inbound text is a committed row before the modem
 * may delete it from the SIM (storeInbound resolves only after the commit), it
 * is matched to a member by number and grouped into a conversation per number;
 * then the handler chain runs. A text stored but not yet processed when the
 * appliance stopped is processed at the next start.
 */
export class Inbox {
  private readonly handlers: InboundHandler[] = [];
  private readonly order = new Map<InboundHandler, number>();

  constructor(
    private readonly db: Knex,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly events: EventBus,
    private readonly logger: Logger,
    private readonly outbox: Outbox,
    private readonly deps: {
      policy(): Promise<PolicySettings>;
      storeName(): Promise<string>;
      lookupLists(numbers: readonly string[], now: number, trx: Knex): Promise<Map<string, ListStatus>>;
      /** NumberLists.optOut: the sender's status was read in `trx` already; `message` is the text that asked (the consent record keeps it). */
      optOut(mobile: string, current: ListStatus, trx: Knex, message: StoredInbound): Promise<{ change: 'added' | 'updated' | 'unchanged'; status: ListStatus }>;
      /** Called after an automatic answer was queued, so the dispatcher wakes. */
      onQueued?: () => void;
    },
  ) {}

  /**
   * Adds a handler to the chain at its place (`INBOUND_ORDER`; equal places keep the order they
   * were added in); returns its removal. The chain stops at the first handler that says handled.
   */
  use(handler: InboundHandler, order: number = INBOUND_ORDER.keywordServices): () => void {
    this.order.set(handler, order);
    const at = this.handlers.findIndex((h) => (this.order.get(h) ?? 0) > order);
    this.handlers.splice(at < 0 ? this.handlers.length : at, 0, handler);
    return () => {
      const index = this.handlers.indexOf(handler);
      if (index >= 0) this.handlers.splice(index, 1);
      this.order.delete(handler);
    };
  }

  /**
   * Stores one inbound text durably and returns once it is committed. Storing
   * the same text twice (the modem re-read it after a restart before deleting
   * it) returns the first row. The handler chain runs afterwards.
   */
  async storeInbound(text: InboundText): Promise<{ id: number; duplicate: boolean }> {
    const stored = await this.write(text);
    if (!stored.duplicate) {
      void this.processStored(stored.stored).catch((error: unknown) => this.logger.error({ err: error, inboxId: stored.id }, 'inbound handlers failed'));
    }
    return { id: stored.id, duplicate: stored.duplicate };
  }

  /** Stores without running the chain; `process` runs it (the benchmark times both halves). */
  async write(text: InboundText): Promise<{ id: number; duplicate: boolean; stored: StoredInbound }> {
    if (!text.modemId) throw new ValidationError('An inbound text needs the modem it came in on.');
    const now = this.clock.now();
    const sender = tryNormalizeMobile(text.sender) ?? text.sender.trim().slice(0, 24);
    const dedupeKey = createHash('sha256')
      .update(text.key !== undefined ? `${text.modemId}\u0000${text.key}` : `${text.modemId}\u0000${sender}\u0000${text.sentAt ?? ''}\u0000${text.text}`)
      .digest('hex')
      .slice(0, 40);
    const result = await this.db.transaction(async (trx) => {
      const existing: InboxRow | undefined = await trx('inbox_messages').where('dedupe_key', dedupeKey).first();
      if (existing) return { row: existing, duplicate: true };
      const member: { id: number } | undefined = await trx('members').select('id').where('mobile', sender).whereNull('deleted_at').first();
      const memberId = member ? Number(member.id) : null;
      // One upsert per text: a new number opens its conversation, a known one counts one more unhandled text.
      const [upserted] = await trx('conversations')
        .insert({ number: sender, member_id: memberId, last_modem_id: text.modemId, last_text: text.text.slice(0, 500), last_at: now, unhandled: 1 })
        .onConflict('number')
        .merge({
          member_id: memberId,
          last_modem_id: text.modemId,
          last_text: text.text.slice(0, 500),
          last_at: now,
          unhandled: trx.raw('?? + 1', ['conversations.unhandled']),
          handled_at: null,
          handled_by: null,
        })
        .returning('id');
      const conversation = { id: Number(typeof upserted === 'object' ? (upserted as { id: number }).id : upserted) };
      const values = {
        conversation_id: conversation.id,
        sender,
        text: text.text,
        modem_id: text.modemId,
        member_id: memberId,
        sent_at: text.sentAt ?? null,
        received_at: now,
        partial: text.partial === true,
      };
      const [insertedId] = await trx('inbox_messages')
        .insert({ ...values, dedupe_key: dedupeKey })
        .returning('id');
      const id = Number(typeof insertedId === 'object' ? (insertedId as { id: number }).id : insertedId);
      const row: InboxRow = { id, ...values, handled_by_rule: null, processed_at: null };
      return { row, duplicate: false };
    });
    const stored = toStored(result.row);
    if (!result.duplicate) {
      this.events.publish(
        'inbox.message',
        { id: stored.id, conversationId: stored.conversationId, sender: stored.sender, text: stored.text, memberId: stored.memberId },
        'messages.read',
      );
    }
    return { id: stored.id, duplicate: result.duplicate, stored };
  }

  /** Runs the handler chain on one stored text, once. */
  async process(id: number): Promise<string | null> {
    const row: InboxRow | undefined = await this.db('inbox_messages').where('id', id).first();
    if (!row || row.processed_at !== null) return row?.handled_by_rule ?? null;
    return this.processStored(toStored(row));
  }

  /**
   * The chain for a text just written (no need to read it back), in one
   * transaction with the processed mark: the sender's lists are read once and
   * handed to the opt-out and the answer, so the usual opt-out costs one read,
   * four writes and one commit.
   */
  async processStored(message: StoredInbound): Promise<string | null> {
    const [policy, storeName] = await Promise.all([this.deps.policy(), this.deps.storeName()]);
    const committed: Array<() => void> = [];
    const prepared = new Map<InboundHandler, unknown>();
    for (const link of this.handlers) if (link.prepare) prepared.set(link, await link.prepare(message));
    const handledBy = await this.db.transaction(async (trx) => {
      const now = this.clock.now();
      let lists = (await this.deps.lookupLists([message.sender], now, trx)).get(message.sender) ?? NOT_LISTED;
      const tools: InboundTools = {
        get lists() {
          return lists;
        },
        policy,
        storeName,
        mayAutoAnswer: mayAutoAnswer(lists, now),
        trx,
        optOut: async () => {
          const result = await this.deps.optOut(message.sender, lists, trx, message);
          lists = result.status;
          return result.change;
        },
        autoReply: (text, rule) =>
          this.outbox.enqueueAutoReply(message.sender, text, { modemId: message.modemId, inboxId: message.id, rule }, trx, lists),
        afterCommit: (action) => void committed.push(action),
      };
      let handler: string | null = null;
      for (const link of this.handlers) {
        if ((await link.handle(message, tools, prepared.get(link))) === 'handled') {
          handler = link.name;
          break;
        }
      }
      await trx('inbox_messages').where({ id: message.id, processed_at: null }).update({ processed_at: this.clock.now(), handled_by_rule: handler });
      return handler;
    });
    for (const action of committed) {
      try {
        action();
      } catch (error) {
        this.logger.warn({ err: error, inboxId: message.id }, 'an inbound handler’s after-commit action failed');
      }
    }
    if (handledBy) this.deps.onQueued?.();
    return handledBy;
  }

  /** Texts stored but not processed when the appliance stopped. */
  async processPending(): Promise<number> {
    const rows: Array<{ id: number }> = await this.db('inbox_messages').select('id').whereNull('processed_at').orderBy('id').limit(10_000);
    for (const row of rows) await this.process(Number(row.id));
    return rows.length;
  }

  async conversations(query: { q?: string | undefined; unhandledOnly?: boolean | undefined; page: number; pageSize: number }): Promise<{
    items: ConversationSummary[];
    total: number;
  }> {
    const base = this.db('conversations as c');
    if (query.unhandledOnly) base.where('c.unhandled', '>', 0);
    const q = query.q?.trim();
    if (q) {
      const like = `%${q.replace(/[%_]/g, '')}%`;
      base.andWhere((w) => w.where('c.number', 'like', like).orWhere('c.last_text', 'like', like));
    }
    const [countRow] = await base.clone().count<Array<{ n: number | string }>>({ n: '*' });
    const rows: ConversationRow[] = await base
      .clone()
      .leftJoin('members as m', 'm.id', 'c.member_id')
      .select('c.*', 'm.name as member_name')
      .orderBy('c.last_at', 'desc')
      .orderBy('c.id', 'desc')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize);
    return { items: rows.map(toConversation), total: Number(countRow?.n ?? 0) };
  }

  async conversation(id: number): Promise<{ conversation: ConversationSummary; entries: ConversationEntry[] }> {
    const row: ConversationRow | undefined = await this.db('conversations as c')
      .leftJoin('members as m', 'm.id', 'c.member_id')
      .select('c.*', 'm.name as member_name')
      .where('c.id', id)
      .first();
    if (!row) throw new NotFoundError(`Conversation ${id}`);
    const inbound: InboxRow[] = await this.db('inbox_messages').where('conversation_id', id).orderBy('received_at', 'desc').limit(200);
    const outbound: MessageRow[] = await this.db('outbox_messages').where('recipient', row.number).whereNot('status', 'blocked').orderBy('created_at', 'desc').limit(200);
    const entries: ConversationEntry[] = [
      ...inbound.map(
        (r): ConversationEntry => ({
          direction: 'in',
          id: Number(r.id),
          text: r.text,
          at: Number(r.received_at),
          modemId: r.modem_id,
          partial: Boolean(r.partial),
          handledByRule: r.handled_by_rule,
        }),
      ),
      ...outbound.map((r): ConversationEntry => ({ direction: 'out', id: Number(r.id), text: r.text, at: Number(r.created_at), message: toMessage(r) })),
    ].sort((a, b) => a.at - b.at || (a.direction === 'in' ? -1 : 1));
    return { conversation: toConversation(row), entries };
  }

  /** An operator's reply, sent through the modem the last text came in on. */
  async reply(actor: AuditActor, conversationId: number, text: string): Promise<{ messageId: number | null; blocked: Record<string, number> }> {
    const { conversation } = await this.conversation(conversationId);
    const lastIn: { id: number } | undefined = await this.db('inbox_messages').select('id').where('conversation_id', conversationId).orderBy('id', 'desc').first();
    const result = await this.outbox.enqueue(
      [{ number: conversation.number }],
      {
        text,
        category: 'reply',
        source: 'ui',
        batch: { label: text, kind: 'reply' },
        replyModem: conversation.lastModemId,
        inReplyTo: lastIn ? Number(lastIn.id) : null,
      },
      actor,
    );
    await this.markHandled(actor, conversationId);
    this.deps.onQueued?.();
    return { messageId: result.queued + result.deferred > 0 ? (result.messageIds[0] ?? null) : null, blocked: result.blocked };
  }

  async markHandled(actor: AuditActor, conversationId: number): Promise<void> {
    await this.db.transaction(async (trx) => {
      const changed = await trx('conversations')
        .where('id', conversationId)
        .update({ unhandled: 0, handled_at: this.clock.now(), handled_by: actor.username });
      if (Number(changed) === 0) throw new NotFoundError(`Conversation ${conversationId}`);
      await this.audit.record(actor, 'inbox.handled', String(conversationId), null, trx);
    });
    this.events.publish('inbox.conversation', { id: conversationId, unhandled: 0 }, 'messages.read');
  }
}
