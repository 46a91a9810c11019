import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../clock.js';
import { ValidationError } from '../../errors.js';
import { endOfLocalDate, localDate } from './local-time.js';
import { MESSAGE_CATEGORIES, NOT_LISTED, decide, isCommercial, isOptOut, mayAutoAnswer, quietHoursEnd, type ListStatus, type PolicyContext, type PolicyMessage } from './policy.js';
import { POLICY_DEFAULTS, validatePolicySettings, type PolicySettings } from './settings.js';

// Shanghai is UTC+8 all year: 10:00 local = 02:00 UTC.
const at = (localIso: string) => Date.parse(`${localIso}+08:00`);
const clock = new ManualClock(at('2026-11-22T10:00:00'));

function context(overrides: Partial<PolicyContext> = {}, settings: Partial<PolicySettings> = {}): PolicyContext {
  return {
    now: clock.now(),
    settings: { ...POLICY_DEFAULTS, ...settings },
    lists: NOT_LISTED,
    recentCommercialSends: 0,
    ...overrides,
  };
}

const marketing: PolicyMessage = { category: 'marketing', recipient: '+8613800138000', marketingConsent: true };
const blacklisted = (scope: 'all' | 'marketing' | 'inbound', source: 'manual' | 'opt-out' = 'manual', expiresAt: number | null = null): ListStatus => ({
  blacklist: { scope, source, reason: '投诉', expiresAt },
  whitelist: null,
});

