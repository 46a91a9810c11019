import http from 'node:http';
import https from 'node:https';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { AuditActor, AuditLog } from '../auth/audit.js';
import type { Clock } from '../clock.js';
import { AppError, NotFoundError } from '../errors.js';
import type { EventBus } from '../events/bus.js';

export const DELIVERY_KINDS = ['cloud-mas.report', 'cloud-mas.inbound', 'webhook'] as const;
export type DeliveryKind = (typeof DELIVERY_KINDS)[number];
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed', 'cancelled'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

declare module '../events/bus.js' {
  interface ApplianceEvents {
    /** A push was tried (delivered, or failed and scheduled again) or queued: delivery logs update. */
    'integrations.delivery': { id: number; kind: DeliveryKind; targetId: number; status: DeliveryStatus; attempts: number };
  }
}

/** One push to make: persisted before it is sent, sent until the target answers 2xx. */
export interface NewDelivery {
  kind: DeliveryKind;
  targetId: number;
  event: string;
  /** Unique per thing pushed and target: the same report is never queued twice. */
  dedupeKey: string;
  url: string;
  body: string;
}

export interface Delivery {
  id: number;
  kind: DeliveryKind;
  targetId: number;
  event: string;
  url: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: number | null;
  lastAttemptAt: number | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
}

export interface DeliveryAttempt {
  attempt: number;
  at: number;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  response: string | null;
}

export interface DeliveryQuery {
  kind?: DeliveryKind | undefined;
  targetId?: number | undefined;
  status?: DeliveryStatus | undefined;
  page: number;
  pageSize: number;
}

/**
 * Retry timing. A target that is down is tried again after 10 s, 20 s, 40 s … at most every
 * 30 minutes, for 3 days: a receiver down for a day gets everything within 30 minutes of
 * coming back. Finished deliveries are kept 7 days for the log.
 */
export interface DeliveryPolicy {
  firstDelayMs: number;
  maxDelayMs: number;
  giveUpAfterMs: number;
  timeoutMs: number;
  /** Targets (origins) pushed to at once; one origin is pushed to one delivery at a time. */
  concurrency: number;
  /** Deliveries looked at per pass. */
  perPass: number;
  retentionMs: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  firstDelayMs: 10_000,
  maxDelayMs: 30 * 60_000,
  giveUpAfterMs: 72 * 3_600_000,
  timeoutMs: 10_000,
  concurrency: 8,
  perPass: 500,
  retentionMs: 7 * 86_400_000,
};

/** Wait before the next try after `failures` failed tries (1-based): doubling, capped. */
export function retryDelay(failures: number, policy: Pick<DeliveryPolicy, 'firstDelayMs' | 'maxDelayMs'>): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30);
  return Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** exponent);
}

/** Extra headers per try (a webhook's signature covers the time of the try). */
export type DeliverySigner = (delivery: { id: number; targetId: number; event: string; body: string }, now: number) => Promise<Record<string, string>>;

interface DeliveryRow {
  id: number;
  kind: DeliveryKind;
  target_id: number;
  event: string;
  url: string;
  body: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: number | string;
  last_attempt_at: number | string | null;
  last_status: number | null;
  last_error: string | null;
  created_at: number | string;
  delivered_at: number | string | null;
}

const toDelivery = (row: DeliveryRow): Delivery => ({
  id: Number(row.id),
  kind: row.kind,
  targetId: Number(row.target_id),
  event: row.event,
  url: row.url,
  body: row.body,
  status: row.status,
  attempts: Number(row.attempts),
  nextAttemptAt: row.status === 'pending' ? Number(row.next_attempt_at) : null,
  lastAttemptAt: row.last_attempt_at === null ? null : Number(row.last_attempt_at),
  lastStatus: row.last_status === null ? null : Number(row.last_status),
  lastError: row.last_error,
  createdAt: Number(row.created_at),
  deliveredAt: row.delivered_at === null ? null : Number(row.delivered_at),
});

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

const RESPONSE_SNIPPET = 500;
const INSERT_CHUNK = 200;

