import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestAppliance, type TestAppliance } from '../../tests/support/appliance.js';
import { SYSTEM_ACTOR } from '../auth/audit.js';
import type { ManualClock } from '../clock.js';
import type { ImportResult, MemberDetail, MemberSearchResult } from '../api/schemas/members.js';
import { readCsv } from './table-file.js';

const VALID_ID = '11010519491231002X';

let app: TestAppliance;
beforeEach(async () => {
  app = await createTestAppliance();
});
afterEach(async () => {
  await app.close();
});

async function addPosMember(name: string, mobile: string): Promise<number> {
  const now = app.clock.now();
  const [row] = await app.services.db('members')
    .insert({ source: 'pos', source_key: `P-${mobile}`, name, mobile, gender: 'F', created_at: now, updated_at: now })
    .returning('id');
  return typeof row === 'object' ? (row as { id: number }).id : (row as number);
}

const csvBase64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('members API', () => {
  it('adds a member by hand; the ID number is encrypted at rest and masked except for admins', async () => {
    const manager = await app.client('manager');
    const created = await manager.post('/api/members', {
      name: '周杰',
      gender: 'M',
      birthday: '1988-06-01',
      mobile: '139 1234 5678',
      idNumber: VALID_ID,
      tags: ['VIP', ' VIP ', '新会员'],
      notes: '喜欢有机蔬菜',
    });
    expect(created.statusCode).toBe(201);
    const member = created.json<MemberDetail>();
    expect(member).toMatchObject({ source: 'manual', mobile: '+8613912345678', idNumberMasked: '****…002X', idNumber: null, tags: ['VIP', '新会员'] });
    expect(member.age).toBeGreaterThanOrEqual(37);

    const stored = await app.services.db('members').where({ id: member.id }).first();
    expect(stored.id_number_enc).toMatch(/^v1:/);
    expect(JSON.stringify(stored)).not.toContain(VALID_ID);

    const admin = await app.client('admin');
    expect((await admin.get(`/api/members/${member.id}`)).json<MemberDetail>().idNumber).toBe(VALID_ID);
    expect((await manager.get(`/api/members/${member.id}`)).json<MemberDetail>().idNumber).toBeNull();
    const operator = await app.client('operator');
    expect((await operator.get(`/api/members/${member.id}`)).json<MemberDetail>().idNumber).toBeNull();
    expect((await operator.post('/api/members', { name: 'x' })).statusCode).toBe(403);

    const audit = await app.services.db('audit_log').where({ action: 'members.create' });
    expect(audit).toHaveLength(1);
    expect(audit[0].detail).not.toContain(VALID_ID);
  });

  it('refuses bad fields and duplicates with coded errors that say what to do', async () => {
    const manager = await app.client('manager');
    const bad = await manager.post('/api/members', { name: '甲', mobile: '12345', idNumber: '110105194912310021', birthday: '2999-01-01' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('MEMBER_INVALID');
    expect(bad.json().error.message).toMatch(/mobile.*11 digits/);
    expect(bad.json().error.message).toMatch(/check character/);
    expect(bad.json().error.message).toMatch(/future/);
    // A landline is a real number, but not one that can be texted: the form says so.
    const landline = await manager.post('/api/members', { name: '丁', mobile: '0755-8302 1449' });
    expect(landline.statusCode).toBe(400);
    expect(landline.json().error.details.problems).toEqual([expect.objectContaining({ field: 'mobile', code: 'MOBILE_IS_LANDLINE' })]);

    await addPosMember('乙', '+8613800000001');
    const duplicate = await manager.post('/api/members', { name: '丙', mobile: '13800000001' });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json().error.code).toBe('MEMBER_DUPLICATE');
    expect(duplicate.json().error.message).toMatch(/already belongs to member #\d+ \(乙\)/);
    expect(duplicate.json().error.details.problems).toEqual([expect.objectContaining({ field: 'mobile', code: 'ALREADY_EXISTS', params: { id: expect.any(Number), name: '乙' } })]);
  });

  it('POS members: only tags, consent and notes change here, and they are kept', async () => {
    const manager = await app.client('manager');
    const id = await addPosMember('钱多多', '+8613800000002');
    const refused = await manager.patch(`/api/members/${id}`, { name: '改名' });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.code).toBe('MEMBER_PROFILE_FROM_POS');
    const changed = await manager.patch(`/api/members/${id}`, { tags: ['老顾客'], marketingConsent: false, notes: '只收短信' });
    expect(changed.statusCode).toBe(200);
    expect(changed.json<MemberDetail>()).toMatchObject({ name: '钱多多', tags: ['老顾客'], marketingConsent: false, notes: '只收短信', profileEditable: false });
    expect((await manager.get('/api/members/tags')).json().items).toEqual([{ tag: '老顾客', count: 1 }]);
  });

  it('searches by POST filter and by GET query parameters alike', async () => {
    const reader = await app.client('operator');
    await addPosMember('王一', '+8613800000011');
    await addPosMember('王二', '+8613800000012');
    await addPosMember('李三', '+8613800000013');
    const posted = await reader.post('/api/members/search', { filter: { name: { value: '王', match: 'prefix' } }, sort: { field: 'name', direction: 'desc' } });
    expect(posted.statusCode).toBe(200);
    expect(posted.json<MemberSearchResult>().items.map((m) => m.name)).toEqual(['王二', '王一']);
    const got = await reader.get(`/api/members?name=${encodeURIComponent('王')}&sort=name&order=desc&pageSize=1&page=2`);
    expect(got.json<MemberSearchResult>()).toMatchObject({ total: 2, page: 2, pageSize: 1, items: [{ name: '王一' }] });
    expect((await reader.get('/api/members?mobile=13800000013')).json<MemberSearchResult>().items[0]!.name).toBe('李三');
    const badSort = await reader.get('/api/members?sort=id_number_enc');
    expect(badSort.statusCode).toBe(400);
    expect(badSort.json().error.code).toBe('VALIDATION_FAILED');
    expect((await reader.post('/api/members/search', { filter: { genders: ['X'] } })).statusCode).toBe(400);
  });

  it('a member’s messages: sent and received texts of their number, newest first, paged; other numbers never mixed in', async () => {
    const memberId = await addPosMember('张伟', '+8613800138031');
    // The texts below are placed by hand: no keyword service answering 积分 in between.
    app.services.smsServices.detach();
    const clock = app.clock as ManualClock; // the test appliance runs on a manual clock unless told otherwise
    const outbox = app.services.messaging.outbox;
    const inbox = app.services.messaging.inbox;
    await outbox.enqueue([{ number: '13800138031' }], { text: '会员日八折', category: 'transactional', source: 'test' }, SYSTEM_ACTOR);
    clock.advance(1_000);
    await inbox.storeInbound({ modemId: 'sim-1', sender: '+8613800138031', text: '积分' });
    clock.advance(1_000);
    await outbox.enqueue([{ number: '13800138031' }], { text: '您的积分为 120', category: 'transactional', source: 'test' }, SYSTEM_ACTOR);
    await outbox.enqueue([{ number: '13800138032' }], { text: '别人的短信', category: 'transactional', source: 'test' }, SYSTEM_ACTOR);
    await inbox.storeInbound({ modemId: 'sim-1', sender: '+8613800138032', text: '别人发的' });

    const operator = await app.client('operator');
    const first = (await operator.get(`/api/members/${memberId}/messages?pageSize=2`)).json();
    expect(first.items.map((m: { direction: string; text: string }) => `${m.direction}:${m.text}`)).toEqual([
      'out:您的积分为 120【好又多超市】',
      'in:积分',
    ]);
    expect(first.hasMore).toBe(true);
    const second = (await operator.get(`/api/members/${memberId}/messages?pageSize=2&page=2`)).json();
    expect(second.items.map((m: { text: string }) => m.text)).toEqual(['会员日八折【好又多超市】']);
    expect(second.hasMore).toBe(false);
    expect(second.items[0]).toMatchObject({ direction: 'out', status: 'queued', category: 'transactional' });
    expect((await operator.get('/api/members/999999/messages')).statusCode).toBe(404);
  });

  it('purchases answer with an empty list, or the mirror’s receipts with lines', async () => {
    const reader = await app.client('operator');
    const id = await addPosMember('购物者', '+8613800000021');
    const mirror = await app.services.db.schema.hasTable('sales');
    if (mirror) {
      const now = app.clock.now();
      await app.services.db('stores').insert({ code: 'S1', name: '一号店', created_at: now, updated_at: now });
      await app.services.db('products').insert({ code: 'P1', name: '苹果', created_at: now, updated_at: now });
      await app.services.db('sales').insert({ receipt_no: 'R1', store_code: 'S1', member_id: id, sold_at: now - 1000, total_cents: 1250, points: 12, updated_at: now });
      await app.services.db('sale_lines').insert({ receipt_no: 'R1', line_no: 1, product_code: 'P1', quantity: 2.5, unit_price_cents: 500, amount_cents: 1250, updated_at: now });
    }
    const response = await reader.get(`/api/members/${id}/purchases`);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.mirrorAvailable).toBe(mirror);
    if (mirror) {
      expect(body.items).toEqual([
        {
          receiptNo: 'R1',
          storeCode: 'S1',
          storeName: '一号店',
          soldAt: app.clock.now() - 1000,
          totalCents: 1250,
          points: 12,
          lines: [{ lineNo: 1, productCode: 'P1', productName: '苹果', quantity: 2.5, unitPriceCents: 500, amountCents: 1250 }],
        },
      ]);
    } else expect(body.items).toEqual([]);
    expect((await reader.get('/api/members/999999/purchases')).statusCode).toBe(404);
  });
});