describe('decide', () => {
  it('allows an ordinary message and returns the normalised number', () => {
    expect(decide({ ...marketing, recipient: '138 0013 8000' }, context())).toEqual({ allowed: true, recipient: '+8613800138000' });
  });

  it('rejects an invalid number before anything else', () => {
    const decision = decide({ ...marketing, recipient: '12345' }, context({ lists: blacklisted('all') }));
    expect(decision).toMatchObject({ allowed: false, rule: 'invalid-number' });
    // E.164-looking but a landline: still refused.
    expect(decide({ ...marketing, recipient: '+861012345678' }, context())).toMatchObject({ rule: 'invalid-number' });
    expect(decide({ ...marketing, recipient: '+85291234567' }, context())).toEqual({ allowed: true, recipient: '+85291234567' });
  });

  it('blacklist scope all blocks every category; scope marketing blocks every commercial text', () => {
    for (const category of MESSAGE_CATEGORIES) {
      expect(decide({ ...marketing, category }, context({ lists: blacklisted('all') }))).toMatchObject({ allowed: false, rule: 'blacklist' });
      expect(decide({ ...marketing, category }, context({ lists: blacklisted('marketing') })).allowed).toBe(!isCommercial(category));
    }
    expect(decide(marketing, context({ lists: blacklisted('all') }))).toMatchObject({ reason: expect.stringContaining('投诉') });
  });

  it('inbound blacklist blocks only automatic answers', () => {
    const lists = blacklisted('inbound');
    expect(decide({ category: 'reply', recipient: '+8613800138000', automatic: true }, context({ lists }))).toMatchObject({ rule: 'blacklist' });
    expect(decide({ category: 'reply', recipient: '+8613800138000' }, context({ lists })).allowed).toBe(true);
    expect(decide(marketing, context({ lists })).allowed).toBe(true);
    expect(mayAutoAnswer(lists, clock.now())).toBe(false);
    expect(mayAutoAnswer(blacklisted('marketing'), clock.now())).toBe(true);
    expect(mayAutoAnswer(blacklisted('all'), clock.now())).toBe(false);
  });

  it('reports an opt-out entry as opt-out', () => {
    const lists = blacklisted('marketing', 'opt-out');
    expect(decide(marketing, context({ lists }))).toMatchObject({ allowed: false, rule: 'opt-out' });
  });

  it('ignores expired list entries, and applies them up to the moment they expire', () => {
    const now = clock.now();
    expect(decide(marketing, context({ lists: blacklisted('all', 'manual', now) })).allowed).toBe(true);
    expect(decide(marketing, context({ lists: blacklisted('all', 'manual', now + 1) })).allowed).toBe(false);
    expect(mayAutoAnswer(blacklisted('all', 'manual', now - 1), now)).toBe(true);
  });

  it('whitelist mode: only (unexpired) whitelisted numbers receive anything', () => {
    const settings = { whitelistMode: true };
    const care = { ...marketing, category: 'care' as const };
    expect(decide(care, context({}, settings))).toMatchObject({ allowed: false, rule: 'whitelist' });
    expect(decide(care, context({ lists: { blacklist: null, whitelist: { expiresAt: null } } }, settings)).allowed).toBe(true);
    expect(decide(care, context({ lists: { blacklist: null, whitelist: { expiresAt: clock.now() } } }, settings))).toMatchObject({ rule: 'whitelist' });
    expect(decide(care, context({ lists: NOT_LISTED }, { whitelistMode: false })).allowed).toBe(true);
  });

  it('blacklist outranks the whitelist', () => {
    const lists: ListStatus = { blacklist: blacklisted('all').blacklist, whitelist: { expiresAt: null } };
    expect(decide(marketing, context({ lists }, { whitelistMode: true }))).toMatchObject({ rule: 'blacklist' });
  });

  it('non-members (no consent on record) are not refused for consent', () => {
    expect(decide({ ...marketing, marketingConsent: null }, context()).allowed).toBe(true);
    expect(decide({ ...marketing, marketingConsent: undefined }, context()).allowed).toBe(true);
  });

  it('frequency cap: the Nth commercial message within the window is blocked, others are not', () => {
    expect(decide(marketing, context({ recentCommercialSends: 1 })).allowed).toBe(true);
    expect(decide(marketing, context({ recentCommercialSends: 2 }))).toMatchObject({ allowed: false, rule: 'frequency-cap' });
    expect(decide(marketing, context({ recentCommercialSends: 2 }, { frequencyCap: { enabled: false, maxMessages: 2, windowDays: 7 } })).allowed).toBe(true);
    expect(decide(marketing, context({ recentCommercialSends: 4 }, { frequencyCap: { enabled: true, maxMessages: 5, windowDays: 30 } })).allowed).toBe(true);
  });

  it('consent outranks the cap, the cap outranks quiet hours (nothing is deferred that would be blocked)', () => {
    const night = at('2026-11-22T23:00:00');
    expect(decide({ ...marketing, marketingConsent: false }, context({ now: night, recentCommercialSends: 5 }))).toMatchObject({ rule: 'consent' });
    expect(decide(marketing, context({ now: night, recentCommercialSends: 5 }))).toMatchObject({ rule: 'frequency-cap' });
    expect(decide(marketing, context({ now: night }))).toMatchObject({ rule: 'quiet-hours' });
  });
});

/**
 * Every category against every rule: commercial texts (care, marketing) meet
 * consent, opt-out, the marketing blacklist, the cap and quiet hours; replies
 * and transactional notices pass those but never an invalid number, a
 * scope-all blacklist entry or whitelist mode.
 */