/**
 * The one queue for every push StoreMAS makes to programs outside: 云MAS status reports and
 * inbound texts, webhook events. A delivery is a row before it is sent; the worker sends
 * what is due and records each try. Delivery is at least once (a crash between the answer
 * and its record sends again); receivers tell repeats by the delivery id.
 *
 * One origin that is down or slow holds only its own deliveries: after a failure the rest of
 * that origin's queue waits for the same next try instead of each timing out in turn.
 */
export class Deliveries {
  private readonly policy: DeliveryPolicy;
  private readonly signers = new Map<DeliveryKind, DeliverySigner>();
  private readonly heldOrigins = new Map<string, number>();
  private pass: Promise<number> | undefined;
  private stopped = true;
  private wake: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;
  private lastPurgeAt = 0;

  constructor(
    private readonly db: Knex,
    private readonly clock: Clock,
    private readonly events: EventBus,
    private readonly audit: AuditLog,
    private readonly logger: Logger,
    private readonly userAgent: string,
    policy: Partial<DeliveryPolicy> = {},
  ) {
    this.policy = { ...DEFAULT_DELIVERY_POLICY, ...policy };
  }

  get retryPolicy(): Readonly<DeliveryPolicy> {
    return this.policy;
  }

  useSigner(kind: DeliveryKind, signer: DeliverySigner): void {
    this.signers.set(kind, signer);
  }

  /** Queues pushes (a repeat of a dedupe key is ignored) and wakes the worker; returns how many were new. */
  async add(deliveries: readonly NewDelivery[], trx: Knex = this.db): Promise<number> {
    if (deliveries.length === 0) return 0;
    const now = this.clock.now();
    let added = 0;
    for (let i = 0; i < deliveries.length; i += INSERT_CHUNK) {
      const rows = deliveries.slice(i, i + INSERT_CHUNK).map((d) => ({
        kind: d.kind,
        target_id: d.targetId,
        event: d.event.slice(0, 40),
        dedupe_key: d.dedupeKey.slice(0, 128),
        url: d.url,
        body: d.body,
        status: 'pending',
        attempts: 0,
        next_attempt_at: now,
        created_at: now,
        updated_at: now,
      }));
      const inserted: unknown[] = await trx('deliveries').insert(rows).onConflict('dedupe_key').ignore().returning('id');
      added += inserted.length;
    }
    if (added > 0) this.poke();
    return added;
  }

