import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../auth/audit.js';
import { ManualClock } from '../clock.js';
import { plantCampaignPurchases } from '../store/demo/campaign-effect.js';
import { writeDemoSqlite } from '../store/demo/sinks.js';
import { createTestAppliance, type TestAppliance } from '../../tests/support/appliance.js';
import { campaignReport, reportWorkbook } from './report.js';
import { campaignInput, MANAGER } from './testing.js';

const DAY = 86_400_000;
// Monday 7 December 2026, 10:00 in Shanghai.
const T0 = Date.UTC(2026, 11, 7, 2, 0);

describe('the campaign report on the demo POS with a planted uplift', () => {
  let app: TestAppliance;
  let clock: ManualClock;
  let file: string;
  let connectionId: number;

  const sync = async () => {
    const { done } = await app.services.store.startSync(SYSTEM_ACTOR, connectionId, { mode: 'incremental', trigger: 'manual' });
    const run = await done;
    expect(run.state).toBe('finished');
  };

  beforeAll(async () => {
    clock = new ManualClock(T0);
    app = await createTestAppliance({ clock });
    file = path.join(app.dataDir, 'demo-pos.sqlite');
    await writeDemoSqlite(file, { members: 4000, receipts: 2000, until: T0 - DAY });
    const connection = await app.services.store.createConnection(SYSTEM_ACTOR, { name: '演示POS', client: 'sqlite', settings: { file }, scheduleMinutes: 0, fullCompareHours: 0 });
    connectionId = connection.id;
    await app.services.store.applyPreset(SYSTEM_ACTOR, connectionId, 'demo-pos');
    await sync();
  }, 120_000);
  afterAll(async () => {
    await app.services.campaigns.stop();
    await app.close();
  });

  it('finds the planted uplift within its interval, attributes every planted buyer, and exports it', async () => {
    const { campaigns, db } = app.services;
    const created = await campaigns.create(MANAGER, campaignInput({ name: '会员日效果', audience: { kind: 'filter', filter: {} }, holdoutPercent: 30, effectDays: 7 }));
    await campaigns.submit(MANAGER, created.id);
    await campaigns.tick();
    await campaigns.whenIdle();
    // The modems did their work at T0 (the dispatcher's own tests cover how).
    await db('outbox_messages').where('status', 'queued').update({ status: 'sent', sent_at: T0 });
    const target: string[] = await db('outbox_messages as m').join('members as mb', 'mb.id', 'm.member_id').where('m.status', 'sent').pluck('mb.source_key');
    const holdout: string[] = await db('campaign_holdouts as h').join('members as mb', 'mb.id', 'h.member_id').whereNull('h.blocked_rule').pluck('mb.source_key');
    expect(target.length).toBeGreaterThan(2000);
    expect(holdout.length).toBeGreaterThan(800);

    // A week later: 35% of the texted members bought, 15% of the hold-out.
    const planted = await plantCampaignPurchases(file, { target, holdout, from: T0, days: 7, targetRate: 0.35, holdoutRate: 0.15, seed: 5 });
    // Someone opted out and someone answered within the week.
    const [first, second] = await db('outbox_messages').where('status', 'sent').orderBy('id').limit(2).pluck('recipient');
    clock.set(T0 + DAY);
    await db.transaction((trx) => app.services.lists.optOut(first, { blacklist: null, whitelist: null }, trx));
    const [conversation] = await db('conversations').insert({ number: second, last_text: '几点开门', last_at: T0 + DAY }).returning('id');
    await db('inbox_messages').insert({
      conversation_id: Number(typeof conversation === 'object' ? (conversation as { id: number }).id : conversation),
      sender: second,
      text: '几点开门',
      modem_id: 'sim-1',
      received_at: T0 + DAY,
      dedupe_key: 'report-test-1',
    });
    clock.set(T0 + 8 * DAY);
    await sync();
    await campaigns.tick();

    const report = await campaignReport(db, campaigns, created.id, 'Asia/Shanghai', clock.now());
    expect(report.campaign.state).toBe('completed');
    expect(report.funnel.sent).toBe(target.length);
    expect(report.funnel.audience).toBe(report.funnel.queued + report.funnel.holdout);
    expect(report.optOuts).toBe(1);
    expect(report.replies).toBe(1);
    const { effect } = report;
    expect(effect.final).toBe(true);
    expect(effect.target).toMatchObject({ members: target.length, buyers: planted.targetBuyers });
    expect(effect.holdout).toMatchObject({ members: holdout.length, buyers: planted.holdoutBuyers });
    const uplift = effect.responseUplift!;
    expect(uplift.method).toBe('newcombe-wilson');
    expect(uplift.low).toBeLessThan(0.2);
    expect(uplift.high).toBeGreaterThan(0.2);
    expect(uplift.low).toBeGreaterThan(0);
    // Spend per member: 35% × ¥115 against 15% × ¥115 on average → about ¥23 more, excluded from 0.
    expect(effect.spendUplift!.low).toBeGreaterThan(0);
    expect(effect.spendUplift!.difference).toBeGreaterThan(15);
    expect(effect.spendUplift!.difference).toBeLessThan(31);
    expect(report.sentPerDay).toEqual([{ date: '2026-12-07', sent: target.length, delivered: 0 }]);

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await reportWorkbook(report, 'Asia/Shanghai')) as unknown as ArrayBuffer);
    const summary = workbook.getWorksheet('概要 Summary')!;
    const values = new Map<string, unknown>();
    summary.eachRow((row) => values.set(String(row.getCell(1).value), row.getCell(2).value));
    expect(values.get('活动 Campaign')).toBe('会员日效果');
    expect(values.get('已发送 Sent')).toBe(target.length);
    expect(String(values.get('响应率提升 Response uplift (95% CI, Newcombe)'))).toMatch(/^\d+\.\d\d% \[\d+\.\d\d%, \d+\.\d\d%\]$/);
  }, 120_000);
});
