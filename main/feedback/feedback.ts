import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { SYSTEM_ACTOR, type AuditActor, type AuditLog } from '../auth/audit.js';
import type { Clock } from '../clock.js';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { Mail } from '../mail/mail.js';
import { consentColumns, recordConsentEvents } from '../members/consent.js';
import type { Messaging } from '../messaging/dispatcher/service.js';
import type { ConversationEntry } from '../messaging/inbox/inbox.js';
import type { NumberLists } from '../messaging/lists/lists.js';
import { normalizeMobile } from '../messaging/numbers.js';
import { localDate, localTimeOfDay, zoneOffset } from '../messaging/policy/local-time.js';
import type { Settings } from '../settings/settings.js';
import { digestMail, ticketForwardMail, type TicketForMail } from './mail-texts.js';
import { FEEDBACK_KINDS, type FeedbackKind, type FeedbackSettings } from './settings.js';
import { fillFeedbackText, KIND_WORDS, slaWords, ticketNumber } from './texts.js';

declare module '../events/bus.js' {
  interface ApplianceEvents {
    /** A ticket was created or changed: the feedback pages reload it. */
    'feedback.changed': { ticketId: number; number: string; change: 'created' | 'updated' | 'customer-text' | 'resolved' | 'closed' | 'satisfaction' };
  }
}

export const TICKET_STATES = ['new', 'in-progress', 'resolved', 'closed'] as const;
export type TicketState = (typeof TICKET_STATES)[number];

/** Where a ticket may go from each state (reopening a resolved or closed one included). */
const NEXT: Record<TicketState, readonly TicketState[]> = {
  new: ['in-progress', 'resolved', 'closed'],
  'in-progress': ['resolved', 'closed'],
  resolved: ['in-progress', 'closed'],
  closed: ['in-progress'],
};

export function canMove(from: TicketState, to: TicketState): boolean {
  return NEXT[from].includes(to);
}

export interface FeedbackTicket {
  id: number;
  number: string;
  kind: FeedbackKind;
  state: TicketState;
  mobile: string;
  memberId: number | null;
  memberName: string | null;
  conversationId: number | null;
  text: string;
  source: 'sms' | 'ui';
  assignee: { id: number; username: string; displayName: string } | null;
  dueAt: number;
  /** Open (new or in progress) past its due time, by the appliance's clock. */
  overdue: boolean;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  /** The customer texted again after the ticket was opened. */
  lastCustomerAt: number | null;
  resolvedAt: number | null;
  closedAt: number | null;
  resolution: string | null;
  resolutionMessageId: number | null;
  satisfaction: { state: 'none' | 'asked' | 'answered' | 'expired'; score: number | null; askedAt: number | null; answeredAt: number | null };
  blacklistedAt: number | null;
}

export interface FeedbackEvent {
  id: number;
  at: number;
  actor: string;
  kind: string;
  text: string | null;
  detail: Record<string, unknown> | null;
}

export interface TicketQuery {
  state?: TicketState | 'open' | undefined;
  kind?: FeedbackKind | undefined;
  overdue?: boolean | undefined;
  assigneeUserId?: number | undefined;
  /** Part of the number, the text or the customer's mobile. */
  q?: string | undefined;
  page: number;
  pageSize: number;
}

export interface FeedbackCounts {
  /** Open tickets nobody has started on (state new). */
  new: number;
  /** Open past their due time. */
  overdue: number;
  /** New and in progress. */
  open: number;
  /** Opened since the store's local midnight, whatever their state now. */
  newToday: number;
  openByKind: Record<FeedbackKind, number>;
}

/** One local day of feedback, for reports and charts. */
export interface FeedbackDay {
  date: string;
  created: number;
  byKind: Record<FeedbackKind, number>;
  resolved: number;
  closed: number;
  satisfactionAnswers: number;
  satisfactionAverage: number | null;
}

export interface FeedbackDeps {
  db: Knex;
  clock: Clock;
  audit: AuditLog;
  events: EventBus;
  logger: Logger;
  settings: Settings;
  lists: NumberLists;
  messaging: Messaging;
  mail: Pick<Mail, 'enqueue'>;
}

