/**
 * Time is injected so schedules, quiet hours, lockouts and session expiry are
 * testable without sleeping.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  private current: number;
  constructor(start: number | Date = Date.UTC(2026, 10, 22, 2, 0, 0)) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }
  now(): number {
    return this.current;
  }
  set(time: number | Date): void {
    this.current = typeof time === 'number' ? time : time.getTime();
  }
  advance(ms: number): void {
    this.current += ms;
  }
}
