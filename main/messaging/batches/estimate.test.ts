import { describe, expect, it } from 'vitest';
import { estimateSendDuration, SUBMIT_MS, type ModemPace } from './estimate.js';

const sim = (overrides: Partial<ModemPace> = {}): ModemPace => ({ minGapMs: 3_000, perHour: 200, perDay: 1_000, usedLastHour: 0, usedLastDay: 0, ...overrides });

describe('estimateSendDuration', () => {
  it('paces parts by the gap while under the caps', () => {
    expect(estimateSendDuration(10, [sim()])).toEqual({ seconds: 30, modems: 1, partsPerHour: 200 });
    // Two SIMs share the work.
    expect(estimateSendDuration(10, [sim(), sim()]).seconds).toBe(15);
    // A gap shorter than a modem's submit time does not make it faster than that.
    expect(estimateSendDuration(10, [sim({ minGapMs: 0, perHour: 10_000 })]).seconds).toBe((10 * SUBMIT_MS) / 1000);
  });

  it('waits for the next hour at the hourly cap, and for the next day at the daily cap', () => {
    // 200 per hour: 450 parts take two full hours and 50 parts into the third.
    expect(estimateSendDuration(450, [sim()]).seconds).toBe(2 * 3600 + 150);
    // Already 150 sent this hour: only 50 more fit in it.
    expect(estimateSendDuration(100, [sim({ usedLastHour: 150 })]).seconds).toBe(3600 + 150);
    // 1,000 per day: the 1,001st part goes out the next day.
    expect(estimateSendDuration(1_001, [sim()]).seconds).toBe(24 * 3600 + 3);
    expect(estimateSendDuration(10, [sim({ usedLastDay: 1_000 })]).seconds).toBe(24 * 3600 + 30);
  });

  it('has no figure without a modem, or beyond a month', () => {
    expect(estimateSendDuration(10, [])).toEqual({ seconds: null, modems: 0, partsPerHour: 0 });
    expect(estimateSendDuration(0, [])).toMatchObject({ seconds: 0 });
    expect(estimateSendDuration(40_000, [sim()]).seconds).toBeNull();
  });
});
