import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../auth/audit.js';
import { ManualClock } from '../../clock.js';
import { createTestAppliance, type TestAppliance } from '../../../tests/support/appliance.js';
import { NOT_LISTED, decide } from '../policy/policy.js';
import { POLICY_DEFAULTS } from '../policy/settings.js';

const NOW = Date.parse('2026-11-22T10:00:00+08:00');

describe('NumberLists', () => {
  let app: TestAppliance;
  const clock = new ManualClock(NOW);

  beforeAll(async () => {
    app = await createTestAppliance({ clock });
  });
  afterAll(() => app.close());

  it('lookup answers for a batch, leaving out expired entries, in one query per 500 numbers', async () => {
    const { lists } = app.services;
    await lists.add(CLI_ACTOR, 'black', { mobile: '13800000001', scope: 'all', reason: '骚扰' });
    await lists.add(CLI_ACTOR, 'black', { mobile: '13800000002', scope: 'marketing', expiresAt: NOW + 60_000 });
    await lists.add(CLI_ACTOR, 'white', { mobile: '13800000002' });
    const numbers = Array.from({ length: 1200 }, (_, i) => `+86138000${String(i).padStart(5, '0')}`);
    const queries: string[] = [];
    const onQuery = (q: { sql: string }) => queries.push(q.sql);
    app.services.db.on('query', onQuery);
    const status = await lists.lookup(numbers);
    app.services.db.removeListener('query', onQuery);
    expect(queries.filter((q) => q.includes('number_lists'))).toHaveLength(3);
    expect(status.size).toBe(1200);
    expect(status.get('+8613800000001')).toEqual({ blacklist: { scope: 'all', source: 'manual', reason: '骚扰', expiresAt: null }, whitelist: null });
    expect(status.get('+8613800000002')).toEqual({
      blacklist: { scope: 'marketing', source: 'manual', reason: '', expiresAt: NOW + 60_000 },
      whitelist: { expiresAt: null },
    });
    expect(status.get('+8613800000003')).toBe(NOT_LISTED);

    const later = await lists.lookup(['+8613800000002'], NOW + 60_000);
    expect(later.get('+8613800000002')!.blacklist).toBeNull();

    // The lookup feeds the pure policy directly.
    const context = { now: NOW, settings: POLICY_DEFAULTS, recentCommercialSends: 0 };
    expect(decide({ category: 'care', recipient: '+8613800000001' }, { ...context, lists: status.get('+8613800000001')! })).toMatchObject({
      rule: 'blacklist',
    });
  });

  it('addOptOut blacklists for marketing at once, is idempotent, and widens an inbound-only entry', async () => {
    const { lists } = app.services;
    const published: unknown[] = [];
    const stop = app.services.events.onDidPublish((event) => {
      if (event.type === 'lists.changed') published.push({ data: event.data, permission: event.permission });
    });
    expect(await lists.addOptOut('139 0000 0001')).toBe('added');
    expect(await lists.addOptOut('+8613900000001')).toBe('unchanged');
    expect((await lists.statusOf('13900000001')).blacklist).toMatchObject({ scope: 'marketing', source: 'opt-out' });

    await lists.add(CLI_ACTOR, 'black', { mobile: '13900000002', scope: 'inbound' });
    expect(await lists.addOptOut('13900000002')).toBe('updated');
    expect((await lists.statusOf('13900000002')).blacklist).toMatchObject({ scope: 'all', source: 'opt-out' });

    await lists.add(CLI_ACTOR, 'black', { mobile: '13900000003', scope: 'marketing', expiresAt: NOW + 1000 });
    expect(await lists.addOptOut('13900000003')).toBe('updated');
    expect((await lists.statusOf('13900000003')).blacklist).toMatchObject({ scope: 'marketing', expiresAt: null });

    stop();
    // One event per change that happened, none for the unchanged repeat; only list readers hear it.
    expect(published.filter((e) => (e as { data: { change: string } }).data.change === 'opt-out')).toEqual([
      { data: { list: 'black', change: 'opt-out', mobile: '+8613900000001' }, permission: 'lists.read' },
      { data: { list: 'black', change: 'opt-out', mobile: '+8613900000002' }, permission: 'lists.read' },
      { data: { list: 'black', change: 'opt-out', mobile: '+8613900000003' }, permission: 'lists.read' },
    ]);
    const audit = await app.services.audit.search({ action: 'lists.black.opt-out', page: 1, pageSize: 10 });
    expect(audit.items.map((a) => `${a.username} ${a.target}`)).toEqual([
      'system +8613900000003',
      'system +8613900000002',
      'system +8613900000001',
    ]);
  });
});

