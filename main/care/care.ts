import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { AuditActor, AuditLog } from '../auth/audit.js';
import type { Clock } from '../clock.js';
import { loadExcel } from '../files/excel.js';
import type { EventBus } from '../events/bus.js';
import type { Messaging } from '../messaging/dispatcher/service.js';
import type { NumberLists } from '../messaging/lists/lists.js';
import type { ListStatus } from '../messaging/policy/policy.js';
import { endOfLocalDate, localDate, localTimeOfDay, parseTimeOfDay } from '../messaging/policy/local-time.js';
import type { Recipient } from '../messaging/outbox/enqueue.js';
import { maskNumber } from '../messaging/outbox/enqueue.js';
import { nextRuleExpiryDate, type PointsExpirySettings } from '../members/points-expiry.js';
import type { Settings } from '../settings/settings.js';
import {
  CareError,
  isDayBound,
  toAutomation,
  validateAutomation,
  type Automation,
  type AutomationInput,
  type AutomationKind,
  type AutomationRow,
  type ValidAutomation,
} from './automations.js';
import { addDays, festivalsOf, annualDateIn, lunarMonthDayText, tryParseIsoDate } from './dates.js';
import {
  AUDIENCE_COLUMNS,
  audienceQuery,
  careBatchId,
  careKey,
  earnedColumn,
  memberExpiry,
  memberOccasion,
  nextSendDay,
  occasionOn,
  type AudienceContext,
  type AudienceRow,
  type ExpiryContext,
} from './occasions.js';

declare module '../events/bus.js' {
  interface ApplianceEvents {
    /** Care automations changed (edited, switched, a day's run finished, an RSVP came in). */
    'care.changed': { automationId: number | null; reason: 'edit' | 'run' | 'rsvp' };
  }
}

export interface CareDeps {
  db: Knex;
  clock: Clock;
  audit: AuditLog;
  events: EventBus;
  logger: Logger;
  settings: Settings;
  messaging: Messaging;
  lists: NumberLists;
}

/** A blacklist entry that stops care texts (opt-out/TD included): the preview leaves those members out, as the outbox would. */
function stopsCare(status: ListStatus | undefined, now: number): boolean {
  const black = status?.blacklist;
  if (!black || (black.expiresAt !== null && black.expiresAt <= now)) return false;
  return black.scope === 'all' || black.scope === 'marketing';
}

/** Missed send days are caught up for this many days back (the appliance was off, the clock jumped forward). */
export const CATCH_UP_DAYS = 3;
/** How often the scheduler looks for due automations. */
const TICK_MS = 60_000;
const PAGE = 5_000;
const CARE_ACTOR: AuditActor = { userId: null, username: 'system', ip: 'local' };

export interface RunSummary {
  id: number;
  sendDay: string;
  occasionDate: string;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  trigger: string;
  batchId: string;
  total: number;
  queued: number;
  deferred: number;
  blocked: number;
  duplicates: number;
  error: string | null;
  startedAt: number;
  finishedAt: number | null;
}

export interface AutomationView extends Automation {
  /** The next send day with an occasion (from today on), and that occasion. */
  next: { sendDay: string; occasionDate: string | null } | null;
  lastRun: RunSummary | null;
}

export interface PreviewMember {
  memberId: number;
  name: string;
  /** 138****8000 in the API; the CLI prints it whole. */
  mobile: string;
  occasionDate: string;
  /** The member's birthday is recorded by the lunar calendar. */
  lunarBirthday: boolean;
}

export interface PreviewItem {
  automationId: number;
  name: string;
  kind: AutomationKind;
  enabled: boolean;
  /** The occasion ('member' kinds: each member's own, see the list). */
  occasionDate: string | null;
  /** Members who would get the text: audience with a mobile and consent, not texted for this occasion yet. */
  count: number;
  /** Already texted for this occasion (the day's run, or an earlier one). */
  alreadySent: number;
  /** Left out: opted out (TD/退订) or on the blacklist for marketing. */
  blocked: number;
  members: PreviewMember[];
  /** A send day earlier than today: greetings are not sent late. */
  late: boolean;
}

export interface Preview {
  date: string;
  items: PreviewItem[];
  total: number;
}

export interface Occurrence {
  date: string;
  automationId: number;
  name: string;
  kind: string;
  count: number;
}

/** An automation's next send: the day, and the moment its send time comes. */
export interface NextSend {
  automationId: number;
  name: string;
  kind: AutomationKind;
  sendDay: string;
  at: number;
}

