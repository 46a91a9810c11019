import type { Knex } from 'knex';
import { SYSTEM_ACTOR, type AuditActor, type AuditLog } from '../auth/audit.js';
import type { Clock } from '../clock.js';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import { foldText } from '../sms-services/fold.js';
import { tryNormalizeMobile } from '../messaging/numbers.js';
import type { Recipient } from '../messaging/outbox/enqueue.js';
import { queriedMembers } from '../messaging/outbox/recipients.js';
import { consentColumns, recordConsentEvents, type ConsentEventSource } from '../members/consent.js';
import type { Members } from '../members/members.js';
import { readTableFile } from '../members/table-file.js';

declare module '../events/bus.js' {
  interface ApplianceEvents {
    /** Topics or a member's subscriptions changed (UI, text, import): open pages reload. */
    'subscriptions.changed': { memberIds: number[]; topicId: number | null };
  }
}

export interface Topic {
  id: number;
  name: string;
  /** What customers text after DY / TD. */
  keyword: string;
  description: string;
  /** 'magazine': the 电子杂志 goes to this topic's subscribers. */
  role: string | null;
  active: boolean;
  sortOrder: number;
  subscribers: number;
}

export interface TopicInput {
  name: string;
  keyword: string;
  description?: string | undefined;
  active?: boolean | undefined;
  sortOrder?: number | undefined;
}

export interface MemberSubscription {
  topicId: number;
  topicName: string;
  keyword: string;
  active: boolean;
  /** null: the member never chose. */
  subscribed: boolean | null;
  source: string | null;
  changedAt: number | null;
}

export interface ConsentHistoryEntry {
  id: number;
  at: number;
  /** null: general marketing consent (营销). */
  topicId: number | null;
  topicName: string | null;
  granted: boolean;
  source: ConsentEventSource;
  text: string | null;
  inboxId: number | null;
  actor: string;
}

export interface SubscriptionImportProblem {
  row: number;
  input: string;
  code: 'INVALID_NUMBER' | 'NOT_A_MEMBER' | 'UNKNOWN_TOPIC' | 'INVALID_CHOICE';
  message: string;
}

export interface SubscriptionImportReport {
  rows: number;
  good: number;
  subscribed: number;
  unsubscribed: number;
  errors: SubscriptionImportProblem[];
  committed: boolean;
}

export interface SubscriptionsDeps {
  db: Knex;
  clock: Clock;
  audit: AuditLog;
  events: EventBus;
  members: Members;
}

interface TopicRow {
  id: number;
  name: string;
  keyword: string;
  keyword_key: string;
  description: string;
  role: string | null;
  active: number | boolean;
  sort_order: number;
}

const TRUE_WORDS = new Set(['是', '1', 'y', 'yes', 'true', 'dy', '订阅', '同意']);
const FALSE_WORDS = new Set(['否', '0', 'n', 'no', 'false', 'td', '退订', '不同意']);
const HEADERS = { mobile: ['手机号', '手机', 'mobile', 'phone'], topic: ['主题', '订阅主题', 'topic'], subscribed: ['订阅', '是否订阅', 'subscribed'], note: ['备注', 'note'] };
const MAX_IMPORT_ERRORS = 500;

/** A topic's keyword as customers type it, folded, to compare and to keep unique. */
export function keywordKey(keyword: string): string {
  return foldText(keyword, 16).replace(/\s+/g, '');
}

function toTopic(row: TopicRow, subscribers: number): Topic {
  return {
    id: Number(row.id),
    name: row.name,
    keyword: row.keyword,
    description: row.description,
    role: row.role,
    active: Boolean(row.active),
    sortOrder: Number(row.sort_order),
    subscribers,
  };
}

/**
 * Subscriptions (订阅): topics members choose themselves — by text (DY 促销 / TD 促销), in the
 * UI or by import — and the consent record behind them. Every change writes a consent event
 * with the time, source and the text that caused it, in the same transaction as the change.
 * A topic's subscribers are a MemberFilter (`subscribedTo`), so campaigns and the 电子杂志
 * reach exactly them through the outbox, where consent, opt-out and blacklist still apply.
 */
