import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import {
  CAMPAIGN_CATEGORIES,
  type Campaign,
  type CampaignInput,
  type CampaignProgress,
  type CampaignRun,
  type CampaignState,
  type DryRun,
  type RunState,
} from '../api/schemas/campaigns.js';
import type { AuditAction, AuditActor, AuditLog } from '../auth/audit.js';
import type { Role } from '../auth/permissions.js';
import type { Clock } from '../clock.js';
import { isAppError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import { parseMemberFilter, type MemberFilter } from '../members/filter.js';
import { estimateSendDuration, modemPaces } from '../messaging/batches/estimate.js';
import type { Messaging } from '../messaging/dispatcher/service.js';
import { parseNumberList } from '../messaging/numbers.js';
import { SCHEDULE_GRACE_MS } from '../messaging/outbox/outbox.js';
import { pinnedModemOf, type ModemDirectory } from '../messaging/outbox/send-targets.js';
import type { ListLookup } from '../messaging/outbox/policy-inputs.js';
import { compileTemplate } from '../messaging/render/render.js';
import type { Settings } from '../settings/settings.js';
import { audiencePage, audienceSize, tagFilter, type AudienceSource } from './audience.js';
import { CampaignError } from './errors.js';
import { inHoldout } from './holdout.js';
import { batchLabel, enqueueRun, idempotencyKey, type CampaignRow, type RunRow, type RunnerContext } from './runner.js';
import { checkRule, checkWindow, nextRun, nextRuns, windowAt } from './scheduler.js';
import type { Segments } from './segments.js';

declare module '../events/bus.js' {
  interface ApplianceEvents {
    /** A campaign was created, changed state, or a run started or finished: the list, detail and calendar reload. */
    'campaigns.changed': { id: number; state: CampaignState };
  }
}

export interface CampaignsDeps {
  db: Knex;
  clock: Clock;
  audit: AuditLog;
  events: EventBus;
  logger: Logger;
  settings: Settings;
  messaging: Messaging;
  modems: ModemDirectory;
  segments: Segments;
  lookupLists: ListLookup;
}

/** Who acts: the audit actor and the role (an operator's campaign may need approval). */
export interface CampaignActor {
  actor: AuditActor;
  role: Role;
}

/** How often the served appliance looks for due runs, finished runs and closed send windows. */
const TICK_MS = 5_000;
/** Uploaded lists hold at most this many numbers (larger audiences are segments). */
const MAX_LIST = 200_000;

const FINAL: readonly CampaignState[] = ['completed', 'cancelled'];
/** What may be edited in each state (running: only what has not started, see update()). */
const EDITABLE: readonly CampaignState[] = ['draft', 'pending_approval', 'scheduled', 'paused', 'running'];

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

/**
 * Campaigns (活动): named, scheduled, pausable and measured sends to an
 * audience. The state machine: draft → (pending approval →) scheduled →
 * running ⇄ paused → completed, or cancelled from any state before the end.
 * A run is one outbox batch (pause, resume and cancel go through the batch);
 * the scheduler starts due runs, settles finished ones, and holds queued
 * messages back outside the send window.
 */
export class Campaigns {
  private timer: NodeJS.Timeout | undefined;
  private readonly running = new Map<number, Promise<void>>();
  private readonly controller = new AbortController();
  private ticking: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly deps: CampaignsDeps) {}

  private get db(): Knex {
    return this.deps.db;
  }

  private async timeZone(): Promise<string> {
    return (await this.deps.settings.get('policy')).timeZone;
  }

  // ---- lifetime ----------------------------------------------------------

  /** Starts the scheduler (the served appliance does; CLI commands change rows and leave running to it). */
  start(): () => Promise<void> {
    this.timer = setInterval(() => this.poke(), TICK_MS);
    this.timer.unref();
    this.poke();
    return () => this.stop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.controller.abort();
    await this.ticking?.catch(() => undefined);
    await Promise.allSettled([...this.running.values()]);
  }

  /** Runs a tick soon (after a submit, a resume): no waiting for the timer. */
  poke(): void {
    if (this.stopped || this.ticking) return;
    this.ticking = this.tick()
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'campaign scheduler tick failed'))
      .finally(() => {
        this.ticking = undefined;
      });
  }

  /** Resolves when no run is being queued in this process (tests, shutdown). */
  async whenIdle(): Promise<void> {
    while (this.ticking || this.running.size > 0) {
      await this.ticking?.catch(() => undefined);
      await Promise.allSettled([...this.running.values()]);
    }
  }

  /**
   * One pass of the scheduler: start due runs, go on with runs a restart left
   * half queued, settle finished runs, and hold messages back outside the
   * send window. Safe to call at any time; every step is a guarded update.
   */
  async tick(): Promise<void> {
    const now = this.deps.clock.now();
    const due: Array<{ id: number }> = await this.db('campaigns').select('id').where('state', 'scheduled').andWhere('next_run_at', '<=', now);
    for (const { id } of due) await this.startRun(id, now);
    const enqueuing: Array<{ id: number }> = await this.db('campaign_runs').select('id').where('state', 'enqueuing');
    for (const { id } of enqueuing) this.drive(id);
    await this.settle(now);
    await this.holdOutsideWindows(now);
  }

  private drive(runId: number): void {
    if (this.running.has(runId) || this.stopped) return;
    const context: RunnerContext = {
      db: this.db,
      clock: this.deps.clock,
      logger: this.deps.logger,
      outbox: this.deps.messaging.outbox,
      lookupLists: this.deps.lookupLists,
      policy: () => this.deps.settings.get('policy'),
      sourceOf: (campaign) => this.sourceOf(campaign),
      onProgress: (id, done) => {
        this.deps.events.publish(
          'job.progress',
          { jobId: `campaign-run:${id}`, kind: 'campaign.run', label: `#${id}`, done, total: null, ratePerSecond: null, etaSeconds: null, state: 'running' },
          'campaigns.read',
        );
        this.deps.messaging.poke();
      },
    };
    const done = enqueueRun(context, runId, this.controller.signal)
      .then(async (outcome) => {
        this.deps.messaging.poke();
        if (outcome !== 'stopped') await this.settle(this.deps.clock.now());
      })
      .catch((error: unknown) => this.deps.logger.error({ err: error, runId }, 'campaign run failed; it goes on at the next tick'))
      .finally(() => this.running.delete(runId));
    this.running.set(runId, done);
  }

  /** A due campaign's next run: a row and its batch, in one transaction with the campaign's move to running. */
  private async startRun(campaignId: number, now: number): Promise<void> {
    const zone = await this.timeZone();
    const started = await this.db.transaction(async (trx) => {
      const row: CampaignRow | undefined = await trx('campaigns').where({ id: campaignId, state: 'scheduled' }).andWhere('next_run_at', '<=', now).first();
      if (!row) return undefined;
      const runNumber = Number(row.run_count) + 1;
      const batchId = randomUUID();
      await trx('outbox_batches').insert({ id: batchId, label: batchLabel(row, runNumber), kind: 'campaign', total: 0, created_at: now, created_by: 'system' });
      const [inserted] = (await trx('campaign_runs')
        .insert({ campaign_id: campaignId, run_number: runNumber, batch_id: batchId, state: 'enqueuing', scheduled_for: Number(row.next_run_at), started_at: now, cursor: 0 })
        .returning('id')) as Array<{ id: number } | number>;
      const runId = Number(typeof inserted === 'object' ? inserted.id : inserted);
      // A recurring campaign's next occurrence counts from now: runs missed while the appliance was off are not made up one by one.
      const next = row.schedule_kind === 'recurring' && row.schedule_rule ? nextRun(row.schedule_rule, zone, now, num(row.schedule_until)) : null;
      await trx('campaigns').where('id', campaignId).update({ state: 'running', run_count: runNumber, next_run_at: next, state_changed_at: now, state_changed_by: 'system', state_reason: null });
      await this.deps.audit.record({ userId: null, username: 'system', ip: 'local' }, 'campaigns.run', `campaign:${campaignId}`, { run: runNumber, batchId }, trx);
      return runId;
    });
    if (started === undefined) return;
    this.deps.events.publish('campaigns.changed', { id: campaignId, state: 'running' }, 'campaigns.read');
    this.drive(started);
  }

  /**
   * Runs whose messages are all queued and none is waiting or being sent are
   * finished; a running campaign whose runs are all finished is completed, or
   * scheduled again when its rule has a next occurrence.
   */
  private async settle(now: number): Promise<void> {
    const open: RunRow[] = await this.db('campaign_runs').where('state', 'queued');
    for (const run of open) {
      const busy = await this.db('outbox_messages').where('batch_id', run.batch_id).whereIn('status', ['queued', 'paused', 'sending']).first('id');
      if (!busy) await this.db('campaign_runs').where({ id: run.id, state: 'queued' }).update({ state: 'finished', finished_at: now });
    }
    const runningCampaigns: CampaignRow[] = await this.db('campaigns').where('state', 'running');
    for (const campaign of runningCampaigns) {
      const unfinished = await this.db('campaign_runs').where('campaign_id', campaign.id).whereIn('state', ['enqueuing', 'queued']).first('id');
      if (unfinished) continue;
      const failed: RunRow | undefined = await this.db('campaign_runs').where({ campaign_id: campaign.id, state: 'failed' }).orderBy('run_number', 'desc').first();
      const lastFailed = failed && failed.run_number === Number(campaign.run_count);
      const next = campaign.schedule_kind === 'recurring' && campaign.next_run_at !== null && !lastFailed;
      const to: CampaignState = lastFailed ? 'paused' : next ? 'scheduled' : 'completed';
      const changed = await this.db('campaigns')
        .where({ id: campaign.id, state: 'running' })
        .update({
          state: to,
          state_changed_at: now,
          state_changed_by: 'system',
          state_reason: lastFailed ? `${failed.error_code}: ${failed.error_message ?? ''}`.slice(0, 200) : null,
        });
      if (Number(changed) === 1) {
        await this.deps.audit.record({ userId: null, username: 'system', ip: 'local' }, to === 'completed' ? 'campaigns.complete' : to === 'paused' ? 'campaigns.pause' : 'campaigns.schedule', `campaign:${campaign.id}`, {
          from: 'running',
          to,
        });
        this.deps.events.publish('campaigns.changed', { id: campaign.id, state: to }, 'campaigns.read');
      }
    }
  }

  /**
   * Outside a campaign's send window its queued messages wait for the next
   * opening: their due time moves there (the claim takes only due messages).
   * A message a modem already has goes on.
   */
  private async holdOutsideWindows(now: number): Promise<void> {
    const zone = await this.timeZone();
    const rows: Array<{ id: number; window_start: string; window_end: string }> = await this.db('campaigns')
      .select('id', 'window_start', 'window_end')
      .whereIn('state', ['running', 'paused'])
      .whereNotNull('window_start')
      .whereNotNull('window_end');
    for (const row of rows) {
      const place = windowAt({ start: row.window_start, end: row.window_end }, zone, now);
      if (place.inside) continue;
      const batches = this.db('campaign_runs').select('batch_id').where('campaign_id', row.id).whereIn('state', ['enqueuing', 'queued']);
      await this.db('outbox_messages')
        .whereIn('batch_id', batches)
        .whereIn('status', ['queued', 'paused'])
        .andWhere('due_at', '<', place.opensAt)
        .update({ due_at: place.opensAt, updated_at: now });
    }
  }

  // ---- reading -----------------------------------------------------------

  async list(query: { states?: CampaignState[] | undefined; q?: string | undefined; page?: number; pageSize?: number } = {}): Promise<{ items: Campaign[]; total: number }> {
    const page = query.page ?? 1;
    const pageSize = query.pageSize ?? 50;
    const filter = (q: Knex.QueryBuilder) => {
      if (query.states?.length) q.whereIn('c.state', query.states);
      const text = query.q?.trim();
      if (text) q.whereRaw("c.name LIKE ? ESCAPE '\\'", [`%${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`]);
    };
    const [countRow] = await this.db('campaigns as c').modify(filter).count<Array<{ n: number | string }>>({ n: '*' });
    const rows: CampaignRow[] = await this.db('campaigns as c')
      .modify(filter)
      .select('c.*')
      .orderByRaw("CASE c.state WHEN 'running' THEN 0 WHEN 'paused' THEN 1 WHEN 'pending_approval' THEN 2 WHEN 'scheduled' THEN 3 WHEN 'draft' THEN 4 ELSE 5 END")
      .orderBy('c.id', 'desc')
      .limit(pageSize)
      .offset((page - 1) * pageSize);
    return { items: await this.views(rows), total: Number(countRow?.n ?? 0) };
  }

  async get(id: number, trx: Knex = this.db): Promise<Campaign> {
    const [view] = await this.views([await this.row(id, trx)], trx);
    return view!;
  }

  async runs(id: number): Promise<CampaignRun[]> {
    const rows: RunRow[] = await this.db('campaign_runs').where('campaign_id', id).orderBy('run_number', 'desc');
    return rows.map(toRun);
  }

  /** The campaign, its runs, and when it runs next (five times for a recurring one). */
  async detail(id: number): Promise<{ campaign: Campaign; runs: CampaignRun[]; upcoming: number[] }> {
    const campaign = await this.get(id);
    return { campaign, runs: await this.runs(id), upcoming: await this.upcoming(campaign) };
  }

  private async upcoming(campaign: Campaign): Promise<number[]> {
    if (FINAL.includes(campaign.state)) return [];
    if (campaign.schedule.kind === 'recurring' && campaign.schedule.rule) {
      const from = campaign.nextRunAt !== null ? campaign.nextRunAt - 1 : this.deps.clock.now();
      return nextRuns(campaign.schedule.rule, await this.timeZone(), from, 5, campaign.schedule.until);
    }
    if (campaign.runCount > 0) return [];
    return [campaign.nextRunAt ?? campaign.schedule.at ?? this.deps.clock.now()];
  }

  async row(id: number, trx: Knex = this.db): Promise<CampaignRow> {
    const row: CampaignRow | undefined = await trx('campaigns').where('id', id).first();
    if (!row) throw new CampaignError('CAMPAIGN_NOT_FOUND', `There is no campaign ${id}. Check the number (活动 lists them all).`, 404, { id });
    return row;
  }

  private async views(rows: CampaignRow[], trx: Knex = this.db): Promise<Campaign[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => Number(r.id));
    const counted: Array<{ campaign_id: number; status: string; n: number | string }> = await trx('campaign_runs as r')
      .join('outbox_messages as m', 'm.batch_id', 'r.batch_id')
      .select('r.campaign_id', 'm.status')
      .count({ n: '*' })
      .whereIn('r.campaign_id', ids)
      .groupBy('r.campaign_id', 'm.status');
    const segmentIds = [...new Set(rows.map((r) => r.segment_id).filter((s): s is number => s !== null))];
    const names = new Map<number, string>();
    if (segmentIds.length > 0) {
      const found: Array<{ id: number; name: string }> = await trx('segments').select('id', 'name').whereIn('id', segmentIds);
      for (const s of found) names.set(Number(s.id), s.name);
    }
    return rows.map((row) => {
      const progress: CampaignProgress = { total: 0, waiting: 0, sending: 0, sent: 0, delivered: 0, failed: 0, blocked: 0, cancelled: 0 };
      for (const c of counted) {
        if (Number(c.campaign_id) !== Number(row.id)) continue;
        const n = Number(c.n);
        progress.total += n;
        if (c.status === 'queued' || c.status === 'paused') progress.waiting += n;
        else if (c.status === 'sending') progress.sending += n;
        else if (c.status === 'sent') progress.sent += n;
        else if (c.status === 'delivered') {
          progress.sent += n;
          progress.delivered += n;
        } else if (c.status === 'failed' || c.status === 'expired') progress.failed += n;
        else if (c.status === 'blocked') progress.blocked += n;
        else if (c.status === 'cancelled') progress.cancelled += n;
      }
      return toCampaign(row, row.segment_id === null ? null : (names.get(Number(row.segment_id)) ?? null), progress);
    });
  }

  /** The audience as a stream source, as it is now. */
  async sourceOf(campaign: CampaignRow): Promise<AudienceSource> {
    const kind = campaign.audience_kind as AudienceSource['kind'];
    let filter: MemberFilter | null = null;
    if (kind === 'segment') filter = await this.deps.segments.filterOf(Number(campaign.segment_id));
    else if (kind === 'filter') filter = JSON.parse(campaign.audience_filter ?? '{}') as MemberFilter;
    else if (kind === 'tag') filter = tagFilter(campaign.audience_tag ?? '');
    return { kind, campaignId: Number(campaign.id), filter };
  }

  // ---- creating and editing ------------------------------------------------

  async create(by: CampaignActor, input: CampaignInput): Promise<Campaign> {
    const clean = await this.check(input, null);
    const now = this.deps.clock.now();
    const id = await this.db.transaction(async (trx) => {
      const [inserted] = (await trx('campaigns')
        .insert({
          ...clean.columns,
          state: 'draft',
          run_count: 0,
          created_by_role: by.role,
          created_at: now,
          created_by: by.actor.username,
          updated_at: now,
          updated_by: by.actor.username,
          state_changed_at: now,
          state_changed_by: by.actor.username,
        })
        .returning('id')) as Array<{ id: number } | number>;
      const campaignId = Number(typeof inserted === 'object' ? inserted.id : inserted);
      if (clean.numbers) await writeList(trx, campaignId, clean.numbers);
      await this.deps.audit.record(by.actor, 'campaigns.create', `campaign:${campaignId}`, { name: clean.columns.name, audience: clean.columns.audience_kind, schedule: clean.columns.schedule_kind }, trx);
      return campaignId;
    });
    this.deps.events.publish('campaigns.changed', { id, state: 'draft' }, 'campaigns.read');
    return this.get(id);
  }

  /**
   * Edits a campaign. Before it runs, everything changes. While it runs
   * (running or paused with a run not finished), only what has not started:
   * the text and modem apply to messages not queued yet, the audience to
   * members not reached yet (after the run's cursor), the send window to
   * messages not sent yet, the schedule to the next runs; the category and
   * the hold-out share are refused (they would split one run into two
   * measurements). An operator's edit of an approved campaign, with approval
   * on, sends it back for approval.
   */
  async update(by: CampaignActor, id: number, input: CampaignInput): Promise<Campaign> {
    const clean = await this.check(input, id);
    const state = await this.db.transaction(async (trx) => {
      const row = await this.row(id, trx);
      const from = row.state as CampaignState;
      if (!EDITABLE.includes(from)) {
        throw new CampaignError('CAMPAIGN_NOT_EDITABLE', `Campaign ${id} is ${from}; a finished campaign cannot be changed. Copy it into a new one instead.`, 409, { id, state: from });
      }
      const active = await trx('campaign_runs').where('campaign_id', id).whereIn('state', ['enqueuing', 'queued']).first('id');
      if (active) {
        const refused: string[] = [];
        if (clean.columns.category !== row.category) refused.push('category');
        if (clean.columns.holdout_percent !== Number(row.holdout_percent)) refused.push('holdoutPercent');
        if (refused.length > 0) {
          throw new CampaignError(
            'CAMPAIGN_RUNNING_FIELD',
            `Campaign ${id} is sending now; its ${refused.join(' and ')} cannot change mid-run (the run would measure two things). Change the text, audience, modem or window, or wait until the run is over.`,
            409,
            { id, fields: refused },
          );
        }
      }
      let to: CampaignState = from;
      const changes: Record<string, unknown> = { ...clean.columns, updated_at: this.deps.clock.now(), updated_by: by.actor.username };
      if (from === 'scheduled' || from === 'pending_approval') {
        Object.assign(changes, await this.scheduleColumns(clean.columns, row));
        if (from === 'scheduled' && (await this.needsApproval(by, row))) to = 'pending_approval';
      } else if (from === 'running' || from === 'paused') {
        // The next occurrences follow the new rule; the run under way goes on.
        if (clean.columns.schedule_kind === 'recurring' && clean.columns.schedule_rule) {
          changes.next_run_at = nextRun(clean.columns.schedule_rule, await this.timeZone(), this.deps.clock.now(), clean.columns.schedule_until);
        }
      }
      if (to !== from) Object.assign(changes, { state: to, state_changed_at: this.deps.clock.now(), state_changed_by: by.actor.username, approved_by: null, approved_at: null });
      await trx('campaigns').where('id', id).update(changes);
      if (clean.numbers) {
        if (active && row.audience_kind === 'list') {
          throw new CampaignError('CAMPAIGN_RUNNING_FIELD', `Campaign ${id} is sending to its uploaded list now; the list cannot be replaced mid-run.`, 409, { id, fields: ['audience'] });
        }
        await trx('campaign_list_numbers').where('campaign_id', id).delete();
        await writeList(trx, id, clean.numbers);
      }
      await this.deps.audit.record(by.actor, 'campaigns.update', `campaign:${id}`, { name: clean.columns.name, state: to, running: Boolean(active) }, trx);
      return to;
    });
    this.deps.events.publish('campaigns.changed', { id, state }, 'campaigns.read');
    return this.get(id);
  }

  /** Validates an input into columns (and the parsed list), or throws the first problem with its code. */
  private async check(input: CampaignInput, id: number | null) {
    const name = input.name.trim();
    if (!name) throw new CampaignError('CAMPAIGN_NAME_REQUIRED', 'Give the campaign a name, such as 中秋问候.', 400);
    const category = input.category ?? 'marketing';
    if (!CAMPAIGN_CATEGORIES.includes(category)) throw new CampaignError('CAMPAIGN_CATEGORY_INVALID', 'A campaign is marketing or care.', 400);
    compileTemplate(input.text); // an unknown placeholder or an empty text fails here, before anything is saved
    const zone = await this.timeZone();
    const now = this.deps.clock.now();
    const audience = input.audience;
    let segmentId: number | null = null;
    let filter: string | null = null;
    let tag: string | null = null;
    let numbers: string[] | null = null;
    if (audience.kind === 'segment') {
      if (!audience.segmentId) throw new CampaignError('CAMPAIGN_AUDIENCE_INVALID', 'Choose the segment to send to.', 400, { field: 'audience.segmentId' });
      await this.deps.segments.filterOf(audience.segmentId);
      segmentId = audience.segmentId;
    } else if (audience.kind === 'filter') {
      filter = JSON.stringify(parseMemberFilter(audience.filter ?? {}));
    } else if (audience.kind === 'tag') {
      if (!audience.tag?.trim()) throw new CampaignError('CAMPAIGN_AUDIENCE_INVALID', 'Choose the tag (contact group) to send to.', 400, { field: 'audience.tag' });
      tag = audience.tag.trim();
    } else if (audience.numbers !== undefined && audience.numbers !== null) {
      const parsed = parseNumberList(audience.numbers);
      if (parsed.numbers.length === 0) {
        throw new CampaignError('CAMPAIGN_LIST_EMPTY', 'The list holds no mobile numbers. Paste or upload one number per line.', 400, { problems: parsed.errors.slice(0, 20) });
      }
      if (parsed.numbers.length > MAX_LIST) {
        throw new CampaignError('CAMPAIGN_LIST_TOO_LARGE', `The list holds ${parsed.numbers.length} numbers; at most ${MAX_LIST} fit. Save a segment for larger audiences.`, 400);
      }
      numbers = parsed.numbers;
    } else if (id === null) {
      throw new CampaignError('CAMPAIGN_LIST_EMPTY', 'The list holds no mobile numbers. Paste or upload one number per line.', 400);
    }
    let modemId: string | null = null;
    if (input.modemId) modemId = (await pinnedModemOf(this.deps.modems, input.modemId)).id;
    const schedule = input.schedule;
    let rule: string | null = null;
    let at: number | null = null;
    if (schedule.kind === 'recurring') {
      if (!schedule.rule) throw new CampaignError('CAMPAIGN_RULE_INVALID', 'A repeating campaign needs its rule, e.g. every Friday at 10:00.', 400);
      rule = checkRule(schedule.rule, zone, now);
      if (schedule.until != null && nextRun(rule, zone, now, schedule.until) === null) {
        throw new CampaignError('CAMPAIGN_RULE_NEVER_FIRES', `The repeat rule "${rule}" does not fire before its end date; move the end date or change the rule.`, 400, { rule });
      }
    } else if (schedule.kind === 'at') {
      if (!schedule.at) throw new CampaignError('CAMPAIGN_SCHEDULE_REQUIRED', 'Choose when to send.', 400);
      at = schedule.at;
      if (at < now - SCHEDULE_GRACE_MS) {
        throw new CampaignError('CAMPAIGN_SCHEDULE_IN_PAST', `The send time ${new Date(at).toISOString()} has already passed; choose a later time, or send now.`, 400, { at, now });
      }
    }
    const window = checkWindow(input.window ?? null);
    return {
      numbers,
      columns: {
        name: name.slice(0, 100),
        audience_kind: audience.kind,
        segment_id: segmentId,
        audience_filter: filter,
        audience_tag: tag,
        ...(numbers ? { list_size: numbers.length } : {}),
        template_id: input.templateId ?? null,
        text: input.text,
        category,
        modem_id: modemId,
        schedule_kind: schedule.kind,
        schedule_at: at,
        schedule_rule: rule,
        schedule_until: schedule.kind === 'recurring' ? (schedule.until ?? null) : null,
        window_start: window?.start ?? null,
        window_end: window?.end ?? null,
        holdout_percent: input.holdoutPercent ?? 0,
        effect_days: input.effectDays ?? 7,
      },
    };
  }

  /** When a scheduled campaign first runs. */
  private async scheduleColumns(
    columns: Pick<CampaignRow, 'schedule_kind' | 'schedule_at' | 'schedule_rule' | 'schedule_until'>,
    row: Pick<CampaignRow, 'name'>,
  ): Promise<{ next_run_at: number }> {
    const now = this.deps.clock.now();
    if (columns.schedule_kind === 'now') return { next_run_at: now };
    if (columns.schedule_kind === 'at') {
      const at = Number(columns.schedule_at);
      if (at < now - SCHEDULE_GRACE_MS) {
        throw new CampaignError('CAMPAIGN_SCHEDULE_IN_PAST', `Campaign "${row.name}" was to send at ${new Date(at).toISOString()}, which has passed; choose a later time, or send now.`, 400, { at, now });
      }
      return { next_run_at: Math.max(at, now) };
    }
    const next = nextRun(columns.schedule_rule ?? '', await this.timeZone(), now, num(columns.schedule_until));
    if (next === null) throw new CampaignError('CAMPAIGN_RULE_NEVER_FIRES', `The repeat rule "${columns.schedule_rule}" has no run left; change the rule or its end date.`, 400);
    return { next_run_at: next };
  }

  private async needsApproval(by: CampaignActor, row: Pick<CampaignRow, 'created_by_role'>): Promise<boolean> {
    if (!(await this.deps.settings.get('campaignApproval'))) return false;
    return by.role === 'operator' || row.created_by_role === 'operator';
  }

  // ---- state changes ---------------------------------------------------------

  /**
   * Draft → scheduled (or pending approval for an operator's campaign when
   * approval is on). Refused: a one-off audience of nobody, a time passed.
   */
  async submit(by: CampaignActor, id: number): Promise<Campaign> {
    const row = await this.row(id);
    this.expect(row, ['draft'], 'submit');
    if (row.schedule_kind !== 'recurring') {
      const size = await audienceSize(this.db, await this.sourceOf(row), this.deps.clock.now());
      if (size === 0) {
        throw new CampaignError('CAMPAIGN_AUDIENCE_EMPTY', `The audience of "${row.name}" holds nobody with a mobile number; change the audience before sending.`, 400, { id });
      }
    }
    const schedule = await this.scheduleColumns(row, row);
    const to: CampaignState = (await this.needsApproval(by, row)) ? 'pending_approval' : 'scheduled';
    await this.move(by.actor, row, to, to === 'scheduled' ? schedule : {}, 'campaigns.submit');
    if (to === 'scheduled') this.poke();
    return this.get(id);
  }

  /** A manager approves an operator's campaign: it is scheduled. */
  async approve(by: CampaignActor, id: number, note?: string): Promise<Campaign> {
    const row = await this.row(id);
    this.expect(row, ['pending_approval'], 'approve');
    const schedule = await this.scheduleColumns(row, row);
    const now = this.deps.clock.now();
    await this.move(by.actor, row, 'scheduled', { ...schedule, approved_by: by.actor.username, approved_at: now }, 'campaigns.approve', { note: note ?? null });
    this.poke();
    return this.get(id);
  }

  /** A manager sends it back to draft, saying why. */
  async reject(by: CampaignActor, id: number, note?: string): Promise<Campaign> {
    const row = await this.row(id);
    this.expect(row, ['pending_approval'], 'reject');
    await this.move(by.actor, row, 'draft', { state_reason: (note ?? '').slice(0, 200) || null, next_run_at: null }, 'campaigns.reject', { note: note ?? null });
    return this.get(id);
  }

  /** Holds everything: the runs' waiting messages (through their batches) and the runs to come. */
  async pause(by: CampaignActor, id: number): Promise<Campaign> {
    const row = await this.row(id);
    this.expect(row, ['scheduled', 'running'], 'pause');
    await this.forEachOpenBatch(id, (batchId) => this.deps.messaging.batches.pause(by.actor, batchId), ['BATCH_ALREADY_PAUSED', 'BATCH_FINISHED', 'BATCH_CANCELLED']);
    await this.move(by.actor, row, 'paused', {}, 'campaigns.pause', { was: row.state });
    return this.get(id);
  }

  /** Goes on: the held messages are queued again; a run time that passed while paused runs now. */
  async resume(by: CampaignActor, id: number): Promise<Campaign> {
    const row = await this.row(id);
    this.expect(row, ['paused'], 'resume');
    await this.forEachOpenBatch(id, (batchId) => this.deps.messaging.batches.resume(by.actor, batchId), ['BATCH_NOT_PAUSED', 'BATCH_FINISHED', 'BATCH_CANCELLED']);
    const unfinished = await this.db('campaign_runs').where('campaign_id', id).whereIn('state', ['enqueuing', 'queued']).first('id');
    const lastFailed = await this.db('campaign_runs').where({ campaign_id: id, state: 'failed', run_number: row.run_count }).first('id');
    const now = this.deps.clock.now();
    let to: CampaignState;
    const extra: Record<string, unknown> = { state_reason: null };
    if (unfinished) to = 'running';
    else if (lastFailed) {
      // The run that stopped on an error is tried again as a new run, now.
      to = 'scheduled';
      extra.next_run_at = now;
    } else if (Number(row.run_count) === 0 || row.schedule_kind === 'recurring') {
      // Waiting for its (next) run; a time that passed while paused runs at the next tick.
      to = row.next_run_at === null && row.schedule_kind === 'recurring' ? 'completed' : 'scheduled';
      if (row.next_run_at === null && row.schedule_kind !== 'recurring') extra.next_run_at = now;
    } else to = 'completed';
    await this.move(by.actor, row, to, extra, 'campaigns.resume');
    this.poke();
    return this.get(id);
  }

  /** Stops for good: every message not yet handed to a modem is withdrawn, no more runs. */
  async cancel(by: CampaignActor, id: number): Promise<Campaign> {
    const row = await this.row(id);
    this.expect(row, ['draft', 'pending_approval', 'scheduled', 'running', 'paused'], 'cancel');
    await this.move(by.actor, row, 'cancelled', { next_run_at: null }, 'campaigns.cancel', { was: row.state });
    await this.forEachOpenBatch(id, (batchId) => this.deps.messaging.batches.cancel(by.actor, batchId), ['BATCH_FINISHED', 'BATCH_CANCELLED']);
    const now = this.deps.clock.now();
    await this.db('campaign_runs').where('campaign_id', id).whereIn('state', ['enqueuing', 'queued']).update({ state: 'cancelled', finished_at: now });
    return this.get(id);
  }

  private expect(row: CampaignRow, from: readonly CampaignState[], verb: string): void {
    if (!from.includes(row.state as CampaignState)) {
      throw new CampaignError(
        'CAMPAIGN_STATE_CONFLICT',
        `Campaign ${row.id} is ${row.state}; it can ${verb} only when ${from.join(' or ')}.`,
        409,
        { id: Number(row.id), state: row.state, action: verb },
      );
    }
  }

  private async move(actor: AuditActor, row: CampaignRow, to: CampaignState, extra: Record<string, unknown>, action: AuditAction, detail: Record<string, unknown> = {}): Promise<void> {
    const now = this.deps.clock.now();
    await this.db.transaction(async (trx) => {
      const changed = await trx('campaigns')
        .where({ id: row.id, state: row.state })
        .update({ state: to, state_changed_at: now, state_changed_by: actor.username, ...extra });
      if (Number(changed) !== 1) {
        throw new CampaignError('CAMPAIGN_CONCURRENT_CHANGE', `Campaign ${row.id} changed while you acted on it; look at it again and retry.`, 409, { id: Number(row.id) });
      }
      await this.deps.audit.record(actor, action, `campaign:${row.id}`, { name: row.name, from: row.state, to, ...detail }, trx);
    });
    this.deps.events.publish('campaigns.changed', { id: Number(row.id), state: to }, 'campaigns.read');
  }

  private async forEachOpenBatch(id: number, act: (batchId: string) => Promise<unknown>, ignore: readonly string[]): Promise<void> {
    const runs: Array<{ batch_id: string }> = await this.db('campaign_runs').select('batch_id').where('campaign_id', id).whereIn('state', ['enqueuing', 'queued']);
    for (const run of runs) {
      try {
        await act(run.batch_id);
      } catch (error) {
        if (!(isAppError(error) && ignore.includes(error.code))) throw error;
      }
    }
  }

  // ---- dry run -----------------------------------------------------------------

  /**
   * What the campaign would do if it ran now, without writing anything: the
   * audience, the hold-out, queued and blocked per rule, SMS parts, how long
   * the modems take at their pace and caps, and three real rendered texts.
   */
  async dryRun(input: CampaignInput, id: number | null = null): Promise<DryRun> {
    const clean = await this.check(input, id);
    const now = this.deps.clock.now();
    const campaignId = id ?? 0;
    const source: AudienceSource = await this.sourceOf({
      ...(clean.columns as unknown as CampaignRow),
      id: campaignId,
    });
    let listPreview: string[] | null = null;
    if (source.kind === 'list') listPreview = clean.numbers ?? (await this.db('campaign_list_numbers').where('campaign_id', campaignId).orderBy('seq').pluck('number'));
    const runNumber = id === null ? 1 : (await this.row(id)).run_count + 1;
    let audience = 0;
    let holdout = 0;
    const db = this.db;
    async function* targets() {
      if (listPreview) {
        for (const number of listPreview) {
          audience += 1;
          if (inHoldout(campaignId, runNumber, `number:${number}`, clean.columns.holdout_percent)) holdout += 1;
          else yield { number, idempotencyKey: idempotencyKey(campaignId, runNumber, `number:${number}`) };
        }
        return;
      }
      let cursor = 0;
      for (;;) {
        const page = await audiencePage(db, source, cursor, 2_000, now);
        if (page.length === 0) return;
        for (const entry of page) {
          audience += 1;
          if (inHoldout(campaignId, runNumber, entry.key, clean.columns.holdout_percent)) holdout += 1;
          else yield { ...entry.recipient, idempotencyKey: idempotencyKey(campaignId, runNumber, entry.key) };
        }
        cursor = page[page.length - 1]!.position;
      }
    }
    const zone = await this.timeZone();
    let startsAt: number | null = now;
    if (clean.columns.schedule_kind === 'at') startsAt = clean.columns.schedule_at;
    else if (clean.columns.schedule_kind === 'recurring') startsAt = nextRun(clean.columns.schedule_rule!, zone, now, clean.columns.schedule_until);
    const window = clean.columns.window_start && clean.columns.window_end ? { start: clean.columns.window_start, end: clean.columns.window_end } : null;
    if (window && startsAt !== null) {
      const place = windowAt(window, zone, startsAt);
      if (!place.inside) startsAt = place.opensAt;
    }
    const tally = await this.deps.messaging.outbox.enqueue(
      targets(),
      { text: clean.columns.text, category: clean.columns.category, source: 'campaign', pinnedModem: clean.columns.modem_id, matchMembers: source.kind === 'list' },
      { userId: null, username: 'system', ip: 'local' },
      { dryRun: true },
    );
    const estimate = estimateSendDuration(tally.parts, await modemPaces(this.deps.modems, clean.columns.modem_id));
    const upcoming =
      clean.columns.schedule_kind === 'recurring' ? nextRuns(clean.columns.schedule_rule!, zone, now, 5, clean.columns.schedule_until) : startsAt === null ? [] : [startsAt];
    return {
      audience,
      target: audience - holdout,
      holdout,
      queued: tally.queued,
      deferred: tally.deferred,
      blocked: tally.blocked,
      duplicates: tally.duplicates,
      parts: tally.parts,
      estimate,
      samples: tally.samples,
      startsAt,
      upcoming,
    };
  }

  // ---- settings -------------------------------------------------------------------

  async approvalSetting(): Promise<{ requireApproval: boolean }> {
    return { requireApproval: await this.deps.settings.get('campaignApproval') };
  }

  async setApproval(actor: AuditActor, requireApproval: boolean): Promise<{ requireApproval: boolean }> {
    await this.deps.settings.update(actor, { campaignApproval: requireApproval });
    return this.approvalSetting();
  }
}

