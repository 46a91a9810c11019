import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { EventBus } from '../../events/bus.js';
import type { OutboundChannel } from '../channel.js';
import type { ClaimedMessage, Outbox } from '../outbox/outbox.js';

export interface DispatcherOptions {
  /** Longest sleep while nothing is due (new work wakes the workers earlier through poke()). */
  idleMs?: number;
  /** How often batch progress is published. */
  progressEveryMs?: number;
}

/** A sleep that poke() or stop() cut short. */
class Alarm {
  private wake: (() => void) | undefined;
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.wake === done) this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.wake = done;
    });
  }
  ring(): void {
    this.wake?.();
  }
}

/**
 * Keeps every modem busy while work is due: one worker per modem claims the
 * next message for that modem and sends its parts one by one, each part
 * written `sending` before it goes out and `sent` with its MR right after.
 * Pacing and caps live in the modems; the worker waits for readyAt().
 */
export class Dispatcher {
  private running = false;
  private readonly workers = new Map<string, { alarm: Alarm; done: Promise<void> }>();
  private unsubscribe: (() => void) | undefined;
  private progressTimer: NodeJS.Timeout | undefined;
  private readonly activeBatches = new Map<string, { startedAt: number; startDone: number }>();
  /** Milliseconds each modem spent inside sendPart, for the busy-share benchmark and the status line. */
  readonly busyMs = new Map<string, number>();
  private readonly idleMs: number;
  private readonly progressEveryMs: number;

  constructor(
    private readonly outbox: Outbox,
    private readonly channel: OutboundChannel,
    private readonly clock: Clock,
    private readonly events: EventBus,
    private readonly logger: Logger,
    options: DispatcherOptions = {},
  ) {
    this.idleMs = options.idleMs ?? 1_000;
    this.progressEveryMs = options.progressEveryMs ?? 1_000;
  }

  /** Recovers what a previous run left in flight, then starts a worker per modem. */
  async start(): Promise<{ unknown: number; requeued: number }> {
    const recovered = await this.outbox.recoverAfterRestart();
    if (recovered.unknown > 0) {
      this.logger.warn({ unknown: recovered.unknown }, 'messages interrupted mid-send are marked unknown for an operator to resolve');
    }
    this.running = true;
    this.unsubscribe = this.channel.onDidChangeModems(() => this.syncWorkers());
    this.syncWorkers();
    this.progressTimer = setInterval(() => void this.publishProgress(), this.progressEveryMs);
    this.progressTimer.unref();
    return recovered;
  }

  /** Lets each worker finish the part it is sending, then returns. */
  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    if (this.progressTimer) clearInterval(this.progressTimer);
    for (const worker of this.workers.values()) worker.alarm.ring();
    await Promise.all([...this.workers.values()].map((w) => w.done));
    this.workers.clear();
    await this.publishProgress();
  }

  /** New work was queued: wake the idle workers. */
  poke(): void {
    for (const worker of this.workers.values()) worker.alarm.ring();
  }

  private syncWorkers(): void {
    if (!this.running) return;
    for (const modemId of this.channel.modemIds()) {
      if (this.workers.has(modemId)) continue;
      const alarm = new Alarm();
      const done = this.work(modemId, alarm).finally(() => this.workers.delete(modemId));
      this.workers.set(modemId, { alarm, done });
    }
  }

  private async work(modemId: string, alarm: Alarm): Promise<void> {
    // The next message is claimed while the modem sends the last part of the current one, so the
    // database round trips do not leave the modem idle between messages.
    let prefetched: Promise<ClaimedMessage | undefined> | undefined;
    const prefetch = () => {
      if (this.running && this.channel.readyAt(modemId) !== null) {
        prefetched = this.outbox.claim(modemId, this.channel.modemIds());
        prefetched.catch(() => undefined);
      }
    };
    while (this.running && this.channel.modemIds().includes(modemId)) {
      try {
        const waiting = prefetched;
        prefetched = undefined;
        let message = waiting ? await waiting : undefined;
        if (!message) {
          const readyAt = this.channel.readyAt(modemId);
          const now = this.clock.now();
          if (readyAt === null) {
            await alarm.sleep(this.idleMs);
            continue;
          }
          if (readyAt > now) {
            await alarm.sleep(Math.min(readyAt - now, this.idleMs));
            continue;
          }
          message = await this.outbox.claim(modemId, this.channel.modemIds());
        }
        if (!message) {
          const next = await this.outbox.nextDueAt();
          await alarm.sleep(next === undefined ? this.idleMs : Math.min(this.idleMs, Math.max(5, next - this.clock.now())));
          continue;
        }
        await this.send(modemId, message, prefetch);
      } catch (error) {
        // A database hiccup must not end the worker; the rows say where it stopped.
        this.logger.error({ err: error, modemId }, 'dispatcher worker error');
        await alarm.sleep(this.idleMs);
      }
    }
    const left = prefetched ? await prefetched.catch(() => undefined) : undefined;
    if (left) await this.outbox.release(left.id);
  }

  private async send(modemId: string, message: ClaimedMessage, beforeLastPart: () => void): Promise<void> {
    if (message.batchId && !this.activeBatches.has(message.batchId)) {
      this.activeBatches.set(message.batchId, { startedAt: Date.now(), startDone: -1 });
    }
    for (const [index, part] of message.parts.entries()) {
      if (!(await this.outbox.beginPart(part.id, modemId))) {
        // Cancelled since it was claimed: the parts already sent stay sent, the rest never go out.
        await this.outbox.settleWithdrawn(message);
        return;
      }
      const started = performance.now();
      const sending = this.channel.sendPart(modemId, { pdu: part.pdu, tpduLength: part.tpduLength, messageId: message.id, partNumber: part.partNumber });
      if (index === message.parts.length - 1) beforeLastPart();
      const result = await sending;
      this.busyMs.set(modemId, (this.busyMs.get(modemId) ?? 0) + (performance.now() - started));
      if (!result.ok) {
        const status = await this.outbox.partFailed(message.id, part.id, result.failure);
        this.logger.info({ messageId: message.id, modemId, code: result.failure.code, status }, 'part not sent');
        return;
      }
      await this.outbox.partAccepted(part.id, result.mr);
    }
    await this.outbox.messageSent(message);
  }

  /** job.progress per batch that saw work: done of total, rate, ETA. */
  private async publishProgress(): Promise<void> {
    for (const [batchId, seen] of [...this.activeBatches]) {
      try {
        const progress = await this.outbox.batchProgress(batchId);
        if (seen.startDone < 0) seen.startDone = progress.done;
        const elapsed = (Date.now() - seen.startedAt) / 1000;
        const rate = elapsed > 0 ? (progress.done - seen.startDone) / elapsed : null;
        const left = progress.total - progress.done;
        const finished = left === 0;
        this.events.publish(
          'job.progress',
          {
            jobId: `outbox:${batchId}`,
            kind: 'outbox.batch',
            label: progress.label,
            done: progress.done,
            total: progress.total,
            ratePerSecond: rate === null ? null : Math.round(rate * 100) / 100,
            etaSeconds: rate && rate > 0 ? Math.round(left / rate) : null,
            state: finished ? 'finished' : 'running',
          },
          'messages.read',
        );
        if (finished) this.activeBatches.delete(batchId);
      } catch (error) {
        this.logger.warn({ err: error, batchId }, 'batch progress failed');
        this.activeBatches.delete(batchId);
      }
    }
  }
}