export class Subscriptions {
  constructor(private readonly deps: SubscriptionsDeps) {}

  private get db(): Knex {
    return this.deps.db;
  }

  // ---- topics ----------------------------------------------------------------

  async topics(options: { activeOnly?: boolean } = {}, trx: Knex = this.db): Promise<Topic[]> {
    const q = trx('subscription_topics').select('*').orderBy('sort_order').orderBy('id');
    if (options.activeOnly) q.where('active', true);
    const rows: TopicRow[] = await q;
    const counts: Array<{ topic_id: number; n: number | string }> = await trx('member_subscriptions as s')
      .join('members as m', 'm.id', 's.member_id')
      .whereNull('m.deleted_at')
      .where('s.subscribed', true)
      .select('s.topic_id')
      .count({ n: '*' })
      .groupBy('s.topic_id');
    const byTopic = new Map(counts.map((c) => [Number(c.topic_id), Number(c.n)]));
    return rows.map((row) => toTopic(row, byTopic.get(Number(row.id)) ?? 0));
  }

  async topic(id: number, trx: Knex = this.db): Promise<Topic> {
    const found = (await this.topics({}, trx)).find((t) => t.id === id);
    if (!found) throw new NotFoundError(`Subscription topic ${id}`);
    return found;
  }

  /** The topic a feature relies on (the 电子杂志's), or undefined when it was removed from the role. */
  async topicByRole(role: 'magazine'): Promise<Topic | undefined> {
    return (await this.topics()).find((t) => t.role === role);
  }

  private checkTopic(input: Partial<TopicInput>): Record<string, unknown> {
    const values: Record<string, unknown> = {};
    if (input.name !== undefined) {
      const name = input.name.trim();
      if (!name || [...name].length > 40) throw new ValidationError('A topic name is 1 to 40 characters, such as 促销信息.', { field: 'name' });
      values.name = name;
    }
    if (input.keyword !== undefined) {
      const keyword = input.keyword.trim();
      const key = keywordKey(keyword);
      if (!key || [...keyword].length > 8 || /\s/.test(keyword)) {
        throw new ValidationError('A topic keyword is one word of 1 to 8 characters that customers text after DY, such as 促销.', { field: 'keyword' });
      }
      if (/^(dy|td|t|n|订阅|退订)$/.test(key)) throw new ValidationError(`"${keyword}" is a command word itself; choose another keyword.`, { field: 'keyword' });
      values.keyword = keyword;
      values.keyword_key = key;
    }
    if (input.description !== undefined) {
      const description = input.description.trim();
      if ([...description].length > 200) throw new ValidationError('A topic description is at most 200 characters.', { field: 'description' });
      values.description = description;
    }
    if (input.active !== undefined) values.active = input.active;
    if (input.sortOrder !== undefined) values.sort_order = input.sortOrder;
    return values;
  }

  private async keywordTaken(trx: Knex, key: string, exceptId: number | null): Promise<void> {
    const q = trx('subscription_topics').select('id', 'name').where('keyword_key', key);
    if (exceptId !== null) q.whereNot('id', exceptId);
    const other: { id: number; name: string } | undefined = await q.first();
    if (other) throw new ConflictError('TOPIC_KEYWORD_TAKEN', `The keyword is already the topic “${other.name}”'s; choose another.`);
  }