interface TicketRow {
  id: number;
  number: string;
  kind: FeedbackKind;
  state: TicketState;
  mobile: string;
  member_id: number | null;
  conversation_id: number | null;
  inbox_id: number | null;
  modem_id: string | null;
  text: string;
  source: 'sms' | 'ui';
  assignee_user_id: number | null;
  due_at: number | string;
  created_at: number | string;
  created_by: string;
  updated_at: number | string;
  last_customer_at: number | string | null;
  resolved_at: number | string | null;
  closed_at: number | string | null;
  resolution: string | null;
  ack_message_id: number | null;
  resolution_message_id: number | null;
  satisfaction_state: FeedbackTicket['satisfaction']['state'];
  satisfaction_score: number | null;
  satisfaction_asked_at: number | string | null;
  satisfaction_answered_at: number | string | null;
  blacklisted_at: number | string | null;
  member_name?: string | null;
  card_no?: string | null;
  assignee_username?: string | null;
  assignee_display_name?: string | null;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const OPEN: readonly TicketState[] = ['new', 'in-progress'];
const num = (v: number | string | null | undefined): number | null => (v === null || v === undefined ? null : Number(v));

/** The inbound text a ticket opened from: its row and where it came in. */
export interface TicketOrigin {
  mobile: string;
  text: string;
  kind: FeedbackKind;
  source: 'sms' | 'ui';
  inboxId: number | null;
  conversationId: number | null;
  modemId: string | null;
  memberId: number | null;
  createdBy: string;
}

/**
 * Feedback and complaints (意见反馈): tickets from texts that start with a feedback keyword or
 * that staff turn into one, their states (new → in progress → resolved → closed), assignee,
 * SLA due time by kind, notes and the SMS thread; the acknowledgement and resolution texts, the
 * one-question satisfaction check, the complaint's forward by mail and the daily digest, and
 * the one-click marketing blacklist for a complaining number.
 */
export class Feedback {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;

  constructor(private readonly deps: FeedbackDeps) {}

  private get db(): Knex {
    return this.deps.db;
  }

  private query(trx: Knex = this.db): Knex.QueryBuilder {
    return trx('feedback_tickets as t')
      .leftJoin('members as m', 'm.id', 't.member_id')
      .leftJoin('users as u', 'u.id', 't.assignee_user_id')
      .select('t.*', 'm.name as member_name', 'm.card_no as card_no', 'u.username as assignee_username', 'u.display_name as assignee_display_name');
  }

  private toTicket(row: TicketRow, now = this.deps.clock.now()): FeedbackTicket {
    const state = row.state;
    const dueAt = Number(row.due_at);
    return {
      id: Number(row.id),
      number: row.number,
      kind: row.kind,
      state,
      mobile: row.mobile,
      memberId: num(row.member_id),
      memberName: row.member_name ?? null,
      conversationId: num(row.conversation_id),
      text: row.text,
      source: row.source,
      assignee:
        row.assignee_user_id === null || !row.assignee_username
          ? null
          : { id: Number(row.assignee_user_id), username: row.assignee_username, displayName: row.assignee_display_name ?? '' },
      dueAt,
      overdue: OPEN.includes(state) && dueAt < now,
      createdAt: Number(row.created_at),
      createdBy: row.created_by,
      updatedAt: Number(row.updated_at),
      lastCustomerAt: num(row.last_customer_at),
      resolvedAt: num(row.resolved_at),
      closedAt: num(row.closed_at),
      resolution: row.resolution,
      resolutionMessageId: num(row.resolution_message_id),
      satisfaction: {
        state: row.satisfaction_state,
        score: num(row.satisfaction_score),
        askedAt: num(row.satisfaction_asked_at),
        answeredAt: num(row.satisfaction_answered_at),
      },
      blacklistedAt: num(row.blacklisted_at),
    };
  }

  private async zone(): Promise<string> {
    return (await this.deps.settings.get('policy')).timeZone;
  }

  /** Tells open pages a ticket changed (the inbound handler calls it once its transaction committed). */
  announce(ticketId: number, number: string, change: 'created' | 'updated' | 'customer-text' | 'resolved' | 'closed' | 'satisfaction'): void {
    this.deps.events.publish('feedback.changed', { ticketId, number, change }, 'feedback.read');
  }

  private async event(trx: Knex, ticketId: number, actor: string, kind: string, text: string | null = null, detail: Record<string, unknown> | null = null): Promise<void> {
    await trx('feedback_events').insert({ ticket_id: ticketId, at: this.deps.clock.now(), actor: actor.slice(0, 64), kind, text, detail: detail ? JSON.stringify(detail) : null });
  }

  // ---- reading ---------------------------------------------------------------

  async list(query: TicketQuery): Promise<{ items: FeedbackTicket[]; total: number }> {
    const now = this.deps.clock.now();
    const base = this.query();
    if (query.state === 'open') base.whereIn('t.state', OPEN);
    else if (query.state) base.where('t.state', query.state);
    if (query.kind) base.where('t.kind', query.kind);
    if (query.overdue) base.whereIn('t.state', OPEN).andWhere('t.due_at', '<', now);
    if (query.assigneeUserId !== undefined) base.where('t.assignee_user_id', query.assigneeUserId);
    const q = query.q?.trim();
    if (q) {
      const like = `%${q.replace(/[%_\\]/g, '')}%`;
      base.andWhere((w) => void w.where('t.number', 'like', like).orWhere('t.mobile', 'like', like).orWhere('t.text', 'like', like).orWhere('m.name', 'like', like));
    }
    const [countRow] = await base.clone().clearSelect().count<Array<{ n: number | string }>>({ n: '*' });
    // Open and overdue first (most urgent on top), then the newest.
    const rows: TicketRow[] = await base
      .clone()
      .orderByRaw(`CASE WHEN t.state IN ('new', 'in-progress') THEN 0 ELSE 1 END`)
      .orderByRaw(`CASE WHEN t.state IN ('new', 'in-progress') THEN t.due_at ELSE 0 END`)
      .orderBy('t.created_at', 'desc')
      .orderBy('t.id', 'desc')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize);
    return { items: rows.map((r) => this.toTicket(r, now)), total: Number(countRow?.n ?? 0) };
  }

