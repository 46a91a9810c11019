import type { Knex } from 'knex';
import type { AuditActor, AuditLog } from '../auth/audit.js';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import type { Clock } from '../clock.js';
import { AppError, ConflictError, NotFoundError } from '../errors.js';
import type { EventBus } from '../events/bus.js';
import { parseYesNo } from '../members/columns.js';
import { readTableFile, type TableFile } from '../members/table-file.js';
import { InvalidNumberError, normalizeMobile, tryNormalizeMobile } from '../messaging/numbers.js';

declare module '../events/bus.js' {
  interface ApplianceEvents {
    /** The staff directory changed (UI, import): open staff lists reload. */
    'staff.changed': { id: number | null; change: 'created' | 'updated' | 'deactivated' | 'activated' | 'imported' };
  }
}

/**
 * The staff directory (员工): who may use the staff SMS services (库存, 策略,
 * 同意/拒绝) from which mobile, for which stores — separate from the UI's
 * users. Deactivating an entry takes effect at the next text: the services
 * look the sender up on every request.
 */
export interface StaffEntry {
  id: number;
  name: string;
  mobile: string;
  role: string;
  allStores: boolean;
  storeCodes: string[];
  mayApprove: boolean;
  active: boolean;
  hasPin: boolean;
  note: string;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  deactivatedAt: number | null;
}

/** What the SMS services need about a sender, with the PIN hash that never leaves the core. */
export interface StaffMember extends StaffEntry {
  pinHash: string | null;
}

export interface StaffInput {
  name?: string | undefined;
  mobile?: string | undefined;
  role?: string | undefined;
  allStores?: boolean | undefined;
  storeCodes?: string[] | undefined;
  mayApprove?: boolean | undefined;
  active?: boolean | undefined;
  /** 4–6 digits sets the PIN, '' removes it, undefined keeps it. */
  pin?: string | undefined;
  note?: string | undefined;
}

export type StaffImportMode = 'keep-good' | 'all-or-nothing';

export interface StaffImportRowError {
  row: number;
  column: string;
  value: string;
  code: string;
  message: string;
  params?: Record<string, string | number>;
}

export interface StaffImportReport {
  mode: StaffImportMode;
  dryRun: boolean;
  rows: number;
  good: number;
  added: number;
  updated: number;
  errors: StaffImportRowError[];
  committed: boolean;
}

/** A staff entry that cannot be saved as given; `field` names what to fix. */
export class StaffError extends AppError {
  constructor(code: string, message: string, field: string, params?: Record<string, string | number>) {
    super(code, message, 400, { field, ...params });
  }
}

interface StaffRow {
  id: number;
  name: string;
  mobile: string;
  role: string;
  store_codes: string;
  all_stores: number | boolean;
  may_approve: number | boolean;
  active: number | boolean;
  pin_hash: string | null;
  note: string;
  created_at: number | string;
  created_by: string;
  updated_at: number | string;
  deactivated_at: number | string | null;
}

function parseCodes(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((c): c is string => typeof c === 'string') : [];
  } catch {
    return [];
  }
}

function toMember(row: StaffRow): StaffMember {
  return {
    id: Number(row.id),
    name: row.name,
    mobile: row.mobile,
    role: row.role,
    allStores: Boolean(row.all_stores),
    storeCodes: parseCodes(row.store_codes),
    mayApprove: Boolean(row.may_approve),
    active: Boolean(row.active),
    hasPin: row.pin_hash !== null,
    pinHash: row.pin_hash,
    note: row.note,
    createdAt: Number(row.created_at),
    createdBy: row.created_by,
    updatedAt: Number(row.updated_at),
    deactivatedAt: row.deactivated_at === null ? null : Number(row.deactivated_at),
  };
}

function toEntry(row: StaffRow): StaffEntry {
  const { pinHash: _hidden, ...entry } = toMember(row);
  return entry;
}

const PIN = /^\d{4,6}$/;

