import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR } from '../../auth/audit.js';
import { ManualClock } from '../../clock.js';
import { createTestAppliance, type ApiClient, type TestAppliance } from '../../../tests/support/appliance.js';
import type { BusinessDashboardDto, PriceSettingsDto, ReportResultDto } from '../schemas/reports.js';

/**
 * /api/reports/settings (the 短信费用 form) and the dashboard's 即将发送 over the
 * real core: who may read and change the price per part, what a bad price
 * answers, the audit entry, the cost column following a saved price at once;
 * and the care automations' next sends listed with the day's preview count.
 */
// 2026-12-10 10:00 in Shanghai: the birthday greeting's 09:00 has passed, so its next send is tomorrow.
const START = Date.UTC(2026, 11, 10, 2, 0);
const LONG_TEXT = '本周六会员日：全场生鲜八折，熟食第二件半价，积分双倍，凭会员卡到服务台领取环保袋一个，数量有限送完即止。周日上午九点起还有鸡蛋特价，每人限购两盒，欢迎光临。';
let app: TestAppliance;
let clock: ManualClock;
let manager: ApiClient;
let operator: ApiClient;
let admin: ApiClient;
let modemId: string;

beforeAll(async () => {
  clock = new ManualClock(START);
  app = await createTestAppliance({ clock });
  [manager, operator, admin] = await Promise.all([app.client('manager'), app.client('operator'), app.client('admin')]);
  const modem = await admin.post('/api/modems', { name: '收银台短信猫', kind: 'simulator', simulator: { latency: 'zero' }, limits: { minGapMs: 0, perHour: 200, perDay: 1000 } });
  expect(modem.statusCode, modem.body).toBe(201);
  modemId = String(modem.json().id);
});
afterAll(async () => {
  await app.close();
});

/** Two long texts (two parts each) through the outbox and out of the modem, rolled up. */
async function sendTwoLongTexts(): Promise<void> {
  const outbox = app.services.messaging.outbox;
  await outbox.enqueue([{ number: '13900001201' }, { number: '13900001202' }], { text: LONG_TEXT, category: 'transactional', source: 'ui' }, CLI_ACTOR);
  for (;;) {
    const claimed = await outbox.claim(modemId, [modemId]);
    if (!claimed) break;
    for (const [i, part] of claimed.parts.entries()) {
      await outbox.beginPart(part.id, modemId);
      await outbox.partAccepted(part.id, claimed.id * 4 + i);
    }
    await outbox.messageSent(claimed);
  }
  await app.services.reportRollup.run();
}

describe('短信费用: the price per part', () => {
  it('managers read and set it; operators may not; every change is audited', async () => {
    const read = await manager.get('/api/reports/settings');
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json()).toEqual({ pricePerPartLi: 100, modemPrices: [], modems: [{ modemId, name: '收银台短信猫' }] });
    expect((await operator.get('/api/reports/settings')).statusCode).toBe(403);
    expect((await operator.put('/api/reports/settings', { pricePerPartLi: 1, modemPrices: [] })).statusCode).toBe(403);

    const saved = await manager.put('/api/reports/settings', { pricePerPartLi: 45, modemPrices: [{ modemId, pricePerPartLi: 30 }] });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json()).toMatchObject({ pricePerPartLi: 45, modemPrices: [{ modemId, pricePerPartLi: 30 }] });
    const entry = (await app.services.db('audit_log').where('action', 'settings.update').orderBy('id', 'desc').first()) as { username: string; target: string; detail: string };
    expect(entry).toMatchObject({ username: 'test-manager', target: 'reports' });
    expect(JSON.parse(entry.detail)).toEqual({ reports: { pricePerPartLi: 45, modemPrices: [{ modemId, pricePerPartLi: 30 }] } });
    await manager.put('/api/reports/settings', { pricePerPartLi: 100, modemPrices: [] });
  });

  it('answers a bad price with a code the form words, and keeps the saved one', async () => {
    const cases: Array<[unknown, number, string]> = [
      [{ pricePerPartLi: 10_001, modemPrices: [] }, 400, 'VALIDATION_FAILED'],
      [{ pricePerPartLi: -1, modemPrices: [] }, 400, 'VALIDATION_FAILED'],
      [{ pricePerPartLi: 0.5, modemPrices: [] }, 400, 'VALIDATION_FAILED'],
      [{ pricePerPartLi: 50, modemPrices: [{ modemId: '9999', pricePerPartLi: 30 }] }, 400, 'REPORT_PRICE_UNKNOWN_MODEM'],
      [{ pricePerPartLi: 50, modemPrices: [{ modemId, pricePerPartLi: 30 }, { modemId: ` ${modemId}`, pricePerPartLi: 40 }] }, 400, 'REPORT_PRICE_DUPLICATE_MODEM'],
    ];
    for (const [body, status, code] of cases) {
      const response = await manager.put('/api/reports/settings', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(status);
      expect(response.json().error.code, JSON.stringify(body)).toBe(code);
    }
    expect((await manager.get('/api/reports/settings')).json()).toMatchObject({ pricePerPartLi: 100, modemPrices: [] });
  });

  it('the cost column follows a saved price at once (no recount)', async () => {
    await sendTwoLongTexts();
    const cost = async () => {
      const report = (await manager.get('/api/reports/volume?from=2026-12-10&to=2026-12-10&groupBy=modem')).json() as ReportResultDto;
      return { partsSent: report.totals['partsSent'], cost: report.totals['cost'] };
    };
    expect(await cost()).toEqual({ partsSent: 4, cost: 400 });
    expect((await manager.put('/api/reports/settings', { pricePerPartLi: 45, modemPrices: [] })).statusCode).toBe(200);
    expect(await cost()).toEqual({ partsSent: 4, cost: 180 });
    // The modem's own plan: ¥0.03 a part.
    const withModem = (await manager.put('/api/reports/settings', { pricePerPartLi: 45, modemPrices: [{ modemId, pricePerPartLi: 30 }] })).json() as PriceSettingsDto;
    expect(withModem.modemPrices).toEqual([{ modemId, pricePerPartLi: 30 }]);
    expect(await cost()).toEqual({ partsSent: 4, cost: 120 });
    const campaigns = (await manager.get('/api/reports/campaigns?from=2026-12-10&to=2026-12-10')).json() as ReportResultDto;
    expect(campaigns.totals['cost']).toBe(120);
    await manager.put('/api/reports/settings', { pricePerPartLi: 100, modemPrices: [] });
  });

  it('a removed modem keeps its price for its history', async () => {
    const extra = await admin.post('/api/modems', { name: '临时短信猫', kind: 'simulator', simulator: { latency: 'zero' }, limits: { minGapMs: 0, perHour: 200, perDay: 1000 } });
    const extraId = String(extra.json().id);
    expect((await manager.put('/api/reports/settings', { pricePerPartLi: 100, modemPrices: [{ modemId: extraId, pricePerPartLi: 80 }] })).statusCode).toBe(200);
    expect((await admin.delete(`/api/modems/${extraId}`)).statusCode).toBe(200);
    const read = (await manager.get('/api/reports/settings')).json() as PriceSettingsDto;
    expect(read.modems).toContainEqual({ modemId: extraId, name: null });
    // Saving the form again with it still listed works; a new price for a modem that does not exist does not.
    expect((await manager.put('/api/reports/settings', { pricePerPartLi: 90, modemPrices: [{ modemId: extraId, pricePerPartLi: 80 }] })).statusCode).toBe(200);
    await manager.put('/api/reports/settings', { pricePerPartLi: 100, modemPrices: [] });
  });
});