  async get(id: number, trx: Knex = this.db): Promise<FeedbackTicket> {
    const row: TicketRow | undefined = await this.query(trx).where('t.id', id).first();
    if (!row) throw new NotFoundError(`Feedback ticket ${id}`);
    return this.toTicket(row);
  }

  async detail(id: number): Promise<{ ticket: FeedbackTicket; events: FeedbackEvent[]; thread: ConversationEntry[] }> {
    const ticket = await this.get(id);
    const events: Array<{ id: number; at: number | string; actor: string; kind: string; text: string | null; detail: string | null }> = await this.db('feedback_events')
      .where('ticket_id', id)
      .orderBy('at')
      .orderBy('id');
    return {
      ticket,
      events: events.map((e) => ({ id: Number(e.id), at: Number(e.at), actor: e.actor, kind: e.kind, text: e.text, detail: e.detail ? (JSON.parse(e.detail) as Record<string, unknown>) : null })),
      thread: await this.thread(ticket),
    };
  }

  /** The SMS thread: the number's texts in and out, from a week before the ticket until it closed. */
  async thread(ticket: FeedbackTicket): Promise<ConversationEntry[]> {
    if (ticket.conversationId !== null) {
      const { entries } = await this.deps.messaging.inbox.conversation(ticket.conversationId);
      const from = ticket.createdAt - 7 * DAY;
      const to = ticket.closedAt ?? Number.MAX_SAFE_INTEGER;
      return entries.filter((e) => e.at >= from && e.at <= to);
    }
    return [];
  }

  /** The dashboard's figures: open tickets (new, overdue, by kind) and what came in today (local day). */
  async counts(): Promise<FeedbackCounts> {
    const now = this.deps.clock.now();
    const zone = await this.zone();
    const todayStart = localMidnight(zone, localDate(zone, now));
    const rows: Array<{ state: TicketState; kind: FeedbackKind; overdue: number | string | null; n: number | string }> = await this.db('feedback_tickets')
      .select('state', 'kind')
      .select(this.db.raw('SUM(CASE WHEN due_at < ? THEN 1 ELSE 0 END) as overdue', [now]))
      .count({ n: '*' })
      .whereIn('state', OPEN)
      .groupBy('state', 'kind');
    const counts: FeedbackCounts = { new: 0, overdue: 0, open: 0, newToday: 0, openByKind: { complaint: 0, suggestion: 0, praise: 0, question: 0 } };
    for (const row of rows) {
      counts.open += Number(row.n);
      counts.overdue += Number(row.overdue ?? 0);
      counts.openByKind[row.kind] += Number(row.n);
      if (row.state === 'new') counts.new += Number(row.n);
    }
    const [today] = await this.db('feedback_tickets').where('created_at', '>=', todayStart).count<Array<{ n: number | string }>>({ n: '*' });
    counts.newToday = Number(today?.n ?? 0);
    return counts;
  }

  /**
   * Feedback per local day between two dates (inclusive, 'YYYY-MM-DD', at most 366 days): what
   * came in by kind, what was resolved and closed, the satisfaction answers. Days without any
   * feedback are there with zeros.
   */
  async daily(range: { from: string; to: string }): Promise<FeedbackDay[]> {
    const zone = await this.zone();
    const start = localMidnight(zone, range.from);
    const end = localMidnight(zone, range.to) + DAY + 2 * HOUR; // a DST day may be 25 h; dates are taken from each time below
    if (!(start <= end)) throw new ValidationError('The range runs backwards; swap from and to.');
    if (end - start > 367 * DAY) throw new ValidationError('Ask for at most a year of days at a time.');
    const days = new Map<string, FeedbackDay>();
    for (let at = start; ; at += DAY) {
      const date = localDate(zone, at + 12 * HOUR);
      if (date > range.to) break;
      days.set(date, { date, created: 0, byKind: { complaint: 0, suggestion: 0, praise: 0, question: 0 }, resolved: 0, closed: 0, satisfactionAnswers: 0, satisfactionAverage: null });
    }
    const within = (column: string) => (q: Knex.QueryBuilder) => void q.where(column, '>=', start).andWhere(column, '<', end);
    const created: Array<{ kind: FeedbackKind; created_at: number | string }> = await this.db('feedback_tickets').select('kind', 'created_at').modify(within('created_at'));
    for (const r of created) {
      const day = days.get(localDate(zone, Number(r.created_at)));
      if (!day) continue;
      day.created += 1;
      day.byKind[r.kind] += 1;
    }
    const resolved: Array<{ resolved_at: number | string }> = await this.db('feedback_tickets').select('resolved_at').modify(within('resolved_at'));
    for (const r of resolved) {
      const day = days.get(localDate(zone, Number(r.resolved_at)));
      if (day) day.resolved += 1;
    }
    const closed: Array<{ closed_at: number | string }> = await this.db('feedback_tickets').select('closed_at').modify(within('closed_at'));
    for (const r of closed) {
      const day = days.get(localDate(zone, Number(r.closed_at)));
      if (day) day.closed += 1;
    }
    const scores: Array<{ at: number | string; score: number }> = await this.db('feedback_tickets')
      .select('satisfaction_answered_at as at', 'satisfaction_score as score')
      .whereNotNull('satisfaction_score')
      .modify(within('satisfaction_answered_at'));
    const sums = new Map<string, number>();
    for (const r of scores) {
      const date = localDate(zone, Number(r.at));
      const day = days.get(date);
      if (!day) continue;
      day.satisfactionAnswers += 1;
      sums.set(date, (sums.get(date) ?? 0) + Number(r.score));
    }
    for (const [date, sum] of sums) {
      const day = days.get(date)!;
      day.satisfactionAverage = Math.round((sum / day.satisfactionAnswers) * 10) / 10;
    }
    return [...days.values()];
  }