describe('member import', () => {
  const FILE = [
    '姓名,手机号,性别,生日,身份证号,积分,标签,接受营销短信',
    '张三,13800138001,男,1980-05-06,,100,VIP、老顾客,是',
    '李四,1380013800,女,1985/13/01,,abc,,也许',
    ',13800138003,女,,,,,',
    '王五,13800138001,男,,,,,',
    '赵六,+86 138-0013-8005,女,1990年1月2日,' + VALID_ID + ',0,,否',
  ].join('\r\n');

  it('all-or-nothing: one bad row and nothing is imported; every problem is reported by row and column', async () => {
    const manager = await app.client('manager');
    const response = await manager.post('/api/members/import', { fileName: '会员.csv', contentBase64: csvBase64(FILE), mode: 'all-or-nothing' });
    expect(response.statusCode).toBe(200);
    const result = response.json<ImportResult>();
    expect(result).toMatchObject({ rowsRead: 5, rowsValid: 2, imported: 0, rejected: 3, committed: false });
    const where = result.errors.map((e) => `${e.row}:${e.column}`);
    expect(where).toEqual(['3:手机号', '3:生日', '3:积分', '3:接受营销短信', '4:姓名', '5:手机号']);
    expect(result.errors.map((e) => e.code)).toEqual(['MOBILE_INVALID', 'BIRTHDAY_INVALID', 'POINTS_INVALID', 'YES_NO_INVALID', 'NAME_EMPTY', 'DUPLICATE_IN_FILE']);
    expect(result.errors.find((e) => e.row === 5)!.message).toMatch(/Row 2 has the same mobile number/);
    expect(result.errors.find((e) => e.row === 5)!.params).toEqual({ row: 2 });
    expect(result.errors.find((e) => e.row === 3 && e.column === '生日')!.message).toMatch(/YYYY-MM-DD/);
    expect(await app.services.db('members').count({ n: '*' }).first()).toEqual({ n: 0 });
  });

  it('keep-good: the good rows are imported (source import) and the bad ones reported; audited', async () => {
    const manager = await app.client('manager');
    const dry = (await manager.post('/api/members/import', { fileName: 'm.csv', contentBase64: csvBase64(FILE), mode: 'keep-good', dryRun: true })).json<ImportResult>();
    expect(dry).toMatchObject({ imported: 0, committed: false, rowsValid: 2 });
    const result = (await manager.post('/api/members/import', { fileName: 'm.csv', contentBase64: csvBase64(FILE), mode: 'keep-good' })).json<ImportResult>();
    expect(result).toMatchObject({ rowsRead: 5, imported: 2, rejected: 3, committed: true });
    const rows = await app.services.db('members').orderBy('id');
    expect(rows.map((r) => [r.name, r.source, r.mobile, r.birthday])).toEqual([
      ['张三', 'import', '+8613800138001', '1980-05-06'],
      ['赵六', 'import', '+8613800138005', '1990-01-02'],
    ]);
    expect(rows[1].id_number_last4).toBe('002X');
    expect(await app.services.db('member_tags').where({ member_id: rows[0].id }).pluck('tag')).toEqual(['VIP', '老顾客']);
    // Importing the same file again: the numbers now belong to existing members.
    const again = (await manager.post('/api/members/import', { fileName: 'm.csv', contentBase64: csvBase64(FILE), mode: 'keep-good' })).json<ImportResult>();
    expect(again.imported).toBe(0);
    expect(again.errors.some((e) => /Already belongs to member #\d+ \(张三\)/.test(e.message))).toBe(true);
    const audit = await app.services.db('audit_log').where({ action: 'members.import' });
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0].detail)).toMatchObject({ mode: 'keep-good', imported: 2, rejected: 3 });
  });

  it('reads XLSX workbooks (dates and numbers as cells) and GBK CSV', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('会员');
    sheet.addRow(['name', 'mobile', 'birthday', 'gender']);
    sheet.addRow(['孙七', 13800138007, new Date(Date.UTC(1979, 2, 4)), '女']);
    sheet.addRow(['周八', 13800138008, 'not a date', '男']);
    const buffer = Buffer.from(await workbook.xlsx.writeBuffer());
    const manager = await app.client('manager');
    const result = (await manager.post('/api/members/import', { fileName: 'm.xlsx', contentBase64: buffer.toString('base64'), mode: 'keep-good' })).json<ImportResult>();
    expect(result).toMatchObject({ imported: 1, rejected: 1 });
    expect(result.errors).toEqual([{ row: 3, column: 'birthday', value: 'not a date', code: 'BIRTHDAY_INVALID', message: expect.stringMatching(/YYYY-MM-DD/) }]);
    const member = await app.services.db('members').where({ name: '孙七' }).first();
    expect(member).toMatchObject({ birthday: '1979-03-04', birth_month: 3, birth_day: 4, mobile: '+8613800138007', gender: 'F' });

    const gbk = Buffer.from([0xd0, 0xd5, 0xc3, 0xfb, 0x0a, 0xd5, 0xc5, 0xc8, 0xfd]); // "姓名\n张三" in GBK
    const gbkResult = (await manager.post('/api/members/import', { fileName: 'gbk.csv', contentBase64: gbk.toString('base64'), mode: 'keep-good' })).json<ImportResult>();
    expect(gbkResult).toMatchObject({ imported: 1, rejected: 0 });
    expect(await app.services.db('members').where({ name: '张三' }).first()).toBeTruthy();
  });

  it('refuses files it cannot use with a coded reason', async () => {
    const manager = await app.client('manager');
    const pdf = await manager.post('/api/members/import', { fileName: 'm.pdf', contentBase64: csvBase64('x'), mode: 'keep-good' });
    expect(pdf.json().error.code).toBe('IMPORT_FORMAT_UNSUPPORTED');
    const noName = await manager.post('/api/members/import', { fileName: 'm.csv', contentBase64: csvBase64('foo,bar\n1,2'), mode: 'keep-good' });
    expect(noName.json().error.code).toBe('IMPORT_NO_NAME_COLUMN');
    const broken = await manager.post('/api/members/import', { fileName: 'm.xlsx', contentBase64: csvBase64('not a zip'), mode: 'keep-good' });
    expect(broken.json().error.code).toBe('IMPORT_FILE_UNREADABLE');
    const operator = await app.client('operator');
    expect((await operator.post('/api/members/import', { fileName: 'm.csv', contentBase64: csvBase64(FILE), mode: 'keep-good' })).statusCode).toBe(403);
  });
});

