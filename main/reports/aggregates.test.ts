import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuditActor } from '../auth/audit.js';
import { ManualClock } from '../clock.js';
import type { Knex } from 'knex';
import { createTestAppliance, type TestAppliance } from '../../tests/support/appliance.js';
import { businessDashboard } from './dashboard.js';
import { addDays, daysFrom, localDate, startOfDay } from './days.js';
import { Reports, VOLUME_GROUPS, type ReportResult, type VolumeGroup } from './reports.js';
import { DailyRollup } from './rollup.js';
import { priceOf, type ReportSettings } from './settings.js';
import { upcomingNotConfigured } from './sources.js';

/**
 * The daily aggregates on a real SQLite appliance with a hand-moved clock: every
 * figure the reports and the dashboard read from them equals the same figure
 * counted directly from the outbox and inbox rows (and the parts the network
 * accepted), after incremental roll-ups, late status reports, cancels, a
 * midnight, the nightly re-roll, a crash mid-run and a time-zone change. Messages
 * go through the real outbox: enqueue, claim, parts accepted or refused, status
 * reports, cancels; inbound texts through the real inbox chain (TD opts out).
 */
const MANAGER: AuditActor = { userId: null, username: 'manager-li', ip: '127.0.0.1' };
const OPERATOR: AuditActor = { userId: null, username: 'operator-wang', ip: '127.0.0.1' };
// 2026-12-10 10:00 in Shanghai (UTC+8): a Thursday, outside quiet hours.
const START = Date.UTC(2026, 11, 10, 2, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Two UCS-2 parts (more than 70 characters, at most 134): a long text is billed per part. */
const LONG_TEXT = '本周六会员日：全场生鲜八折，熟食第二件半价，积分双倍，凭会员卡到服务台领取环保袋一个，数量有限送完即止。周日上午九点起还有鸡蛋特价，每人限购两盒，欢迎光临。';

type Row = {
  id: number;
  status: string;
  category: string;
  source: string;
  created_by: string;
  modem_id: string | null;
  batch_id: string | null;
  part_count: number;
  created_at: number;
  not_before: number | null;
  store_code: string;
  billed: number;
};

/** The outbox as rows, with each message's member store and the parts the network accepted (counted from outbox_parts). */
async function outboxRows(db: Knex): Promise<Row[]> {
  const rows = (await db.raw(
    `SELECT o.id, o.status, o.category, o.source, o.created_by, o.modem_id, o.batch_id, o.part_count, o.created_at, o.not_before,
       COALESCE(m.store_code, '') AS store_code,
       (SELECT COUNT(*) FROM outbox_parts p WHERE p.message_id = o.id AND (p.sent_at IS NOT NULL OR p.status IN ('sent', 'delivered', 'unknown'))) AS billed
     FROM outbox_messages o LEFT JOIN members m ON m.id = o.member_id`,
  )) as Array<Record<string, unknown>>;
  return rows.map((r) => ({
    ...(r as unknown as Row),
    id: Number(r['id']),
    part_count: Number(r['part_count']),
    created_at: Number(r['created_at']),
    not_before: r['not_before'] === null ? null : Number(r['not_before']),
    billed: Number(r['billed']),
  }));
}

interface Tally {
  messages: number;
  out: number;
  partsSent: number;
  cost: number;
  delivered: number;
  failed: number;
  blocked: number;
  waiting: number;
  pending: number;
  unknown: number;
}
const emptyTally = (): Tally => ({ messages: 0, out: 0, partsSent: 0, cost: 0, delivered: 0, failed: 0, blocked: 0, waiting: 0, pending: 0, unknown: 0 });

function tallyInto(t: Tally, row: Row, prices: ReportSettings): void {
  t.messages += 1;
  if (['sent', 'delivered', 'failed', 'unknown'].includes(row.status)) t.out += 1;
  t.partsSent += row.billed;
  t.cost += row.billed * priceOf(prices, row.modem_id ?? '');
  if (row.status === 'delivered') t.delivered += 1;
  if (row.status === 'failed') t.failed += 1;
  if (row.status === 'blocked') t.blocked += 1;
  if (['queued', 'paused', 'sending'].includes(row.status)) t.waiting += 1;
  if (row.status === 'sent') t.pending += 1;
  if (row.status === 'unknown') t.unknown += 1;
}

/** A message's day: when it was due to go (its scheduled time, else when it was queued), in the store's zone. */
const dayOf = (timeZone: string, row: Row) => localDate(timeZone, row.not_before ?? row.created_at);

const groupKey: Record<VolumeGroup, (row: Row, day: string) => string> = {
  day: (_row, day) => day,
  modem: (row) => row.modem_id ?? '',
  operator: (row) => row.created_by,
  source: (row) => row.source,
  category: (row) => row.category,
  store: (row) => row.store_code,
};

/** The volume report's figures counted straight from the rows. */
function recount(rows: Row[], timeZone: string, range: { from: string; to: string; storeCode?: string }, prices: ReportSettings, key: (row: Row, day: string) => string) {
  const groups = new Map<string, Tally>();
  const total = emptyTally();
  for (const row of rows) {
    const day = dayOf(timeZone, row);
    if (day < range.from || day > range.to) continue;
    if (range.storeCode !== undefined && row.store_code !== range.storeCode) continue;
    const k = key(row, day);
    const t = groups.get(k) ?? emptyTally();
    tallyInto(t, row, prices);
    tallyInto(total, row, prices);
    groups.set(k, t);
  }
  return { groups, total };
}

const pick = (t: Tally | Record<string, unknown>, keys: readonly string[]) => Object.fromEntries(keys.map((k) => [k, Number((t as Record<string, unknown>)[k] ?? 0)]));
const VOLUME_KEYS = ['messages', 'out', 'partsSent', 'cost', 'delivered', 'failed', 'blocked', 'waiting'] as const;
const DELIVERY_KEYS = ['out', 'delivered', 'failed', 'pending', 'unknown'] as const;

/** Table rows keyed by their group, without the groups a recount has no message for. */
function byGroup(result: ReportResult, keys: readonly string[]): Record<string, Record<string, number>> {
  return Object.fromEntries(result.rows.map((r) => [String(r['group']), pick(r, keys)]));
}
function expected(groups: Map<string, Tally>, keys: readonly string[], keep: (t: Tally) => boolean = () => true): Record<string, Record<string, number>> {
  return Object.fromEntries([...groups].filter(([, t]) => keep(t)).map(([k, t]) => [k, pick(t, keys)]));
}

describe('daily aggregates equal a direct recount', () => {
  let app: TestAppliance;
  let clock: ManualClock;
  let db: Knex;
  let rollup: DailyRollup;
  let reports: Reports;
  let mr = 0;
  let numberSeq = 0;
  const members: Record<string, number> = {};

  /** A roll-up and reports of their own, so every test starts from no aggregates and no watermark. */
  function freshRollup(): void {
    const s = app.services;
    rollup = new DailyRollup({ db, clock, logger: s.logger, events: s.events, timeZone: async () => (await s.settings.get('policy')).timeZone });
    reports = new Reports({ db, clock, audit: s.audit, settings: s.settings, rollup, surveys: s.surveys, feedback: s.reportSources.feedback });
  }

  const timeZone = async () => (await app.services.settings.get('policy')).timeZone;
  const prices = () => app.services.settings.get('reports');
  const outbox = () => app.services.messaging.outbox;
  const nextNumber = () => `139${String(70_000_000 + (numberSeq += 1)).padStart(8, '0')}`;

  async function enqueue(options: { count?: number; member?: string | null; category?: 'transactional' | 'care' | 'marketing'; text?: string; notBefore?: number; actor?: AuditActor; source?: string; batch?: string }) {
    const count = options.count ?? 1;
    const recipients = Array.from({ length: count }, () => {
      if (options.member) {
        const id = members[options.member]!;
        return { number: nextNumber(), memberId: id, member: { name: options.member, gender: 'F' as const, points: 0, marketingConsent: true } };
      }
      return { number: nextNumber() };
    });
    return outbox().enqueue(
      recipients,
      {
        text: options.text ?? '您的订单已到店，请凭取货码到服务台领取。',
        category: options.category ?? 'transactional',
        source: options.source ?? 'ui',
        matchMembers: false,
        ...(options.notBefore !== undefined ? { notBefore: options.notBefore } : {}),
        ...(options.batch ? { batch: { label: options.batch, kind: 'campaign' } } : {}),
      },
      options.actor ?? OPERATOR,
    );
  }

  /**
   * What a modem worker does with the next due message: each part handed over
   * and accepted (with its MR), or the part `refuseAt` refused (retryable or
   * not), or no answer at `uncertainAt`. Returns the message and the MRs.
   */
  async function sendNext(modemId: string, how: { refuseAt?: number; retryable?: boolean; uncertainAt?: number } = {}) {
    const claimed = await outbox().claim(modemId, [modemId]);
    if (!claimed) return undefined;
    const mrs: number[] = [];
    for (const [i, part] of claimed.parts.entries()) {
      await outbox().beginPart(part.id, modemId);
      if (how.refuseAt === i) {
        await outbox().partFailed(claimed.id, part.id, { kind: 'refused', retryable: how.retryable ?? false, code: 'CMS_500', message: 'refused (test)' });
        return { claimed, mrs, modemId };
      }
      if (how.uncertainAt === i) {
        await outbox().partFailed(claimed.id, part.id, { kind: 'uncertain', retryable: false, code: 'NO_ANSWER', message: 'no answer (test)' });
        return { claimed, mrs, modemId };
      }
      mr = (mr + 1) % 256;
      await outbox().partAccepted(part.id, mr);
      mrs.push(mr);
    }
    await outbox().messageSent(claimed);
    return { claimed, mrs, modemId };
  }

  async function report(sent: { claimed: { recipient: string }; mrs: number[]; modemId: string }, outcome: 'delivered' | 'failed') {
    for (const m of sent.mrs) await outbox().storeStatusReport({ modemId: sent.modemId, mr: m, recipient: sent.claimed.recipient, status: outcome === 'delivered' ? 0 : 70, outcome });
  }

  async function inbound(text: string, sender = nextNumber(), modemId = 'm1') {
    const stored = await app.services.messaging.inbox.write({ modemId, sender, text, key: `k${(numberSeq += 1)}` });
    await app.services.messaging.inbox.processStored(stored.stored);
  }

  /**
   * Every figure of the volume (each grouping, each store), delivery, campaigns
   * and opt-outs reports over the range, and the dashboard, against a recount.
   */
  async function expectReportsMatchRecount(range: { from: string; to: string }) {
    const zone = await timeZone();
    const p = await prices();
    const rows = await outboxRows(db);
    for (const groupBy of VOLUME_GROUPS) {
      const result = await reports.run('volume', { ...range, groupBy });
      const { groups, total } = recount(rows, zone, range, p, groupKey[groupBy]);
      expect(byGroup(result, VOLUME_KEYS), `volume by ${groupBy}`).toEqual(expected(groups, VOLUME_KEYS));
      expect(pick(result.totals, VOLUME_KEYS), `volume totals by ${groupBy}`).toEqual(pick(total, VOLUME_KEYS));
      expect(result.empty).toBe(total.messages === 0);
      if (groupBy === 'day') {
        // The chart has every day of the range, zeros included.
        const days = daysFrom(range.from, range.to);
        expect(result.chart.categories).toEqual(days);
        expect(result.chart.series.find((s) => s.key === 'messages')!.values).toEqual(days.map((d) => groups.get(d)?.messages ?? 0));
        expect(result.chart.series.find((s) => s.key === 'cost')!.values).toEqual(days.map((d) => groups.get(d)?.cost ?? 0));
      }
    }
    for (const storeCode of ['S01', 'S02', '']) {
      const result = await reports.run('volume', { ...range, storeCode, groupBy: 'modem' });
      const { groups, total } = recount(rows, zone, { ...range, storeCode }, p, groupKey.modem);
      expect(byGroup(result, VOLUME_KEYS), `store ${storeCode || '(none)'}`).toEqual(expected(groups, VOLUME_KEYS));
      expect(pick(result.totals, VOLUME_KEYS)).toEqual(pick(total, VOLUME_KEYS));
    }

    const delivery = await reports.run('delivery', range);
    const perModem = recount(rows, zone, range, p, groupKey.modem);
    expect(byGroup(delivery, DELIVERY_KEYS), 'delivery per modem').toEqual(expected(perModem.groups, DELIVERY_KEYS, (t) => t.out > 0));
    expect(delivery.totals['deliveryRate']).toBe(perModem.total.out > 0 ? perModem.total.delivered / perModem.total.out : null);

    // 活动效果: every bulk send (not the batch-less replies) created in the range, at each modem's price.
    const campaigns = await reports.run('campaigns', range);
    const from = startOfDay(zone, range.from);
    const to = startOfDay(zone, addDays(range.to, 1));
    const batches = (await db('outbox_batches').whereNot('kind', 'reply').where('created_at', '>=', from).where('created_at', '<', to).select('id')) as Array<{ id: string }>;
    const perBatch = new Map<string, Tally>();
    for (const row of rows) {
      if (!row.batch_id || !batches.some((b) => b.id === row.batch_id)) continue;
      const t = perBatch.get(row.batch_id) ?? emptyTally();
      tallyInto(t, row, p);
      perBatch.set(row.batch_id, t);
    }
    expect(byGroup(campaigns, ['messages', 'out', 'delivered', 'failed', 'blocked', 'waiting', 'partsSent', 'cost']), 'campaigns').toEqual(
      expected(perBatch, ['messages', 'out', 'delivered', 'failed', 'blocked', 'waiting', 'partsSent', 'cost']),
    );

    // 退订: TD texts per day (the inbox rule that handled them) beside the commercial texts that went out.
    const optOuts = await reports.run('opt-outs', range);
    const inboxRows = (await db('inbox_messages').select('received_at', 'handled_by_rule')) as Array<{ received_at: number; handled_by_rule: string | null }>;
    const perDay = new Map<string, { optOuts: number; received: number; commercialOut: number }>();
    const dayEntry = (d: string) => perDay.get(d) ?? perDay.set(d, { optOuts: 0, received: 0, commercialOut: 0 }).get(d)!;
    for (const r of inboxRows) {
      const d = localDate(zone, Number(r.received_at));
      if (d < range.from || d > range.to) continue;
      dayEntry(d).received += 1;
      if (r.handled_by_rule === 'opt-out') dayEntry(d).optOuts += 1;
    }
    for (const row of rows) {
      const d = dayOf(zone, row);
      if (d < range.from || d > range.to || !['care', 'marketing'].includes(row.category) || !['sent', 'delivered', 'failed', 'unknown'].includes(row.status)) continue;
      dayEntry(d).commercialOut += 1;
    }
    expect(byGroup(optOuts, ['optOuts', 'received', 'commercialOut']), 'opt-outs').toEqual(Object.fromEntries([...perDay].map(([d, v]) => [d, v])));

    // The dashboard reads the same aggregates for today and the 30 days before.
    const today = localDate(zone, clock.now());
    const dashboard = await businessDashboard(
      { db, clock, settings: app.services.settings, rollup, sources: { ...app.services.reportSources, upcoming: upcomingNotConfigured }, strategyCounts: async () => ({}) },
      () => true,
    );
    const last30 = recount(rows, zone, { from: addDays(today, -29), to: today }, p, groupKey.day);
    expect(dashboard.messaging!.days.map((d) => [d.day, d.messages, d.partsSent, d.delivered, d.failed])).toEqual(
      daysFrom(addDays(today, -29), today).map((d) => {
        const t = last30.groups.get(d) ?? emptyTally();
        return [d, t.messages, t.partsSent, t.delivered, t.failed];
      }),
    );
    const todays = last30.groups.get(today) ?? emptyTally();
    expect(pick(dashboard.messaging!.today, ['messages', 'partsSent', 'delivered', 'failed', 'waiting', 'blocked'])).toEqual(pick(todays, ['messages', 'partsSent', 'delivered', 'failed', 'waiting', 'blocked']));
    const modems30 = recount(rows, zone, { from: addDays(today, -29), to: today }, p, groupKey.modem);
    expect(Object.fromEntries(dashboard.modems!.map((m) => [m.modemId, pick(m, ['out', 'delivered', 'failed'])]))).toEqual(
      expected(modems30.groups, ['out', 'delivered', 'failed'], (t) => t.out > 0),
    );
  }

  async function resetWorld(at: number) {
    clock.set(at);
    for (const table of ['status_report_candidates', 'status_reports', 'outbox_parts', 'outbox_messages', 'outbox_batches', 'inbox_messages', 'conversations', 'number_lists', 'message_daily', 'message_day_totals', 'message_monthly', 'batch_totals', 'inbound_daily', 'report_rollups']) {
      await db(table).delete();
    }
    freshRollup();
  }

  beforeAll(async () => {
    clock = new ManualClock(START);
    app = await createTestAppliance({ clock });
    db = app.services.db;
    const now = clock.now();
    await db('stores').insert([
      { code: 'S01', name: '好又多(人民路店)', created_at: now, updated_at: now },
      { code: 'S02', name: '好又多(解放路店)', created_at: now, updated_at: now },
    ]);
    for (const [name, store] of [
      ['张伟', 'S01'],
      ['李娜', 'S02'],
      ['王芳', null],
    ] as const) {
      const [row] = (await db('members')
        .insert({ source: 'manual', source_key: name, name, gender: 'F', mobile: nextNumber(), marketing_consent: true, points: 0, store_code: store, created_at: 0, updated_at: 0 })
        .returning('id')) as Array<{ id: number } | number>;
      members[name] = Number(typeof row === 'object' ? row.id : row);
    }
  });
  afterAll(async () => {
    await app.close();
  });
  beforeEach(async () => {
    await resetWorld(START);
    await app.services.settings.update(MANAGER, { reports: { pricePerPartLi: 100, modemPrices: [] }, policy: { timeZone: 'Asia/Shanghai' } });
  });

  it('counts a day of sends, long texts per part, blocked and waiting messages, by every grouping and store', async () => {
    await enqueue({ count: 3, member: '张伟', category: 'care', text: LONG_TEXT, source: 'care', batch: '会员日' });
    await enqueue({ count: 2, member: '李娜' });
    await enqueue({ count: 2 });
    await app.services.lists.add(MANAGER, 'black', { mobile: nextNumber(), reason: '投诉' });
    await enqueue({ count: 1, category: 'marketing', actor: MANAGER }); // a fresh number: queued
    const blockedNumber = nextNumber();
    await app.services.lists.add(MANAGER, 'black', { mobile: blockedNumber, reason: '投诉' });
    await outbox().enqueue([{ number: blockedNumber }], { text: '周末大促', category: 'marketing', source: 'ui' }, MANAGER);
    for (let i = 0; i < 3; i++) await sendNext('m1');
    for (let i = 0; i < 2; i++) await sendNext('m2');
    await rollup.run();
    const today = localDate('Asia/Shanghai', clock.now());
    await expectReportsMatchRecount({ from: today, to: today });
    // The long texts really are billed per part: three care texts of two parts each went out.
    const care = await reports.run('volume', { from: today, to: today, groupBy: 'category' });
    expect(care.rows.find((r) => r['group'] === 'care')).toMatchObject({ messages: 3, partsSent: 6, cost: 600 });
    expect((await reports.run('volume', { from: today, to: today, groupBy: 'store' })).rows.find((r) => r['group'] === 'S01')).toMatchObject({ groupLabel: '好又多(人民路店)', messages: 3 });
  });

  it('a delivery report that arrives the next day moves the message on its own day, across midnight', async () => {
    await enqueue({ count: 4, member: '张伟' });
    const sent = [];
    for (let i = 0; i < 4; i++) sent.push((await sendNext('m1'))!);
    // 23:59 on the 10th: the roll-up has them as sent, awaiting their reports.
    clock.set(Date.UTC(2026, 11, 10, 15, 59));
    await rollup.run();
    const day = '2026-12-10';
    expect((await reports.run('delivery', { from: day, to: day })).totals).toMatchObject({ out: 4, delivered: 0, pending: 4 });
    // 00:20 on the 11th: the reports come in, one failed; a new message is the 11th's.
    clock.set(Date.UTC(2026, 11, 10, 16, 20));
    await report(sent[0]!, 'delivered');
    await report(sent[1]!, 'delivered');
    await report(sent[2]!, 'failed');
    await enqueue({ count: 1, member: '李娜' });
    await rollup.run();
    expect((await reports.run('delivery', { from: day, to: day })).totals).toMatchObject({ out: 4, delivered: 2, failed: 1, pending: 1, deliveryRate: 0.5 });
    expect((await reports.run('volume', { from: '2026-12-11', to: '2026-12-11' })).totals).toMatchObject({ messages: 1, waiting: 1 });
    await expectReportsMatchRecount({ from: '2026-12-09', to: '2026-12-11' });
    // Two days later the last report still lands on the 10th.
    clock.set(Date.UTC(2026, 11, 12, 9, 0));
    await report(sent[3]!, 'delivered');
    await rollup.run();
    expect((await reports.run('delivery', { from: day, to: day })).totals).toMatchObject({ delivered: 3, pending: 0 });
    await expectReportsMatchRecount({ from: '2026-12-09', to: '2026-12-12' });
  });

  it('a cancelled message or batch leaves the waiting figures; a part accepted before a cancel is still billed', async () => {
    const campaign = await enqueue({ count: 3, member: '张伟', category: 'care', text: LONG_TEXT, source: 'campaign', batch: '双十二' });
    const single = await enqueue({ count: 3, member: '李娜' });
    await rollup.run();
    const today = '2026-12-10';
    expect((await reports.run('volume', { from: today, to: today })).totals).toMatchObject({ messages: 6, waiting: 6 });
    await app.services.messaging.batches.cancelMessage(MANAGER, single.messageIds[0]!);
    // The first care text: part 1 accepted, part 2 refused for now (back in the queue); then the whole batch is cancelled.
    const partial = await sendNext('m2', { refuseAt: 1, retryable: true });
    expect(partial?.mrs).toHaveLength(1);
    clock.advance(MINUTE);
    await app.services.messaging.batches.cancel(MANAGER, campaign.batchId!);
    await rollup.run();
    const totals = (await reports.run('volume', { from: today, to: today })).totals;
    expect(totals).toMatchObject({ messages: 6, waiting: 2, partsSent: 1, cost: 100 });
    await expectReportsMatchRecount({ from: today, to: today });
    const result = await reports.run('campaigns', { from: today, to: today });
    expect(result.rows.find((r) => r['label'] === '双十二')).toMatchObject({ messages: 3, waiting: 0, partsSent: 1 });
  });

  it('a refused long text keeps the parts the network accepted; an unanswered part is billed as sent', async () => {
    await enqueue({ count: 3, member: '王芳', text: LONG_TEXT });
    const today = '2026-12-10';
    const totals = async () => {
      clock.advance(MINUTE);
      await rollup.run();
      return (await reports.run('volume', { from: today, to: today })).totals;
    };
    await sendNext('m1', { refuseAt: 1, retryable: false }); // part 1 out, part 2 refused for good
    expect(await totals()).toMatchObject({ messages: 3, failed: 1, partsSent: 1 });
    await sendNext('m1', { uncertainAt: 0 }); // no answer to part 1: it may be out; part 2 never goes
    expect(await totals()).toMatchObject({ partsSent: 2 });
    await sendNext('m2');
    expect(await totals()).toMatchObject({ out: 3, failed: 1, partsSent: 4 });
    await expectReportsMatchRecount({ from: today, to: today });
  });

  it('a scheduled message counts on the day it is due to go', async () => {
    await enqueue({ count: 2, member: '张伟', notBefore: Date.UTC(2026, 11, 12, 1, 0) }); // 09:00 on the 12th
    await enqueue({ count: 1 });
    await rollup.run();
    expect((await reports.run('volume', { from: '2026-12-10', to: '2026-12-10' })).totals).toMatchObject({ messages: 1 });
    expect((await reports.run('volume', { from: '2026-12-12', to: '2026-12-12' })).totals).toMatchObject({ messages: 2, waiting: 2 });
    clock.set(Date.UTC(2026, 11, 12, 1, 5));
    await sendNext('m1');
    await sendNext('m1');
    await rollup.run();
    await expectReportsMatchRecount({ from: '2026-12-09', to: '2026-12-13' });
  });

  it('the nightly re-roll recounts the two days before, whatever the watermark missed', async () => {
    await enqueue({ count: 3, member: '张伟' });
    const sent = (await sendNext('m1'))!;
    clock.advance(10 * MINUTE); // past the overlap: the next run looks only at later changes
    await rollup.run();
    // A change no status move stamped (a repair by hand): the incremental run cannot see it.
    await db('outbox_messages').where('id', sent.claimed.id).update({ status: 'delivered' });
    clock.set(Date.UTC(2026, 11, 10, 18, 0)); // 02:00 on the 11th: before the nightly hour
    await rollup.run();
    expect((await reports.run('delivery', { from: '2026-12-10', to: '2026-12-10' })).totals).toMatchObject({ delivered: 0 });
    clock.set(Date.UTC(2026, 11, 10, 19, 5)); // 03:05: the night's re-roll
    expect(await rollup.run()).toMatchObject({ rebuilt: false });
    expect((await reports.run('delivery', { from: '2026-12-10', to: '2026-12-10' })).totals).toMatchObject({ delivered: 1 });
    await expectReportsMatchRecount({ from: '2026-12-09', to: '2026-12-11' });
    // Once a night: the next run does not recount the old days again.
    expect(await rollup.run()).toMatchObject({ days: 0 });
  });

  it('a run that dies in the middle of a day leaves it as it was; the next run finishes it', async () => {
    await enqueue({ count: 2, member: '张伟' });
    await rollup.run();
    await sendNext('m1');
    clock.advance(MINUTE);
    rollup.failDayForTest = '2026-12-10';
    await expect(rollup.run()).rejects.toThrow(/interrupted/);
    expect(await db('message_daily').where('day', '2026-12-10').sum({ messages: 'messages', sent: 'sent' })).toEqual([{ messages: 2, sent: 0 }]);
    rollup.failDayForTest = undefined;
    clock.advance(MINUTE);
    await rollup.run();
    await expectReportsMatchRecount({ from: '2026-12-10', to: '2026-12-10' });
  });

  it('a change of time zone cuts every day again in the new zone', async () => {
    const campaign = await enqueue({ count: 2, member: '张伟', source: 'campaign', batch: '跨天活动' });
    clock.set(Date.UTC(2026, 11, 10, 15, 30)); // 23:30 in Shanghai, 16:30 in Berlin
    await enqueue({ count: 1, member: '李娜' });
    await sendNext('m1');
    // The campaign goes on the next days: its batch spans three days.
    for (const [i, at] of [Date.UTC(2026, 11, 11, 2, 0), Date.UTC(2026, 11, 12, 2, 0)].entries()) {
      clock.set(at);
      await outbox().enqueue([{ number: nextNumber(), memberId: members['王芳']! }], { text: `第${i + 2}天`, category: 'transactional', source: 'campaign', matchMembers: false, batch: { id: campaign.batchId!, label: '跨天活动', kind: 'campaign' } }, OPERATOR);
      await sendNext('m2');
    }
    await rollup.run();
    await expectReportsMatchRecount({ from: '2026-12-10', to: '2026-12-11' });
    await app.services.settings.update(MANAGER, { policy: { timeZone: 'Europe/Berlin' } });
    rollup.batchFlushEntries = 1; // the rebuild adds each day's batch sums to the last
    expect(await rollup.run()).toMatchObject({ rebuilt: true, batches: 2 });
    expect((await reports.run('campaigns', { from: '2026-12-10', to: '2026-12-10' })).rows).toContainEqual(expect.objectContaining({ label: '跨天活动', messages: 4 }));
    // 10:00 Shanghai is 03:00 Berlin: still the 10th; 23:30 Shanghai is the 10th in Berlin too.
    expect((await reports.run('volume', { from: '2026-12-10', to: '2026-12-10' })).totals).toMatchObject({ messages: 3 });
    await expectReportsMatchRecount({ from: '2026-12-09', to: '2026-12-12' });
  });

  it('opt-outs by text count on the day they came in, beside the commercial texts that went out', async () => {
    await enqueue({ count: 3, member: '张伟', category: 'care', source: 'care' });
    for (let i = 0; i < 3; i++) await sendNext('m1');
    await inbound('TD');
    await inbound('退订');
    await inbound('谢谢，收到了');
    await rollup.run();
    const result = await reports.run('opt-outs', { from: '2026-12-10', to: '2026-12-10' });
    expect(result.totals).toMatchObject({ optOuts: 2, received: 3, commercialOut: 3 });
    expect(result.totals['perThousand']).toBeCloseTo((2 / 3) * 1000);
    await expectReportsMatchRecount({ from: '2026-12-10', to: '2026-12-10' });
  });

  it('cost is the billed parts at the store’s price, or the modem’s own', async () => {
    await enqueue({ count: 2, member: '张伟', text: LONG_TEXT });
    await enqueue({ count: 3, member: '李娜' });
    await sendNext('m1');
    await sendNext('m1');
    for (let i = 0; i < 3; i++) await sendNext('m2');
    await rollup.run();
    const range = { from: '2026-12-10', to: '2026-12-10' };
    expect((await reports.run('volume', { ...range, groupBy: 'modem' })).totals).toMatchObject({ partsSent: 7, cost: 700 });
    // ¥0.045 a part at the store, ¥0.03 on m2's plan: a price change needs no recount.
    await app.services.settings.update(MANAGER, { reports: { pricePerPartLi: 45, modemPrices: [{ modemId: 'm2', pricePerPartLi: 30 }] } });
    const byModem = await reports.run('volume', { ...range, groupBy: 'modem' });
    expect(byGroup(byModem, ['partsSent', 'cost'])).toEqual({ m1: { partsSent: 4, cost: 180 }, m2: { partsSent: 3, cost: 90 } });
    expect(byModem.totals['cost']).toBe(270);
    await expectReportsMatchRecount(range);
  });

  it('a long range reads its whole months from the monthly sums and its partial months day by day', async () => {
    // Around two month ends in Shanghai: 11-30 00:30 and 23:50, 12-01 00:10, 12-31 23:59, 01-01 00:01.
    for (const at of [Date.UTC(2026, 10, 29, 16, 30), Date.UTC(2026, 10, 30, 15, 50), Date.UTC(2026, 10, 30, 16, 10), Date.UTC(2026, 11, 31, 15, 59), Date.UTC(2027, 0, 0, 16, 1)]) {
      clock.set(at);
      await enqueue({ count: 2, member: '张伟' });
      await enqueue({ count: 1, member: '李娜', category: 'care', source: 'care' });
      await sendNext('m1');
      await sendNext('m2');
      await rollup.run();
    }
    expect(await db('message_monthly').distinct('month').orderBy('month')).toEqual([{ month: '2026-11' }, { month: '2026-12' }, { month: '2027-01' }]);
    for (const range of [
      { from: '2026-11-01', to: '2027-01-31' },
      { from: '2026-11-30', to: '2027-01-01' },
      { from: '2026-12-01', to: '2026-12-31' },
      { from: '2026-11-15', to: '2026-12-15' },
      { from: '2026-12-02', to: '2026-12-30' },
    ]) {
      await expectReportsMatchRecount(range);
    }
    const december = await reports.run('volume', { from: '2026-12-01', to: '2026-12-31', groupBy: 'category' });
    expect(december.totals).toMatchObject({ messages: 6 });
  });

  it('a range with no messages is empty: no rows, zero totals, a flat chart', async () => {
    await enqueue({ count: 2 });
    await rollup.run();
    const range = { from: '2026-11-01', to: '2026-11-07' };
    for (const kind of ['volume', 'delivery', 'campaigns', 'opt-outs'] as const) {
      const result = await reports.run(kind, range);
      expect(result.empty, kind).toBe(true);
      expect(result.rows, kind).toEqual([]);
      for (const series of result.chart.series) expect(series.values.every((v) => v === 0 || v === null), `${kind} ${series.key}`).toBe(true);
    }
    expect((await reports.run('volume', range)).totals).toMatchObject({ messages: 0, cost: 0 });
    expect((await reports.run('volume', range)).chart.categories).toHaveLength(7);
    await expectReportsMatchRecount(range);
  });

  it('property: any sequence of sends, reports, cancels, texts in and roll-ups leaves the aggregates equal to a recount', async () => {
    type Op =
      | { op: 'enqueue'; count: number; member: string | null; category: 'transactional' | 'care' | 'marketing'; long: boolean; laterHours: number; batch: boolean }
      | { op: 'send'; modem: 'm1' | 'm2'; how: 'ok' | 'refuse' | 'retry' | 'uncertain' }
      | { op: 'report'; pick: number; outcome: 'delivered' | 'failed' }
      | { op: 'cancel'; pick: number }
      | { op: 'cancelBatch'; pick: number }
      | { op: 'inbound'; text: 'TD' | '谢谢' }
      | { op: 'advance'; minutes: number }
      | { op: 'rollup' };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ op: fc.constant('enqueue' as const), count: fc.integer({ min: 1, max: 3 }), member: fc.constantFrom('张伟', '李娜', '王芳', null), category: fc.constantFrom('transactional' as const, 'care' as const, 'marketing' as const), long: fc.boolean(), laterHours: fc.constantFrom(0, 0, 0, 5, 30), batch: fc.boolean() }) },
      { weight: 5, arbitrary: fc.record({ op: fc.constant('send' as const), modem: fc.constantFrom('m1' as const, 'm2' as const), how: fc.constantFrom('ok' as const, 'ok' as const, 'ok' as const, 'refuse' as const, 'retry' as const, 'uncertain' as const) }) },
      { weight: 3, arbitrary: fc.record({ op: fc.constant('report' as const), pick: fc.nat(), outcome: fc.constantFrom('delivered' as const, 'delivered' as const, 'failed' as const) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('cancel' as const), pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('cancelBatch' as const), pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('inbound' as const), text: fc.constantFrom('TD' as const, '谢谢' as const) }) },
      { weight: 3, arbitrary: fc.record({ op: fc.constant('advance' as const), minutes: fc.constantFrom(1, 7, 90, 600, 1500) }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('rollup' as const) }) },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 22 }), async (ops) => {
        await resetWorld(START);
        const sent: Array<NonNullable<Awaited<ReturnType<typeof sendNext>>>> = [];
        const ids: number[] = [];
        const batchIds: string[] = [];
        for (const o of ops) {
          switch (o.op) {
            case 'enqueue': {
              const result = await enqueue({
                count: o.count,
                member: o.member,
                category: o.category,
                ...(o.long ? { text: LONG_TEXT } : {}),
                ...(o.laterHours > 0 ? { notBefore: clock.now() + o.laterHours * HOUR } : {}),
                ...(o.batch ? { batch: '活动', source: 'campaign' } : {}),
              });
              ids.push(...result.messageIds);
              if (result.batchId) batchIds.push(result.batchId);
              break;
            }
            case 'send': {
              const how = { ok: {}, refuse: { refuseAt: 1, retryable: false }, retry: { refuseAt: 1, retryable: true }, uncertain: { uncertainAt: 0 } }[o.how];
              const done = await sendNext(o.modem, how);
              if (done && done.mrs.length === done.claimed.parts.length) sent.push(done);
              break;
            }
            case 'report':
              if (sent.length > 0) await report(sent[o.pick % sent.length]!, o.outcome);
              break;
            case 'cancel':
              if (ids.length > 0) await app.services.messaging.batches.cancelMessage(MANAGER, ids[o.pick % ids.length]!).catch(() => undefined);
              break;
            case 'cancelBatch':
              if (batchIds.length > 0) await app.services.messaging.batches.cancel(MANAGER, batchIds[o.pick % batchIds.length]!).catch(() => undefined);
              break;
            case 'inbound':
              await inbound(o.text);
              break;
            case 'advance':
              clock.advance(o.minutes * MINUTE);
              break;
            case 'rollup':
              await rollup.run();
              break;
          }
          clock.advance(1000);
        }
        await rollup.run();
        const zone = await timeZone();
        await expectReportsMatchRecount({ from: localDate(zone, START - 86_400_000), to: addDays(localDate(zone, clock.now()), 2) });
        // A range with whole months: December (and January once the sequence reaches it) from the monthly sums.
        await expectReportsMatchRecount({ from: '2026-11-15', to: addDays(localDate(zone, clock.now()), 35) });
      }),
      { numRuns: 25, endOnFailure: true },
    );
  });
});