const HEADER_ALIASES = {
  name: ['姓名', '名字', '员工', '员工姓名', 'name'],
  mobile: ['手机', '手机号', '手机号码', '号码', '电话', 'mobile', 'phone'],
  role: ['角色', '职务', '岗位', '职位', 'role'],
  stores: ['门店', '可查门店', '门店编码', '所属门店', 'stores', 'store'],
  mayApprove: ['可审批', '审批', '审批权限', '可审批策略', 'approve', 'may approve'],
  active: ['启用', '在职', '状态', 'active'],
  pin: ['密码', 'pin', '员工密码', '口令'],
  note: ['备注', 'note', 'notes'],
} as const;
type Column = keyof typeof HEADER_ALIASES;

const ALL_STORES_WORDS = new Set(['全部', '所有', '全部门店', 'all', '*']);

interface CheckedStaff {
  name: string;
  mobile: string;
  role: string;
  allStores: boolean;
  storeCodes: string[];
  mayApprove: boolean;
  active: boolean;
  pin: string | undefined;
  note: string;
}

export class StaffDirectory {
  constructor(
    private readonly db: Knex,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    private readonly events: EventBus,
    /** scrypt cost for PINs (the users' cost: 2^15, lowered by tests). */
    private readonly scryptCost: number,
  ) {}

  private changed(id: number | null, change: 'created' | 'updated' | 'deactivated' | 'activated' | 'imported'): void {
    this.events.publish('staff.changed', { id, change }, 'services.read');
  }