describe('member export', () => {
  beforeEach(async () => {
    const admin = await app.client('admin');
    await admin.post('/api/members', { name: '导出甲', mobile: '13800138101', idNumber: VALID_ID, tags: ['VIP'] });
    await admin.post('/api/members', { name: '导出乙', mobile: '13800138102', gender: 'F' });
  });

  it('operators may not export', async () => {
    const operator = await app.client('operator');
    const response = await operator.get('/api/members/export?format=csv');
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe('FORBIDDEN');
  });

  it('managers export without ID numbers; admins with; both audited', async () => {
    const manager = await app.client('manager');
    const managerCsv = await manager.get('/api/members/export?format=csv');
    expect(managerCsv.statusCode).toBe(200);
    expect(managerCsv.headers['content-type']).toContain('text/csv');
    const table = readCsv(managerCsv.body.replace(/^\uFEFF/, ''));
    expect(table.header).toContain('身份证号');
    const idColumn = table.header.indexOf('身份证号');
    expect(table.rows.map((r) => r.cells[table.header.indexOf('姓名')])).toEqual(['导出甲', '导出乙']);
    expect(table.rows[0]!.cells[idColumn]).toBe('****…002X');
    expect(managerCsv.body).not.toContain(VALID_ID);

    const admin = await app.client('admin');
    const adminCsv = await admin.get(`/api/members/export?format=csv&tags=VIP`);
    const adminTable = readCsv(adminCsv.body.replace(/^\uFEFF/, ''));
    expect(adminTable.rows).toHaveLength(1);
    expect(adminTable.rows[0]!.cells[idColumn]).toBe(VALID_ID);

    const audit = await app.services.db('audit_log').where({ action: 'members.export' }).orderBy('id');
    expect(audit.map((a) => [a.username, JSON.parse(a.detail).idNumbers, JSON.parse(a.detail).members])).toEqual([
      ['test-manager', 'masked', 2],
      ['test-admin', 'full', 1],
    ]);
  });

  it('streams large exports in chunks: every matching member once, in id order', async () => {
    const now = app.clock.now();
    const rows = Array.from({ length: 4500 }, (_, i) => ({
      source: 'pos',
      source_key: `BULK${i}`,
      name: `批量${i}`,
      gender: i % 2 ? 'F' : 'M',
      created_at: now,
      updated_at: now,
      deleted_at: i % 100 === 99 ? now : null,
    }));
    for (let i = 0; i < rows.length; i += 250) await app.services.db('members').insert(rows.slice(i, i + 250));
    const manager = await app.client('manager');
    const response = await manager.get(`/api/members/export?format=csv&name=${encodeURIComponent('批量')}&gender=F`);
    expect(response.statusCode).toBe(200);
    const table = readCsv(response.body.replace(/^\uFEFF/, ''));
    // 2250 women, minus the 45 deleted at the source (every 100th row, all odd).
    expect(table.rows).toHaveLength(2250 - 45);
    const ids = table.rows.map((r) => Number(r.cells[0]));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
  });

  it('exports XLSX that imports again', async () => {
    const admin = await app.client('admin');
    const response = await admin.get('/api/members/export?format=xlsx');
    expect(response.statusCode).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(response.rawPayload as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0]!;
    expect(sheet.getRow(2).getCell(2).value).toBe('导出甲');
    expect(sheet.rowCount).toBe(3);
    // Into a fresh appliance: same members come back.
    const other = await createTestAppliance();
    try {
      const manager = await other.client('manager');
      const result = (
        await manager.post('/api/members/import', { fileName: 'export.xlsx', contentBase64: response.rawPayload.toString('base64'), mode: 'all-or-nothing' })
      ).json<ImportResult>();
      expect(result).toMatchObject({ imported: 2, rejected: 0, committed: true });
      expect(await other.services.db('members').where({ name: '导出甲' }).first()).toMatchObject({ id_number_last4: '002X', mobile: '+8613800138101' });
    } finally {
      await other.close();
    }
  });
});