  // ---- opening tickets -----------------------------------------------------------

  /** The open ticket of a number, if any (a second keyword text adds to it rather than opening another). */
  async openTicketOf(mobile: string, trx: Knex = this.db): Promise<FeedbackTicket | undefined> {
    const row: TicketRow | undefined = await this.query(trx).where('t.mobile', mobile).whereIn('t.state', OPEN).orderBy('t.id', 'desc').first();
    return row ? this.toTicket(row) : undefined;
  }

  /**
   * Opens a ticket in `trx`: its number (FK + local date + the day's sequence), due time from
   * the kind's SLA, the history's first entry, and — for the kinds forwarded by mail — a queued
   * mail to the "new complaints" recipients (a queue row only: a mail server never holds this up).
   */
  async open(trx: Knex, origin: TicketOrigin, settings: FeedbackSettings): Promise<FeedbackTicket> {
    const now = this.deps.clock.now();
    const zone = await this.zone();
    const prefix = ticketNumber(localDate(zone, now), 0).slice(0, -4);
    const last: { number: string } | undefined = await trx('feedback_tickets').select('number').where('number', 'like', `${prefix}%`).orderBy('number', 'desc').first();
    const sequence = last ? Number(last.number.slice(prefix.length)) + 1 : 1;
    const number = ticketNumber(localDate(zone, now), sequence);
    const memberId =
      origin.memberId ?? ((await trx('members').select('id').where('mobile', origin.mobile).whereNull('deleted_at').orderBy('id').first()) as { id: number } | undefined)?.id ?? null;
    const [inserted] = await trx('feedback_tickets')
      .insert({
        number,
        kind: origin.kind,
        state: 'new',
        mobile: origin.mobile,
        member_id: memberId,
        conversation_id: origin.conversationId,
        inbox_id: origin.inboxId,
        modem_id: origin.modemId,
        text: origin.text,
        source: origin.source,
        due_at: now + settings.slaHours[origin.kind] * HOUR,
        created_at: now,
        created_by: origin.createdBy.slice(0, 64),
        updated_at: now,
      })
      .returning('id');
    const id = Number(typeof inserted === 'object' ? (inserted as { id: number }).id : inserted);
    await this.event(trx, id, origin.createdBy, 'created', null, { kind: origin.kind, source: origin.source });
    const ticket = await this.get(id, trx);
    if (settings.forwardKinds.includes(origin.kind)) {
      const [storeName, language] = await Promise.all([this.deps.settings.get('storeName'), this.deps.settings.get('language')]);
      const mail = ticketForwardMail(await this.forMail(ticket, trx, zone), storeName, language);
      const queued = await this.deps.mail.enqueue({ purpose: 'complaints', ...mail }, { trx, key: `feedback-forward:${number}` });
      // Skipped (mail off, nobody receives complaints) is said as such: the history must not claim a forward.
      await this.event(trx, id, SYSTEM_ACTOR.username, queued.status === 'skipped' ? 'mail-skipped' : 'mail', null, { purpose: 'complaints', mailId: queued.id });
    }
    return ticket;
  }

  private async forMail(ticket: FeedbackTicket, trx: Knex, zone: string): Promise<TicketForMail> {
    const card = ticket.memberId === null ? undefined : ((await trx('members').select('card_no').where('id', ticket.memberId).first()) as { card_no: string | null } | undefined);
    return {
      number: ticket.number,
      kind: ticket.kind,
      state: ticket.state,
      mobile: ticket.mobile,
      memberName: ticket.memberName,
      cardNo: card?.card_no ?? null,
      text: ticket.text,
      createdAt: localDateTime(zone, ticket.createdAt),
      dueAt: localDateTime(zone, ticket.dueAt),
      assignee: ticket.assignee ? ticket.assignee.displayName || ticket.assignee.username : null,
    };
  }

  /** The acknowledgement text for a new ticket (our placeholders filled; the outbox adds the signature). */
  acknowledgementText(ticket: FeedbackTicket, settings: FeedbackSettings): string {
    return fillFeedbackText(settings.acknowledgement.text, { 编号: ticket.number, 类型: KIND_WORDS[ticket.kind], 时限: slaWords(settings.slaHours[ticket.kind]) });
  }

