import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { AuditAction, AuditActor, AuditLog } from '../auth/audit.js';
import type { Clock } from '../clock.js';
import type { EventBus } from '../events/bus.js';
import type { Messaging } from '../messaging/dispatcher/service.js';
import { queriedMembers } from '../messaging/outbox/recipients.js';
import type { Settings } from '../settings/settings.js';
import { DAY_MS, promotionLine } from './decide.js';
import { StrategyError } from './errors.js';
import { recomputeStrategies } from './recompute.js';
import { ruleColumns, scopeLabel, toRule, validateRule, type RuleRow } from './rules.js';
import {
  STRATEGY_KINDS,
  STRATEGY_STATES,
  type ApproveOptions,
  type ManualPromotionInput,
  type Promotion,
  type PushAudience,
  type PushResult,
  type ReasonCode,
  type ReasonFigures,
  type RecomputeOptions,
  type RecomputeRun,
  type RecomputeSummary,
  type Strategy,
  type StrategyActor,
  type StrategyKind,
  type StrategyQuery,
  type StrategyRule,
  type StrategyRuleInput,
  type StrategyState,
} from './types.js';

declare module '../events/bus.js' {
  interface ApplianceEvents {
    /** Strategies changed (a recompute finished, one was approved, rejected, ended or typed by hand). */
    'strategies.changed': { ids: number[]; reason: 'recompute' | 'decision' | 'dates' | 'manual' | 'push' | 'rules' };
  }
}

export interface StrategiesDeps {
  db: Knex;
  clock: Clock;
  audit: AuditLog;
  events: EventBus;
  logger: Logger;
  settings: Settings;
  messaging: Messaging;
}

/** Buyers of the category in this many days are the push audience. */
export const AUDIENCE_DAYS = 90;
/** How often approved strategies are started and finished ones ended by their dates. */
const SWEEP_INTERVAL_MS = 60_000;
/** Longest promotion a manager can give. */
const MAX_PROMOTION_DAYS = 366;

interface StrategyRow {
  id: number;
  kind: string;
  state: string;
  origin: string;
  store_code: string | null;
  store_name?: string | null;
  product_code: string | null;
  product_name: string | null;
  category: string | null;
  reason_codes: string;
  reason_text: string;
  figures: string | null;
  discount_percent: number | null;
  buy_n_get_one: number | null;
  restock_quantity: number | null;
  limit_per_customer: number | null;
  price_rise_percent: number | null;
  promotion_text: string | null;
  promotion_days: number | null;
  priority: number | string;
  starts_at: number | string | null;
  ends_at: number | string | null;
  decided_by_kind: string | null;
  decided_by_name: string | null;
  decided_by_user_id: number | null;
  decided_by_staff_id: number | null;
  decided_at: number | string | null;
  decision_note: string | null;
  ended_reason: string | null;
  ended_at: number | string | null;
  push_batch_id: string | null;
  pushed_at: number | string | null;
  created_at: number | string;
  updated_at: number | string;
}

const n = (v: number | string | null): number | null => (v === null ? null : Number(v));