async function writeList(trx: Knex, campaignId: number, numbers: readonly string[]): Promise<void> {
  const rows = numbers.map((number, i) => ({ campaign_id: campaignId, seq: i + 1, number }));
  for (let i = 0; i < rows.length; i += 300) await trx('campaign_list_numbers').insert(rows.slice(i, i + 300));
}

export function toRun(row: RunRow): CampaignRun {
  return {
    id: Number(row.id),
    runNumber: Number(row.run_number),
    state: row.state as RunState,
    batchId: row.batch_id,
    scheduledFor: Number(row.scheduled_for),
    startedAt: Number(row.started_at),
    queuedAt: num(row.queued_at),
    finishedAt: num(row.finished_at),
    audience: Number(row.audience),
    holdout: Number(row.holdout),
    errorCode: row.error_code,
    errorMessage: row.error_message,
  };
}

function toCampaign(row: CampaignRow, segmentName: string | null, progress: CampaignProgress): Campaign {
  return {
    id: Number(row.id),
    name: row.name,
    state: row.state as CampaignState,
    audience: {
      kind: row.audience_kind as Campaign['audience']['kind'],
      segmentId: row.segment_id === null ? null : Number(row.segment_id),
      segmentName,
      filter: row.audience_filter ? (JSON.parse(row.audience_filter) as MemberFilter) : null,
      tag: row.audience_tag,
      listSize: Number(row.list_size),
    },
    templateId: row.template_id === null ? null : Number(row.template_id),
    text: row.text,
    category: row.category as Campaign['category'],
    modemId: row.modem_id,
    schedule: { kind: row.schedule_kind as Campaign['schedule']['kind'], at: num(row.schedule_at), rule: row.schedule_rule, until: num(row.schedule_until) },
    window: row.window_start && row.window_end ? { start: row.window_start, end: row.window_end } : null,
    holdoutPercent: Number(row.holdout_percent),
    effectDays: Number(row.effect_days),
    nextRunAt: num(row.next_run_at),
    runCount: Number(row.run_count),
    progress,
    createdBy: row.created_by,
    createdByRole: row.created_by_role,
    createdAt: Number(row.created_at),
    updatedBy: row.updated_by,
    updatedAt: Number(row.updated_at),
    approvedBy: row.approved_by,
    approvedAt: num(row.approved_at),
    stateReason: row.state_reason,
    stateChangedAt: num(row.state_changed_at),
    stateChangedBy: row.state_changed_by,
  };
}