describe('decide: which rules each category meets', () => {
  const night = at('2026-11-22T23:00:00');
  const scenarios: Array<{ name: string; message?: Partial<PolicyMessage>; context?: Partial<PolicyContext>; settings?: Partial<PolicySettings>; rule: string }> = [
    { name: 'opted out (TD)', context: { lists: blacklisted('marketing', 'opt-out') }, rule: 'opt-out' },
    { name: 'on the marketing blacklist', context: { lists: blacklisted('marketing') }, rule: 'blacklist' },
    { name: 'member without consent', message: { marketingConsent: false }, rule: 'consent' },
    { name: 'over the frequency cap', context: { recentCommercialSends: 2 }, rule: 'frequency-cap' },
    { name: 'in quiet hours', context: { now: night }, rule: 'quiet-hours' },
  ];
  const always: typeof scenarios = [
    { name: 'an invalid number', message: { recipient: '12345' }, rule: 'invalid-number' },
    { name: 'on the scope-all blacklist', context: { lists: blacklisted('all') }, rule: 'blacklist' },
    { name: 'whitelist mode, not whitelisted', settings: { whitelistMode: true }, rule: 'whitelist' },
  ];
  const expected: Record<(typeof MESSAGE_CATEGORIES)[number], boolean> = { reply: false, transactional: false, care: true, marketing: true };

  it('care and marketing are the commercial categories', () => {
    expect(MESSAGE_CATEGORIES.filter(isCommercial)).toEqual(['care', 'marketing']);
  });

  for (const category of MESSAGE_CATEGORIES) {
    for (const scenario of scenarios) {
      it(`${category}: ${scenario.name} → ${expected[category] ? scenario.rule : 'allowed'}`, () => {
        const decision = decide({ ...marketing, category, ...scenario.message }, context(scenario.context, scenario.settings));
        if (expected[category]) expect(decision).toMatchObject({ allowed: false, rule: scenario.rule });
        else expect(decision).toEqual({ allowed: true, recipient: '+8613800138000' });
      });
    }
    for (const scenario of always) {
      it(`${category}: ${scenario.name} → ${scenario.rule}`, () => {
        expect(decide({ ...marketing, category, ...scenario.message }, context(scenario.context, scenario.settings))).toMatchObject({ allowed: false, rule: scenario.rule });
      });
    }
  }
});

describe('quiet hours (default 21:00–08:00 Asia/Shanghai)', () => {
  const quiet = (localIso: string, settings: Partial<PolicySettings> = {}) => {
    const manual = new ManualClock(at(localIso));
    return decide(marketing, context({ now: manual.now() }, settings));
  };

  it('defers marketing at 21:00 exactly, until 08:00 next morning', () => {
    expect(quiet('2026-11-22T21:00:00')).toEqual({
      allowed: false,
      rule: 'quiet-hours',
      reason: expect.stringContaining('21:00'),
      deferUntil: at('2026-11-23T08:00:00'),
    });
  });

  it('is open one millisecond before 21:00 and again at 08:00', () => {
    expect(quiet('2026-11-22T20:59:59.999').allowed).toBe(true);
    expect(quiet('2026-11-23T08:00:00').allowed).toBe(true);
    expect(quiet('2026-11-23T07:59:59.999')).toMatchObject({ deferUntil: at('2026-11-23T08:00:00') });
  });

  it('across midnight the deferral lands on the same morning', () => {
    const clockAcross = new ManualClock(at('2026-11-22T23:30:00'));
    expect(decide(marketing, context({ now: clockAcross.now() }))).toMatchObject({ deferUntil: at('2026-11-23T08:00:00') });
    clockAcross.advance(60 * 60_000); // 00:30 next day
    expect(decide(marketing, context({ now: clockAcross.now() }))).toMatchObject({ deferUntil: at('2026-11-23T08:00:00') });
    clockAcross.set(at('2026-11-23T08:00:00'));
    expect(decide(marketing, context({ now: clockAcross.now() })).allowed).toBe(true);
  });

  it('defers care like marketing; never touches transactional notices or replies', () => {
    const now = at('2026-11-22T23:00:00');
    expect(decide({ ...marketing, category: 'care' }, context({ now }))).toMatchObject({ rule: 'quiet-hours', deferUntil: at('2026-11-23T08:00:00') });
    for (const category of ['reply', 'transactional'] as const) {
      expect(decide({ ...marketing, category }, context({ now })).allowed).toBe(true);
    }
  });

  it('a window within one day (12:00–14:00) and a switched-off window', () => {
    const settings = { quietHours: { enabled: true, start: '12:00', end: '14:00' } };
    expect(quiet('2026-11-22T11:59:00', settings).allowed).toBe(true);
    expect(quiet('2026-11-22T12:00:00', settings)).toMatchObject({ deferUntil: at('2026-11-22T14:00:00') });
    expect(quiet('2026-11-22T14:00:00', settings).allowed).toBe(true);
    expect(quiet('2026-11-22T23:00:00', { quietHours: { enabled: false, start: '21:00', end: '08:00' } }).allowed).toBe(true);
  });

  it('reads the hours in the configured time zone', () => {
    // 23:00 in Shanghai is 15:00 UTC: quiet in Shanghai, open in London (15:00).
    expect(quiet('2026-11-22T23:00:00', { timeZone: 'Europe/London' }).allowed).toBe(true);
    expect(quietHoursEnd({ ...POLICY_DEFAULTS, timeZone: 'Europe/London' }, Date.parse('2026-11-22T22:00:00Z'))).toBe(
      Date.parse('2026-11-23T08:00:00Z'),
    );
  });
});