  async createTopic(actor: AuditActor, input: TopicInput): Promise<Topic> {
    const values = this.checkTopic(input);
    if (values.name === undefined || values.keyword === undefined) throw new ValidationError('A topic needs a name and a keyword.');
    const now = this.deps.clock.now();
    const id = await this.db.transaction(async (trx) => {
      await this.keywordTaken(trx, values.keyword_key as string, null);
      const [max] = (await trx('subscription_topics').max({ n: 'sort_order' })) as Array<{ n: number | null }>;
      const [inserted] = await trx('subscription_topics')
        .insert({ description: '', active: true, sort_order: Number(max?.n ?? 0) + 1, ...values, created_at: now, updated_at: now })
        .returning('id');
      const newId = Number(typeof inserted === 'object' ? (inserted as { id: number }).id : inserted);
      await this.deps.audit.record(actor, 'subscriptions.topic.create', `topic:${newId}`, { name: values.name, keyword: values.keyword }, trx);
      return newId;
    });
    this.deps.events.publish('subscriptions.changed', { memberIds: [], topicId: id }, 'members.read');
    return this.topic(id);
  }

  async updateTopic(actor: AuditActor, id: number, input: Partial<TopicInput>): Promise<Topic> {
    const values = this.checkTopic(input);
    await this.db.transaction(async (trx) => {
      const row: TopicRow | undefined = await trx('subscription_topics').where('id', id).first();
      if (!row) throw new NotFoundError(`Subscription topic ${id}`);
      if (values.keyword_key !== undefined) await this.keywordTaken(trx, values.keyword_key as string, id);
      if (row.role === 'magazine' && values.active === false) {
        throw new AppError('TOPIC_IN_USE', `“${row.name}” is the 电子杂志's topic: its subscribers receive each issue. Switch the magazine's schedule off instead.`, 409);
      }
      await trx('subscription_topics').where('id', id).update({ ...values, updated_at: this.deps.clock.now() });
      const { keyword_key: _key, ...shown } = values;
      await this.deps.audit.record(actor, 'subscriptions.topic.update', `topic:${id}`, shown, trx);
    });
    this.deps.events.publish('subscriptions.changed', { memberIds: [], topicId: id }, 'members.read');
    return this.topic(id);
  }

  // ---- a member's subscriptions and consent record ---------------------------

  async ofMember(memberId: number): Promise<MemberSubscription[]> {
    const rows: Array<TopicRow & { subscribed: number | boolean | null; source: string | null; changed_at: number | string | null }> = await this.db('subscription_topics as t')
      .leftJoin('member_subscriptions as s', (j) => void j.on('s.topic_id', 't.id').andOn('s.member_id', this.db.raw('?', [memberId])))
      .select('t.*', 's.subscribed', 's.source', 's.changed_at')
      .orderBy('t.sort_order')
      .orderBy('t.id');
    return rows
      .filter((r) => Boolean(r.active) || r.subscribed !== null)
      .map((r) => ({
        topicId: Number(r.id),
        topicName: r.name,
        keyword: r.keyword,
        active: Boolean(r.active),
        subscribed: r.subscribed === null ? null : Boolean(r.subscribed),
        source: r.source,
        changedAt: r.changed_at === null ? null : Number(r.changed_at),
      }));
  }

  /** The consent record of a member (and of their number before they were one), newest first. */
  async consentHistory(memberId: number, page = 1, pageSize = 50): Promise<{ items: ConsentHistoryEntry[]; total: number }> {
    const member: { mobile: string | null } | undefined = await this.db('members').select('mobile').where('id', memberId).first();
    if (!member) throw new NotFoundError(`Member #${memberId}`);
    const base = this.db('consent_events as e').where((w) => {
      void w.where('e.member_id', memberId);
      if (member.mobile) void w.orWhere((n) => void n.whereNull('e.member_id').andWhere('e.mobile', member.mobile));
    });
    const [countRow] = await base.clone().count<Array<{ n: number | string }>>({ n: '*' });
    const rows: Array<{ id: number; at: number | string; topic_id: number | null; topic_name: string | null; granted: number | boolean; source: ConsentEventSource; text: string | null; inbox_id: number | null; actor: string }> =
      await base
        .clone()
        .leftJoin('subscription_topics as t', 't.id', 'e.topic_id')
        .select('e.id', 'e.at', 'e.topic_id', 't.name as topic_name', 'e.granted', 'e.source', 'e.text', 'e.inbox_id', 'e.actor')
        .orderBy('e.at', 'desc')
        .orderBy('e.id', 'desc')
        .limit(pageSize)
        .offset((page - 1) * pageSize);
    return {
      items: rows.map((r) => ({
        id: Number(r.id),
        at: Number(r.at),
        topicId: r.topic_id === null ? null : Number(r.topic_id),
        topicName: r.topic_name,
        granted: Boolean(r.granted),
        source: r.source,
        text: r.text,
        inboxId: r.inbox_id === null ? null : Number(r.inbox_id),
        actor: r.actor,
      })),
      total: Number(countRow?.n ?? 0),
    };
  }