export interface HolidayEntry {
  date: string;
  key: string;
  name: string;
  lunar: boolean;
  lunarText?: string | null;
}

export interface Rsvp {
  id: number;
  automationId: number;
  occasionDate: string;
  name: string;
  mobile: string;
  memberId: number | null;
  state: 'accepted' | 'full';
  text: string;
  repliedAt: number;
}

interface RunRow {
  id: number;
  automation_id: number;
  send_day: string;
  occasion_date: string;
  state: RunSummary['state'];
  trigger: string;
  batch_id: string;
  total: number;
  queued: number;
  deferred: number;
  blocked: number;
  duplicates: number;
  error: string | null;
  started_at: number | string;
  finished_at: number | string | null;
}

const toRun = (r: RunRow): RunSummary => ({
  id: Number(r.id),
  sendDay: r.send_day,
  occasionDate: r.occasion_date,
  state: r.state,
  trigger: r.trigger,
  batchId: r.batch_id,
  total: Number(r.total),
  queued: Number(r.queued),
  deferred: Number(r.deferred),
  blocked: Number(r.blocked),
  duplicates: Number(r.duplicates),
  error: r.error,
  startedAt: Number(r.started_at),
  finishedAt: r.finished_at === null ? null : Number(r.finished_at),
});

/**
 * Member care (会员关怀): the automations, their daily evaluation and sending,
 * the preview of a day, the calendar figures for the campaigns page, and the
 * replies to invitations.
 *
 * Every text goes through the outbox as category 'care' (commercial: consent,
 * opt-out, the marketing blacklist, caps, quiet hours and the 回T退订 hint
 * apply), one batch per automation and send day, keyed
 * care:<automation>:<member>:<occasion date> — never the same occasion twice
 * to one member, however often a day is run, across restarts and clock changes.
 */
export class Care {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private ticking: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private storeDates: Array<{ id: number; name: string; month: number; day: number; lunar: boolean }> = [];

  constructor(private readonly deps: CareDeps) {}

  private get db(): Knex {
    return this.deps.db;
  }

  private async timeZone(): Promise<string> {
    return (await this.deps.settings.get('policy')).timeZone;
  }

  async today(): Promise<string> {
    return localDate(await this.timeZone(), this.deps.clock.now());
  }

  // ---- lifetime ----------------------------------------------------------

  /** Loads what holidays() needs; called once by the composition root. */
  async load(): Promise<void> {
    const rows = (await this.db('care_automations').where('kind', 'date')) as AutomationRow[];
    this.storeDates = rows.map(toAutomation).flatMap((a) => (a.settings.kind === 'date' ? [{ id: a.id, name: a.settings.name, month: a.settings.month, day: a.settings.day, lunar: a.settings.lunar }] : []));
  }