function toStrategy(row: StrategyRow, timeZone: string): Strategy {
  const startsAt = n(row.starts_at);
  const endsAt = n(row.ends_at);
  const isPromotion = row.kind === 'promotion';
  return {
    id: row.id,
    kind: row.kind as StrategyKind,
    state: row.state as StrategyState,
    origin: row.origin as Strategy['origin'],
    storeCode: row.store_code,
    storeName: row.store_name ?? null,
    productCode: row.product_code,
    productName: row.product_name,
    category: row.category,
    reason: {
      codes: row.reason_codes ? (row.reason_codes.split(',') as ReasonCode[]) : [],
      text: row.reason_text,
      figures: row.figures ? (JSON.parse(row.figures) as ReasonFigures) : null,
    },
    discountPercent: row.discount_percent,
    buyNGetOne: row.buy_n_get_one,
    restockQuantity: n(row.restock_quantity),
    limitPerCustomer: row.limit_per_customer,
    priceRisePercent: row.price_rise_percent,
    promotionText: isPromotion
      ? promotionLine(
          { productName: row.product_name, discountPercent: row.discount_percent, buyNGetOne: row.buy_n_get_one, text: row.promotion_text, endsAt: endsAt ?? Number(row.created_at) + (row.promotion_days ?? 14) * DAY_MS },
          timeZone,
        )
      : null,
    startsAt,
    endsAt,
    decidedBy: row.decided_by_kind
      ? { kind: row.decided_by_kind as 'user' | 'staff' | 'system', name: row.decided_by_name ?? '', userId: row.decided_by_user_id, staffId: row.decided_by_staff_id }
      : null,
    decidedAt: n(row.decided_at),
    decisionNote: row.decision_note,
    endedReason: row.ended_reason,
    endedAt: n(row.ended_at),
    pushBatchId: row.push_batch_id,
    pushedAt: n(row.pushed_at),
    priority: Number(row.priority),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}


/** The audit actor for a decision: a signed-in user as themselves, a staff member by name and number. */
export function auditActorOf(by: StrategyActor): AuditActor {
  if (by.kind === 'user') return by.actor;
  return { userId: null, username: `staff:${by.name}`.slice(0, 64), ip: `sms:${by.mobile}` };
}

function deciderColumns(by: StrategyActor): Record<string, unknown> {
  return by.kind === 'user'
    ? { decided_by_kind: 'user', decided_by_name: by.actor.username.slice(0, 64), decided_by_user_id: by.actor.userId, decided_by_staff_id: null }
    : { decided_by_kind: 'staff', decided_by_name: by.name.slice(0, 64), decided_by_user_id: null, decided_by_staff_id: by.staffId };
}

/**
 * The strategy engine (营销策略): suggestions from stock thresholds, their
 * states (suggested → approved → active → ended, or rejected), the active
 * promotions the 促销 keyword answers with, and the one-click push of a
 * promotion to the members who buy its category.
 *
 * Reads only the local mirror. A recompute runs one at a time, store by
 * store in short steps (progress, cancel, the database shared between steps);
 * a store's suggestions are written when that store is done.
 */
export class Strategies {
  private running: { runId: number; controller: AbortController; done: Promise<RecomputeSummary> } | undefined;
  private recomputeAgain = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private serving = false;

  constructor(private readonly deps: StrategiesDeps) {}

  private get db(): Knex {
    return this.deps.db;
  }

  private async timeZone(): Promise<string> {
    return (await this.deps.settings.get('policy')).timeZone;
  }

  // ---- lifetime ----------------------------------------------------------

  /**
   * Starts the date sweep timer and the recompute after each store sync (the
   * served appliance does; a short CLI command that syncs does not wait for
   * one). Returns the stop function for the composition root.
   */
  start(): () => Promise<void> {
    this.serving = true;
    this.timer = setInterval(() => {
      this.sweep().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'strategy date sweep failed'));
    }, SWEEP_INTERVAL_MS);
    this.timer.unref();
    return () => this.stop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const running = this.running;
    if (running) {
      running.controller.abort();
      await running.done.catch(() => undefined);
    }
  }

  /**
   * Starts what is due by its dates and ends what is over: approved →
   * active at its start, approved or active → ended at its end.
   */
  async sweep(now = this.deps.clock.now()): Promise<{ activated: number; ended: number }> {
    const ended = await this.db('strategies')
      .whereIn('state', ['approved', 'active'])
      .where('ends_at', '<=', now)
      .update({ state: 'ended', ended_reason: 'expired', ended_at: now, open_key: null, updated_at: now });
    const activated = await this.db('strategies').where('state', 'approved').where('starts_at', '<=', now).update({ state: 'active', updated_at: now });
    if (ended + activated > 0) this.deps.events.publish('strategies.changed', { ids: [], reason: 'dates' }, 'strategies.read');
    return { activated, ended };
  }

  // ---- recompute ---------------------------------------------------------

  get recomputing(): { runId: number } | undefined {
    return this.running ? { runId: this.running.runId } : undefined;
  }

  /**
   * Recomputes every store's suggestions from the mirror. One at a time: a
   * second call while one runs is refused (STRATEGY_RECOMPUTE_RUNNING).
   */
  async recompute(options: RecomputeOptions = {}): Promise<RecomputeSummary> {
    return (await this.startRecompute(options)).done;
  }

  /** Starts a recompute and returns its run id at once (the API answers before it ends). */
  async startRecompute(options: RecomputeOptions = {}): Promise<{ runId: number; done: Promise<RecomputeSummary> }> {
    if (this.stopped) throw new StrategyError('STRATEGY_RECOMPUTE_RUNNING', 'StoreMAS is shutting down; recompute after it restarts.', 503);
    if (this.running) {
      throw new StrategyError('STRATEGY_RECOMPUTE_RUNNING', `Strategies are being recomputed now (run ${this.running.runId}). Wait for it to finish or cancel it.`, 409);
    }
    const controller = new AbortController();
    const outer = options.signal;
    if (outer?.aborted) controller.abort();
    outer?.addEventListener('abort', () => controller.abort(), { once: true });
    const trigger = options.trigger ?? 'manual';
    const startedAt = this.deps.clock.now();
    const runId = await this.db.transaction(async (trx) => {
      const [inserted] = (await trx('strategy_runs').insert({ trigger, state: 'running', started_at: startedAt }).returning('id')) as Array<{ id: number } | number>;
      const id = typeof inserted === 'object' ? inserted.id : inserted!;
      if (options.actor) await this.deps.audit.record(options.actor, 'strategies.recompute', String(id), { trigger }, trx);
      return id;
    });
    const context = { db: this.db, clock: this.deps.clock, events: this.deps.events, logger: this.deps.logger, rules: () => this.listRules(), sweep: (now: number) => this.sweep(now) };
    const done = recomputeStrategies(context, runId, startedAt, controller.signal, options.onProgress).finally(() => {
      if (this.running?.runId === runId) this.running = undefined;
    });
    this.running = { runId, controller, done };
    return { runId, done };
  }

  /** Stops the running recompute; what finished stores wrote stays. */
  async cancelRecompute(actor: AuditActor): Promise<void> {
    if (!this.running) throw new StrategyError('STRATEGY_RECOMPUTE_NOT_RUNNING', 'No recompute is running.', 409);
    this.running.controller.abort();
    await this.deps.audit.record(actor, 'strategies.recompute.cancel', String(this.running.runId));
  }

  /**
   * After a store sync: recompute now, or once more when the running one ends
   * (it may have read the mirror before the sync's last batch).
   */
  recomputeAfterSync(): void {
    if (this.stopped || !this.serving) return;
    if (this.running) {
      this.recomputeAgain = true;
      return;
    }
    this.startRecompute({ trigger: 'sync' })
      .then(({ done }) => done)
      .then(() => {
        if (this.recomputeAgain) {
          this.recomputeAgain = false;
          this.recomputeAfterSync();
        }
      })
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'strategy recompute after sync failed'));
  }

  async lastRun(): Promise<RecomputeRun | null> {
    const row = (await this.db('strategy_runs').orderBy('id', 'desc').first()) as
      | { id: number; trigger: string; state: RecomputeRun['state']; started_at: number | string; finished_at: number | string | null; summary: string | null }
      | undefined;
    if (!row) return null;
    return {
      id: row.id,
      trigger: row.trigger,
      state: row.state,
      startedAt: Number(row.started_at),
      finishedAt: n(row.finished_at),
      summary: row.summary ? (JSON.parse(row.summary) as RecomputeSummary) : null,
    };
  }

  // ---- reading -----------------------------------------------------------

  private query() {
    return this.db('strategies as g').leftJoin('stores as s', 's.code', 'g.store_code').select('g.*', 's.name as store_name');
  }

  async list(query: StrategyQuery): Promise<{ items: Strategy[]; total: number }> {
    await this.sweep();
    const page = Math.max(1, query.page ?? 1);
    const limit = Math.min(500, Math.max(1, query.limit ?? 50));
    const filter = (q: Knex.QueryBuilder) => {
      if (query.states?.length) q.whereIn('g.state', query.states.filter((s) => (STRATEGY_STATES as readonly string[]).includes(s)));
      if (query.kinds?.length) q.whereIn('g.kind', query.kinds.filter((k) => (STRATEGY_KINDS as readonly string[]).includes(k)));
      if (query.storeCodes && query.storeCodes !== 'all') {
        const codes = query.storeCodes;
        q.where((w) => void w.whereIn('g.store_code', codes).orWhereNull('g.store_code'));
      }
      if (query.q?.trim()) {
        const like = `%${query.q.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        q.where((w) => void w.whereRaw("g.product_name LIKE ? ESCAPE '\\'", [like]).orWhereRaw("g.product_code LIKE ? ESCAPE '\\'", [like]).orWhereRaw("g.promotion_text LIKE ? ESCAPE '\\'", [like]));
      }
    };
    const [{ c }] = (await this.db('strategies as g').modify(filter).count({ c: '*' })) as [{ c: number | string }];
    const rows = (await this.query()
      .modify(filter)
      // Open strategies by what is at stake; history (ended, rejected) newest first.
      .orderBy(
        query.states?.length && query.states.every((s) => s === 'ended' || s === 'rejected')
          ? [
              { column: 'g.updated_at', order: 'desc' },
              { column: 'g.id', order: 'desc' },
            ]
          : [
              { column: 'g.priority', order: 'desc' },
              { column: 'g.id', order: 'desc' },
            ],
      )
      .limit(limit)
      .offset((page - 1) * limit)) as StrategyRow[];
    const zone = await this.timeZone();
    return { items: rows.map((r) => toStrategy(r, zone)), total: Number(c) };
  }

  async get(id: number): Promise<Strategy> {
    await this.sweep();
    const row = (await this.query().where('g.id', id).first()) as StrategyRow | undefined;
    if (!row) throw new StrategyError('STRATEGY_NOT_FOUND', `There is no strategy ${id}. Check the number (策略 lists the open ones).`, 404);
    return toStrategy(row, await this.timeZone());
  }

  /** Counts per state (and per kind among the suggested), for the board's tabs. */
  async counts(storeCodes: string[] | 'all' = 'all'): Promise<Record<StrategyState, number>> {
    await this.sweep();
    const rows = (await this.db('strategies')
      .modify((q) => {
        if (storeCodes !== 'all') q.where((w) => void w.whereIn('store_code', storeCodes).orWhereNull('store_code'));
      })
      .groupBy('state')
      .select('state')
      .count({ c: '*' })) as Array<{ state: StrategyState; c: number | string }>;
    const counts = Object.fromEntries(STRATEGY_STATES.map((s) => [s, 0])) as Record<StrategyState, number>;
    for (const row of rows) counts[row.state] = Number(row.c);
    return counts;
  }

  /**
   * The promotions running now (approved, between their dates): the engine's
   * and the hand-typed ones, the preferred store's first, then those for every
   * store, then the other stores'; soonest-ending first within each.
   */
  async activePromotions(options: { preferStoreCode?: string | null; storeCodes?: string[] | 'all'; now?: number } = {}): Promise<Promotion[]> {
    const now = options.now ?? this.deps.clock.now();
    const rows = (await this.query()
      .where('g.kind', 'promotion')
      .whereIn('g.state', ['approved', 'active'])
      .where('g.starts_at', '<=', now)
      .where('g.ends_at', '>', now)
      .modify((q) => {
        const codes = options.storeCodes;
        if (codes && codes !== 'all') q.where((w) => void w.whereIn('g.store_code', codes).orWhereNull('g.store_code'));
      })
      .orderBy([
        { column: 'g.ends_at', order: 'asc' },
        { column: 'g.id', order: 'asc' },
      ])) as StrategyRow[];
    const prefer = options.preferStoreCode ?? null;
    const rank = (row: StrategyRow) => (prefer !== null && row.store_code === prefer ? 0 : row.store_code === null ? 1 : 2);
    const zone = await this.timeZone();
    return rows
      .map((row, index) => ({ row, index }))
      .sort((a, b) => rank(a.row) - rank(b.row) || a.index - b.index)
      .map(({ row }) => {
        const strategy = toStrategy(row, zone);
        return {
          strategyId: strategy.id,
          origin: strategy.origin,
          storeCode: strategy.storeCode,
          storeName: strategy.storeName,
          productCode: strategy.productCode,
          productName: strategy.productName,
          category: strategy.category,
          discountPercent: strategy.discountPercent,
          buyNGetOne: strategy.buyNGetOne,
          text: strategy.promotionText ?? '',
          startsAt: strategy.startsAt!,
          endsAt: strategy.endsAt!,
        };
      });
  }

  /** A product's recent daily sales and stock in the strategy's store, for the card's sparkline. */
  async series(id: number, days = 28): Promise<{ days: Array<{ day: number; sold: number }>; stock: Array<{ at: number; quantity: number }> }> {
    const strategy = await this.get(id);
    const now = this.deps.clock.now();
    const from = now - days * DAY_MS;
    if (!strategy.productCode || !strategy.storeCode) return { days: [], stock: [] };
    const sales = (await this.db('sales as s')
      .join('sale_lines as l', 'l.receipt_no', 's.receipt_no')
      .where('s.store_code', strategy.storeCode)
      .where('l.product_code', strategy.productCode)
      .where('s.sold_at', '>=', from)
      .select('s.sold_at', 'l.quantity')) as Array<{ sold_at: number | string; quantity: number }>;
    const perDay = new Array<number>(days).fill(0);
    for (const sale of sales) {
      const index = Math.floor((Number(sale.sold_at) - from) / DAY_MS);
      if (index >= 0 && index < days) perDay[index]! += Number(sale.quantity);
    }
    const history = (await this.db('inventory_history')
      .where({ store_code: strategy.storeCode, product_code: strategy.productCode })
      .where('at', '>=', from)
      .orderBy('at')
      .select('at', 'quantity')) as Array<{ at: number | string; quantity: number }>;
    const before = (await this.db('inventory_history')
      .where({ store_code: strategy.storeCode, product_code: strategy.productCode })
      .where('at', '<', from)
      .orderBy('at', 'desc')
      .first('quantity')) as { quantity: number } | undefined;
    const stock = [
      ...(before ? [{ at: from, quantity: Number(before.quantity) }] : []),
      ...history.map((h) => ({ at: Number(h.at), quantity: Number(h.quantity) })),
    ];
    const current = (await this.db('inventory').where({ store_code: strategy.storeCode, product_code: strategy.productCode }).first('quantity')) as { quantity: number } | undefined;
    if (current) stock.push({ at: now, quantity: Number(current.quantity) });
    return { days: perDay.map((sold, i) => ({ day: from + i * DAY_MS, sold })), stock };
  }

  // ---- decisions ---------------------------------------------------------

  private async loadForDecision(trx: Knex, id: number, by: StrategyActor): Promise<StrategyRow> {
    const row = (await trx('strategies').where({ id }).first()) as StrategyRow | undefined;
    if (!row) throw new StrategyError('STRATEGY_NOT_FOUND', `There is no strategy ${id}. Check the number (策略 lists the open ones).`, 404);
    if (by.kind === 'staff' && by.storeCodes && by.storeCodes !== 'all' && row.store_code !== null && !by.storeCodes.includes(row.store_code)) {
      throw new StrategyError('STRATEGY_STORE_NOT_ALLOWED', `Strategy ${id} is for store ${row.store_code}, which you may not decide for. Ask that store's manager.`, 403);
    }
    return row;
  }

  private checkDates(startsAt: number, endsAt: number, now: number): void {
    if (!Number.isFinite(startsAt) || !Number.isFinite(endsAt) || endsAt <= startsAt) {
      throw new StrategyError('STRATEGY_DATES_INVALID', 'The end date must be after the start date.', 400);
    }
    if (endsAt <= now) throw new StrategyError('STRATEGY_DATES_INVALID', 'The end date has already passed. Choose a later end date.', 400);
    if (endsAt - startsAt > MAX_PROMOTION_DAYS * DAY_MS) {
      throw new StrategyError('STRATEGY_DATES_INVALID', `A strategy runs at most ${MAX_PROMOTION_DAYS} days. Choose an earlier end date.`, 400);
    }
  }

  private checkDiscount(discount: number): void {
    if (!Number.isInteger(discount) || discount < 1 || discount > 90) {
      throw new StrategyError('STRATEGY_DISCOUNT_INVALID', 'The discount must be a whole percentage from 1 to 90 (15 = 8.5折).', 400);
    }
  }

  /**
   * Approves a suggestion: it starts now (or at startsAt) and runs until
   * endsAt (default: the rule's promotion length). Audited for the user or
   * the staff member who texted 同意.
   */
  async approve(id: number, by: StrategyActor, options: ApproveOptions = {}): Promise<Strategy> {
    const now = this.deps.clock.now();
    await this.db.transaction(async (trx) => {
      const row = await this.loadForDecision(trx, id, by);
      if (row.state !== 'suggested') {
        throw new StrategyError('STRATEGY_NOT_PENDING', `Strategy ${id} is ${row.state}, not waiting for a decision.`, 409, { state: row.state });
      }
      const startsAt = Math.max(now, options.startsAt ?? now);
      const endsAt = options.endsAt ?? startsAt + (row.promotion_days ?? 14) * DAY_MS;
      this.checkDates(startsAt, endsAt, now);
      if (options.discountPercent !== undefined) {
        if (row.kind !== 'promotion') throw new StrategyError('STRATEGY_NOT_PROMOTION', `Strategy ${id} is a ${row.kind}, not a promotion: it has no discount.`, 400);
        this.checkDiscount(options.discountPercent);
      }
      const changed = await trx('strategies')
        .where({ id, state: 'suggested' })
        .update({
          state: startsAt <= now ? 'active' : 'approved',
          starts_at: startsAt,
          ends_at: endsAt,
          ...(options.discountPercent !== undefined ? { discount_percent: options.discountPercent, buy_n_get_one: null } : {}),
          ...deciderColumns(by),
          decided_at: now,
          updated_at: now,
        });
      if (changed !== 1) throw new StrategyError('STRATEGY_NOT_PENDING', `Strategy ${id} was decided meanwhile.`, 409);
      await this.record(by, 'strategies.approve', id, row, { startsAt, endsAt, discountPercent: options.discountPercent ?? row.discount_percent }, trx);
    });
    this.deps.events.publish('strategies.changed', { ids: [id], reason: 'decision' }, 'strategies.read');
    return this.get(id);
  }

  /** Rejects a suggestion; an equal one is not suggested again for the rule's cool-down. */
  async reject(id: number, by: StrategyActor, reason?: string): Promise<Strategy> {
    const now = this.deps.clock.now();
    const note = reason?.trim().slice(0, 200) || null;
    await this.db.transaction(async (trx) => {
      const row = await this.loadForDecision(trx, id, by);
      if (row.state !== 'suggested') {
        throw new StrategyError('STRATEGY_NOT_PENDING', `Strategy ${id} is ${row.state}, not waiting for a decision.`, 409, { state: row.state });
      }
      await trx('strategies')
        .where({ id, state: 'suggested' })
        .update({ state: 'rejected', open_key: null, decision_note: note, ...deciderColumns(by), decided_at: now, updated_at: now });
      await this.record(by, 'strategies.reject', id, row, { note }, trx);
    });
    this.deps.events.publish('strategies.changed', { ids: [id], reason: 'decision' }, 'strategies.read');
    return this.get(id);
  }

  /** Changes the dates (and a promotion's discount) of an approved or active strategy; an end in the past is refused — end it instead. */
  async reschedule(id: number, by: StrategyActor, options: { startsAt?: number; endsAt?: number; discountPercent?: number }): Promise<Strategy> {
    const now = this.deps.clock.now();
    await this.db.transaction(async (trx) => {
      const row = await this.loadForDecision(trx, id, by);
      if (row.state !== 'approved' && row.state !== 'active') {
        throw new StrategyError('STRATEGY_NOT_APPROVED', `Strategy ${id} is ${row.state}: only an approved or active one has dates to change.`, 409, { state: row.state });
      }
      const startsAt = row.state === 'active' ? Number(row.starts_at) : Math.max(now, options.startsAt ?? Number(row.starts_at));
      const endsAt = options.endsAt ?? Number(row.ends_at);
      this.checkDates(startsAt, endsAt, now);
      if (options.discountPercent !== undefined) {
        if (row.kind !== 'promotion') throw new StrategyError('STRATEGY_NOT_PROMOTION', `Strategy ${id} is a ${row.kind}, not a promotion: it has no discount.`, 400);
        this.checkDiscount(options.discountPercent);
      }
      await trx('strategies')
        .where({ id })
        .update({
          starts_at: startsAt,
          ends_at: endsAt,
          state: startsAt <= now ? 'active' : 'approved',
          ...(options.discountPercent !== undefined ? { discount_percent: options.discountPercent, buy_n_get_one: null } : {}),
          updated_at: now,
        });
      await this.record(by, 'strategies.reschedule', id, row, { startsAt, endsAt, discountPercent: options.discountPercent ?? null }, trx);
    });
    this.deps.events.publish('strategies.changed', { ids: [id], reason: 'dates' }, 'strategies.read');
    return this.get(id);
  }

  /** Ends an approved or active strategy now (a promotion stopped early). */
  async end(id: number, by: StrategyActor): Promise<Strategy> {
    const now = this.deps.clock.now();
    await this.db.transaction(async (trx) => {
      const row = await this.loadForDecision(trx, id, by);
      if (row.state !== 'approved' && row.state !== 'active') {
        throw new StrategyError('STRATEGY_NOT_APPROVED', `Strategy ${id} is ${row.state}: only an approved or active one can be ended.`, 409, { state: row.state });
      }
      await trx('strategies').where({ id }).update({ state: 'ended', ended_reason: 'stopped', ended_at: now, ends_at: Math.min(now, Number(row.ends_at)), open_key: null, updated_at: now });
      await this.record(by, 'strategies.end', id, row, null, trx);
    });
    this.deps.events.publish('strategies.changed', { ids: [id], reason: 'decision' }, 'strategies.read');
    return this.get(id);
  }

  /** A promotion typed by hand (approved as it is created); the 促销 answer shows its text. */
  async createManualPromotion(by: StrategyActor, input: ManualPromotionInput): Promise<Strategy> {
    const now = this.deps.clock.now();
    const text = typeof input.text === 'string' ? input.text.trim() : '';
    if (text === '' || [...text].length > 60) {
      throw new StrategyError('STRATEGY_TEXT_INVALID', 'Type the promotion as customers will read it, 1 to 60 characters (e.g. 鸡蛋 每斤4.99元).', 400);
    }
    this.checkDates(input.startsAt, input.endsAt, now);
    if (input.discountPercent !== undefined && input.discountPercent !== null) this.checkDiscount(input.discountPercent);
    let storeCode: string | null = input.storeCode?.trim() || null;
    if (storeCode !== null && !(await this.db('stores').where('code', storeCode).first('id'))) {
      throw new StrategyError('STRATEGY_STORE_NOT_ALLOWED', `There is no store ${storeCode}. Choose a store from the list, or all stores.`, 400);
    }
    if (by.kind === 'staff' && by.storeCodes && by.storeCodes !== 'all') {
      if (storeCode === null && by.storeCodes.length === 1) storeCode = by.storeCodes[0]!;
      if (storeCode === null || !by.storeCodes.includes(storeCode)) {
        throw new StrategyError('STRATEGY_STORE_NOT_ALLOWED', 'You may only add promotions for your own store.', 403);
      }
    }
    const productCode = input.productCode?.trim() || null;
    const product = productCode ? ((await this.db('products').where('code', productCode).first('name', 'category')) as { name: string; category: string } | undefined) : undefined;
    if (productCode && !product) throw new StrategyError('STRATEGY_TEXT_INVALID', `There is no product ${productCode} in the mirror. Check the code or leave it empty.`, 400);
    const startsAt = Math.max(now, input.startsAt);
    const id = await this.db.transaction(async (trx) => {
      const [inserted] = (await trx('strategies')
        .insert({
          kind: 'promotion',
          state: startsAt <= now ? 'active' : 'approved',
          origin: 'manual',
          store_code: storeCode,
          product_code: productCode,
          product_name: product?.name ?? null,
          category: input.category?.trim() || product?.category || null,
          reason_codes: 'manual',
          reason_text: '手工录入',
          promotion_text: text,
          discount_percent: input.discountPercent ?? null,
          starts_at: startsAt,
          ends_at: input.endsAt,
          ...deciderColumns(by),
          decided_at: now,
          created_at: now,
          updated_at: now,
        })
        .returning('id')) as Array<{ id: number } | number>;
      const newId = typeof inserted === 'object' ? inserted.id : inserted!;
      await this.deps.audit.record(auditActorOf(by), 'strategies.promotion.create', String(newId), { text, storeCode, startsAt, endsAt: input.endsAt, ...(by.kind === 'staff' ? { staffId: by.staffId, mobile: by.mobile } : {}) }, trx);
      return newId;
    });
    this.deps.events.publish('strategies.changed', { ids: [id], reason: 'manual' }, 'strategies.read');
    return this.get(id);
  }

  private async record(by: StrategyActor, action: AuditAction, id: number, row: StrategyRow, detail: Record<string, unknown> | null, trx: Knex): Promise<void> {
    await this.deps.audit.record(
      auditActorOf(by),
      action,
      String(id),
      {
        kind: row.kind,
        storeCode: row.store_code,
        productCode: row.product_code,
        productName: row.product_name,
        ...(detail ?? {}),
        ...(by.kind === 'staff' ? { staffId: by.staffId, mobile: by.mobile, via: 'sms' } : {}),
      },
      trx,
    );
  }

  // ---- push to members ---------------------------------------------------

  private async pushable(id: number): Promise<Strategy> {
    const strategy = await this.get(id);
    if (strategy.kind !== 'promotion') throw new StrategyError('STRATEGY_NOT_PROMOTION', `Strategy ${id} is a ${strategy.kind}, not a promotion: there is nothing to tell members.`, 400);
    if (strategy.state !== 'approved' && strategy.state !== 'active') {
      throw new StrategyError('STRATEGY_NOT_APPROVED', `Strategy ${id} is ${strategy.state}: approve it before telling members.`, 409, { state: strategy.state });
    }
    return strategy;
  }

  /**
   * The members likely to care: bought the promotion's category (or product)
   * in the last 90 days — at its store when it has one — with marketing consent.
   */
  private audienceQuery(strategy: Strategy) {
    const since = this.deps.clock.now() - AUDIENCE_DAYS * DAY_MS;
    const buyers = this.db('sales as s')
      .join('sale_lines as l', 'l.receipt_no', 's.receipt_no')
      .whereNotNull('s.member_id')
      .where('s.sold_at', '>=', since)
      .modify((q) => {
        if (strategy.storeCode) q.where('s.store_code', strategy.storeCode);
        if (strategy.category) q.whereIn('l.product_code', this.db('products').where('category', strategy.category).select('code'));
        else if (strategy.productCode) q.where('l.product_code', strategy.productCode);
      })
      .distinct('s.member_id');
    return this.db('members as m')
      .whereIn('m.id', buyers)
      .whereNull('m.deleted_at')
      .whereNotNull('m.mobile')
      .where('m.marketing_consent', true);
  }

  defaultPushText(strategy: Strategy): string {
    return `{称呼}：${strategy.promotionText ?? ''}，欢迎到{门店}选购！`;
  }

  async pushAudience(id: number): Promise<PushAudience> {
    const strategy = await this.pushable(id);
    const [{ c }] = (await this.audienceQuery(strategy).count({ c: '*' })) as [{ c: number | string }];
    const sample = (await this.audienceQuery(strategy).orderBy('m.id').limit(5).select('m.id', 'm.name', 'm.mobile')) as Array<{ id: number; name: string; mobile: string }>;
    return {
      count: Number(c),
      sample: sample.map((m) => ({ memberId: m.id, name: m.name, mobile: maskMobile(m.mobile) })),
      defaultText: this.defaultPushText(strategy),
    };
  }

  /**
   * Sends the promotion to its audience through the outbox as marketing (the
   * policy — opt-outs, blacklist, quiet hours, caps — applies). The key
   * strategy + member keeps a second click from texting anyone twice.
   */
  async pushToMembers(id: number, actor: AuditActor, text: string): Promise<PushResult> {
    const strategy = await this.pushable(id);
    const body = text.trim() || this.defaultPushText(strategy);
    const audience = this.audienceQuery(strategy);
    const recipients = () => queriedMembers(this.db, audience, 'm');
    const result = await this.deps.messaging.outbox.enqueue(
      recipients(),
      {
        text: body,
        category: 'marketing',
        source: 'strategy',
        idempotencyPrefix: `strategy:${id}`,
        batch: { label: `营销策略 #${id} ${strategy.productName ?? strategy.promotionText ?? ''}`.slice(0, 200), kind: 'strategy.push' },
        matchMembers: false,
      },
      actor,
    );
    if (result.total === 0) throw new StrategyError('STRATEGY_NO_AUDIENCE', `No member with marketing consent bought this in the last ${AUDIENCE_DAYS} days; there is no one to tell.`, 409);
    const now = this.deps.clock.now();
    const written = result.queued + result.deferred + Object.values(result.blocked).reduce((a, b) => a + b, 0);
    await this.db.transaction(async (trx) => {
      // A repeated click that reached no one new keeps pointing at the batch that did.
      if (written > 0) await trx('strategies').where({ id }).update({ push_batch_id: result.batchId, pushed_at: now, updated_at: now });
      await this.deps.audit.record(actor, 'strategies.push', String(id), { batchId: result.batchId, queued: result.queued, deferred: result.deferred, duplicates: result.duplicates }, trx);
    });
    this.deps.messaging.poke();
    this.deps.events.publish('strategies.changed', { ids: [id], reason: 'push' }, 'strategies.read');
    return { batchId: result.batchId, queued: result.queued, deferred: result.deferred, blocked: result.blocked, duplicates: result.duplicates, total: result.total };
  }

  // ---- rules -------------------------------------------------------------

  async listRules(): Promise<StrategyRule[]> {
    const rows = (await this.db('strategy_rules').orderBy([{ column: 'store_code' }, { column: 'category' }, { column: 'product_code' }])) as RuleRow[];
    return rows.map(toRule);
  }

  async getRule(id: number): Promise<StrategyRule> {
    const row = (await this.db('strategy_rules').where({ id }).first()) as RuleRow | undefined;
    if (!row) throw new StrategyError('STRATEGY_RULE_NOT_FOUND', `There is no strategy rule ${id}.`, 404);
    return toRule(row);
  }

  private async checkScopeFree(trx: Knex, rule: StrategyRuleInput, exceptId?: number): Promise<void> {
    const clash = await trx('strategy_rules')
      .where({ store_code: rule.storeCode ?? '', category: rule.productCode ? '' : (rule.category ?? ''), product_code: rule.productCode ?? '' })
      .modify((q) => {
        if (exceptId !== undefined) q.whereNot('id', exceptId);
      })
      .first('id');
    if (clash) throw new StrategyError('STRATEGY_RULE_EXISTS', `A rule for ${scopeLabel(rule)} already exists. Edit that one instead.`, 409);
  }

  async createRule(actor: AuditActor, input: StrategyRuleInput): Promise<StrategyRule> {
    const rule = validateRule(input);
    const now = this.deps.clock.now();
    const id = await this.db.transaction(async (trx) => {
      await this.checkScopeFree(trx, rule);
      const [inserted] = (await trx('strategy_rules')
        .insert({ ...ruleColumns(rule), created_at: now, updated_at: now, updated_by: actor.username.slice(0, 64) })
        .returning('id')) as Array<{ id: number } | number>;
      const newId = typeof inserted === 'object' ? inserted.id : inserted!;
      await this.deps.audit.record(actor, 'strategies.rule.create', scopeLabel(rule), { id: newId, ...rule }, trx);
      return newId;
    });
    this.deps.events.publish('strategies.changed', { ids: [], reason: 'rules' }, 'strategies.read');
    return this.getRule(id);
  }

  async updateRule(actor: AuditActor, id: number, input: StrategyRuleInput): Promise<StrategyRule> {
    const current = await this.getRule(id);
    const isDefault = !current.storeCode && !current.category && !current.productCode;
    const rule = validateRule(isDefault ? { ...input, storeCode: null, category: null, productCode: null, enabled: true } : input);
    const now = this.deps.clock.now();
    await this.db.transaction(async (trx) => {
      await this.checkScopeFree(trx, rule, id);
      await trx('strategy_rules').where({ id }).update({ ...ruleColumns(rule), updated_at: now, updated_by: actor.username.slice(0, 64) });
      await this.deps.audit.record(actor, 'strategies.rule.update', scopeLabel(rule), { id, ...rule }, trx);
    });
    this.deps.events.publish('strategies.changed', { ids: [], reason: 'rules' }, 'strategies.read');
    return this.getRule(id);
  }

  async deleteRule(actor: AuditActor, id: number): Promise<void> {
    const rule = await this.getRule(id);
    if (!rule.storeCode && !rule.category && !rule.productCode) {
      throw new StrategyError('STRATEGY_RULE_DEFAULT', 'The rule for all stores and all categories is the default and cannot be removed. Change its thresholds instead.', 409);
    }
    await this.db.transaction(async (trx) => {
      await trx('strategy_rules').where({ id }).delete();
      await this.deps.audit.record(actor, 'strategies.rule.delete', scopeLabel(rule), { id }, trx);
    });
    this.deps.events.publish('strategies.changed', { ids: [], reason: 'rules' }, 'strategies.read');
  }
}

/** 13912345678 or +8613912345678 → 139****5678: enough to recognise, not to copy. */
function maskMobile(mobile: string): string {
  const national = mobile.replace(/^\+86/, '');
  return `${national.slice(0, 3)}****${national.slice(-4)}`;
}