  /**
   * 转为反馈: staff turn a conversation (or a phone call, by number) into a ticket. The customer
   * gets the acknowledgement as a reply to their last text, unless staff say not to.
   */
  async create(actor: AuditActor, input: { conversationId?: number | undefined; mobile?: string | undefined; kind: FeedbackKind; text?: string | undefined; acknowledge?: boolean | undefined }): Promise<FeedbackTicket> {
    if (!FEEDBACK_KINDS.includes(input.kind)) throw new ValidationError(`The kind must be one of ${FEEDBACK_KINDS.join(', ')}.`, { field: 'kind' });
    let mobile: string;
    let conversationId: number | null = null;
    let lastIn: { id: number; text: string; modem_id: string } | undefined;
    if (input.conversationId !== undefined) {
      const conversation: { id: number; number: string } | undefined = await this.db('conversations').select('id', 'number').where('id', input.conversationId).first();
      if (!conversation) throw new NotFoundError(`Conversation ${input.conversationId}`);
      if (!conversation.number.startsWith('+')) throw new AppError('FEEDBACK_NOT_A_MOBILE', `${conversation.number} is not a mobile number; a ticket needs a number StoreMAS can answer.`, 400);
      mobile = conversation.number;
      conversationId = Number(conversation.id);
      lastIn = await this.db('inbox_messages').select('id', 'text', 'modem_id').where('conversation_id', conversationId).orderBy('id', 'desc').first();
    } else if (input.mobile) {
      mobile = normalizeMobile(input.mobile);
      const conversation: { id: number } | undefined = await this.db('conversations').select('id').where('number', mobile).first();
      conversationId = conversation ? Number(conversation.id) : null;
    } else {
      throw new ValidationError('Name the conversation to turn into a ticket, or the customer’s mobile.', { field: 'conversationId' });
    }
    const text = (input.text ?? lastIn?.text ?? '').trim();
    if (!text) throw new ValidationError('Write what the customer said: the ticket needs a text.', { field: 'text' });
    if ([...text].length > 5000) throw new ValidationError('A ticket’s text is at most 5000 characters.', { field: 'text' });
    const settings = await this.deps.settings.get('feedback');
    const ticket = await this.db.transaction(async (trx) => {
      const existing = await this.openTicketOf(mobile, trx);
      if (existing) throw new ConflictError('FEEDBACK_TICKET_OPEN', `${mobile} already has the open ticket ${existing.number}; add a note to it instead.`);
      const opened = await this.open(trx, { mobile, text, kind: input.kind, source: 'ui', inboxId: lastIn ? Number(lastIn.id) : null, conversationId, modemId: lastIn?.modem_id ?? null, memberId: null, createdBy: actor.username }, settings);
      await this.deps.audit.record(actor, 'feedback.create', `feedback:${opened.id}`, { number: opened.number, kind: opened.kind, mobile }, trx);
      return opened;
    });
    if (input.acknowledge !== false && settings.acknowledgement.enabled) {
      const result = await this.deps.messaging.outbox.enqueue(
        [{ number: mobile }],
        {
          text: this.acknowledgementText(ticket, settings),
          category: 'reply',
          source: 'feedback',
          replyModem: lastIn?.modem_id ?? null,
          inReplyTo: lastIn ? Number(lastIn.id) : null,
          batch: { label: `意见反馈 ${ticket.number}`, kind: 'feedback' },
          idempotencyPrefix: `feedback-ack:${ticket.id}`,
        },
        actor,
      );
      await this.db('feedback_tickets').where('id', ticket.id).update({ ack_message_id: result.messageIds[0] ?? null });
      await this.event(this.db, ticket.id, actor.username, 'acknowledged', null, { messageId: result.messageIds[0] ?? null, blocked: result.blocked });
      this.deps.messaging.poke();
    }
    this.announce(ticket.id, ticket.number, 'created');
    return this.get(ticket.id);
  }

  // ---- working on a ticket ---------------------------------------------------------