  /** Starts the daily scheduler (the served appliance does); returns its stop. */
  start(): () => Promise<void> {
    const tick = () => {
      if (this.stopped || this.ticking) return;
      this.ticking = this.tick()
        .then(() => undefined)
        .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'care automations tick failed'))
        .finally(() => {
          this.ticking = undefined;
        });
    };
    this.timer = setInterval(tick, TICK_MS);
    this.timer.unref();
    setImmediate(tick);
    return () => this.stop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.abort.abort();
    await this.ticking;
  }

  // ---- automations -------------------------------------------------------

  private async row(id: number, trx: Knex = this.db): Promise<Automation> {
    const row = (await trx('care_automations').where({ id }).first()) as AutomationRow | undefined;
    if (!row) throw new CareError('CARE_AUTOMATION_NOT_FOUND', `There is no care automation ${id}. Reload the list.`, 404);
    return toAutomation(row);
  }

  async get(id: number): Promise<AutomationView> {
    const [view] = await this.views([await this.row(id)]);
    return view!;
  }

  async list(): Promise<AutomationView[]> {
    const rows = (await this.db('care_automations').orderBy('id')) as AutomationRow[];
    return this.views(rows.map(toAutomation));
  }

  private async views(automations: Automation[]): Promise<AutomationView[]> {
    const today = await this.today();
    const expiry = await this.expiryContext();
    const ids = automations.map((a) => a.id);
    const last = new Map<number, RunSummary>();
    if (ids.length > 0) {
      const rows = (await this.db('care_runs')
        .whereIn('id', this.db('care_runs').whereIn('automation_id', ids).groupBy('automation_id').max('id'))
        .select('*')) as RunRow[];
      for (const r of rows) last.set(Number(r.automation_id), toRun(r));
    }
    return automations.map((a) => {
      const next = nextSendDay(a, today, expiry);
      return { ...a, next: next ? { sendDay: next.sendDay, occasionDate: next.occasion === 'member' ? null : next.occasion } : null, lastRun: last.get(a.id) ?? null };
    });
  }

  /**
   * When each switched-on automation sends next: today if its send time is
   * still ahead, else its next day with an occasion. Welcome texts are left
   * out (tomorrow's new members are not known); how many each will text is
   * the day's `preview`.
   */
  async nextSends(): Promise<NextSend[]> {
    const zone = await this.timeZone();
    const now = this.deps.clock.now();
    const today = localDate(zone, now);
    const automations = ((await this.db('care_automations').where('enabled', true).orderBy('id')) as AutomationRow[]).map(toAutomation);
    const expiry = await this.expiryContext();
    const sends: NextSend[] = [];
    for (const a of automations) {
      if (a.kind === 'welcome') continue;
      const from = localTimeOfDay(zone, now) < parseTimeOfDay(a.sendTime) ? today : addDays(today, 1);
      const next = nextSendDay(a, from, expiry);
      if (!next) continue;
      sends.push({ automationId: a.id, name: a.name, kind: a.kind, sendDay: next.sendDay, at: endOfLocalDate(zone, addDays(next.sendDay, -1)) + parseTimeOfDay(a.sendTime) });
    }
    return sends.sort((x, y) => x.at - y.at);
  }

  private columns(valid: ValidAutomation): Record<string, unknown> {
    const { kind: _kind, ...settings } = valid.settings;
    return {
      kind: valid.kind,
      name: valid.name,
      text: valid.text,
      template_id: valid.templateId,
      send_time: valid.sendTime,
      lead_days: valid.leadDays,
      audience: JSON.stringify(valid.audience),
      settings: JSON.stringify(settings),
    };
  }

  private checkCanEnable(a: { kind: AutomationKind; settings: Automation['settings'] }): void {
    if (a.settings.kind === 'invitation' && !a.settings.eventDate) {
      throw new CareError('CARE_INVITATION_NEEDS_DATE', 'Set the event date before switching the invitation on.', 400, { field: 'settings.eventDate' });
    }
  }

  async create(actor: AuditActor, input: AutomationInput): Promise<AutomationView> {
    const valid = validateAutomation(input);
    const now = this.deps.clock.now();
    const id = await this.db.transaction(async (trx) => {
      const [inserted] = (await trx('care_automations')
        .insert({ ...this.columns(valid), enabled: false, created_at: now, updated_at: now, updated_by: actor.username.slice(0, 64) })
        .returning('id')) as Array<{ id: number } | number>;
      const newId = typeof inserted === 'object' ? inserted.id : inserted!;
      await this.deps.audit.record(actor, 'care.automation.create', String(newId), { kind: valid.kind, name: valid.name }, trx);
      return Number(newId);
    });
    await this.changed(id, 'edit');
    return this.get(id);
  }

  async update(actor: AuditActor, id: number, input: AutomationInput): Promise<AutomationView> {
    const current = await this.row(id);
    const valid = validateAutomation({ ...input, kind: current.kind });
    if (current.enabled) this.checkCanEnable(valid);
    await this.db.transaction(async (trx) => {
      await trx('care_automations').where({ id }).update({ ...this.columns(valid), updated_at: this.deps.clock.now(), updated_by: actor.username.slice(0, 64) });
      await this.deps.audit.record(actor, 'care.automation.update', String(id), { kind: current.kind, name: valid.name, sendTime: valid.sendTime, leadDays: valid.leadDays }, trx);
    });
    await this.changed(id, 'edit');
    return this.get(id);
  }

  /** Switches an automation on or off; on, it runs today's occasion at once if the send time has passed. */
  async setEnabled(actor: AuditActor, id: number, enabled: boolean): Promise<AutomationView> {
    const current = await this.row(id);
    if (enabled) this.checkCanEnable(current);
    if (current.enabled !== enabled) {
      const now = this.deps.clock.now();
      await this.db.transaction(async (trx) => {
        await trx('care_automations').where({ id }).update({ enabled, enabled_at: enabled ? now : current.enabledAt, updated_at: now, updated_by: actor.username.slice(0, 64) });
        await this.deps.audit.record(actor, enabled ? 'care.automation.enable' : 'care.automation.disable', String(id), { kind: current.kind, name: current.name }, trx);
      });
      await this.changed(id, 'edit');
    }
    return this.get(id);
  }

  async remove(actor: AuditActor, id: number): Promise<void> {
    const current = await this.row(id);
    const replies = (await this.db('care_rsvps').where('automation_id', id).count({ c: '*' }).first()) as { c: number | string } | undefined;
    if (Number(replies?.c ?? 0) > 0) {
      throw new CareError('CARE_HAS_REPLIES', `"${current.name}" has sign-ups; export them and switch it off instead of removing it.`, 409);
    }
    await this.db.transaction(async (trx) => {
      await trx('care_automations').where({ id }).delete();
      await this.deps.audit.record(actor, 'care.automation.delete', String(id), { kind: current.kind, name: current.name }, trx);
    });
    await this.changed(null, 'edit');
  }

  private async changed(id: number | null, reason: 'edit' | 'run' | 'rsvp'): Promise<void> {
    if (reason === 'edit') await this.load();
    this.deps.events.publish('care.changed', { automationId: id, reason }, 'campaigns.read');
  }

  // ---- points expiry (积分有效期) -------------------------------------------

  /** The store's rule with its next expiry day, and how many members go by a date of the POS's own. */
  async pointsExpiry(): Promise<PointsExpirySettings & { nextDate: string | null; posDates: number }> {
    const rule = await this.deps.settings.get('pointsExpiry');
    const today = await this.today();
    const row = (await this.db('members').whereNull('deleted_at').where('points_expire_on', '>=', today).count({ n: '*' }).first()) as { n: number | string } | undefined;
    return { ...rule, nextDate: nextRuleExpiryDate(rule, today), posDates: Number(row?.n ?? 0) };
  }

  /** Changes the rule (a settings change, audited there); points reminders and the 积分 answer follow at once. */
  async setPointsExpiry(actor: AuditActor, value: PointsExpirySettings): Promise<PointsExpirySettings & { nextDate: string | null; posDates: number }> {
    await this.deps.settings.update(actor, { pointsExpiry: value });
    await this.changed(null, 'edit');
    return this.pointsExpiry();
  }

  // ---- calendar ------------------------------------------------------------

  /** The festivals of a year and the store's own dates (店庆 automations), by date. */
  holidays(year: number): HolidayEntry[] {
    const list: HolidayEntry[] = festivalsOf(year).map((f) => ({ date: f.date, key: f.key, name: f.name, lunar: f.lunar, lunarText: f.lunarText }));
    for (const d of this.storeDates) {
      list.push({ date: annualDateIn(year, d.month, d.day, d.lunar), key: `store:${d.id}`, name: d.name, lunar: d.lunar, lunarText: d.lunar ? `农历${lunarMonthDayText(d.month, d.day)}` : null });
    }
    return list.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  }

  private async audienceContext(forecast = false): Promise<AudienceContext> {
    const first = (await this.db('sync_runs').where('state', 'finished').min({ at: 'finished_at' }).first()) as { at: number | string | null } | undefined;
    return { timeZone: await this.timeZone(), firstSyncAt: first?.at === null || first?.at === undefined ? null : Number(first.at), forecast, expiry: await this.expiryContext() };
  }

  /** The store's points expiry rule, and whether the POS gives any member an expiry date of their own. */
  private async expiryContext(): Promise<ExpiryContext> {
    const rule = await this.deps.settings.get('pointsExpiry');
    const posDates = rule.usePosDate && (await this.db('members').whereNotNull('points_expire_on').whereNull('deleted_at').first('id')) !== undefined;
    return { rule, posDates };
  }

  /**
   * What the switched-on automations would send per day from `from` to `to`
   * (at most 400 days): a forecast from today's mirror, for the campaigns
   * calendar. Welcome texts are not forecast (tomorrow's new members are not
   * known); points reminders by threshold show on the period's first day.
   */
  async occurrences(from: string, to: string): Promise<Occurrence[]> {
    if (!tryParseIsoDate(from) || !tryParseIsoDate(to) || to < from || addDays(from, 400) < to) {
      throw new CareError('CARE_DATE_INVALID', 'Give a date range as YYYY-MM-DD, from before to, at most 400 days.', 400);
    }
    const automations = ((await this.db('care_automations').where('enabled', true).orderBy('id')) as AutomationRow[]).map(toAutomation);
    const context = await this.audienceContext(true);
    const out: Occurrence[] = [];
    for (let day = from; day <= to; day = addDays(day, 1)) {
      for (const a of automations) {
        const occasion = occasionOn(a, day, context.expiry);
        if (occasion === undefined || a.kind === 'welcome') continue;
        if (a.settings.kind === 'points' && a.settings.mode === 'threshold' && occasion !== day) continue;
        const row = (await audienceQuery(this.db, a, day, occasion, context).count({ c: '*' }).first()) as { c: number | string } | undefined;
        const count = Number(row?.c ?? 0);
        if (count > 0) out.push({ date: day, automationId: a.id, name: a.name, kind: a.kind, count });
      }
    }
    return out;
  }

  // ---- evaluation ----------------------------------------------------------

  /** The members of one automation's send day, page by page, each with the occasion of their key. */
  private async *candidates(
    a: Automation,
    sendDay: string,
    occasion: string | 'member',
    context: AudienceContext,
    skipSent = false,
  ): AsyncGenerator<{ row: AudienceRow; occasion: string; key: string }> {
    const base = audienceQuery(this.db, a, sendDay, occasion, context);
    if (skipSent && occasion !== 'member') {
      // Members this occasion already reached are left out in SQL (the outbox's unique key index answers each):
      // a quarter's points reminders are not streamed again every day of the quarter.
      const prefix = `care:${a.id}:`;
      const suffix = `:${occasion}`;
      void base.whereNotExists((sent) => void sent.select(this.db.raw('1')).from('outbox_messages as sent').whereRaw('sent.idempotency_key = ? || members.id || ?', [prefix, suffix]));
    }
    const earned = earnedColumn(this.db, a, sendDay, occasion, context);
    let lastId = 0;
    for (;;) {
      const page = base.clone().where('members.id', '>', lastId).orderBy('members.id').limit(PAGE).select(...AUDIENCE_COLUMNS);
      if (earned) void page.select(earned);
      const rows = (await page) as AudienceRow[];
      for (const row of rows) {
        const own = memberOccasion(a, occasion, row, context.timeZone);
        yield { row, occasion: own, key: careKey(a.id, Number(row.id), own) };
      }
      if (rows.length < PAGE) return;
      lastId = Number(rows[rows.length - 1]!.id);
    }
  }

  /** Keys of `keys` already in the outbox. */
  private async usedKeys(keys: readonly string[]): Promise<Set<string>> {
    const used = new Set<string>();
    for (let i = 0; i < keys.length; i += 500) {
      const rows = (await this.db('outbox_messages').whereIn('idempotency_key', keys.slice(i, i + 500)).select('idempotency_key')) as Array<{ idempotency_key: string }>;
      for (const r of rows) used.add(r.idempotency_key);
    }
    return used;
  }

  /**
   * What the automations would send on `date`, without sending: per automation
   * the count and the first `limit` members (mobile masked unless `fullMobiles`).
   * Only switched-on automations, unless `automationId` names one (its editor
   * previews it before it is switched on).
   */
  async preview(date: string, options: { automationId?: number; limit?: number; fullMobiles?: boolean } = {}): Promise<Preview> {
    if (!tryParseIsoDate(date)) throw new CareError('CARE_DATE_INVALID', `"${date}" is not a date; give one as YYYY-MM-DD.`, 400);
    const limit = options.limit ?? 200;
    const automations =
      options.automationId !== undefined
        ? [await this.row(options.automationId)]
        : ((await this.db('care_automations').where('enabled', true).orderBy('id')) as AutomationRow[]).map(toAutomation);
    const context = await this.audienceContext();
    const today = await this.today();
    const items: PreviewItem[] = [];
    for (const a of automations) {
      const occasion = occasionOn(a, date, context.expiry);
      if (occasion === undefined) continue;
      const item: PreviewItem = {
        automationId: a.id,
        name: a.name,
        kind: a.kind,
        enabled: a.enabled,
        occasionDate: occasion === 'member' ? null : occasion,
        count: 0,
        alreadySent: 0,
        blocked: 0,
        members: [],
        late: isDayBound(a.kind) && occasion !== 'member' && occasion < today,
      };
      let page: Array<{ row: AudienceRow; occasion: string; key: string }> = [];
      const flush = async () => {
        const used = await this.usedKeys(page.map((c) => c.key));
        const lists = await this.deps.lists.lookup(page.map((c) => c.row.mobile));
        const now = this.deps.clock.now();
        for (const c of page) {
          if (used.has(c.key)) {
            item.alreadySent += 1;
            continue;
          }
          if (stopsCare(lists.get(c.row.mobile), now)) {
            item.blocked += 1;
            continue;
          }
          item.count += 1;
          if (item.members.length < limit) {
            item.members.push({ memberId: Number(c.row.id), name: c.row.name, mobile: options.fullMobiles ? c.row.mobile : maskNumber(c.row.mobile), occasionDate: c.occasion, lunarBirthday: Boolean(c.row.birthday_lunar) });
          }
        }
        page = [];
      };
      for await (const c of this.candidates(a, date, occasion, context)) {
        page.push(c);
        if (page.length >= PAGE) await flush();
      }
      await flush();
      if (item.count + item.alreadySent + item.blocked > 0 || options.automationId !== undefined) items.push(item);
    }
    return { date, items, total: items.reduce((sum, i) => sum + i.count, 0) };
  }

  /** Every member the automations would text on `date` (the CLI's full list), mobiles whole. */
  async *previewAll(date: string): AsyncGenerator<{ automationId: number; name: string; kind: AutomationKind; memberId: number; mobile: string; occasionDate: string }> {
    if (!tryParseIsoDate(date)) throw new CareError('CARE_DATE_INVALID', `"${date}" is not a date; give one as YYYY-MM-DD.`, 400);
    const automations = ((await this.db('care_automations').where('enabled', true).orderBy('id')) as AutomationRow[]).map(toAutomation);
    const context = await this.audienceContext();
    for (const a of automations) {
      const occasion = occasionOn(a, date, context.expiry);
      if (occasion === undefined) continue;
      let page: Array<{ row: AudienceRow; occasion: string; key: string }> = [];
      const drain = async function* (this: Care) {
        const used = await this.usedKeys(page.map((c) => c.key));
        const lists = await this.deps.lists.lookup(page.map((c) => c.row.mobile));
        const now = this.deps.clock.now();
        const out = page.filter((c) => !used.has(c.key) && !stopsCare(lists.get(c.row.mobile), now));
        page = [];
        for (const c of out) yield { automationId: a.id, name: a.name, kind: a.kind, memberId: Number(c.row.id), mobile: c.row.mobile, occasionDate: c.occasion };
      }.bind(this);
      for await (const c of this.candidates(a, date, occasion, context)) {
        page.push(c);
        if (page.length >= PAGE) yield* drain();
      }
      yield* drain();
    }
  }

  /**
   * Sends one automation's occasion for `sendDay` through the outbox (one
   * batch, keyed per member and occasion): what the scheduler does at the send
   * time. A stop between pages leaves the run 'running'; the next start runs it
   * again and the keys skip who already has it.
   */
  async runDay(automationId: number, sendDay: string, trigger: 'schedule' | 'catch-up' = 'schedule'): Promise<RunSummary | null> {
    const a = await this.row(automationId);
    const context = await this.audienceContext();
    const occasion = occasionOn(a, sendDay, context.expiry);
    if (occasion === undefined) return null;
    const now = this.deps.clock.now();
    const batchId = careBatchId(a.id, sendDay);
    const occasionDate = occasion === 'member' ? sendDay : occasion;
    const existing = (await this.db('care_runs').where({ automation_id: a.id, send_day: sendDay }).first()) as RunRow | undefined;
    if (existing) {
      await this.db('care_runs').where({ id: existing.id }).update({ state: 'running', error: null, finished_at: null });
    } else {
      await this.db('care_runs')
        .insert({ automation_id: a.id, send_day: sendDay, occasion_date: occasionDate, state: 'running', trigger, batch_id: batchId, started_at: now })
        .onConflict(['automation_id', 'send_day'])
        .ignore();
    }
    if (a.kind === 'winback') {
      // Win-back's members each have their own occasion; those an earlier finished run (with today's settings) covered are not read again.
      const previous = (await this.db('care_runs')
        .where({ automation_id: a.id, state: 'done' })
        .where('send_day', '<', sendDay)
        .where('finished_at', '>=', a.updatedAt)
        .max({ day: 'send_day' })
        .first()) as { day: string | null } | undefined;
      context.coveredThrough = previous?.day ?? null;
    }
    const signal = this.abort.signal;
    const candidates = this.candidates(a, sendDay, occasion, context, true);
    const storeNames = new Map(((await this.db('stores').select('code', 'name')) as Array<{ code: string; name: string }>).map((s) => [s.code, s.name]));
    async function* recipients(): AsyncGenerator<Recipient> {
      for await (const c of candidates) {
        if (signal.aborted) return;
        const m = c.row;
        const expiry = memberExpiry(a, sendDay, occasion!, m, context);
        yield {
          number: m.mobile,
          memberId: Number(m.id),
          idempotencyKey: c.key,
          member: {
            name: m.name,
            gender: m.gender,
            points: Number(m.points),
            cardNo: m.card_no,
            birthday: m.birthday,
            storeName: (m.store_code && storeNames.get(m.store_code)) || null,
            expiringPoints: expiry?.points ?? null,
            pointsExpireOn: expiry?.date ?? null,
            marketingConsent: true,
          },
        };
      }
    }
    let state: RunSummary['state'] = 'done';
    let error: string | null = null;
    let tally = { total: 0, queued: 0, deferred: 0, blocked: {} as Record<string, number>, duplicates: 0 };
    // A large audience (points reminders to everyone above a threshold) shows its progress; cancelling the batch stops it.
    const countRow = (await audienceQuery(this.db, a, sendDay, occasion, context).count({ c: '*' }).first()) as { c: number | string } | undefined;
    const expected = Number(countRow?.c ?? 0);
    const label = `${a.name} ${occasionDate}`.slice(0, 200);
    const startedAt = Date.now();
    const progress = (done: number, jobState: 'running' | 'finished' | 'failed' | 'cancelled') => {
      const seconds = (Date.now() - startedAt) / 1000;
      const rate = seconds > 0 ? done / seconds : null;
      this.deps.events.publish(
        'job.progress',
        { jobId: batchId, kind: 'care.run', label, done, total: expected, ratePerSecond: rate, etaSeconds: rate ? Math.max(0, (expected - done) / rate) : null, state: jobState },
        'campaigns.read',
      );
    };
    try {
      tally = await this.deps.messaging.outbox.enqueue(
        recipients(),
        {
          text: a.text,
          category: 'care',
          source: 'care',
          batch: { id: batchId, label: `${a.name} ${occasionDate}`.slice(0, 200), kind: 'care' },
          matchMembers: false,
        },
        CARE_ACTOR,
        { expectedTotal: expected, onBatch: (t) => progress(t.total, 'running') },
      );
      if (signal.aborted) state = 'running';
    } catch (caught) {
      const code = (caught as { code?: string }).code;
      state = code === 'BATCH_CANCELLED' ? 'cancelled' : 'failed';
      error = caught instanceof Error ? caught.message : String(caught);
      if (state === 'failed') this.deps.logger.warn({ err: caught, automationId: a.id, sendDay }, 'care automation run failed');
    }
    progress(tally.total, state === 'done' ? 'finished' : state === 'running' ? 'cancelled' : state);
    const blocked = Object.values(tally.blocked).reduce((x, y) => x + y, 0);
    await this.db('care_runs')
      .where({ automation_id: a.id, send_day: sendDay })
      .update({
        state,
        error,
        total: this.db.raw('total + ?', [tally.total - tally.duplicates]),
        queued: this.db.raw('queued + ?', [tally.queued]),
        deferred: this.db.raw('deferred + ?', [tally.deferred]),
        blocked: this.db.raw('blocked + ?', [blocked]),
        duplicates: this.db.raw('duplicates + ?', [tally.duplicates]),
        finished_at: state === 'running' ? null : this.deps.clock.now(),
      });
    if (tally.queued + tally.deferred > 0) this.deps.messaging.poke();
    await this.changed(a.id, 'run');
    const row = (await this.db('care_runs').where({ automation_id: a.id, send_day: sendDay }).first()) as RunRow;
    return toRun(row);
  }

  /**
   * One scheduler step: for each switched-on automation, every send day from
   * CATCH_UP_DAYS ago to today whose send time has passed and that has not
   * run is run, oldest first. Greetings whose day is over are not sent late.
   * A day before the automation was switched on, or before the latest day it
   * already ran (the clock went back), is never run.
   */
  async tick(): Promise<RunSummary[]> {
    const zone = await this.timeZone();
    const now = this.deps.clock.now();
    const today = localDate(zone, now);
    const timeOfDay = localTimeOfDay(zone, now);
    const automations = ((await this.db('care_automations').where('enabled', true).orderBy('id')) as AutomationRow[]).map(toAutomation);
    if (automations.length === 0) return [];
    const expiry = await this.expiryContext();
    const runs = (await this.db('care_runs').whereIn('automation_id', automations.map((a) => a.id)).where('send_day', '>=', addDays(today, -CATCH_UP_DAYS - 1)).select('automation_id', 'send_day', 'state')) as Array<{
      automation_id: number;
      send_day: string;
      state: string;
    }>;
    const latest = (await this.db('care_runs').whereIn('automation_id', automations.map((a) => a.id)).groupBy('automation_id').select('automation_id').max({ day: 'send_day' })) as Array<{ automation_id: number; day: string }>;
    const latestDay = new Map(latest.map((r) => [Number(r.automation_id), r.day]));
    const finished = new Set(runs.filter((r) => r.state !== 'running').map((r) => `${r.automation_id}|${r.send_day}`));
    const done: RunSummary[] = [];
    for (const a of automations) {
      const switchedOn = a.enabledAt === null ? today : localDate(zone, a.enabledAt);
      for (let back = CATCH_UP_DAYS; back >= 0; back -= 1) {
        if (this.stopped) return done;
        const day = addDays(today, -back);
        if (day < switchedOn || day < (latestDay.get(a.id) ?? '')) continue;
        if (back === 0 && timeOfDay < parseTimeOfDay(a.sendTime)) continue;
        if (finished.has(`${a.id}|${day}`)) continue;
        const occasion = occasionOn(a, day, expiry);
        if (occasion === undefined) continue;
        if (isDayBound(a.kind) && occasion !== 'member' && occasion < today) continue;
        const run = await this.runDay(a.id, day, back === 0 ? 'schedule' : 'catch-up');
        if (run) done.push(run);
      }
    }
    return done;
  }

  async runs(automationId: number, limit = 30): Promise<RunSummary[]> {
    const rows = (await this.db('care_runs').where('automation_id', automationId).orderBy('send_day', 'desc').limit(limit)) as RunRow[];
    return rows.map(toRun);
  }

  // ---- invitations ---------------------------------------------------------

  async rsvps(automationId: number, occasionDate?: string): Promise<{ items: Rsvp[]; accepted: number; full: number; capacity: number | null; occasionDate: string | null }> {
    const a = await this.row(automationId);
    const eventDate = occasionDate ?? (a.settings.kind === 'invitation' ? a.settings.eventDate : null);
    const rows = (await this.db('care_rsvps')
      .where('automation_id', automationId)
      .modify((q) => {
        if (eventDate) void q.where('occasion_date', eventDate);
      })
      .orderBy('replied_at')
      .orderBy('id')) as Array<{ id: number; automation_id: number; occasion_date: string; name: string; mobile: string; member_id: number | null; state: 'accepted' | 'full'; text: string; replied_at: number | string }>;
    const items = rows.map((r) => ({
      id: Number(r.id),
      automationId: Number(r.automation_id),
      occasionDate: r.occasion_date,
      name: r.name,
      mobile: r.mobile,
      memberId: r.member_id === null ? null : Number(r.member_id),
      state: r.state,
      text: r.text,
      repliedAt: Number(r.replied_at),
    }));
    return {
      items,
      accepted: items.filter((r) => r.state === 'accepted').length,
      full: items.filter((r) => r.state === 'full').length,
      capacity: a.settings.kind === 'invitation' ? a.settings.capacity : null,
      occasionDate: eventDate,
    };
  }

  /** The sign-ups as an XLSX workbook (姓名, 手机号, 报名时间, 状态), audited. */
  async exportRsvps(actor: AuditActor, automationId: number): Promise<{ fileName: string; content: Buffer }> {
    const a = await this.row(automationId);
    const { items, occasionDate } = await this.rsvps(automationId);
    const zone = await this.timeZone();
    const workbook = new (await loadExcel()).Workbook();
    const sheet = workbook.addWorksheet('报名');
    sheet.columns = [
      { header: '姓名', key: 'name', width: 14 },
      { header: '手机号', key: 'mobile', width: 18 },
      { header: '报名时间', key: 'at', width: 20 },
      { header: '状态', key: 'state', width: 10 },
      { header: '回复内容', key: 'text', width: 16 },
    ];
    for (const r of items) {
      sheet.addRow({ name: r.name, mobile: r.mobile.replace(/^\+86/, ''), at: localDateTime(zone, r.repliedAt), state: r.state === 'accepted' ? '已报名' : '名额已满', text: r.text });
    }
    await this.deps.audit.record(actor, 'care.rsvps.export', String(automationId), { name: a.name, occasionDate, rows: items.length });
    const content = Buffer.from(await workbook.xlsx.writeBuffer());
    return { fileName: `rsvps-${automationId}-${occasionDate ?? 'all'}.xlsx`, content };
  }
}

/** 'YYYY-MM-DD HH:MM' in the store's zone. */
export function localDateTime(timeZone: string, at: number): string {
  const minutes = Math.floor(localTimeOfDay(timeZone, at) / 60_000);
  return `${localDate(timeZone, at)} ${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}