  /** Starts the worker loop (the served appliance); tests call runDue() with a hand-moved clock instead. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loopDone = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loopDone;
    await this.pass;
  }

  /** Something new is due: run a pass now rather than at the next poll. */
  poke(): void {
    this.wake?.();
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      let sent = 0;
      try {
        sent = await this.runDue();
        if (this.clock.now() - this.lastPurgeAt > 3_600_000) await this.purge();
      } catch (error) {
        this.logger.error({ err: error }, 'delivery pass failed');
      }
      if (sent > 0 || this.stopped) continue;
      let waitMs = 5_000;
      try {
        const next = (await this.db('deliveries').where('status', 'pending').min({ at: 'next_attempt_at' }).first()) as { at: number | string | null } | undefined;
        if (next?.at !== null && next?.at !== undefined) waitMs = Math.min(waitMs, Math.max(50, Number(next.at) - this.clock.now()));
      } catch (error) {
        this.logger.warn({ err: error }, 'delivery queue check failed');
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** One pass over what is due now; returns how many deliveries were tried. Never runs twice at once. */
  runDue(): Promise<number> {
    this.pass ??= this.passOnce().finally(() => {
      this.pass = undefined;
    });
    return this.pass;
  }

  private async passOnce(): Promise<number> {
    const now = this.clock.now();
    const due: DeliveryRow[] = await this.db('deliveries')
      .where('status', 'pending')
      .andWhere('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(this.policy.perPass);
    if (due.length === 0) return 0;
    const byOrigin = new Map<string, DeliveryRow[]>();
    for (const row of due) {
      const origin = originOf(row.url);
      const queue = byOrigin.get(origin);
      if (queue) queue.push(row);
      else byOrigin.set(origin, [row]);
    }
    const origins = [...byOrigin.entries()];
    let tried = 0;
    const work = async () => {
      for (let next = origins.shift(); next; next = origins.shift()) {
        const [origin, rows] = next;
        for (let i = 0; i < rows.length; i += 1) {
          if (this.stopped && this.loopDone) return;
          const heldUntil = this.heldOrigins.get(origin) ?? 0;
          if (heldUntil > this.clock.now()) {
            await this.holdBack(rows.slice(i), heldUntil);
            break;
          }
          tried += 1;
          await this.attempt(rows[i]!, origin);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.policy.concurrency, origins.length) }, work));
    return tried;
  }

  /** Deliveries behind a failing origin wait for its next try, without counting as tries; too old ones are given up. */
  private async holdBack(rows: readonly DeliveryRow[], until: number): Promise<void> {
    const now = this.clock.now();
    const expired = rows.filter((r) => now - Number(r.created_at) >= this.policy.giveUpAfterMs).map((r) => Number(r.id));
    const waiting = rows.filter((r) => now - Number(r.created_at) < this.policy.giveUpAfterMs).map((r) => Number(r.id));
    for (let i = 0; i < waiting.length; i += 500) {
      await this.db('deliveries').whereIn('id', waiting.slice(i, i + 500)).andWhere('status', 'pending').update({ next_attempt_at: until, updated_at: now });
    }
    for (let i = 0; i < expired.length; i += 500) {
      await this.db('deliveries')
        .whereIn('id', expired.slice(i, i + 500))
        .andWhere('status', 'pending')
        .update({ status: 'failed', last_error: 'Gave up: the target did not accept it within the retry period.', updated_at: now });
    }
    for (const row of rows.filter((r) => expired.includes(Number(r.id)))) this.publish(row, 'failed', Number(row.attempts));
  }

  private async attempt(row: DeliveryRow, origin: string): Promise<void> {
    const startedAt = this.clock.now();
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    let response: string | null = null;
    try {
      const signer = this.signers.get(row.kind);
      const extra = signer ? await signer({ id: Number(row.id), targetId: Number(row.target_id), event: row.event, body: row.body }, startedAt) : {};
      const answer = await postJson(
        row.url,
        { 'content-type': 'application/json; charset=utf-8', 'user-agent': this.userAgent, 'x-storemas-delivery': String(row.id), ...extra },
        row.body,
        this.policy.timeoutMs,
      );
      statusCode = answer.status;
      response = answer.snippet;
      if (statusCode < 200 || statusCode >= 300) error = `HTTP ${statusCode}`;
    } catch (cause) {
      error = describeError(cause);
    }
    const durationMs = Math.round(performance.now() - started);
    const now = this.clock.now();
    const attempts = Number(row.attempts) + 1;
    const ok = error === null;
    let status: DeliveryStatus = 'pending';
    const fields: Record<string, unknown> = { attempts, last_attempt_at: startedAt, last_status: statusCode, last_error: error?.slice(0, 300) ?? null, updated_at: now };
    if (ok) {
      status = 'delivered';
      Object.assign(fields, { status, delivered_at: now });
      this.heldOrigins.delete(origin);
    } else if (now - Number(row.created_at) >= this.policy.giveUpAfterMs) {
      status = 'failed';
      Object.assign(fields, { status });
    } else {
      const nextAt = now + retryDelay(attempts, this.policy);
      Object.assign(fields, { next_attempt_at: nextAt });
      this.heldOrigins.set(origin, nextAt);
    }
    try {
      await this.db.transaction(async (trx) => {
        await trx('delivery_attempts').insert({
          delivery_id: row.id,
          attempt: attempts,
          at: startedAt,
          duration_ms: durationMs,
          status_code: statusCode,
          error: error?.slice(0, 300) ?? null,
          response: response?.slice(0, RESPONSE_SNIPPET) ?? null,
        });
        // A retry by hand or a cancel may have changed the row meanwhile: only a pending row moves.
        await trx('deliveries').where({ id: row.id, status: 'pending' }).update(fields);
      });
    } catch (cause) {
      this.logger.error({ err: cause, deliveryId: row.id }, 'could not record a delivery attempt');
      return;
    }
    if (!ok) this.logger.info({ deliveryId: row.id, url: row.url, attempts, error }, 'push not accepted; will retry');
    this.publish(row, status, attempts);
  }

  private publish(row: DeliveryRow, status: DeliveryStatus, attempts: number): void {
    this.events.publish('integrations.delivery', { id: Number(row.id), kind: row.kind, targetId: Number(row.target_id), status, attempts }, 'integrations.read');
  }

  /** Another try now, by hand: a pending one goes at once, a failed (given-up) one is tried again. */
  async retry(actor: AuditActor, id: number): Promise<Delivery> {
    const now = this.clock.now();
    await this.db.transaction(async (trx) => {
      const row: DeliveryRow | undefined = await trx('deliveries').where('id', id).first();
      if (!row) throw new NotFoundError(`Delivery ${id}`);
      if (row.status === 'delivered') {
        throw new AppError('DELIVERY_ALREADY_DELIVERED', `Delivery ${id} was already accepted by its target; nothing to retry.`, 409);
      }
      // One more try now; a given-up delivery that fails again is given up again (its age has not changed).
      await trx('deliveries').where('id', id).update({ status: 'pending', next_attempt_at: now, updated_at: now });
      await this.audit.record(actor, 'integrations.delivery.retry', String(id), { kind: row.kind, targetId: Number(row.target_id) }, trx);
    });
    this.heldOrigins.delete(originOf((await this.get(id)).url));
    this.poke();
    return this.get(id);
  }

  /** Stops what is still pending for a target (a webhook deleted or switched off). */
  async cancelPending(kind: DeliveryKind, targetId: number, trx: Knex = this.db): Promise<number> {
    const now = this.clock.now();
    return Number(
      await trx('deliveries')
        .where({ kind, target_id: targetId, status: 'pending' })
        .update({ status: 'cancelled', last_error: 'Cancelled: the target was removed or switched off.', updated_at: now }),
    );
  }

  /** Pending deliveries follow a corrected URL: the backlog goes where the target now is. */
  async redirectPending(kind: DeliveryKind, targetId: number, url: string, trx: Knex = this.db): Promise<void> {
    await trx('deliveries').where({ kind, target_id: targetId, status: 'pending' }).update({ url, next_attempt_at: this.clock.now(), updated_at: this.clock.now() });
    this.heldOrigins.clear();
    this.poke();
  }

  async get(id: number): Promise<Delivery> {
    const row: DeliveryRow | undefined = await this.db('deliveries').where('id', id).first();
    if (!row) throw new NotFoundError(`Delivery ${id}`);
    return toDelivery(row);
  }

  async attempts(id: number): Promise<DeliveryAttempt[]> {
    await this.get(id);
    const rows: Array<{ attempt: number; at: number | string; duration_ms: number; status_code: number | null; error: string | null; response: string | null }> =
      await this.db('delivery_attempts').where('delivery_id', id).orderBy('attempt', 'desc').limit(100);
    return rows.map((r) => ({
      attempt: Number(r.attempt),
      at: Number(r.at),
      durationMs: Number(r.duration_ms),
      statusCode: r.status_code === null ? null : Number(r.status_code),
      error: r.error,
      response: r.response,
    }));
  }

  async search(query: DeliveryQuery): Promise<{ items: Delivery[]; total: number; counts: Record<DeliveryStatus, number> }> {
    const base = this.db('deliveries');
    if (query.kind) base.where('kind', query.kind);
    if (query.targetId !== undefined) base.where('target_id', query.targetId);
    const countRows: Array<{ status: DeliveryStatus; n: number | string }> = await base.clone().select('status').count({ n: '*' }).groupBy('status');
    const counts = Object.fromEntries(DELIVERY_STATUSES.map((s) => [s, 0])) as Record<DeliveryStatus, number>;
    for (const row of countRows) counts[row.status] = Number(row.n);
    if (query.status) base.where('status', query.status);
    const [total] = await base.clone().count<Array<{ n: number | string }>>({ n: '*' });
    const rows: DeliveryRow[] = await base
      .clone()
      .select('*')
      .orderBy('id', 'desc')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize);
    return { items: rows.map(toDelivery), total: Number(total?.n ?? 0), counts };
  }

  /** Per target: deliveries waiting, given up, and the last one accepted (the lists show them beside each target). */
  async targetStats(kinds: readonly DeliveryKind[]): Promise<Map<number, { pending: number; failed: number; lastDeliveredAt: number | null }>> {
    const rows: Array<{ target_id: number; status: DeliveryStatus; n: number | string; last: number | string | null }> = await this.db('deliveries')
      .select('target_id', 'status')
      .count({ n: '*' })
      .max({ last: 'delivered_at' })
      .whereIn('kind', kinds)
      .groupBy('target_id', 'status');
    const stats = new Map<number, { pending: number; failed: number; lastDeliveredAt: number | null }>();
    for (const row of rows) {
      const id = Number(row.target_id);
      const entry = stats.get(id) ?? { pending: 0, failed: 0, lastDeliveredAt: null };
      if (row.status === 'pending') entry.pending += Number(row.n);
      if (row.status === 'failed') entry.failed += Number(row.n);
      if (row.status === 'delivered' && row.last !== null) entry.lastDeliveredAt = Math.max(entry.lastDeliveredAt ?? 0, Number(row.last));
      stats.set(id, entry);
    }
    return stats;
  }

  /** Drops finished deliveries older than the retention (their tries go with them). */
  async purge(): Promise<number> {
    const now = this.clock.now();
    this.lastPurgeAt = now;
    const cutoff = now - this.policy.retentionMs;
    const old = this.db('deliveries').select('id').whereIn('status', ['delivered', 'failed', 'cancelled']).andWhere('created_at', '<', cutoff);
    await this.db('delivery_attempts').whereIn('delivery_id', old.clone()).delete();
    return Number(await this.db('deliveries').whereIn('status', ['delivered', 'failed', 'cancelled']).andWhere('created_at', '<', cutoff).delete());
  }
}

// Kept-alive connections: a batch of 5,000 reports to one program reuses a few sockets.
const AGENTS = { 'http:': new http.Agent({ keepAlive: true, maxSockets: 4 }), 'https:': new https.Agent({ keepAlive: true, maxSockets: 4 }) };

/**
 * One POST with a deadline for the whole exchange; the answer is read only as far as the log
 * keeps it. Node's http, not fetch: fetch refuses ports browsers block (6000, 10080 …), and a
 * store program may well listen on one. Redirects are not followed (a 3xx is not accepted).
 */
export function postJson(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<{ status: number; snippet: string }> {
  return new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      reject(new Error(`"${url}" is not a web address.`));
      return;
    }
    const protocol = target.protocol === 'https:' ? 'https:' : target.protocol === 'http:' ? 'http:' : undefined;
    if (!protocol) {
      reject(new Error(`Only http:// and https:// addresses can be pushed to, not ${target.protocol}.`));
      return;
    }
    const client = protocol === 'https:' ? https : http;
    const request = client.request(target, { method: 'POST', agent: AGENTS[protocol], headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (response) => {
      let snippet = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        snippet += chunk;
        if (snippet.length >= RESPONSE_SNIPPET) {
          finish(undefined, { status: response.statusCode ?? 0, snippet: snippet.slice(0, RESPONSE_SNIPPET) });
          response.destroy();
        }
      });
      response.on('end', () => finish(undefined, { status: response.statusCode ?? 0, snippet }));
      response.on('error', (error) => finish(error));
    });
    const deadline = setTimeout(() => request.destroy(new Error(`No answer within ${timeoutMs / 1000} s.`)), timeoutMs);
    let done = false;
    function finish(error: Error | undefined, answer?: { status: number; snippet: string }) {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      if (error) reject(error);
      else resolve(answer!);
    }
    request.on('error', (error) => finish(error));
    request.end(body);
  });
}

function describeError(cause: unknown): string {
  const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String((cause as { code: unknown }).code) : '';
  const message = cause instanceof Error ? cause.message : String(cause);
  return (code && !message.includes(code) ? `${code}: ${message}` : message).slice(0, 300);
}
