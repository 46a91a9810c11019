import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SYSTEM_ACTOR } from '../auth/audit.js';
import { openMessagingCore, type MessagingCore } from '../messaging/outbox/testing.js';
import { seedMirror } from '../sms-services/testing.js';

let t: MessagingCore;
const staff = () => t.core.services.staff;
const db = () => t.core.services.db;

beforeEach(async () => {
  t = await openMessagingCore();
  await seedMirror(db(), t.clock.now());
});
afterEach(async () => {
  await t.close();
});

async function xlsx(rows: unknown[][]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('员工');
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

describe('staff directory', () => {
  it('adds, changes and deactivates entries, audited, with the PIN only as a scrypt hash', async () => {
    const created = await staff().create(SYSTEM_ACTOR, { name: ' 陈静 ', mobile: '138 0013 8000', role: '店长', storeCodes: ['S01', 'S01', 'S02'], mayApprove: true, pin: '2468' });
    expect(created).toMatchObject({ name: '陈静', mobile: '+8613800138000', role: '店长', storeCodes: ['S01', 'S02'], allStores: false, mayApprove: true, active: true, hasPin: true });
    expect(created).not.toHaveProperty('pinHash');
    const row = await db()('staff').first();
    expect(row.pin_hash).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(row.pin_hash).not.toContain('2468');
    const member = (await staff().findByMobile('13800138000'))!;
    expect(await staff().verifyPin(member, '2468')).toBe(true);
    expect(await staff().verifyPin(member, '2469')).toBe(false);

    const changed = await staff().update(SYSTEM_ACTOR, created.id, { allStores: true, pin: '' });
    expect(changed).toMatchObject({ allStores: true, storeCodes: [], hasPin: false, name: '陈静' });
    const off = await staff().setActive(SYSTEM_ACTOR, created.id, false);
    expect(off).toMatchObject({ active: false, deactivatedAt: t.clock.now() });
    expect((await db()('audit_log').select('action').orderBy('id')).map((r: { action: string }) => r.action)).toEqual(['staff.create', 'staff.update', 'staff.deactivate']);
    // The audit log names fields, never the PIN.
    expect(JSON.stringify(await db()('audit_log').select('detail'))).not.toContain('2468');
  });

  it('refuses what cannot be saved, naming the field', async () => {
    await staff().create(SYSTEM_ACTOR, { name: '陈静', mobile: '13800138000', allStores: true });
    const cases: Array<[Parameters<ReturnType<typeof staff>['create']>[1], string, string]> = [
      [{ name: '', mobile: '13800138001', allStores: true }, 'STAFF_NAME_REQUIRED', 'name'],
      [{ name: '王五', mobile: '12345', allStores: true }, 'INVALID_NUMBER', 'mobile'],
      [{ name: '王五', mobile: '13800138001' }, 'STAFF_STORES_REQUIRED', 'stores'],
      [{ name: '王五', mobile: '13800138001', storeCodes: ['S09'] }, 'STAFF_STORE_UNKNOWN', 'stores'],
      [{ name: '王五', mobile: '13800138001', allStores: true, pin: '12a4' }, 'STAFF_PIN_INVALID', 'pin'],
      [{ name: '王五', mobile: '13800138001', allStores: true, pin: '123' }, 'STAFF_PIN_INVALID', 'pin'],
    ];
    for (const [input, code, field] of cases) {
      await expect(staff().create(SYSTEM_ACTOR, input), code).rejects.toMatchObject({ code, details: expect.objectContaining({ field }) });
    }
    await expect(staff().create(SYSTEM_ACTOR, { name: '重复', mobile: '+86 13800138000', allStores: true })).rejects.toMatchObject({ code: 'STAFF_MOBILE_TAKEN', status: 409 });
  });

  it('imports a staff list: every bad row named, then keep-good or all-or-nothing; a known mobile is updated', async () => {
    await staff().create(SYSTEM_ACTOR, { name: '陈静', mobile: '13800138000', storeCodes: ['S01'] });
    const content = await xlsx([
      ['姓名', '手机号', '职务', '门店', '可审批', '启用', '密码', '备注'],
      ['陈静', '13800138000', '店长', '人民路店、解放路店', '是', '在职', '', '升任店长'],
      ['刘洋', '13800138002', '店员', 'S02', '否', '', '135790', ''],
      ['赵六', '12345', '店员', 'S01', '', '', '', ''],
      ['钱七', '13800138003', '采购', '全部', '可以', '', '', ''],
      ['孙八', '13800138004', '店员', 'S99', '', '', '', ''],
      ['周九', '13800138002', '店员', 'S01', '', '', '', ''],
      ['吴十', '13800138005', '区域经理', 'all', '是', '离职', '12', ''],
    ]);
    const file = { name: '员工.xlsx', content };
    const dry = await staff().importFile(SYSTEM_ACTOR, file, { mode: 'keep-good', dryRun: true });
    expect(dry).toMatchObject({ rows: 7, good: 2, added: 1, updated: 1, committed: false });
    expect(dry.errors.map((e) => [e.row, e.column, e.code])).toEqual([
      [4, '手机号', 'INVALID_NUMBER'],
      [5, '可审批', 'YES_NO_INVALID'],
      [6, '门店', 'STAFF_STORE_UNKNOWN'],
      [7, '手机号', 'DUPLICATE_NUMBER'],
      [8, '密码', 'STAFF_PIN_INVALID'],
    ]);
    expect(dry.errors[3]).toMatchObject({ value: '13800138002', params: { firstRow: 3 } });
    expect(await db()('staff').count({ n: '*' })).toEqual([{ n: 1 }]);

    expect(await staff().importFile(SYSTEM_ACTOR, file, { mode: 'all-or-nothing' })).toMatchObject({ committed: false, added: 0 });
    expect(await db()('staff').count({ n: '*' })).toEqual([{ n: 1 }]);

    expect(await staff().importFile(SYSTEM_ACTOR, file, { mode: 'keep-good' })).toMatchObject({ committed: true, added: 1, updated: 1 });
    const { items } = await staff().list({ page: 1, pageSize: 10 });
    expect(items.map((s) => [s.name, s.role, s.storeCodes, s.mayApprove, s.hasPin, s.note])).toEqual([
      ['刘洋', '店员', ['S02'], false, true, ''],
      ['陈静', '店长', ['S01', 'S02'], true, false, '升任店长'],
    ]);
    expect(await db()('audit_log').where('action', 'staff.import').first()).toMatchObject({ target: '员工.xlsx' });
  });

  it('refuses a file without 姓名 and 手机号 columns with what it found', async () => {
    const content = await xlsx([['名称', '电话号'], ['x', 'y']]);
    await expect(staff().importFile(SYSTEM_ACTOR, { name: 'x.xlsx', content }, { mode: 'keep-good' })).rejects.toMatchObject({ code: 'STAFF_IMPORT_COLUMNS' });
  });

  it('searches by name, role or part of the number, active first', async () => {
    await staff().create(SYSTEM_ACTOR, { name: '陈静', mobile: '13800138000', role: '店长', allStores: true });
    const off = await staff().create(SYSTEM_ACTOR, { name: '陈亮', mobile: '13911112222', role: '店员', allStores: true, active: false });
    expect((await staff().list({ q: '陈', page: 1, pageSize: 10 })).items.map((s) => s.name)).toEqual(['陈静', '陈亮']);
    expect((await staff().list({ q: '店员', page: 1, pageSize: 10 })).items.map((s) => s.id)).toEqual([off.id]);
    expect((await staff().list({ q: '1111 2222', page: 1, pageSize: 10 })).items.map((s) => s.id)).toEqual([off.id]);
    expect((await staff().list({ active: true, page: 1, pageSize: 10 })).total).toBe(1);
  });
});