describe('isOptOut', () => {
  it.each(['TD', 'td', 'Td', ' TD ', 'ＴＤ', '退订', ' 退订\n', 'T', 't', 'N', 'n', 'STOP', 'stop', 'Ｓｔｏｐ'])('%j opts out', (text) => {
    expect(isOptOut(text)).toBe(true);
  });

  it.each(['TD是什么', '请退订', '不要退订了', 'TDD', '', '  ', 'STOP!', 'yes'])('%j does not', (text) => {
    expect(isOptOut(text)).toBe(false);
  });

  it('uses the configured words', () => {
    expect(isOptOut('取消', ['取消', 'QX'])).toBe(true);
    expect(isOptOut('qx', ['取消', 'QX'])).toBe(true);
    expect(isOptOut('TD', ['取消'])).toBe(false);
  });
});

describe('validatePolicySettings', () => {
  it('merges a partial change over the current values', () => {
    const next = validatePolicySettings({ quietHours: { start: '22:30' }, frequencyCap: { maxMessages: 4 } });
    expect(next.quietHours).toEqual({ enabled: true, start: '22:30', end: '08:00' });
    expect(next.frequencyCap).toEqual({ enabled: true, maxMessages: 4, windowDays: 7 });
    expect(next.optOutKeywords).toEqual(POLICY_DEFAULTS.optOutKeywords);
  });

  it('folds duplicate keywords by width and case', () => {
    expect(validatePolicySettings({ optOutKeywords: ['TD', 'td', 'ＴＤ', '退订'] }).optOutKeywords).toEqual(['TD', '退订']);
  });

  it.each([
    [{ quietHours: { start: '25:00' } }, 'HH:MM'],
    [{ quietHours: { start: '08:00' } }, 'must differ'],
    [{ frequencyCap: { maxMessages: 0 } }, 'from 1 to 100'],
    [{ optOutKeywords: [] }, 'at least one'],
    [{ optOutKeywords: 'TD' }, 'list'],
    [{ timeZone: 'Mars/Base' }, 'time zone'],
    [{ partLimit: 11 }, 'from 1 to 10'],
    [{ signaturePosition: 'middle' }, 'start or end'],
    [{ salutationFallback: ' ' }, 'must not be empty'],
    [{ optOutConfirmation: '' }, 'must not be empty'],
    [{ optOutConfirmation: '退'.repeat(61) }, 'at most 60'],
    [{ colour: 'red' }, 'Unknown policy setting "colour"'],
  ])('rejects %j', (value, message) => {
    expect(() => validatePolicySettings(value)).toThrowError(ValidationError);
    expect(() => validatePolicySettings(value)).toThrowError(message);
  });
});

describe('local dates', () => {
  it('a list entry valid until a date lasts to the end of that local day', () => {
    expect(endOfLocalDate('Asia/Shanghai', '2026-12-31')).toBe(at('2027-01-01T00:00:00'));
    expect(localDate('Asia/Shanghai', at('2027-01-01T00:00:00') - 1)).toBe('2026-12-31');
  });
});