  async list(query: { q?: string | undefined; active?: boolean | undefined; page: number; pageSize: number }): Promise<{ items: StaffEntry[]; total: number }> {
    const base = this.db('staff');
    if (query.active !== undefined) base.where('active', query.active);
    const q = query.q?.trim();
    if (q) {
      const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const digits = q.normalize('NFKC').replace(/\D/g, '');
      base.andWhere((w) => {
        w.whereRaw("name LIKE ? ESCAPE '\\'", [like]).orWhereRaw("role LIKE ? ESCAPE '\\'", [like]);
        if (digits) w.orWhere('mobile', 'like', `%${digits}%`);
      });
    }
    const [countRow] = await base.clone().count<Array<{ n: number | string }>>({ n: '*' });
    const rows: StaffRow[] = await base
      .clone()
      .select('*')
      .orderBy('active', 'desc')
      .orderBy('name')
      .orderBy('id')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize);
    return { items: rows.map(toEntry), total: Number(countRow?.n ?? 0) };
  }

  async get(id: number): Promise<StaffEntry> {
    const row: StaffRow | undefined = await this.db('staff').where('id', id).first();
    if (!row) throw new NotFoundError(`Staff member ${id}`);
    return toEntry(row);
  }

  /** The entry for a sender (active or not), read in the caller's transaction when given. */
  async findByMobile(mobile: string, trx: Knex = this.db): Promise<StaffMember | undefined> {
    const normalised = tryNormalizeMobile(mobile);
    if (!normalised) return undefined;
    const row: StaffRow | undefined = await trx('staff').where('mobile', normalised).first();
    return row ? toMember(row) : undefined;
  }

  /** Whether a PIN typed after a request is this person's. */
  async verifyPin(member: StaffMember, pin: string): Promise<boolean> {
    if (!member.pinHash || !PIN.test(pin)) return false;
    return verifyPassword(pin, member.pinHash);
  }

  async create(actor: AuditActor, input: StaffInput): Promise<StaffEntry> {
    const checked = await this.check(input, null);
    const now = this.clock.now();
    const pinHash = checked.pin ? await hashPassword(checked.pin, this.scryptCost) : null;
    const id = await this.db.transaction(async (trx) => {
      await this.assertMobileFree(trx, checked.mobile, null);
      const [inserted] = await trx('staff')
        .insert({ ...this.columns(checked), pin_hash: pinHash, created_at: now, created_by: actor.username, updated_at: now, deactivated_at: checked.active ? null : now })
        .returning('id');
      const newId = Number(typeof inserted === 'object' ? (inserted as { id: number }).id : inserted);
      await this.audit.record(actor, 'staff.create', `staff:${newId}`, { name: checked.name, mobile: checked.mobile, role: checked.role, mayApprove: checked.mayApprove, pinSet: pinHash !== null }, trx);
      return newId;
    });
    this.changed(id, 'created');
    return this.get(id);
  }

  async update(actor: AuditActor, id: number, input: StaffInput): Promise<StaffEntry> {
    const current = await this.get(id);
    const checked = await this.check(input, current);
    const pinHash = input.pin === undefined ? undefined : checked.pin ? await hashPassword(checked.pin, this.scryptCost) : null;
    const now = this.clock.now();
    const fields = Object.keys(input).filter((k) => input[k as keyof StaffInput] !== undefined);
    await this.db.transaction(async (trx) => {
      await this.assertMobileFree(trx, checked.mobile, id);
      const activeChange = checked.active !== current.active ? { deactivated_at: checked.active ? null : now } : {};
      await trx('staff')
        .where('id', id)
        .update({ ...this.columns(checked), ...(pinHash !== undefined ? { pin_hash: pinHash } : {}), ...activeChange, updated_at: now });
      // Field names only: a PIN never goes into the audit log.
      await this.audit.record(actor, 'staff.update', `staff:${id}`, { name: checked.name, fields }, trx);
      if (checked.active !== current.active) await this.audit.record(actor, checked.active ? 'staff.activate' : 'staff.deactivate', `staff:${id}`, { name: checked.name, mobile: checked.mobile }, trx);
    });
    this.changed(id, checked.active === current.active ? 'updated' : checked.active ? 'activated' : 'deactivated');
    return this.get(id);
  }

  /** 停用 / 启用: a lost phone is locked out at once by deactivating its entry. */
  async setActive(actor: AuditActor, id: number, active: boolean): Promise<StaffEntry> {
    const current = await this.get(id);
    if (current.active === active) return current;
    const now = this.clock.now();
    await this.db.transaction(async (trx) => {
      await trx('staff').where('id', id).update({ active, deactivated_at: active ? null : now, updated_at: now });
      await this.audit.record(actor, active ? 'staff.activate' : 'staff.deactivate', `staff:${id}`, { name: current.name, mobile: current.mobile }, trx);
    });
    this.changed(id, active ? 'activated' : 'deactivated');
    return this.get(id);
  }

  private columns(checked: CheckedStaff) {
    return {
      name: checked.name,
      mobile: checked.mobile,
      role: checked.role,
      all_stores: checked.allStores,
      store_codes: JSON.stringify(checked.allStores ? [] : checked.storeCodes),
      may_approve: checked.mayApprove,
      active: checked.active,
      note: checked.note,
    };
  }

  private async assertMobileFree(trx: Knex, mobile: string, ownId: number | null): Promise<void> {
    const other: { id: number; name: string } | undefined = await trx('staff').select('id', 'name').where('mobile', mobile).first();
    if (other && Number(other.id) !== ownId) {
      throw new ConflictError('STAFF_MOBILE_TAKEN', `${mobile} already belongs to ${other.name} in the staff directory. Edit that entry instead.`);
    }
  }

  /** The mirrored store codes, or undefined when the mirror has no stores yet (then any code is taken as typed). */
  private async knownStores(): Promise<Map<string, string> | undefined> {
    const rows: Array<{ code: string; name: string }> = await this.db('stores').select('code', 'name').whereNull('deleted_at');
    if (rows.length === 0) return undefined;
    return new Map(rows.map((r) => [r.code, r.name]));
  }

  /** Checks a whole entry (a patch over `current`) and says which field is wrong. */
  private async check(input: StaffInput, current: StaffEntry | null, stores?: Map<string, string> | undefined): Promise<CheckedStaff> {
    const known = stores ?? (await this.knownStores());
    const name = (input.name ?? current?.name ?? '').trim();
    if (!name) throw new StaffError('STAFF_NAME_REQUIRED', 'Give the staff member a name.', 'name');
    if ([...name].length > 32) throw new StaffError('STAFF_NAME_TOO_LONG', 'The name must be at most 32 characters.', 'name', { max: 32 });
    let mobile: string;
    try {
      mobile = normalizeMobile(input.mobile ?? current?.mobile ?? '');
    } catch (error) {
      if (error instanceof InvalidNumberError) throw new StaffError('INVALID_NUMBER', error.message, 'mobile');
      throw error;
    }
    const role = (input.role ?? current?.role ?? '').trim();
    if ([...role].length > 32) throw new StaffError('STAFF_ROLE_TOO_LONG', 'The role must be at most 32 characters.', 'role', { max: 32 });
    const allStores = input.allStores ?? current?.allStores ?? false;
    const storeCodes = [...new Set((input.storeCodes ?? current?.storeCodes ?? []).map((c) => c.trim()).filter(Boolean))];
    if (!allStores && storeCodes.length === 0) {
      throw new StaffError('STAFF_STORES_REQUIRED', 'Choose the stores this person may see, or all stores.', 'stores');
    }
    if (!allStores && known) {
      const unknown = storeCodes.filter((c) => !known.has(c));
      if (unknown.length > 0) {
        throw new StaffError('STAFF_STORE_UNKNOWN', `No store has the code ${unknown.join(', ')}. Use the codes shown under 门店数据.`, 'stores', { codes: unknown.join(', ') });
      }
    }
    const pin = input.pin === undefined ? undefined : input.pin.trim();
    if (pin && !PIN.test(pin)) throw new StaffError('STAFF_PIN_INVALID', 'A staff PIN is 4 to 6 digits.', 'pin');
    const note = (input.note ?? current?.note ?? '').trim();
    if ([...note].length > 200) throw new StaffError('STAFF_NOTE_TOO_LONG', 'The note must be at most 200 characters.', 'note', { max: 200 });
    return {
      name,
      mobile,
      role,
      allStores,
      storeCodes,
      mayApprove: input.mayApprove ?? current?.mayApprove ?? false,
      active: input.active ?? current?.active ?? true,
      pin: pin || undefined,
      note,
    };
  }

  /**
   * Imports a staff list (XLSX/CSV): every row is checked first; keep-good
   * writes the good rows and reports the bad ones, all-or-nothing writes
   * nothing when one row is bad. A known mobile updates its entry. A dry run
   * only reports.
   */
  async importFile(actor: AuditActor, file: { name: string; content: Buffer }, options: { mode: StaffImportMode; dryRun?: boolean }): Promise<StaffImportReport> {
    const table = await readTableFile(file.name, file.content);
    const { rows, errors, dataRows } = await this.parseRows(table);
    const dryRun = options.dryRun === true;
    const report: StaffImportReport = { mode: options.mode, dryRun, rows: dataRows, good: rows.length, added: 0, updated: 0, errors, committed: false };
    const existing = new Set(
      rows.length === 0
        ? []
        : ((await this.db('staff').select('mobile').whereIn('mobile', rows.map((r) => r.mobile))) as Array<{ mobile: string }>).map((r) => r.mobile),
    );
    if (dryRun) {
      report.updated = rows.filter((r) => existing.has(r.mobile)).length;
      report.added = rows.length - report.updated;
      return report;
    }
    if (rows.length === 0 || (options.mode === 'all-or-nothing' && errors.length > 0)) return report;
    // PINs are hashed before the transaction: scrypt is slow on purpose, the write lock should not wait for it.
    const hashes = await Promise.all(rows.map((r) => (r.pin ? hashPassword(r.pin, this.scryptCost) : Promise.resolve(undefined))));
    const now = this.clock.now();
    await this.db.transaction(async (trx) => {
      for (const [index, row] of rows.entries()) {
        const values = { ...this.columns(row), updated_at: now, ...(hashes[index] ? { pin_hash: hashes[index] } : {}) };
        if (existing.has(row.mobile)) {
          const before: { active: number | boolean } | undefined = await trx('staff').select('active').where('mobile', row.mobile).first();
          const activeChange = before && Boolean(before.active) !== row.active ? { deactivated_at: row.active ? null : now } : {};
          await trx('staff').where('mobile', row.mobile).update({ ...values, ...activeChange });
          report.updated++;
        } else {
          await trx('staff').insert({ ...values, created_at: now, created_by: actor.username, deactivated_at: row.active ? null : now });
          report.added++;
        }
      }
      await this.audit.record(actor, 'staff.import', file.name, { mode: options.mode, rows: dataRows, added: report.added, updated: report.updated, badRows: errors.length }, trx);
    });
    report.committed = true;
    this.changed(null, 'imported');
    return report;
  }

  private async parseRows(table: TableFile): Promise<{ rows: CheckedStaff[]; errors: StaffImportRowError[]; dataRows: number }> {
    const columns: Partial<Record<Column, number>> = {};
    table.header.forEach((cell, index) => {
      const name = cell.trim().toLowerCase();
      for (const [column, aliases] of Object.entries(HEADER_ALIASES) as Array<[Column, readonly string[]]>) {
        if (aliases.includes(name) && columns[column] === undefined) columns[column] = index;
      }
    });
    if (columns.name === undefined || columns.mobile === undefined) {
      throw new AppError(
        'STAFF_IMPORT_COLUMNS',
        `The first row must name the columns, with at least 姓名 and 手机号. Found: ${table.header.filter(Boolean).join(', ') || 'nothing'}. ` +
          'Known columns: 姓名, 手机号, 角色, 门店, 可审批, 启用, 密码, 备注.',
        400,
      );
    }
    const stores = await this.knownStores();
    const byName = new Map([...(stores ?? new Map<string, string>()).entries()].map(([code, name]) => [name, code]));
    const rows: CheckedStaff[] = [];
    const errors: StaffImportRowError[] = [];
    const seen = new Map<string, number>();
    let dataRows = 0;
    for (const record of table.rows) {
      if (record.cells.every((c) => !c.trim())) continue;
      dataRows++;
      const cell = (column: Column) => (columns[column] === undefined ? '' : (record.cells[columns[column]!] ?? '').trim());
      const header = (column: Column) => table.header[columns[column] ?? -1] ?? column;
      const fail = (column: Column, code: string, message: string, params?: Record<string, string | number>) =>
        errors.push({ row: record.rowNumber, column: header(column), value: cell(column).slice(0, 100), code, message, ...(params ? { params } : {}) });
      const yesNo = (column: Column, fallback: boolean): boolean | null => {
        const text = cell(column);
        if (!text) return fallback;
        const value = column === 'active' && ['在职', '启用'].includes(text) ? true : column === 'active' && ['离职', '停用'].includes(text) ? false : parseYesNo(text);
        if (value === undefined) {
          fail(column, 'YES_NO_INVALID', 'Write 是 or 否 (yes or no).');
          return null;
        }
        return value;
      };
      const mayApprove = yesNo('mayApprove', false);
      const active = yesNo('active', true);
      if (mayApprove === null || active === null) continue;
      const storesText = cell('stores');
      const allStores = storesText === '' ? false : ALL_STORES_WORDS.has(storesText.toLowerCase());
      // Stores by code or by name, separated the ways people type lists.
      const storeCodes = allStores ? [] : storesText.split(/[,，、;；\s]+/).filter(Boolean).map((s) => byName.get(s) ?? s);
      try {
        const checked = await this.check(
          { name: cell('name'), mobile: cell('mobile'), role: cell('role'), allStores, storeCodes, mayApprove, active, pin: cell('pin') || undefined, note: cell('note') },
          null,
          stores,
        );
        const first = seen.get(checked.mobile);
        if (first !== undefined) {
          fail('mobile', 'DUPLICATE_NUMBER', `${cell('mobile')} is already in row ${first} of this file.`, { firstRow: first });
          continue;
        }
        seen.set(checked.mobile, record.rowNumber);
        rows.push(checked);
      } catch (error) {
        if (!(error instanceof StaffError)) throw error;
        const field = String(error.details?.['field'] ?? 'name');
        const column: Column = field === 'stores' ? 'stores' : field in HEADER_ALIASES ? (field as Column) : 'name';
        const { field: _field, ...params } = (error.details ?? {}) as Record<string, string | number>;
        fail(column, error.code, error.message, Object.keys(params).length ? params : undefined);
      }
    }
    return { rows, errors, dataRows };
  }
}