  /** Kind (the due time follows it, counted from the ticket's start) and assignee. */
  async update(actor: AuditActor, id: number, patch: { kind?: FeedbackKind | undefined; assigneeUserId?: number | null | undefined }): Promise<FeedbackTicket> {
    const settings = await this.deps.settings.get('feedback');
    const ticket = await this.db.transaction(async (trx) => {
      const current = await this.get(id, trx);
      const changes: Record<string, unknown> = {};
      const detail: Record<string, unknown> = {};
      if (patch.kind !== undefined && patch.kind !== current.kind) {
        if (!FEEDBACK_KINDS.includes(patch.kind)) throw new ValidationError(`The kind must be one of ${FEEDBACK_KINDS.join(', ')}.`, { field: 'kind' });
        changes.kind = patch.kind;
        changes.due_at = current.createdAt + settings.slaHours[patch.kind] * HOUR;
        detail.kind = { from: current.kind, to: patch.kind };
      }
      if (patch.assigneeUserId !== undefined && patch.assigneeUserId !== (current.assignee?.id ?? null)) {
        if (patch.assigneeUserId !== null) {
          const user: { id: number; disabled: number | boolean } | undefined = await trx('users').select('id', 'disabled').where('id', patch.assigneeUserId).first();
          if (!user) throw new NotFoundError(`User ${patch.assigneeUserId}`);
          if (user.disabled) throw new AppError('FEEDBACK_ASSIGNEE_DISABLED', 'That user is disabled; assign the ticket to someone who can sign in.', 400);
        }
        changes.assignee_user_id = patch.assigneeUserId;
        detail.assignee = patch.assigneeUserId;
      }
      if (Object.keys(changes).length === 0) return current;
      await trx('feedback_tickets').where('id', id).update({ ...changes, updated_at: this.deps.clock.now() });
      if (detail.kind) await this.event(trx, id, actor.username, 'kind', null, detail.kind as Record<string, unknown>);
      if ('assignee' in detail) await this.event(trx, id, actor.username, 'assigned', null, { userId: detail.assignee });
      await this.deps.audit.record(actor, 'feedback.update', `feedback:${id}`, detail, trx);
      return this.get(id, trx);
    });
    this.announce(ticket.id, ticket.number, 'updated');
    return ticket;
  }

  async addNote(actor: AuditActor, id: number, text: string): Promise<FeedbackTicket> {
    const note = text.trim();
    if (!note) throw new ValidationError('A note needs some text.', { field: 'text' });
    if ([...note].length > 2000) throw new ValidationError('A note is at most 2000 characters.', { field: 'text' });
    const ticket = await this.db.transaction(async (trx) => {
      const current = await this.get(id, trx);
      await this.event(trx, id, actor.username, 'note', note);
      await trx('feedback_tickets').where('id', id).update({ updated_at: this.deps.clock.now() });
      await this.deps.audit.record(actor, 'feedback.note', `feedback:${id}`, { number: current.number }, trx);
      return this.get(id, trx);
    });
    this.announce(ticket.id, ticket.number, 'updated');
    return ticket;
  }

  /** 开始处理 / 关闭 / 重新打开: the states other than resolved (which sends the resolution text). */
  async move(actor: AuditActor, id: number, to: 'in-progress' | 'closed', note?: string): Promise<FeedbackTicket> {
    const ticket = await this.db.transaction(async (trx) => {
      const current = await this.get(id, trx);
      if (!canMove(current.state, to)) {
        throw new AppError('FEEDBACK_STATE', `Ticket ${current.number} is ${current.state}; it cannot go to ${to} from there.`, 409, { from: current.state, to });
      }
      const now = this.deps.clock.now();
      const changes: Record<string, unknown> = { state: to, updated_at: now };
      if (to === 'closed') changes.closed_at = now;
      if (to === 'in-progress') changes.closed_at = null;
      // Taking a new ticket without an assignee makes it yours.
      if (to === 'in-progress' && current.assignee === null && actor.userId !== null) changes.assignee_user_id = actor.userId;
      await trx('feedback_tickets').where('id', id).update(changes);
      await this.event(trx, id, actor.username, 'state', note?.trim() || null, { from: current.state, to });
      await this.deps.audit.record(actor, to === 'closed' ? 'feedback.close' : 'feedback.update', `feedback:${id}`, { from: current.state, to }, trx);
      return this.get(id, trx);
    });
    this.announce(ticket.id, ticket.number, to === 'closed' ? 'closed' : 'updated');
    return ticket;
  }

