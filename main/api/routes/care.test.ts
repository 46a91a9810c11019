import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../clock.js';
import { createTestAppliance, type ApiClient, type TestAppliance } from '../../../tests/support/appliance.js';

// 2027-02-04 08:00 in Shanghai.
const NOW = Date.UTC(2027, 1, 4, 0, 0);

describe('care API', () => {
  let app: TestAppliance;
  let manager: ApiClient;
  let operator: ApiClient;
  let birthdayId: number;

  beforeAll(async () => {
    app = await createTestAppliance({ clock: new ManualClock(NOW) });
    manager = await app.client('manager');
    operator = await app.client('operator');
    for (const [n, birthday] of [
      [1, '1985-02-05'],
      [2, '1990-02-05'],
      [3, '1990-06-01'],
    ] as const) {
      await app.services.db('members').insert({
        source: 'manual',
        name: `会员${n}`,
        gender: 'M',
        birthday,
        birth_month: Number(birthday.slice(5, 7)),
        birth_day: Number(birthday.slice(8, 10)),
        mobile: `+861370000000${n}`,
        created_at: 0,
        updated_at: 0,
      });
    }
  });
  afterAll(() => app.close());

  it('lists the automations to operators; only managers switch, edit and add', async () => {
    const list = await operator.get('/api/care/automations');
    expect(list.statusCode).toBe(200);
    expect(list.json().today).toBe('2027-02-04');
    const birthday = list.json().items.find((a: { kind: string }) => a.kind === 'birthday');
    birthdayId = birthday.id;
    expect(birthday).toMatchObject({ enabled: false, sendTime: '09:00', next: { sendDay: '2027-02-04' } });
    expect((await operator.post(`/api/care/automations/${birthdayId}/enabled`, { enabled: true })).statusCode).toBe(403);
    expect((await operator.post('/api/care/automations', { ...birthday, id: undefined })).statusCode).toBe(403);
    const on = await manager.post(`/api/care/automations/${birthdayId}/enabled`, { enabled: true });
    expect(on.statusCode).toBe(200);
    expect(on.json()).toMatchObject({ enabled: true, updatedBy: 'test-manager' });
    const audit = (await app.services.db('audit_log').where('action', 'care.automation.enable').select('target', 'username')) as Array<{ target: string; username: string }>;
    expect(audit).toEqual([{ target: String(birthdayId), username: 'test-manager' }]);
  });

  it('reads the points expiry rule to operators; a manager changes it, audited; a bad one is refused naming the field', async () => {
    expect((await operator.get('/api/care/points-expiry')).json()).toMatchObject({ rule: 'never', nextDate: null, posDates: 0 });
    const body = { rule: 'annual', month: 12, day: 31, months: 12, usePosDate: true };
    expect((await operator.put('/api/care/points-expiry', body)).statusCode).toBe(403);
    const saved = await manager.put('/api/care/points-expiry', body);
    expect(saved.json()).toMatchObject({ rule: 'annual', nextDate: '2027-12-31' });
    const audit = (await app.services.db('audit_log').where({ action: 'settings.update', target: 'pointsExpiry' }).first()) as { detail: string };
    expect(JSON.parse(audit.detail)).toEqual({ pointsExpiry: body });
    const bad = await manager.put('/api/care/points-expiry', { ...body, month: 2, day: 30 });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/day of month 2/);
    await manager.put('/api/care/points-expiry', { ...body, rule: 'never' });
  });

  it('previews tomorrow: counts and who, masked', async () => {
    const preview = await operator.get('/api/care/preview?date=2027-02-05');
    expect(preview.statusCode).toBe(200);
    const body = preview.json();
    expect(body.total).toBe(2);
    expect(body.items).toEqual([expect.objectContaining({ automationId: birthdayId, count: 2, occasionDate: '2027-02-05' })]);
    expect(body.items[0].members.map((m: { mobile: string }) => m.mobile)).toEqual(['137****0001', '137****0002']);
    expect((await operator.get('/api/care/preview?date=2027-13-01')).json().error.code).toBe('CARE_DATE_INVALID');
  });

  it('adds a store date (店庆) with its own template; bad input is refused naming the field', async () => {
    const bad = await manager.post('/api/care/automations', {
      kind: 'date',
      name: '周年店庆',
      text: '{称呼}：周年店庆，全场满100减20',
      sendTime: '09:00',
      leadDays: 0,
      audience: {},
      settings: { name: '周年', month: 2, day: 30, lunar: false },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatchObject({ code: 'CARE_AUTOMATION_INVALID', details: { field: 'settings.day' } });
    const placeholder = await manager.post('/api/care/automations', {
      kind: 'date',
      name: '周年店庆',
      text: '{不存在的字段}',
      sendTime: '09:00',
      leadDays: 0,
      audience: {},
      settings: { name: '周年', month: 3, day: 8, lunar: false },
    });
    expect(placeholder.json().error).toMatchObject({ code: 'CARE_AUTOMATION_INVALID', details: { field: 'text' } });
    const created = await manager.post('/api/care/automations', {
      kind: 'date',
      name: '周年店庆',
      text: '{称呼}：周年店庆，全场满100减20',
      sendTime: '10:00',
      leadDays: 1,
      audience: { genders: ['M'] },
      settings: { name: '周年', month: 3, day: 8, lunar: true },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ enabled: false, kind: 'date', settings: { name: '周年', lunar: true } });
    const holidays = (await operator.get('/api/care/holidays?year=2027')).json();
    expect(holidays.items).toContainEqual(expect.objectContaining({ key: `store:${created.json().id}`, name: '周年', lunar: true }));
    expect(holidays.items.find((h: { key: string }) => h.key === 'qixi').date).toBe('2027-08-08');
    const removed = await manager.delete(`/api/care/automations/${created.json().id}`);
    expect(removed.statusCode).toBe(200);
  });

  it('sends through the scheduler and shows the run; occurrences feed the calendar', async () => {
    (app.clock as ManualClock).set(Date.UTC(2027, 1, 4, 1, 30));
    await app.services.care.tick();
    operator = await app.client('operator'); // the clock moved past the session's idle time
    const runs = (await operator.get(`/api/care/automations/${birthdayId}/runs`)).json().items;
    expect(runs).toEqual([expect.objectContaining({ sendDay: '2027-02-04', state: 'done', queued: 0 })]);
    const occurrences = (await operator.get('/api/care/occurrences?from=2027-02-05&to=2027-02-06')).json().items;
    expect(occurrences).toEqual([{ date: '2027-02-05', automationId: birthdayId, name: '生日祝福', kind: 'birthday', count: 2 }]);
  });

  it('exports the sign-ups of an invitation as XLSX', async () => {
    const invitation = (await operator.get('/api/care/automations')).json().items.find((a: { kind: string }) => a.kind === 'invitation');
    const rsvps = await operator.get(`/api/care/automations/${invitation.id}/rsvps`);
    expect(rsvps.json()).toMatchObject({ accepted: 0, full: 0, capacity: 50, items: [] });
    const file = await operator.get(`/api/care/automations/${invitation.id}/rsvps.xlsx`);
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toContain('spreadsheetml');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(file.rawPayload as unknown as ArrayBuffer);
    expect(workbook.worksheets[0]!.getRow(1).getCell(1).value).toBe('姓名');
    expect((await operator.get('/api/care/automations/999999/rsvps')).statusCode).toBe(404);
  });
});
