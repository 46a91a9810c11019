import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { SYSTEM_ACTOR, type AuditActor, type AuditLog } from '../auth/audit.js';
import type { Clock } from '../clock.js';
import { AppError, NotFoundError, ValidationError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import type { Messaging } from '../messaging/dispatcher/service.js';
import { localDate, localTimeOfDay } from '../messaging/policy/local-time.js';
import { preview, renderOptionsFrom, type Preview } from '../messaging/render/render.js';
import type { Settings } from '../settings/settings.js';
import type { Promotion } from '../strategy/types.js';
import { assembleIssue, duePeriod, withLink } from './magazine-issue.js';
import type { Subscriptions, Topic } from './subscriptions.js';

declare module '../events/bus.js' {
  interface ApplianceEvents {
    /** An issue was written, changed or sent: the magazine page reloads. */
    'magazine.changed': { issueId: number; change: 'created' | 'updated' | 'sent' | 'deleted' };
  }
}

export interface MagazineIssue {
  id: number;
  title: string;
  text: string;
  content: 'written' | 'promotions';
  state: 'draft' | 'sent';
  /** The scheduled period it was sent for (2026-W49, 2026-12); null when sent by hand or still a draft. */
  period: string | null;
  batchId: string | null;
  recipients: number | null;
  queued: number | null;
  sentAt: number | null;
  sentBy: string | null;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
}

export interface MagazinePreview {
  /** As a sample member reads it (salutation, link, opt-out hint, signature). */
  sample: Preview;
  topic: { id: number; name: string; subscribers: number } | null;
  /** What the outbox would do now: queued, deferred (quiet hours), blocked per rule. */
  tally: { total: number; queued: number; deferred: number; blocked: Record<string, number>; parts: number } | null;
}

export interface MagazineDeps {
  db: Knex;
  clock: Clock;
  audit: AuditLog;
  events: EventBus;
  logger: Logger;
  settings: Settings;
  subscriptions: Subscriptions;
  messaging: Messaging;
  /** The promotions running now (services.strategies.activePromotions). */
  promotions: () => Promise<Promotion[]>;
}

interface IssueRow {
  id: number;
  title: string;
  text: string;
  content: 'written' | 'promotions';
  state: 'draft' | 'sent';
  period: string | null;
  batch_id: string | null;
  recipients: number | null;
  queued: number | null;
  sent_at: number | string | null;
  sent_by: string | null;
  created_at: number | string;
  created_by: string;
  updated_at: number | string;
}

const SAMPLE_MEMBER = { name: '张伟', gender: 'M', points: 1280, storeName: null };
const MAX_TEXT = 500;

function toIssue(row: IssueRow): MagazineIssue {
  return {
    id: Number(row.id),
    title: row.title,
    text: row.text,
    content: row.content,
    state: row.state,
    period: row.period,
    batchId: row.batch_id,
    recipients: row.recipients === null ? null : Number(row.recipients),
    queued: row.queued === null ? null : Number(row.queued),
    sentAt: row.sent_at === null ? null : Number(row.sent_at),
    sentBy: row.sent_by,
    createdAt: Number(row.created_at),
    createdBy: row.created_by,
    updatedAt: Number(row.updated_at),
  };
}

/**
 * The 电子杂志: issues the store writes (or that are assembled from the promotions running),
 * previewed as a member reads them, sent to the magazine topic's subscribers as one marketing
 * batch — consent, opt-out, blacklist, quiet hours and the cap apply as to any marketing text —
 * by hand ("send now") or on the schedule (weekly or monthly, once per period).
 */
export class Magazine {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  constructor(private readonly deps: MagazineDeps) {}

  private get db(): Knex {
    return this.deps.db;
  }

  async issues(page = 1, pageSize = 20): Promise<{ items: MagazineIssue[]; total: number }> {
    const [countRow] = await this.db('magazine_issues').count<Array<{ n: number | string }>>({ n: '*' });
    const rows: IssueRow[] = await this.db('magazine_issues')
      .orderByRaw("CASE WHEN state = 'draft' THEN 0 ELSE 1 END")
      .orderBy('updated_at', 'desc')
      .orderBy('id', 'desc')
      .limit(pageSize)
      .offset((page - 1) * pageSize);
    return { items: rows.map(toIssue), total: Number(countRow?.n ?? 0) };
  }

  async get(id: number): Promise<MagazineIssue> {
    const row: IssueRow | undefined = await this.db('magazine_issues').where('id', id).first();
    if (!row) throw new NotFoundError(`Magazine issue ${id}`);
    return toIssue(row);
  }

  private checked(input: { title?: string | undefined; text?: string | undefined }): { title?: string; text?: string } {
    const values: { title?: string; text?: string } = {};
    if (input.title !== undefined) {
      const title = input.title.trim();
      if (!title || [...title].length > 60) throw new ValidationError('An issue title is 1 to 60 characters, such as 12月第1期.', { field: 'title' });
      values.title = title;
    }
    if (input.text !== undefined) {
      const text = input.text.trim();
      if (!text || [...text].length > MAX_TEXT) throw new ValidationError(`An issue's text is 1 to ${MAX_TEXT} characters.`, { field: 'text' });
      values.text = text;
    }
    return values;
  }

  async create(actor: AuditActor, input: { title: string; text: string }): Promise<MagazineIssue> {
    const values = this.checked(input);
    const now = this.deps.clock.now();
    const id = await this.db.transaction(async (trx) => {
      const [inserted] = await trx('magazine_issues')
        .insert({ title: values.title, text: values.text, content: 'written', state: 'draft', created_at: now, created_by: actor.username, updated_at: now })
        .returning('id');
      const newId = Number(typeof inserted === 'object' ? (inserted as { id: number }).id : inserted);
      await this.deps.audit.record(actor, 'magazine.issue.create', `magazine:${newId}`, { title: values.title }, trx);
      return newId;
    });
    this.deps.events.publish('magazine.changed', { issueId: id, change: 'created' }, 'members.read');
    return this.get(id);
  }

  async update(actor: AuditActor, id: number, input: { title?: string | undefined; text?: string | undefined }): Promise<MagazineIssue> {
    const values = this.checked(input);
    await this.db.transaction(async (trx) => {
      const row: IssueRow | undefined = await trx('magazine_issues').where('id', id).first();
      if (!row) throw new NotFoundError(`Magazine issue ${id}`);
      if (row.state !== 'draft') throw new AppError('MAGAZINE_ISSUE_SENT', 'This issue was sent already; write a new one.', 409);
      await trx('magazine_issues').where('id', id).update({ ...values, updated_at: this.deps.clock.now() });
      await this.deps.audit.record(actor, 'magazine.issue.update', `magazine:${id}`, { fields: Object.keys(values) }, trx);
    });
    this.deps.events.publish('magazine.changed', { issueId: id, change: 'updated' }, 'members.read');
    return this.get(id);
  }

  async remove(actor: AuditActor, id: number): Promise<void> {
    await this.db.transaction(async (trx) => {
      const row: IssueRow | undefined = await trx('magazine_issues').where('id', id).first();
      if (!row) throw new NotFoundError(`Magazine issue ${id}`);
      if (row.state !== 'draft') throw new AppError('MAGAZINE_ISSUE_SENT', 'A sent issue stays on record; only drafts can be deleted.', 409);
      await trx('magazine_issues').where('id', id).delete();
      await this.deps.audit.record(actor, 'magazine.issue.delete', `magazine:${id}`, { title: row.title }, trx);
    });
    this.deps.events.publish('magazine.changed', { issueId: id, change: 'deleted' }, 'members.read');
  }

  private async renderOptions() {
    const [policy, smsSignature, storeName] = await Promise.all([this.deps.settings.get('policy'), this.deps.settings.get('smsSignature'), this.deps.settings.get('storeName')]);
    return renderOptionsFrom({ smsSignature, storeName }, policy, 'marketing');
  }

  private async magazineTopic(): Promise<Topic> {
    const topic = await this.deps.subscriptions.topicByRole('magazine');
    if (!topic) throw new AppError('MAGAZINE_TOPIC_MISSING', 'No subscription topic is the 电子杂志’s. It is created with StoreMAS; restore it under 订阅 › 主题.', 409);
    return topic;
  }

  /** An issue assembled from the promotions running now (not saved), or undefined when none runs. */
  async assembled(): Promise<{ title: string; text: string } | undefined> {
    const settings = await this.deps.settings.get('magazine');
    const options = await this.renderOptions();
    const text = assembleIssue(await this.deps.promotions(), settings, (candidate) => preview(candidate, SAMPLE_MEMBER, options).withinLimit);
    if (!text) return undefined;
    const zone = (await this.deps.settings.get('policy')).timeZone;
    return { title: `促销精选 ${localDate(zone, this.deps.clock.now())}`, text };
  }

  /** What members would read and what the outbox would do with it now (a dry run, nothing queued). */
  async preview(text: string): Promise<MagazinePreview> {
    const settings = await this.deps.settings.get('magazine');
    const full = withLink(text, settings.publicUrl);
    const sample = preview(full, SAMPLE_MEMBER, await this.renderOptions());
    const topic = await this.deps.subscriptions.topicByRole('magazine');
    if (!topic || sample.error) return { sample, topic: topic ? { id: topic.id, name: topic.name, subscribers: topic.subscribers } : null, tally: null };
    const tally = await this.deps.messaging.outbox.enqueue(this.deps.subscriptions.audience(topic.id), { text: full, category: 'marketing', source: 'magazine' }, SYSTEM_ACTOR, { dryRun: true });
    return {
      sample,
      topic: { id: topic.id, name: topic.name, subscribers: topic.subscribers },
      tally: { total: tally.total, queued: tally.queued, deferred: tally.deferred, blocked: tally.blocked, parts: tally.parts },
    };
  }

  /** 立即发送: the issue to every subscriber of the magazine topic, as one marketing batch. */
  async send(actor: AuditActor, id: number, period: string | null = null): Promise<MagazineIssue> {
    const issue = await this.get(id);
    if (issue.state !== 'draft') throw new AppError('MAGAZINE_ISSUE_SENT', 'This issue was sent already; write a new one.', 409);
    const topic = await this.magazineTopic();
    const settings = await this.deps.settings.get('magazine');
    const text = withLink(issue.text, settings.publicUrl);
    const sample = preview(text, SAMPLE_MEMBER, await this.renderOptions());
    if (sample.error) throw new AppError(sample.error.code, `The issue cannot be sent as written: ${sample.error.message}`, 400);
    // Claimed first, so a second click (or the schedule) cannot send it twice.
    const claimed = await this.db('magazine_issues').where({ id, state: 'draft' }).update({ state: 'sent', period, sent_at: this.deps.clock.now(), sent_by: actor.username, updated_at: this.deps.clock.now() });
    if (Number(claimed) === 0) throw new AppError('MAGAZINE_ISSUE_SENT', 'This issue was sent already; write a new one.', 409);
    try {
      const result = await this.deps.messaging.outbox.enqueue(
        this.deps.subscriptions.audience(topic.id),
        { text, category: 'marketing', source: 'magazine', batch: { label: `电子杂志 · ${issue.title}`, kind: 'magazine' }, idempotencyPrefix: `magazine:${id}` },
        actor,
      );
      await this.db('magazine_issues').where('id', id).update({ batch_id: result.batchId, recipients: result.total, queued: result.queued + result.deferred });
      await this.deps.audit.record(actor, 'magazine.send', `magazine:${id}`, { title: issue.title, period, recipients: result.total, queued: result.queued + result.deferred, batchId: result.batchId });
    } catch (error) {
      // Nothing was queued (the outbox writes in batches; the idempotency key keeps a retry from doubling what was).
      await this.db('magazine_issues').where('id', id).update({ state: 'draft', period: null, sent_at: null, sent_by: null });
      throw error;
    }
    this.deps.messaging.poke();
    this.deps.events.publish('magazine.changed', { issueId: id, change: 'sent' }, 'members.read');
    return this.get(id);
  }

  // ---- the schedule ------------------------------------------------------------

  start(): () => Promise<void> {
    this.timer = setInterval(() => void this.tick(), 60_000);
    this.timer.unref();
    return () => this.stop();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  /**
   * Sends the period's issue when it is due and not sent yet: the latest draft the store wrote,
   * or one assembled from the promotions running. Nothing to send: the period is skipped.
   */
  async tick(): Promise<MagazineIssue | undefined> {
    if (this.ticking) return undefined;
    let sent: MagazineIssue | undefined;
    this.ticking = (async () => {
      try {
        sent = await this.sendScheduled();
      } catch (error) {
        this.deps.logger.warn({ err: error }, 'scheduled magazine issue not sent');
      }
    })();
    await this.ticking;
    this.ticking = undefined;
    return sent;
  }

  private async sendScheduled(): Promise<MagazineIssue | undefined> {
    const settings = await this.deps.settings.get('magazine');
    if (settings.schedule === 'off') return undefined;
    const zone = (await this.deps.settings.get('policy')).timeZone;
    const now = this.deps.clock.now();
    const minutes = Math.floor(localTimeOfDay(zone, now) / 60_000);
    const time = `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
    const period = duePeriod(settings, localDate(zone, now), time);
    if (!period) return undefined;
    if (await this.db('magazine_issues').where('period', period).first()) return undefined;
    let id: number | undefined;
    if (settings.content === 'written') {
      const draft: { id: number } | undefined = await this.db('magazine_issues').select('id').where('state', 'draft').orderBy('updated_at', 'desc').orderBy('id', 'desc').first();
      id = draft ? Number(draft.id) : undefined;
    } else {
      const assembled = await this.assembled();
      if (assembled) {
        const [inserted] = await this.db('magazine_issues')
          .insert({ title: assembled.title, text: assembled.text, content: 'promotions', state: 'draft', created_at: now, created_by: SYSTEM_ACTOR.username, updated_at: now })
          .returning('id');
        id = Number(typeof inserted === 'object' ? (inserted as { id: number }).id : inserted);
      }
    }
    if (id === undefined) {
      this.deps.logger.info({ period, content: settings.content }, 'no magazine issue to send this period');
      return undefined;
    }
    return this.send(SYSTEM_ACTOR, id, period);
  }
}