  /**
   * 解决: the ticket is resolved and — unless staff say not to — the customer gets the resolution
   * text (a transactional ticket update through the modem their text came in on), with the
   * satisfaction question when it is on.
   */
  async resolve(actor: AuditActor, id: number, input: { resolution: string; notify?: boolean | undefined }): Promise<{ ticket: FeedbackTicket; messageId: number | null; blocked: Record<string, number> }> {
    const resolution = input.resolution.trim();
    if (!resolution) throw new ValidationError('Write how it was resolved: the customer reads it.', { field: 'resolution' });
    if ([...resolution].length > 300) throw new ValidationError('The resolution is at most 300 characters.', { field: 'resolution' });
    const current = await this.get(id);
    if (!canMove(current.state, 'resolved')) {
      throw new AppError('FEEDBACK_STATE', `Ticket ${current.number} is ${current.state}; only a new or in-progress ticket is resolved.`, 409, { from: current.state, to: 'resolved' });
    }
    const settings = await this.deps.settings.get('feedback');
    const row: { inbox_id: number | null; modem_id: string | null } = await this.db('feedback_tickets').select('inbox_id', 'modem_id').where('id', id).first();
    let messageId: number | null = null;
    let blocked: Record<string, number> = {};
    const ask = settings.satisfaction.enabled;
    if (input.notify !== false) {
      let text = fillFeedbackText(settings.resolutionText, { 编号: current.number, 处理结果: resolution });
      if (ask) text = `${text}${/[。！!？?]$/u.test(text) ? '' : '。'}${settings.satisfaction.question}`;
      // Queued first: a text that cannot be sent (too long, a placeholder) refuses the resolution before anything changes.
      const result = await this.deps.messaging.outbox.enqueue(
        [{ number: current.mobile, memberId: current.memberId }],
        {
          text,
          category: 'transactional',
          source: 'feedback',
          replyModem: row.modem_id,
          inReplyTo: row.inbox_id === null ? null : Number(row.inbox_id),
          batch: { label: `意见反馈 ${current.number}`, kind: 'feedback' },
        },
        actor,
      );
      messageId = result.queued + result.deferred > 0 ? (result.messageIds[0] ?? null) : null;
      blocked = result.blocked;
      this.deps.messaging.poke();
    }
    const ticket = await this.db.transaction(async (trx) => {
      const now = this.deps.clock.now();
      const changed = await trx('feedback_tickets')
        .where('id', id)
        .whereIn('state', OPEN)
        .update({
          state: 'resolved',
          resolution,
          resolved_at: now,
          resolution_message_id: messageId,
          satisfaction_state: messageId !== null && ask ? 'asked' : 'none',
          satisfaction_asked_at: messageId !== null && ask ? now : null,
          satisfaction_score: null,
          satisfaction_answered_at: null,
          updated_at: now,
        });
      if (Number(changed) === 0) throw new AppError('FEEDBACK_STATE', `Ticket ${current.number} changed meanwhile; reload it.`, 409);
      await this.event(trx, id, actor.username, 'resolved', resolution, { messageId, blocked, notified: input.notify !== false });
      await this.deps.audit.record(actor, 'feedback.resolve', `feedback:${id}`, { number: current.number, messageId, notified: input.notify !== false }, trx);
      return this.get(id, trx);
    });
    this.announce(ticket.id, ticket.number, 'resolved');
    return { ticket, messageId, blocked };
  }