  /**
   * Sets members' subscriptions in `trx`, writing a consent event for each real change.
   * Returns the member ids whose subscription changed.
   */
  async apply(
    trx: Knex,
    change: { memberIds: number[]; mobile: string | null; topicId: number; subscribed: boolean; source: ConsentEventSource; text?: string | null | undefined; inboxId?: number | null | undefined; actor: string },
  ): Promise<number[]> {
    const now = this.deps.clock.now();
    const changed: number[] = [];
    for (const memberId of change.memberIds) {
      const current: { subscribed: number | boolean } | undefined = await trx('member_subscriptions').select('subscribed').where({ member_id: memberId, topic_id: change.topicId }).first();
      if (current && Boolean(current.subscribed) === change.subscribed) continue;
      await trx('member_subscriptions')
        .insert({ member_id: memberId, topic_id: change.topicId, subscribed: change.subscribed, source: change.source, changed_at: now })
        .onConflict(['member_id', 'topic_id'])
        .merge(['subscribed', 'source', 'changed_at']);
      changed.push(memberId);
    }
    if (changed.length > 0) {
      const mobiles = new Map<number, string | null>();
      if (change.mobile === null) {
        const rows: Array<{ id: number; mobile: string | null }> = await trx('members').select('id', 'mobile').whereIn('id', changed);
        for (const r of rows) mobiles.set(Number(r.id), r.mobile);
      }
      await recordConsentEvents(
        trx,
        changed.map((memberId) => ({
          memberId,
          mobile: change.mobile ?? mobiles.get(memberId) ?? null,
          topicId: change.topicId,
          granted: change.subscribed,
          source: change.source,
          text: change.text ?? null,
          inboxId: change.inboxId ?? null,
          actor: change.actor,
          at: now,
        })),
      );
    }
    return changed;
  }

  /**
   * A customer subscribed by text: their general marketing consent comes back if they had
   * withdrawn it, and the blacklist entry their own earlier TD made is lifted — their newer,
   * explicit DY is what counts. Entries staff or a complaint made stay.
   */
  async restoreConsentForOptIn(trx: Knex, memberIds: number[], mobile: string, text: string, inboxId: number): Promise<void> {
    const now = this.deps.clock.now();
    const withdrawn: Array<{ id: number }> = await trx('members').select('id').whereIn('id', memberIds).andWhere('marketing_consent', false);
    if (withdrawn.length > 0) {
      const ids = withdrawn.map((r) => Number(r.id));
      await trx('members').whereIn('id', ids).update({ ...consentColumns(true, 'sms-opt-in', now), updated_at: now });
      await recordConsentEvents(trx, ids.map((memberId) => ({ memberId, mobile, topicId: null, granted: true, source: 'sms' as const, text, inboxId, actor: SYSTEM_ACTOR.username, at: now })));
    }
    const lifted = await trx('number_lists').where({ list: 'black', mobile, source: 'opt-out' }).whereIn('scope', ['marketing']).delete();
    if (Number(lifted) > 0) await this.deps.audit.record(SYSTEM_ACTOR, 'lists.black.remove', mobile, { reason: text.slice(0, 60), source: 'opt-out', by: 'sms-opt-in' }, trx);
  }

