import { describe, expect, it } from 'vitest';
import { checkRule, checkWindow, nextRuns, windowAt } from './scheduler.js';

const ZONE = 'Asia/Shanghai';
// Sunday 6 December 2026, 08:00 in Shanghai.
const FROM = Date.UTC(2026, 11, 6, 0, 0);

describe('campaign schedules', () => {
  it('computes the next runs of a rule in the store time zone from the given time, not the wall clock', () => {
    expect(nextRuns('0 10 * * 5', ZONE, FROM, 3).map((t) => new Date(t).toISOString())).toEqual([
      '2026-12-11T02:00:00.000Z',
      '2026-12-18T02:00:00.000Z',
      '2026-12-25T02:00:00.000Z',
    ]);
    // From a time years away the answer moves with it: nothing reads Date.now().
    expect(new Date(nextRuns('0 10 * * 5', ZONE, Date.UTC(2031, 0, 1), 1)[0]!).toISOString()).toBe('2031-01-03T02:00:00.000Z');
    // Strictly after: a run exactly at the given time is not "next".
    expect(nextRuns('0 10 * * 5', ZONE, Date.UTC(2026, 11, 11, 2, 0), 1)[0]).toBe(Date.UTC(2026, 11, 18, 2, 0));
    // Until cuts the list.
    expect(nextRuns('0 10 * * 5', ZONE, FROM, 5, Date.UTC(2026, 11, 20))).toHaveLength(2);
  });

  it('refuses a rule that never fires, is malformed, or fires more than hourly', () => {
    expect(() => checkRule('0 10 30 2 *', ZONE, FROM)).toThrow(expect.objectContaining({ code: 'CAMPAIGN_RULE_NEVER_FIRES' }));
    expect(() => checkRule('0 10 * *', ZONE, FROM)).toThrow(expect.objectContaining({ code: 'CAMPAIGN_RULE_INVALID' }));
    expect(() => checkRule('0 0 10 * * 5', ZONE, FROM)).toThrow(expect.objectContaining({ code: 'CAMPAIGN_RULE_INVALID' }));
    expect(() => checkRule('0 25 * * *', ZONE, FROM)).toThrow(expect.objectContaining({ code: 'CAMPAIGN_RULE_INVALID' }));
    expect(() => checkRule('*/5 * * * *', ZONE, FROM)).toThrow(expect.objectContaining({ code: 'CAMPAIGN_RULE_TOO_FREQUENT' }));
    expect(checkRule(' 0  10 * * 5 ', ZONE, FROM)).toBe('0 10 * * 5');
    // 29 February fires (in leap years), so it is allowed.
    expect(checkRule('0 9 29 2 *', ZONE, FROM)).toBe('0 9 29 2 *');
  });

  it('knows whether a time is inside the send window and when it next opens', () => {
    const window = checkWindow({ start: '10:00', end: '20:00' })!;
    expect(windowAt(window, ZONE, Date.UTC(2026, 11, 6, 3, 0))).toEqual({ inside: true }); // 11:00
    expect(windowAt(window, ZONE, FROM)).toEqual({ inside: false, opensAt: Date.UTC(2026, 11, 6, 2, 0) }); // 08:00 → 10:00 today
    expect(windowAt(window, ZONE, Date.UTC(2026, 11, 6, 13, 0))).toEqual({ inside: false, opensAt: Date.UTC(2026, 11, 7, 2, 0) }); // 21:00 → 10:00 tomorrow
    const night = checkWindow({ start: '20:00', end: '02:00' })!;
    expect(windowAt(night, ZONE, Date.UTC(2026, 11, 6, 17, 0))).toEqual({ inside: true }); // 01:00
    expect(() => checkWindow({ start: '10:00', end: '10:00' })).toThrow(expect.objectContaining({ code: 'CAMPAIGN_WINDOW_INVALID' }));
    expect(() => checkWindow({ start: '9:00', end: '10:00' })).toThrow(expect.objectContaining({ code: 'CAMPAIGN_WINDOW_INVALID' }));
    expect(checkWindow(null)).toBeNull();
  });
});
