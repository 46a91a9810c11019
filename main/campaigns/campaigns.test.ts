import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../auth/audit.js';
import { MORNING, openMessagingCore, type MessagingCore } from '../messaging/outbox/testing.js';
import type { Campaigns } from './campaigns.js';
import { campaignInput, MANAGER, OPERATOR, seedMembers, testMobile } from './testing.js';

const HOUR = 3_600_000;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe('campaigns on a real core', () => {
  let env: MessagingCore;
  let campaigns: Campaigns;
  const db = () => env.core.services.db;
  const messagesOf = async (campaignId: number) =>
    (await db()('outbox_messages as m')
      .join('campaign_runs as r', 'r.batch_id', 'm.batch_id')
      .where('r.campaign_id', campaignId)
      .select('m.*', 'r.run_number')
      .orderBy('m.id')) as Array<{ id: number; member_id: number; recipient: string; text: string; status: string; blocked_rule: string | null; error_code: string | null; idempotency_key: string; due_at: number; run_number: number }>;
  const run = async () => {
    await campaigns.tick();
    await campaigns.whenIdle();
    await campaigns.tick();
  };

  beforeEach(async () => {
    env = await openMessagingCore();
    campaigns = env.core.services.campaigns;
    await seedMembers(db(), 300, MORNING, { tagEvery: 7 });
  });
  afterEach(async () => {
    await campaigns.stop();
    await env.close();
  });

  it('queues a segment audience once, with a deterministic hold-out, blocked members named by rule', async () => {
    const segment = await env.core.services.segments.create(MANAGER.actor, { name: '高积分会员', filter: { points: { min: 1001 } } });
    expect(segment.count).toBe(200); // members 101…300
    const created = await campaigns.create(MANAGER, campaignInput({ audience: { kind: 'segment', segmentId: segment.id }, text: '{称呼}，凭卡号{卡号}领礼品', holdoutPercent: 20 }));
    expect(created.state).toBe('draft');
    const dry = await campaigns.dryRun(campaignInput({ audience: { kind: 'segment', segmentId: segment.id }, text: '{称呼}，凭卡号{卡号}领礼品', holdoutPercent: 20 }), created.id);
    await campaigns.submit(MANAGER, created.id);
    await run();
    const messages = await messagesOf(created.id);
    const holdouts: Array<{ member_id: number; blocked_rule: string | null }> = await db()('campaign_holdouts').select('member_id', 'blocked_rule');
    // Every member of the segment is either messaged or held out, never both, never twice.
    const messaged = new Set(messages.map((m) => m.member_id));
    expect(messaged.size).toBe(messages.length);
    expect(holdouts.every((h) => !messaged.has(h.member_id))).toBe(true);
    expect(messages.length + holdouts.length).toBe(200);
    expect(holdouts.length).toBeGreaterThan(20);
    expect(holdouts.length).toBeLessThan(60);
    // The dry run saw exactly this.
    expect(dry.audience).toBe(200);
    expect(dry.holdout).toBe(holdouts.length);
    expect(dry.samples).toHaveLength(3);
    expect(dry.samples[0]!.text).toMatch(/^尊敬的(王|李|张|刘|陈)(先生|女士)，凭卡号8800\d{8}领礼品/);
    // Members without a card number are reported, not sent a broken text; no consent: blocked by consent.
    const byRule = (rule: string) => messages.filter((m) => m.blocked_rule === rule).map((m) => m.member_id);
    expect(byRule('render').every((id) => id % 3 === 0)).toBe(true);
    expect(messages.find((m) => m.blocked_rule === 'render')!.error_code).toBe('PLACEHOLDER_VALUE_MISSING');
    expect(byRule('consent').every((id) => id % 10 === 0)).toBe(true);
    expect(dry.blocked.render).toBe(byRule('render').length);
    expect(dry.blocked.consent).toBe(byRule('consent').length);
    expect(messages.filter((m) => m.status === 'queued').every((m) => m.text.includes('凭卡号8800'))).toBe(true);
    expect(messages[0]!.idempotency_key).toBe(`campaign:${created.id}:run:1:member:${messages[0]!.member_id}`);
    // Hold-out members the policy would have blocked are marked so.
    expect(holdouts.filter((h) => h.member_id % 10 === 0).every((h) => h.blocked_rule === 'consent')).toBe(true);
    const runs = await campaigns.runs(created.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ state: 'queued', audience: 200, holdout: holdouts.length });

    // Run again from the start (a restart that lost the cursor): nothing is written twice.
    await db()('campaign_runs').update({ state: 'enqueuing', cursor: 0 });
    await run();
    expect(await messagesOf(created.id)).toHaveLength(messages.length);
    expect((await campaigns.get(created.id)).state).toBe('running');

    // Everything sent: the run is finished and the one-off campaign completed.
    await db()('outbox_messages').where('status', 'queued').update({ status: 'sent', sent_at: MORNING });
    await campaigns.tick();
    expect((await campaigns.get(created.id)).state).toBe('completed');
    const actions = (await db()('audit_log').where('target', `campaign:${created.id}`).orderBy('id').pluck('action')) as string[];
    expect(actions).toEqual(['campaigns.create', 'campaigns.submit', 'campaigns.run', 'campaigns.complete']);
  });

  it('refuses an empty audience, a time that passed, a rule that never fires; refuses an unknown placeholder before saving', async () => {
    expect(await codeOf(campaigns.create(MANAGER, campaignInput({ schedule: { kind: 'at', at: MORNING - 2 * HOUR } })))).toBe('CAMPAIGN_SCHEDULE_IN_PAST');
    expect(await codeOf(campaigns.create(MANAGER, campaignInput({ schedule: { kind: 'recurring', rule: '0 10 30 2 *' } })))).toBe('CAMPAIGN_RULE_NEVER_FIRES');
    expect(await codeOf(campaigns.create(MANAGER, campaignInput({ text: '{会员等级}您好' })))).toBe('UNKNOWN_PLACEHOLDER');
    const nobody = await campaigns.create(MANAGER, campaignInput({ audience: { kind: 'filter', filter: { points: { min: 999_999 } } } }));
    expect(await codeOf(campaigns.submit(MANAGER, nobody.id))).toBe('CAMPAIGN_AUDIENCE_EMPTY');
    // Scheduled for an hour ahead, then the appliance was off past it: submitting now refuses the stale time.
    const later = await campaigns.create(MANAGER, campaignInput({ schedule: { kind: 'at', at: MORNING + HOUR } }));
    env.clock.advance(3 * HOUR);
    expect(await codeOf(campaigns.submit(MANAGER, later.id))).toBe('CAMPAIGN_SCHEDULE_IN_PAST');
    expect(await db()('campaigns').count({ n: '*' })).toEqual([{ n: 2 }]);
  });

  it('pauses, resumes and cancels through the batch; cancel withdraws what no modem has', async () => {
    const created = await campaigns.create(MANAGER, campaignInput({ audience: { kind: 'tag', tag: '老顾客' } }));
    await campaigns.submit(MANAGER, created.id);
    await run();
    const total = (await messagesOf(created.id)).length;
    expect(total).toBe(42); // every 7th of 300
    await campaigns.pause(MANAGER, created.id);
    expect((await messagesOf(created.id)).filter((m) => m.status === 'paused').length).toBeGreaterThan(30);
    expect(await codeOf(campaigns.pause(MANAGER, created.id))).toBe('CAMPAIGN_STATE_CONFLICT');
    await campaigns.resume(MANAGER, created.id);
    expect((await campaigns.get(created.id)).state).toBe('running');
    // One message goes to a modem; then cancel: the rest is withdrawn.
    const claimed = await env.core.services.messaging.outbox.claim('sim-1', ['sim-1']);
    expect(claimed).toBeDefined();
    await env.core.services.messaging.outbox.beginPart(claimed!.parts[0]!.id, 'sim-1');
    await campaigns.cancel(MANAGER, created.id);
    const after = await messagesOf(created.id);
    expect(after.filter((m) => m.status === 'queued' || m.status === 'paused')).toHaveLength(0);
    expect(after.find((m) => m.id === claimed!.id)!.status).toBe('sending');
    expect((await campaigns.get(created.id)).state).toBe('cancelled');
    expect((await campaigns.runs(created.id))[0]!.state).toBe('cancelled');
    expect(await codeOf(campaigns.resume(MANAGER, created.id))).toBe('CAMPAIGN_STATE_CONFLICT');
  });

  it('a member who opts out mid-campaign gets nothing more: the dispatch re-checks the policy', async () => {
    const created = await campaigns.create(MANAGER, campaignInput({ audience: { kind: 'filter', filter: { points: { max: 50 } } } }));
    await campaigns.submit(MANAGER, created.id);
    await run();
    expect((await messagesOf(created.id)).map((m) => m.recipient)).toEqual([1, 2, 3, 4, 5].map(testMobile));
    await env.core.services.lists.optOut(testMobile(1), { blacklist: null, whitelist: null }, db());
    const claimed = [];
    for (let i = 0; i < 5; i += 1) {
      const c = await env.core.services.messaging.outbox.claim('sim-1', ['sim-1']);
      if (c) claimed.push(c.recipient);
    }
    expect(claimed).toEqual([2, 3, 4, 5].map(testMobile));
    expect((await messagesOf(created.id))[0]).toMatchObject({ status: 'blocked', blocked_rule: 'opt-out' });
  });

  it('holds messages outside the send window until it opens', async () => {
    env.clock.set(Date.UTC(2026, 10, 22, 0, 0)); // 08:00 in Shanghai
    const created = await campaigns.create(MANAGER, campaignInput({ window: { start: '10:00', end: '20:00' }, audience: { kind: 'filter', filter: { points: { max: 30 } } } }));
    await campaigns.submit(MANAGER, created.id);
    await run();
    const opens = Date.UTC(2026, 10, 22, 2, 0);
    expect((await messagesOf(created.id)).map((m) => Number(m.due_at))).toEqual([opens, opens, opens]);
    // 20:30: still waiting ones move to tomorrow 10:00.
    env.clock.set(Date.UTC(2026, 10, 22, 12, 30));
    await campaigns.tick();
    expect((await messagesOf(created.id)).map((m) => Number(m.due_at))).toEqual([opens + 24 * HOUR, opens + 24 * HOUR, opens + 24 * HOUR]);
  });

  it('an operator campaign waits for a manager when approval is on', async () => {
    await campaigns.setApproval(MANAGER.actor, true);
    const created = await campaigns.create(OPERATOR, campaignInput());
    expect((await campaigns.submit(OPERATOR, created.id)).state).toBe('pending_approval');
    await run();
    expect(await messagesOf(created.id)).toHaveLength(0);
    expect((await campaigns.approve(MANAGER, created.id, '可以')).state).toBe('scheduled');
    await run();
    expect((await messagesOf(created.id)).length).toBe(300);
    // A manager's own campaign goes straight to scheduled.
    const own = await campaigns.create(MANAGER, campaignInput({ name: '店长活动' }));
    expect((await campaigns.submit(MANAGER, own.id)).state).toBe('scheduled');
  });

  it('a recurring campaign runs per occurrence with its own keys, and follows the injected clock', async () => {
    // Sunday 22 November 2026 10:00; every Monday 09:00.
    const created = await campaigns.create(MANAGER, campaignInput({ schedule: { kind: 'recurring', rule: '0 9 * * 1' }, audience: { kind: 'filter', filter: { points: { max: 20 } } }, holdoutPercent: 0 }));
    const submitted = await campaigns.submit(MANAGER, created.id);
    const monday = Date.UTC(2026, 10, 23, 1, 0);
    expect(submitted.nextRunAt).toBe(monday);
    expect((await campaigns.detail(created.id)).upcoming).toEqual([0, 1, 2, 3, 4].map((w) => monday + w * 7 * 24 * HOUR));
    await run();
    expect(await messagesOf(created.id)).toHaveLength(0);
    env.clock.set(monday + 60_000);
    await run();
    expect((await messagesOf(created.id)).map((m) => m.run_number)).toEqual([1, 1]);
    await db()('outbox_messages').where('status', 'queued').update({ status: 'sent', sent_at: monday + 60_000 });
    await campaigns.tick();
    expect((await campaigns.get(created.id))).toMatchObject({ state: 'scheduled', nextRunAt: monday + 7 * 24 * HOUR, runCount: 1 });
    env.clock.set(monday + 7 * 24 * HOUR + 60_000);
    await run();
    const keys = (await messagesOf(created.id)).map((m) => m.idempotency_key);
    expect(keys).toEqual([1, 2].map((id) => `campaign:${created.id}:run:1:member:${id}`).concat([1, 2].map((id) => `campaign:${created.id}:run:2:member:${id}`)));
  });

  it('an edit while running changes only what has not started: the text for members not queued yet', async () => {
    await db()('members').update({ card_no: '8800' });
    const extra = [];
    for (let i = 301; i <= 5000; i += 1) extra.push({ source: 'manual', source_key: `x-${i}`, name: '赵敏', gender: 'F', mobile: testMobile(i), points: 5, marketing_consent: true, created_at: MORNING, updated_at: MORNING });
    for (let i = 0; i < extra.length; i += 200) await db()('members').insert(extra.slice(i, i + 200));
    const created = await campaigns.create(MANAGER, campaignInput({ text: '旧文案 {称呼}' }));
    await campaigns.submit(MANAGER, created.id);
    let edited = false;
    const stop = env.core.services.events.onDidPublish((event) => {
      if (event.type !== 'job.progress' || edited) return;
      edited = true;
      void db()('campaigns').where('id', created.id).update({ text: '新文案 {称呼}', updated_at: MORNING + 1 }).then(() => undefined);
    });
    await run();
    stop();
    const texts = (await messagesOf(created.id)).filter((m) => m.status === 'queued').map((m) => m.text.slice(0, 3));
    expect(texts.length).toBeGreaterThan(4000);
    const firstNew = texts.indexOf('新文案');
    expect(firstNew).toBeGreaterThan(1000);
    expect(texts.slice(0, firstNew).every((t) => t === '旧文案')).toBe(true);
    expect(texts.slice(firstNew).every((t) => t === '新文案')).toBe(true);
    const members = (await messagesOf(created.id)).map((m) => m.member_id);
    expect(new Set(members).size).toBe(members.length);
    expect(members.length).toBe(5000);
    // Refused mid-run: the hold-out share (one run, one measurement).
    expect(await codeOf(campaigns.update(MANAGER, created.id, campaignInput({ holdoutPercent: 10 })))).toBe('CAMPAIGN_RUNNING_FIELD');
  });

  it('stopped mid-run, a new appliance goes on from the cursor and texts nobody twice', async () => {
    const extra = [];
    for (let i = 301; i <= 5000; i += 1) extra.push({ source: 'manual', source_key: `x-${i}`, name: '赵敏', gender: 'F', mobile: testMobile(i), points: 5, marketing_consent: true, created_at: MORNING, updated_at: MORNING });
    for (let i = 0; i < extra.length; i += 200) await db()('members').insert(extra.slice(i, i + 200));
    const created = await campaigns.create(MANAGER, campaignInput({ holdoutPercent: 5 }));
    await campaigns.submit(MANAGER, created.id);
    let stopping: Promise<void> | undefined;
    const off = env.core.services.events.onDidPublish((event) => {
      if (event.type === 'job.progress' && !stopping) stopping = campaigns.stop();
    });
    await campaigns.tick();
    await campaigns.whenIdle();
    await stopping;
    off();
    const [run1] = await campaigns.runs(created.id);
    expect(run1!.state).toBe('enqueuing');
    const partial = (await messagesOf(created.id)).length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(5000);
    const cursor = Number((await db()('campaign_runs').first('cursor')).cursor);
    expect(cursor).toBeGreaterThan(0);

    // What a restart does: a new scheduler on the same database goes on.
    const { Campaigns } = await import('./campaigns.js');
    const { Segments } = await import('./segments.js');
    const s = env.core.services;
    const again = new Campaigns({ db: s.db, clock: s.clock, audit: s.audit, events: s.events, logger: s.logger, settings: s.settings, messaging: s.messaging, modems: s.modems, segments: new Segments(s.db, s.clock, s.audit, s.events), lookupLists: (n, now, trx) => s.lists.lookup(n, now, trx) });
    await again.tick();
    await again.whenIdle();
    await again.stop();
    const messages = await messagesOf(created.id);
    const holdouts = Number((await db()('campaign_holdouts').count({ n: '*' }))[0]!.n);
    expect(new Set(messages.map((m) => m.member_id)).size).toBe(messages.length);
    expect(messages.length + holdouts).toBe(5000);
    expect((await again.runs(created.id))[0]!.state).toBe('queued');
    await env.core.services.messaging.batches.get((await again.runs(created.id))[0]!.batchId);
  });

  it('enqueues an uploaded list, matching members for personalisation', async () => {
    const created = await campaigns.create(MANAGER, campaignInput({ audience: { kind: 'list', numbers: `${testMobile(4)}\n13912345678\n${testMobile(4)}\n${testMobile(8)}` }, text: '{称呼}您好' }));
    expect(created.audience.listSize).toBe(3);
    await campaigns.submit(MANAGER, created.id);
    await run();
    const messages = await messagesOf(created.id);
    expect(messages.map((m) => m.recipient)).toEqual([testMobile(4), '+8613912345678', testMobile(8)]);
    expect(messages[0]!.text).toMatch(/^尊敬的陈女士您好/);
    expect(messages[0]!.member_id).toBe(4);
    expect(messages[1]!.idempotency_key).toBe(`campaign:${created.id}:run:1:number:+8613912345678`);
    expect(SYSTEM_ACTOR.username).toBe('system');
  });
});