  /** Staff set a member's subscriptions (a customer asked at the service desk); `note` says how they agreed. */
  async setForMember(actor: AuditActor, memberId: number, changes: Array<{ topicId: number; subscribed: boolean }>, note?: string): Promise<MemberSubscription[]> {
    const member: { id: number; mobile: string | null; deleted_at: unknown } | undefined = await this.db('members').select('id', 'mobile', 'deleted_at').where('id', memberId).first();
    if (!member || member.deleted_at !== null) throw new NotFoundError(`Member #${memberId}`);
    const topics = new Map((await this.topics()).map((t) => [t.id, t]));
    for (const c of changes) if (!topics.has(c.topicId)) throw new NotFoundError(`Subscription topic ${c.topicId}`);
    const changedTopics: Array<{ topicId: number; subscribed: boolean }> = [];
    await this.db.transaction(async (trx) => {
      for (const c of changes) {
        const changed = await this.apply(trx, { memberIds: [memberId], mobile: member.mobile, topicId: c.topicId, subscribed: c.subscribed, source: 'ui', text: note?.trim() || null, actor: actor.username });
        if (changed.length > 0) changedTopics.push(c);
      }
      if (changedTopics.length > 0) await this.deps.audit.record(actor, 'subscriptions.member.update', `member:${memberId}`, { changes: changedTopics, note: note?.trim() || null }, trx);
    });
    if (changedTopics.length > 0) this.deps.events.publish('subscriptions.changed', { memberIds: [memberId], topicId: null }, 'members.read');
    return this.ofMember(memberId);
  }

  // ---- import ------------------------------------------------------------------

