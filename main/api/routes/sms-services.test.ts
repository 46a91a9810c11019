import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestAppliance, type ApiClient, type TestAppliance } from '../../../tests/support/appliance.js';
import { addMirrorMember, seedMirror } from '../../sms-services/testing.js';

/** 短信服务 and 员工 over the real API (inject), as the UI uses them. */
describe('SMS services and staff API', () => {
  let app: TestAppliance;
  let manager: ApiClient;
  let operator: ApiClient;

  beforeAll(async () => {
    app = await createTestAppliance();
    manager = await app.client('manager');
    operator = await app.client('operator');
    await seedMirror(app.services.db, app.clock.now());
    await addMirrorMember(app.services.db, app.clock.now(), { mobile: '+8613900000001', name: '张伟', gender: 'M', points: 1280 });
    await app.services.smsServices.refreshProductIndex();
  });
  afterAll(() => app.close());

  it('lists the services with keywords and templates; a manager edits them, checked', async () => {
    const list = (await manager.get('/api/sms-services/services')).json().items as Array<{ id: string; keywords: string[]; templates: Array<{ key: string; placeholders: string[] }> }>;
    expect(list.map((s) => s.id)).toEqual(['points', 'spending', 'promotions', 'help', 'stock', 'strategies', 'approve', 'reject', 'general']);
    expect(list[0]).toMatchObject({
      keywords: ['积分', 'JF'],
      templates: [
        { key: 'reply', placeholders: ['称呼', '姓名', '卡号', '门店', '积分'] },
        { key: 'expiring', placeholders: ['称呼', '姓名', '卡号', '门店', '积分', '到期积分', '到期日期'] },
      ],
    });

    const changed = await manager.patch('/api/sms-services/services/points', { keywords: ['积分', 'JF', '查分'], templates: { reply: '{称呼}，您有{积分}分，感谢支持！' } });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ keywords: ['积分', 'JF', '查分'], customised: true, updatedBy: 'test-manager' });
    const asked = (await manager.post('/api/sms-services/ask', { from: '13900000001', text: '查分' })).json();
    expect(asked).toMatchObject({ service: 'points', reply: '尊敬的张先生，您有1280分，感谢支持！【好又多超市】', parts: 1 });

    const refusals: Array<[unknown, number, string]> = [
      [{ keywords: ['TD'] }, 400, 'KEYWORD_IS_OPT_OUT'],
      [{ keywords: ['CX'] }, 409, 'KEYWORD_TAKEN'],
      [{ keywords: ['123'] }, 400, 'KEYWORD_INVALID'],
      [{ keywords: [] }, 400, 'SERVICE_KEYWORDS_REQUIRED'],
      [{ templates: { reply: '{称呼}，您的余额{余额}元' } }, 400, 'REPLY_PLACEHOLDER_UNKNOWN'],
      [{ templates: { reply: '  ' } }, 400, 'REPLY_TEMPLATE_EMPTY'],
    ];
    for (const [body, status, code] of refusals) {
      const response = await manager.patch('/api/sms-services/services/points', body);
      expect([response.statusCode, response.json().error.code], JSON.stringify(body)).toEqual([status, code]);
    }
    expect((await manager.patch('/api/sms-services/services/nope', { enabled: false })).statusCode).toBe(404);

    // Off: the keyword is no request any more.
    await manager.patch('/api/sms-services/services/points', { enabled: false });
    expect((await manager.post('/api/sms-services/ask', { from: '13900000001', text: '积分' })).json()).toMatchObject({ service: null, outcome: 'fallback-help' });
    const reset = await manager.post('/api/sms-services/services/points/reset');
    expect(reset.json()).toMatchObject({ enabled: true, keywords: ['积分', 'JF'], customised: false });
    expect((await app.services.db('audit_log').where('action', 'services.update').count({ n: '*' }))[0]).toEqual({ n: 3 });
  });

  it('previews a template with sample values, the signature and its parts', async () => {
    const preview = await manager.post('/api/sms-services/preview', { owner: 'points', key: 'reply', text: '{称呼}，您的积分为{积分}分。' });
    expect(preview.json()).toEqual({ text: '尊敬的张先生，您的积分为1280分。【好又多超市】', parts: 1, partLimit: 3, error: null });
    const bad = await manager.post('/api/sms-services/preview', { owner: 'points', key: 'reply', text: '{生日}快乐' });
    expect(bad.json().error).toMatchObject({ code: 'REPLY_PLACEHOLDER_UNKNOWN' });
    const long = await manager.post('/api/sms-services/preview', { owner: 'general', key: 'notMember', text: '欢'.repeat(300) });
    expect(long.json()).toMatchObject({ parts: 5, error: null });
  });

  it('keeps identity and lock-out settings, validated', async () => {
    expect((await operator.get('/api/sms-services/settings')).json()).toEqual({ severalMembers: 'latest-purchase', staleAfterHours: 24, lockoutRefusals: 5, lockoutWindowMinutes: 60, lockoutHours: 24 });
    expect((await manager.put('/api/sms-services/settings', { severalMembers: 'reply-error', staleAfterHours: 48 })).json()).toMatchObject({ severalMembers: 'reply-error', staleAfterHours: 48 });
    expect((await manager.put('/api/sms-services/settings', { lockoutRefusals: 0 })).statusCode).toBe(400);
    expect((await operator.put('/api/sms-services/settings', { staleAfterHours: 1 })).statusCode).toBe(403);
  });

  it('manages the staff directory and imports it from XLSX; operators only read', async () => {
    const created = await manager.post('/api/staff', { name: '陈静', mobile: '13800138000', role: '店长', storeCodes: ['S01'], mayApprove: true, pin: '2468' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ mobile: '+8613800138000', hasPin: true });
    expect(created.json()).not.toHaveProperty('pinHash');
    const id = created.json().id as number;
    expect((await manager.post('/api/staff', { name: '重复', mobile: '13800138000', allStores: true })).json().error.code).toBe('STAFF_MOBILE_TAKEN');
    expect((await manager.patch(`/api/staff/${id}`, { storeCodes: ['S01', 'S02'] })).json().storeCodes).toEqual(['S01', 'S02']);
    expect((await manager.post(`/api/staff/${id}/deactivate`)).json()).toMatchObject({ active: false });
    expect((await manager.post(`/api/staff/${id}/activate`)).json()).toMatchObject({ active: true });
    expect((await operator.get('/api/staff')).json()).toMatchObject({ total: 1, items: [{ name: '陈静' }] });
    expect((await operator.post('/api/staff', { name: '某人', mobile: '13800138009', allStores: true })).statusCode).toBe(403);

    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('员工');
    sheet.addRow(['姓名', '手机号', '门店']);
    sheet.addRow(['刘洋', '13800138002', '解放路店']);
    sheet.addRow(['赵六', '12345', 'S01']);
    const contentBase64 = Buffer.from(await workbook.xlsx.writeBuffer()).toString('base64');
    const dry = await manager.post('/api/staff/import', { fileName: '员工.xlsx', contentBase64, mode: 'keep-good', dryRun: true });
    expect(dry.json()).toMatchObject({ rows: 2, good: 1, added: 1, committed: false, errors: [{ row: 3, column: '手机号', code: 'INVALID_NUMBER' }] });
    const done = await manager.post('/api/staff/import', { fileName: '员工.xlsx', contentBase64, mode: 'keep-good' });
    expect(done.json()).toMatchObject({ committed: true, added: 1 });
    expect((await manager.get('/api/staff?q=刘')).json().items[0]).toMatchObject({ storeCodes: ['S02'] });
  });

  it('logs texts answered through the inbox, with per-day counts and the dashboard summary', async () => {
    const inbox = app.services.messaging.inbox;
    for (const [i, body] of ['积分', 'JF', '促销', '库存 羊肉卷', '你好'].entries()) {
      const stored = await inbox.write({ modemId: 'sim-1', sender: '13900000001', text: body, key: `log-${i}` });
      await inbox.processStored(stored.stored);
    }
    const log = (await operator.get('/api/sms-services/log?pageSize=10')).json();
    expect(log.total).toBe(5);
    expect(log.items.map((e: { service: string | null; outcome: string }) => `${e.service}:${e.outcome}`)).toEqual([
      'null:fallback-help',
      'stock:refused',
      'promotions:answered',
      'points:answered',
      'points:answered',
    ]);
    expect(log.items[4]).toMatchObject({ sender: '+8613900000001', memberName: '张伟', reply: '尊敬的张先生，您的会员积分为1280分。' });
    expect((await operator.get('/api/sms-services/log?service=stock')).json()).toMatchObject({ total: 1, items: [{ refusedReason: 'not-staff' }] });
    expect((await operator.get('/api/sms-services/log?q=羊肉')).json().total).toBe(1);
    const stats = (await operator.get('/api/sms-services/stats?days=7')).json();
    expect(stats.days).toHaveLength(7);
    const series = Object.fromEntries(stats.series.map((s: { service: string; counts: number[] }) => [s.service, s.counts[6]]));
    expect(series).toEqual({ points: 2, promotions: 1, stock: 1, unknown: 1 });
    expect(stats.refused[6]).toBe(1);
    expect((await operator.get('/api/sms-services/summary')).json()).toEqual({ answeredToday: 3, refused24h: 1, lockouts: [] });
  });
});