  /**
   * 加入营销黑名单: the complaining number gets no more marketing or care texts (blacklist scope
   * marketing, source complaint); the member's consent is withdrawn and the consent record says
   * so. Replies and ticket updates still reach them.
   */
  async blacklist(actor: AuditActor, id: number): Promise<{ ticket: FeedbackTicket; change: 'added' | 'already' }> {
    const current = await this.get(id);
    let change: 'added' | 'already' = 'added';
    try {
      await this.deps.lists.add(actor, 'black', { mobile: current.mobile, scope: 'marketing', source: 'complaint', reason: `${KIND_WORDS[current.kind]} ${current.number}` });
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'LIST_ENTRY_EXISTS')) throw error;
      change = 'already';
    }
    const ticket = await this.db.transaction(async (trx) => {
      const now = this.deps.clock.now();
      await trx('feedback_tickets').where('id', id).update({ blacklisted_at: now, updated_at: now });
      const members: Array<{ id: number; marketing_consent: number | boolean }> = await trx('members').select('id', 'marketing_consent').where('mobile', current.mobile).whereNull('deleted_at');
      const consenting = members.filter((m) => Boolean(m.marketing_consent)).map((m) => Number(m.id));
      if (consenting.length > 0) await trx('members').whereIn('id', consenting).update({ ...consentColumns(false, 'staff', now), updated_at: now });
      const text = `${KIND_WORDS[current.kind]} ${current.number}`;
      await recordConsentEvents(
        trx,
        (members.length > 0 ? members.map((m) => Number(m.id)) : [null]).map((memberId) => ({ memberId, mobile: current.mobile, topicId: null, granted: false, source: 'complaint' as const, text, actor: actor.username, at: now })),
      );
      await this.event(trx, id, actor.username, 'blacklisted', null, { change });
      await this.deps.audit.record(actor, 'feedback.blacklist', `feedback:${id}`, { number: current.number, mobile: current.mobile, change }, trx);
      return this.get(id, trx);
    });
    this.announce(ticket.id, ticket.number, 'updated');
    return { ticket, change };
  }

  // ---- what the customer texts ---------------------------------------------------------

  /** A score for the ticket whose satisfaction question is open for this number, in `trx`. */
  async recordScore(trx: Knex, ticket: FeedbackTicket, score: number, inboxId: number): Promise<void> {
    const now = this.deps.clock.now();
    await trx('feedback_tickets').where('id', ticket.id).update({ satisfaction_state: 'answered', satisfaction_score: score, satisfaction_answered_at: now, updated_at: now });
    await this.event(trx, ticket.id, SYSTEM_ACTOR.username, 'satisfaction', null, { score, inboxId });
  }

  /** The customer texted again about an open ticket: it shows on the list and in the history. */
  async recordCustomerText(trx: Knex, ticket: FeedbackTicket, text: string, inboxId: number): Promise<void> {
    const now = this.deps.clock.now();
    await trx('feedback_tickets').where('id', ticket.id).update({ last_customer_at: now, updated_at: now });
    await this.event(trx, ticket.id, SYSTEM_ACTOR.username, 'customer-text', text.slice(0, 2000), { inboxId });
  }

  /** The ticket of this number asking for a score now (within its window), if any. */
  async askingScore(trx: Knex, mobile: string, windowDays: number): Promise<FeedbackTicket | undefined> {
    const since = this.deps.clock.now() - windowDays * DAY;
    const row: TicketRow | undefined = await this.query(trx).where({ 't.mobile': mobile, 't.satisfaction_state': 'asked' }).andWhere('t.satisfaction_asked_at', '>=', since).orderBy('t.satisfaction_asked_at', 'desc').first();
    return row ? this.toTicket(row) : undefined;
  }

  async byNumber(trx: Knex, number: string): Promise<FeedbackTicket | undefined> {
    const row: TicketRow | undefined = await this.query(trx).where('t.number', number).first();
    return row ? this.toTicket(row) : undefined;
  }

  // ---- the clock's work: auto-close, expired questions, the daily digest ---------------------

  start(): () => Promise<void> {
    this.timer = setInterval(() => void this.sweep(), 60_000);
    this.timer.unref();
    return () => this.stop();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.sweeping;
  }

  /** What is due by the clock; tests call it with a ManualClock. */
  async sweep(): Promise<void> {
    if (this.sweeping) return this.sweeping;
    this.sweeping = (async () => {
      try {
        const settings = await this.deps.settings.get('feedback');
        const now = this.deps.clock.now();
        await this.db('feedback_tickets')
          .where('satisfaction_state', 'asked')
          .andWhere('satisfaction_asked_at', '<', now - settings.satisfaction.windowDays * DAY)
          .update({ satisfaction_state: 'expired' });
        if (settings.autoCloseDays > 0) {
          const due: Array<{ id: number; number: string }> = await this.db('feedback_tickets').select('id', 'number').where('state', 'resolved').andWhere('resolved_at', '<', now - settings.autoCloseDays * DAY).limit(500);
          for (const t of due) {
            await this.db.transaction(async (trx) => {
              const changed = await trx('feedback_tickets').where({ id: t.id, state: 'resolved' }).update({ state: 'closed', closed_at: now, updated_at: now });
              if (Number(changed) > 0) await this.event(trx, Number(t.id), SYSTEM_ACTOR.username, 'state', null, { from: 'resolved', to: 'closed', auto: true });
            });
            this.announce(Number(t.id), t.number, 'closed');
          }
        }
        if (settings.digest.enabled) await this.digestIfDue(settings.digest.time);
      } catch (error) {
        this.deps.logger.warn({ err: error }, 'feedback sweep failed');
      }
    })();
    try {
      await this.sweeping;
    } finally {
      this.sweeping = undefined;
    }
  }

  /** Queues today's digest (about yesterday) once its time has come; one per day (the mail's key). */
  async digestIfDue(time: string): Promise<{ id: number; status: string } | undefined> {
    const zone = await this.zone();
    const now = this.deps.clock.now();
    const minutes = Math.floor(localTimeOfDay(zone, now) / 60_000);
    const [h, m] = time.split(':').map(Number) as [number, number];
    if (minutes < h * 60 + m) return undefined;
    const today = localDate(zone, now);
    const key = `feedback-digest:${today}`;
    if (await this.db('mail_messages').where('dedupe_key', key).first()) return undefined;
    return this.sendDigest(localDate(zone, localMidnight(zone, today) - 12 * HOUR), key);
  }

  /** The digest about one local day (yesterday, normally). */
  async sendDigest(date: string, key?: string): Promise<{ id: number; status: string }> {
    const zone = await this.zone();
    const [day] = await this.daily({ from: date, to: date });
    const counts = await this.counts();
    const now = this.deps.clock.now();
    const overdueRows: TicketRow[] = await this.query().whereIn('t.state', OPEN).andWhere('t.due_at', '<', now).orderBy('t.due_at').limit(50);
    const overdue = await Promise.all(overdueRows.map((r) => this.forMail(this.toTicket(r, now), this.db, zone)));
    const [storeName, language] = await Promise.all([this.deps.settings.get('storeName'), this.deps.settings.get('language')]);
    const mail = digestMail(
      {
        date,
        created: day?.byKind ?? { complaint: 0, suggestion: 0, praise: 0, question: 0 },
        resolved: day?.resolved ?? 0,
        open: counts.open,
        overdue,
        satisfaction: { answers: day?.satisfactionAnswers ?? 0, average: day?.satisfactionAverage ?? null },
      },
      storeName,
      language,
    );
    return this.deps.mail.enqueue({ purpose: 'feedback-digest', ...mail }, { key });
  }
}

/** Epoch ms of a local date's midnight in `zone`. */
export function localMidnight(zone: string, date: string): number {
  const wall = Date.parse(`${date}T00:00:00Z`);
  let at = wall - zoneOffset(zone, wall);
  at = wall - zoneOffset(zone, at);
  return at;
}

/** 2026-12-06 10:31 in `zone`. */
export function localDateTime(zone: string, at: number): string {
  const local = new Date(at + zoneOffset(zone, at)).toISOString();
  return `${local.slice(0, 10)} ${local.slice(11, 16)}`;
}