describe('即将发送 on the dashboard', () => {
  it('lists a care automation’s next send with the day’s preview count, and forgets it when switched off', async () => {
    const db = app.services.db;
    // Three members whose birthday is tomorrow (one without consent: the preview leaves her out), one the day after.
    for (const [i, [birthday, consent]] of ([
      ['1980-12-11', true],
      ['1991-12-11', true],
      ['1975-12-11', false],
      ['1988-12-12', true],
    ] as const).entries()) {
      await db('members').insert({
        source: 'manual',
        source_key: `birthday-${i}`,
        name: `会员${i}`,
        gender: 'F',
        birthday,
        birthday_lunar: false,
        birth_month: Number(birthday.slice(5, 7)),
        birth_day: Number(birthday.slice(8, 10)),
        mobile: `+86139000012${String(10 + i)}`,
        marketing_consent: consent,
        points: 0,
        created_at: 0,
        updated_at: 0,
      });
    }
    const birthday = (await app.services.care.list()).find((a) => a.kind === 'birthday')!;
    expect((await manager.get('/api/dashboard/business')).json().upcoming.items).toEqual([]);
    expect((await manager.post(`/api/care/automations/${birthday.id}/enabled`, { enabled: true })).statusCode).toBe(200);

    const preview = await app.services.care.preview('2026-12-11', { limit: 0 });
    const expected = preview.items.find((i) => i.automationId === birthday.id)!.count;
    expect(expected).toBe(2);
    const upcoming = ((await manager.get('/api/dashboard/business')).json() as BusinessDashboardDto).upcoming!;
    expect(upcoming.configured).toBe(true);
    // 09:00 on the 11th in Shanghai.
    expect(upcoming.items).toEqual([{ kind: 'automation', id: String(birthday.id), name: birthday.name, at: Date.UTC(2026, 11, 11, 1, 0), audience: 2, link: '/care' }]);
    // Operators see the list too (messages.read), with the same figures.
    expect(((await operator.get('/api/dashboard/business')).json() as BusinessDashboardDto).upcoming!.items).toHaveLength(1);

    // The count is the day's preview, kept a few minutes; an edit of the automation reads it again.
    await db('members').insert({ source: 'manual', source_key: 'birthday-late', name: '会员晚', gender: 'M', birthday: '1990-12-11', birthday_lunar: false, birth_month: 12, birth_day: 11, mobile: '+8613900001220', marketing_consent: true, points: 0, created_at: 0, updated_at: 0 });
    const audience = async () => ((await manager.get('/api/dashboard/business')).json() as BusinessDashboardDto).upcoming!.items[0]!.audience;
    expect(await audience()).toBe(2);
    const { id, kind, name, text, sendTime, leadDays, audience: filter, settings } = birthday;
    await app.services.care.update(CLI_ACTOR, id, { kind, name, text, sendTime, leadDays, audience: filter, settings: { ...settings } });
    expect(await audience()).toBe(3);

    // Past tomorrow's send time the next one is the day after: one member.
    clock.set(Date.UTC(2026, 11, 11, 1, 30));
    manager = await app.client('manager'); // the session went idle overnight
    const next = ((await manager.get('/api/dashboard/business')).json() as BusinessDashboardDto).upcoming!.items;
    expect(next).toMatchObject([{ kind: 'automation', at: Date.UTC(2026, 11, 12, 1, 0), audience: 1 }]);

    expect((await manager.post(`/api/care/automations/${birthday.id}/enabled`, { enabled: false })).statusCode).toBe(200);
    expect(((await manager.get('/api/dashboard/business')).json() as BusinessDashboardDto).upcoming!.items).toEqual([]);
  });
});
