import type { Clock } from '../clock.js';
import { ModemError } from './errors.js';

/**
 * Pacing and caps for one SIM: a minimum gap between submissions and at most
 * N submissions per rolling hour and per rolling day. Lives inside the modem,
 * so no caller can send around it. Defaults are safe against operator
 * blocking of a retail SIM (China Mobile/Unicom flag SIMs far above these).
 */
export interface SendLimits {
  /** Minimum gap between two submissions (parts), ms. */
  minGapMs: number;
  perHour: number;
  perDay: number;
}

export const DEFAULT_SEND_LIMITS: SendLimits = { minGapMs: 3_000, perHour: 200, perDay: 1_000 };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export class SendCapError extends ModemError {
  constructor(window: 'hour' | 'day', limit: number, availableAt: number) {
    super(
      'MODEM_SEND_CAP_REACHED',
      `This modem's SIM has reached its cap of ${limit} messages per ${window}; capacity returns at ${new Date(availableAt).toISOString()}. ` +
        'Use another modem or raise the cap in the modem settings if the operator allows it.',
      { retryable: true, status: 429, details: { window, limit, availableAt } },
    );
  }
}

export function validateLimits(limits: Partial<SendLimits>): SendLimits {
  const merged = { ...DEFAULT_SEND_LIMITS, ...limits };
  for (const [name, value] of Object.entries(merged)) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new ModemError('MODEM_BAD_LIMIT', `The send limit ${name} must be a whole number ≥ 0 (got ${String(value)}).`, { status: 400 });
    }
  }
  if (merged.perHour < 1 || merged.perDay < 1) throw new ModemError('MODEM_BAD_LIMIT', 'The hourly and daily caps must allow at least one message.', { status: 400 });
  return merged;
}

export class SendLedger {
  /** Submission times, oldest first, within the last day. */
  private times: number[] = [];
  private lastAt = -Infinity;

  constructor(
    private readonly clock: Clock,
    public limits: SendLimits = DEFAULT_SEND_LIMITS,
  ) {}

  /** Loads earlier submissions (from the database) so a restart does not reset the caps. */
  seed(times: number[]): void {
    this.times = [...this.times, ...times].sort((a, b) => a - b);
    this.prune();
    if (this.times.length > 0) this.lastAt = Math.max(this.lastAt, this.times[this.times.length - 1]!);
  }

  /** Throws SendCapError unless `count` more submissions fit in both windows now. */
  check(count: number): void {
    this.prune();
    const now = this.clock.now();
    const inHour = this.times.filter((t) => t > now - HOUR);
    if (inHour.length + count > this.limits.perHour) {
      const freeAfter = inHour[Math.max(0, inHour.length + count - this.limits.perHour - 1)] ?? now;
      throw new SendCapError('hour', this.limits.perHour, freeAfter + HOUR);
    }
    if (this.times.length + count > this.limits.perDay) {
      const freeAfter = this.times[Math.max(0, this.times.length + count - this.limits.perDay - 1)] ?? now;
      throw new SendCapError('day', this.limits.perDay, freeAfter + DAY);
    }
  }

  /** How long to wait before the next submission respects the minimum gap. */
  waitMs(): number {
    return Math.max(0, this.lastAt + this.limits.minGapMs - this.clock.now());
  }

  record(): void {
    const now = this.clock.now();
    this.times.push(now);
    this.lastAt = now;
  }

  usage(): { lastHour: number; lastDay: number } {
    this.prune();
    const now = this.clock.now();
    return { lastHour: this.times.filter((t) => t > now - HOUR).length, lastDay: this.times.length };
  }

  private prune(): void {
    const cutoff = this.clock.now() - DAY;
    let drop = 0;
    while (drop < this.times.length && this.times[drop]! <= cutoff) drop += 1;
    if (drop > 0) this.times = this.times.slice(drop);
  }
}