  /**
   * Subscriptions from an XLSX/CSV file: 手机号, 主题 (name or keyword), 订阅 (是/否, DY/TD;
   * empty: 是), 备注. Every row names its problem; keep-good imports the good rows,
   * all-or-nothing none when one is bad. Each change is a consent event (source import).
   */
  async importFile(actor: AuditActor, file: { fileName: string; content: Buffer }, options: { mode: 'keep-good' | 'all-or-nothing'; dryRun?: boolean | undefined }): Promise<SubscriptionImportReport> {
    const table = await readTableFile(file.fileName, file.content);
    const header = table.header.map((h) => h.trim().toLowerCase());
    const column = (names: string[]) => header.findIndex((h) => names.includes(h));
    const at = { mobile: column(HEADERS.mobile), topic: column(HEADERS.topic), subscribed: column(HEADERS.subscribed), note: column(HEADERS.note) };
    if (at.mobile < 0 || at.topic < 0) {
      throw new AppError('IMPORT_COLUMNS_MISSING', 'The file needs the columns 手机号 (mobile) and 主题 (topic); 订阅 (是/否) and 备注 are optional.', 400);
    }
    const topics = await this.topics();
    const topicOf = (value: string) => {
      const key = keywordKey(value);
      return topics.find((t) => keywordKey(t.keyword) === key || keywordKey(t.name) === key);
    };
    const errors: SubscriptionImportProblem[] = [];
    const good: Array<{ memberIds: number[]; mobile: string; topicId: number; subscribed: boolean; note: string }> = [];
    const cell = (cells: string[], index: number) => (index < 0 ? '' : (cells[index] ?? '').trim());
    const mobiles = new Set<string>();
    for (const row of table.rows) {
      const mobile = tryNormalizeMobile(cell(row.cells, at.mobile));
      if (mobile) mobiles.add(mobile);
    }
    const membersByMobile = new Map<string, number[]>();
    const all = [...mobiles];
    for (let i = 0; i < all.length; i += 500) {
      const rows: Array<{ id: number; mobile: string }> = await this.db('members').select('id', 'mobile').whereIn('mobile', all.slice(i, i + 500)).whereNull('deleted_at');
      for (const r of rows) membersByMobile.set(r.mobile, [...(membersByMobile.get(r.mobile) ?? []), Number(r.id)]);
    }
    let bad = 0;
    for (const row of table.rows) {
      const rawMobile = cell(row.cells, at.mobile);
      if (row.cells.every((c) => !c.trim())) continue;
      const problem = (code: SubscriptionImportProblem['code'], input: string, message: string) => {
        bad += 1;
        if (errors.length < MAX_IMPORT_ERRORS) errors.push({ row: row.rowNumber, input: input.slice(0, 60), code, message });
      };
      const mobile = tryNormalizeMobile(rawMobile);
      if (!mobile) {
        problem('INVALID_NUMBER', rawMobile, `Row ${row.rowNumber}: "${rawMobile}" is not a mobile number.`);
        continue;
      }
      const memberIds = membersByMobile.get(mobile);
      if (!memberIds) {
        problem('NOT_A_MEMBER', rawMobile, `Row ${row.rowNumber}: no member has the mobile ${mobile}; add the member first.`);
        continue;
      }
      const topicText = cell(row.cells, at.topic);
      const topic = topicText ? topicOf(topicText) : undefined;
      if (!topic) {
        problem('UNKNOWN_TOPIC', topicText, `Row ${row.rowNumber}: there is no topic “${topicText}”; use one of ${topics.map((t) => t.name).join('、')}.`);
        continue;
      }
      const choice = foldText(cell(row.cells, at.subscribed), 10).trim();
      const subscribed = choice === '' ? true : TRUE_WORDS.has(choice) ? true : FALSE_WORDS.has(choice) ? false : undefined;
      if (subscribed === undefined) {
        problem('INVALID_CHOICE', choice, `Row ${row.rowNumber}: 订阅 must be 是 or 否 (or DY / TD), not “${choice}”.`);
        continue;
      }
      good.push({ memberIds, mobile, topicId: topic.id, subscribed, note: cell(row.cells, at.note) });
    }
    const rows = good.length + bad;
    const commit = !options.dryRun && good.length > 0 && !(options.mode === 'all-or-nothing' && bad > 0);
    let subscribedCount = 0;
    let unsubscribedCount = 0;
    if (commit) {
      await this.db.transaction(async (trx) => {
        for (const g of good) {
          const changed = await this.apply(trx, { memberIds: g.memberIds, mobile: g.mobile, topicId: g.topicId, subscribed: g.subscribed, source: 'import', text: g.note || `import: ${file.fileName}`.slice(0, 500), actor: actor.username });
          if (g.subscribed) subscribedCount += changed.length;
          else unsubscribedCount += changed.length;
        }
        await this.deps.audit.record(actor, 'subscriptions.import', file.fileName, { mode: options.mode, rows, good: good.length, bad, subscribed: subscribedCount, unsubscribed: unsubscribedCount }, trx);
      });
      this.deps.events.publish('subscriptions.changed', { memberIds: [], topicId: null }, 'members.read');
    } else {
      for (const g of good) {
        if (g.subscribed) subscribedCount += g.memberIds.length;
        else unsubscribedCount += g.memberIds.length;
      }
    }
    return { rows, good: good.length, subscribed: subscribedCount, unsubscribed: unsubscribedCount, errors, committed: commit };
  }

  // ---- audiences -----------------------------------------------------------------

  /**
   * A topic's subscribers as outbox recipients, read a page at a time through the one
   * MemberFilter (`subscribedTo`): what a topic campaign and the 电子杂志 send to.
   */
  async *audience(topicId: number, pageSize = 2_000): AsyncGenerator<Recipient> {
    const subscribers = this.deps.members.filtered({ subscribedTo: { topicIds: [topicId] } }).whereNotNull('members.mobile');
    yield* queriedMembers(this.db, subscribers, 'members', pageSize);
  }

  async subscriberCount(topicId: number): Promise<number> {
    return this.deps.members.count({ subscribedTo: { topicIds: [topicId] } });
  }
}
