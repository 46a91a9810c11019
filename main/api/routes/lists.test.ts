import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../clock.js';
import { createTestAppliance, type ApiClient, type TestAppliance } from '../../../tests/support/appliance.js';

const NOW = Date.parse('2026-11-22T10:00:00+08:00');
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('lists API', () => {
  let app: TestAppliance;
  let manager: ApiClient;
  let operator: ApiClient;
  const clock = new ManualClock(NOW);

  beforeAll(async () => {
    app = await createTestAppliance({ clock });
    manager = await app.client('manager');
    operator = await app.client('operator');
  });
  afterAll(() => app.close());

  it('adds, finds, edits and removes a blacklisted number, audited', async () => {
    const added = await manager.post('/api/lists/black', { mobile: '138-0013-8000', scope: 'marketing', reason: '顾客投诉' });
    expect(added.statusCode).toBe(201);
    const entry = added.json();
    expect(entry).toMatchObject({ list: 'black', mobile: '+8613800138000', scope: 'marketing', reason: '顾客投诉', source: 'manual', createdBy: 'test-manager' });

    const again = await manager.post('/api/lists/black', { mobile: '+86 13800138000' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('LIST_ENTRY_EXISTS');

    const found = await operator.get('/api/lists/black?q=0013');
    expect(found.json()).toMatchObject({ total: 1, items: [{ id: entry.id }] });
    expect((await operator.get('/api/lists/black?q=投诉')).json().total).toBe(1);
    expect((await operator.get('/api/lists/black?q=139')).json().total).toBe(0);

    const status = await operator.get('/api/lists/status?number=13800138000');
    expect(status.json()).toMatchObject({ mobile: '+8613800138000', blacklist: { scope: 'marketing' }, whitelist: null });

    const patched = await manager.patch(`/api/lists/entries/${entry.id}`, { scope: 'all', expiresAt: NOW + 86_400_000 });
    expect(patched.json()).toMatchObject({ scope: 'all', expiresAt: NOW + 86_400_000, expired: false });

    const forbidden = await operator.post('/api/lists/black', { mobile: '13900000000' });
    expect(forbidden.statusCode).toBe(403);

    expect((await manager.delete(`/api/lists/entries/${entry.id}`)).json()).toEqual({ ok: true });
    expect((await manager.delete(`/api/lists/entries/${entry.id}`)).statusCode).toBe(404);

    const audit = await app.services.audit.search({ action: undefined, page: 1, pageSize: 50 });
    const actions = audit.items.filter((a) => a.action.startsWith('lists.')).map((a) => `${a.action} ${a.target}`);
    expect(actions).toEqual(['lists.black.remove +8613800138000', 'lists.black.update +8613800138000', 'lists.black.add +8613800138000']);
  });

  it('refuses an invalid number with a message naming it', async () => {
    const response = await manager.post('/api/lists/white', { mobile: '12345' });
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatchObject({ code: 'INVALID_NUMBER', message: expect.stringContaining('"12345"') });
  });

  it('hides expired entries unless asked, and lets an expired number be added again', async () => {
    const added = (await manager.post('/api/lists/white', { mobile: '13700000001', expiresAt: NOW + 1000 })).json();
    clock.advance(2000);
    expect((await operator.get('/api/lists/white?q=13700000001')).json().total).toBe(0);
    expect((await operator.get('/api/lists/white?q=13700000001&includeExpired=true')).json().items[0]).toMatchObject({ id: added.id, expired: true });
    expect((await operator.get('/api/lists/status?number=13700000001')).json().whitelist).toBeNull();
    const readded = await manager.post('/api/lists/white', { mobile: '13700000001' });
    expect(readded.statusCode).toBe(201);
    expect(readded.json().id).toBe(added.id);
    // null means "never expires" (and must not be coerced to 0 = the past).
    const never = await manager.post('/api/lists/white', { mobile: '13700000003', reason: '店长', expiresAt: null });
    expect(never.json()).toMatchObject({ expiresAt: null, expired: false });
    expect((await manager.patch(`/api/lists/entries/${never.json().id}`, { expiresAt: null })).statusCode).toBe(200);
    const past = await manager.post('/api/lists/white', { mobile: '13700000002', expiresAt: NOW - 1 });
    expect(past.json().error.code).toBe('VALIDATION_FAILED');
  });

  const badCsv = [
    '号码,范围,原因,到期',
    '13811110001,营销,投诉,',
    '12345,全部,,',
    '13811110002,all,,2027-01-31',
    '13811110001,,重复,',
    '13811110003,半天,,',
    '13811110004,,,2020-01-01',
    '',
    '+86 138 1111 0005,,,not-a-date',
  ].join('\n');

  it('dry run reports every bad row with its row number and writes nothing', async () => {
    const response = await manager.post('/api/lists/black/import', { fileName: 'bad.csv', contentBase64: b64(badCsv), mode: 'keep-good', dryRun: true });
    expect(response.statusCode).toBe(200);
    const report = response.json();
    expect(report).toMatchObject({ dryRun: true, rows: 7, good: 2, added: 2, updated: 0, committed: false });
    expect(report.errors.map((e: { row: number; code: string }) => `${e.row}:${e.code}`)).toEqual([
      '3:INVALID_NUMBER',
      '5:DUPLICATE_NUMBER',
      '6:INVALID_SCOPE',
      '7:EXPIRED',
      '9:INVALID_DATE',
    ]);
    // The values the UI needs to say each problem in its own language.
    expect(report.errors.map((e: { params?: unknown }) => e.params ?? null)).toEqual([
      null,
      { firstRow: 2 },
      { value: '半天' },
      { date: '2020-01-01', today: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) },
      { value: 'not-a-date' },
    ]);
    expect((await operator.get('/api/lists/black?q=13811110')).json().total).toBe(0);
  });

  it('all-or-nothing imports nothing when a row is bad', async () => {
    const report = (await manager.post('/api/lists/black/import', { fileName: 'bad.csv', contentBase64: b64(badCsv), mode: 'all-or-nothing' })).json();
    expect(report).toMatchObject({ committed: false, added: 0, good: 2 });
    expect(report.errors).toHaveLength(5);
    expect((await operator.get('/api/lists/black?q=13811110')).json().total).toBe(0);
  });

  it('keep-good imports the good rows and reports the bad ones; importing again updates', async () => {
    const report = (await manager.post('/api/lists/black/import', { fileName: 'bad.csv', contentBase64: b64(badCsv), mode: 'keep-good' })).json();
    expect(report).toMatchObject({ committed: true, added: 2, updated: 0 });
    const listed = (await operator.get('/api/lists/black?q=13811110')).json();
    expect(listed.items.map((e: { mobile: string; scope: string; source: string }) => `${e.mobile} ${e.scope} ${e.source}`).sort()).toEqual([
      '+8613811110001 marketing import',
      '+8613811110002 all import',
    ]);
    const expiring = listed.items.find((e: { mobile: string }) => e.mobile === '+8613811110002');
    expect(expiring.expiresAt).toBe(Date.parse('2027-02-01T00:00:00+08:00'));
    const again = (await manager.post('/api/lists/black/import', { fileName: 'bad.csv', contentBase64: b64(badCsv), mode: 'keep-good' })).json();
    expect(again).toMatchObject({ committed: true, added: 0, updated: 2 });
  });

  it('all-or-nothing imports a clean XLSX file; headerless files read number and reason', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('白名单');
    sheet.addRow(['手机号码', '备注']);
    sheet.addRow(['13922220001', '店长']);
    sheet.addRow([13922220002, '收银员']);
    const content = Buffer.from(await workbook.xlsx.writeBuffer()).toString('base64');
    const report = (await manager.post('/api/lists/white/import', { fileName: 'staff.xlsx', contentBase64: content, mode: 'all-or-nothing' })).json();
    expect(report).toMatchObject({ committed: true, rows: 2, added: 2, errors: [] });
    const headerless = (await manager.post('/api/lists/white/import', { fileName: 'x.csv', contentBase64: b64('13922220003,保安\n'), mode: 'all-or-nothing' })).json();
    expect(headerless).toMatchObject({ committed: true, added: 1 });
    expect((await operator.get('/api/lists/white?q=保安')).json().items[0].mobile).toBe('+8613922220003');
  });

  it('refuses files that are not CSV or XLSX, and unreadable XLSX, with advice', async () => {
    const pdf = await manager.post('/api/lists/white/import', { fileName: 'list.pdf', contentBase64: b64('x'), mode: 'keep-good' });
    expect(pdf.json().error.code).toBe('IMPORT_FORMAT_UNSUPPORTED');
    const broken = await manager.post('/api/lists/white/import', { fileName: 'list.xlsx', contentBase64: b64('not a zip'), mode: 'keep-good' });
    expect(broken.json().error).toMatchObject({ code: 'IMPORT_FILE_UNREADABLE', message: expect.stringContaining('.xlsx') });
    // GBK CSV from an older Excel reads as well as UTF-8.
    const gbk = Buffer.from([0xba, 0xc5, 0xc2, 0xeb, 0x0a, 0x31, 0x33, 0x39, 0x32, 0x32, 0x32, 0x32, 0x30, 0x30, 0x30, 0x39, 0x0a]); // 号码\n13922220009
    const report = (await manager.post('/api/lists/white/import', { fileName: 'gbk.csv', contentBase64: gbk.toString('base64'), mode: 'keep-good', dryRun: true })).json();
    expect(report).toMatchObject({ rows: 1, good: 1, errors: [] });
  });

  it('exports CSV and XLSX that import back unchanged; exporting is a manager permission and audited', async () => {
    // An operator reads the lists on screen but may not take them home.
    const refused = await operator.get('/api/lists/black/export?format=csv');
    expect(refused.statusCode).toBe(403);
    const csv = await manager.get('/api/lists/white/export?format=csv');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toContain('whitelist.csv');
    const text = csv.rawPayload.toString('utf8');
    expect(text.startsWith('\uFEFF号码,范围,原因,来源,到期')).toBe(true);
    expect(text).toContain('+8613922220001,all,店长,import');

    const xlsx = await manager.get('/api/lists/black/export?format=xlsx');
    const exports = (await app.services.audit.search({ page: 1, pageSize: 10 })).items.filter((e) => e.action === 'lists.export');
    expect(exports.map((e) => e.target).sort()).toEqual(['blacklist', 'whitelist']);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const rows = workbook.worksheets[0]!.getSheetValues().filter(Boolean) as unknown[][];
    expect(rows[0]!.slice(1, 6)).toEqual(['号码', '范围', '原因', '来源', '到期']);
    const reimport = (
      await manager.post('/api/lists/black/import', { fileName: 'black.xlsx', contentBase64: xlsx.rawPayload.toString('base64'), mode: 'all-or-nothing', dryRun: true })
    ).json();
    expect(reimport.errors).toEqual([]);
    expect(reimport.updated).toBe(reimport.good);
  });
});
