import type { Knex } from 'knex';
import { SYSTEM_ACTOR, type AuditActor, type AuditLog } from '../../auth/audit.js';
import type { Clock } from '../../clock.js';
import type { EventBus } from '../../events/bus.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import { InvalidNumberError, normalizeMobile } from '../numbers.js';
import { endOfLocalDate, localDate } from '../policy/local-time.js';
import {
  BLACKLIST_SCOPES,
  LIST_SOURCES,
  NOT_LISTED,
  type BlacklistScope,
  type ListSource,
  type ListStatus,
} from '../policy/policy.js';
import { readTableFile, type TableFile } from '../../members/table-file.js';
import { writeTable, type TableFormat } from './tabular.js';

export const LIST_KINDS = ['black', 'white'] as const;
export type ListKind = (typeof LIST_KINDS)[number];

declare module '../../events/bus.js' {
  interface ApplianceEvents {
    /** A list changed (UI, import, CLI or an SMS opt-out): open Lists pages reload. */
    'lists.changed': { list: ListKind; change: 'added' | 'updated' | 'removed' | 'imported' | 'opt-out'; mobile?: string };
  }
}

export interface ListEntry {
  id: number;
  list: ListKind;
  mobile: string;
  scope: BlacklistScope;
  reason: string;
  source: ListSource;
  expiresAt: number | null;
  expired: boolean;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
}

export interface ListQuery {
  list: ListKind;
  /** Part of the number, or of the reason. */
  q?: string | undefined;
  /** Expired entries are kept (for the record) but hidden unless asked for. */
  includeExpired?: boolean | undefined;
  page: number;
  pageSize: number;
}

export interface NewListEntry {
  mobile: string;
  scope?: BlacklistScope | undefined;
  reason?: string | undefined;
  source?: ListSource | undefined;
  expiresAt?: number | null | undefined;
}

export type ImportMode = 'keep-good' | 'all-or-nothing';

export interface ImportRowError {
  /** 1-based row in the file, as the spreadsheet shows it. */
  row: number;
  input: string;
  code: string;
  message: string;
  /** Values the UI's own text for the code needs (lists.problems.<code>). */
  params?: Record<string, string | number>;
}

export interface ImportReport {
  list: ListKind;
  mode: ImportMode;
  dryRun: boolean;
  rows: number;
  /** Rows that were (or, in a dry run, would be) added or updated. */
  good: number;
  added: number;
  updated: number;
  errors: ImportRowError[];
  /** False when all-or-nothing met a bad row, or for a dry run: nothing was written. */
  committed: boolean;
}

interface ListRow {
  id: number;
  list: string;
  mobile: string;
  scope: string;
  reason: string;
  source: string;
  expires_at: number | string | null;
  created_at: number | string;
  created_by: string;
  updated_at: number | string;
}

const LOOKUP_BATCH = 500;

const HEADER_ALIASES: Record<'mobile' | 'scope' | 'reason' | 'expires' | 'source', string[]> = {
  mobile: ['号码', '手机', '手机号', '手机号码', '电话', 'mobile', 'number', 'phone'],
  scope: ['范围', '适用范围', 'scope'],
  reason: ['原因', '备注', 'reason', 'note'],
  expires: ['到期', '到期日', '有效期至', '过期时间', 'expires', 'expiry', 'expires_at'],
  source: ['来源', 'source'],
};

const SCOPE_WORDS: Record<string, BlacklistScope> = {
  all: 'all', 全部: 'all', 所有: 'all',
  marketing: 'marketing', 营销: 'marketing',
  inbound: 'inbound', 来信: 'inbound', 不自动回复: 'inbound',
};

const SOURCE_WORDS: Record<string, ListSource> = {
  manual: 'manual', 手工: 'manual',
  'opt-out': 'opt-out', 退订: 'opt-out',
  complaint: 'complaint', 投诉: 'complaint',
  import: 'import', 导入: 'import',
};

const EXPORT_HEADER = ['号码', '范围', '原因', '来源', '到期', '添加时间', '添加人'];

function toEntry(row: ListRow, now: number): ListEntry {
  const expiresAt = row.expires_at === null ? null : Number(row.expires_at);
  return {
    id: Number(row.id),
    list: row.list as ListKind,
    mobile: row.mobile,
    scope: row.scope as BlacklistScope,
    reason: row.reason,
    source: row.source as ListSource,
    expiresAt,
    expired: expiresAt !== null && expiresAt <= now,
    createdAt: Number(row.created_at),
    createdBy: row.created_by,
    updatedAt: Number(row.updated_at),
  };
}

function isActive(row: { expires_at: number | string | null }, now: number): boolean {
  return row.expires_at === null || Number(row.expires_at) > now;
}

function cleanReason(reason: string | undefined): string {
  const text = (reason ?? '').trim();
  if ([...text].length > 200) throw new ValidationError('The reason must be at most 200 characters.');
  return text;
}

/**
 * The black- and whitelists (黑白名单): every change is audited in its own
 * transaction; `lookup` answers for a whole enqueue batch in one query.
 */
export class NumberLists {
  constructor(
    private readonly db: Knex,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
    /** The time zone list expiry dates ('2026-12-31') are read in. */
    private readonly timeZone: () => Promise<string>,
    private readonly events?: EventBus,
  ) {}

  private changed(list: ListKind, change: 'added' | 'updated' | 'removed' | 'imported' | 'opt-out', mobile?: string): void {
    this.events?.publish('lists.changed', { list, change, ...(mobile ? { mobile } : {}) }, 'lists.read');
  }

  async search(query: ListQuery): Promise<{ items: ListEntry[]; total: number }> {
    const now = this.clock.now();
    const base = this.db('number_lists').where('list', query.list);
    if (!query.includeExpired) base.andWhere((w) => w.whereNull('expires_at').orWhere('expires_at', '>', now));
    const q = query.q?.trim();
    if (q) {
      const digits = q.normalize('NFKC').replace(/\D/g, '');
      base.andWhere((w) => {
        if (digits) w.where('mobile', 'like', `%${digits}%`);
        w.orWhere('reason', 'like', `%${q.replace(/[%_]/g, '')}%`);
      });
    }
    const [countRow] = await base.clone().count<Array<{ n: number | string }>>({ n: '*' });
    const rows: ListRow[] = await base
      .clone()
      .select('*')
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize);
    return { items: rows.map((r) => toEntry(r, now)), total: Number(countRow?.n ?? 0) };
  }

  async get(id: number): Promise<ListEntry> {
    const row: ListRow | undefined = await this.db('number_lists').where('id', id).first();
    if (!row) throw new NotFoundError(`List entry ${id}`);
    return toEntry(row, this.clock.now());
  }

  /** Adds a number; an active entry for it is a conflict, an expired one is replaced. */
  async add(actor: AuditActor, list: ListKind, input: NewListEntry): Promise<ListEntry> {
    const mobile = normalizeMobile(input.mobile);
    const values = this.clean(list, input);
    const now = this.clock.now();
    const id = await this.db.transaction(async (trx) => {
      const existing: ListRow | undefined = await trx('number_lists').where({ list, mobile }).first();
      if (existing && isActive(existing, now)) {
        throw new ConflictError('LIST_ENTRY_EXISTS', `${mobile} is already on the ${list}list. Edit that entry instead.`);
      }
      let entryId: number;
      if (existing) {
        await trx('number_lists').where('id', existing.id).update({ ...values, created_at: now, created_by: actor.username, updated_at: now });
        entryId = Number(existing.id);
      } else {
        const [inserted] = await trx('number_lists')
          .insert({ list, mobile, ...values, created_at: now, created_by: actor.username, updated_at: now })
          .returning('id');
        entryId = Number(typeof inserted === 'object' ? (inserted as { id: number }).id : inserted);
      }
      await this.audit.record(actor, `lists.${list}.add`, mobile, { ...values }, trx);
      return entryId;
    });
    this.changed(list, 'added', mobile);
    return this.get(id);
  }

  async update(
    actor: AuditActor,
    id: number,
    patch: { scope?: BlacklistScope | undefined; reason?: string | undefined; expiresAt?: number | null | undefined },
  ): Promise<ListEntry> {
    const entry = await this.get(id);
    const changes: Record<string, unknown> = {};
    if (patch.scope !== undefined) {
      if (entry.list !== 'black') throw new ValidationError('Only blacklist entries have a scope.');
      if (!BLACKLIST_SCOPES.includes(patch.scope)) throw new ValidationError('Scope must be all, marketing or inbound.');
      changes.scope = patch.scope;
    }
    if (patch.reason !== undefined) changes.reason = cleanReason(patch.reason);
    if (patch.expiresAt !== undefined) changes.expires_at = patch.expiresAt;
    if (Object.keys(changes).length === 0) return entry;
    await this.db.transaction(async (trx) => {
      await trx('number_lists').where('id', id).update({ ...changes, updated_at: this.clock.now() });
      await this.audit.record(actor, `lists.${entry.list}.update`, entry.mobile, changes, trx);
    });
    this.changed(entry.list, 'updated', entry.mobile);
    return this.get(id);
  }

  async remove(actor: AuditActor, id: number): Promise<void> {
    const entry = await this.get(id);
    await this.db.transaction(async (trx) => {
      await trx('number_lists').where('id', id).delete();
      await this.audit.record(actor, `lists.${entry.list}.remove`, entry.mobile, { reason: entry.reason, source: entry.source }, trx);
    });
    this.changed(entry.list, 'removed', entry.mobile);
  }

  /**
   * List status of many numbers (E.164) at `now`, one query per 500 numbers;
   * expired entries are left out. Numbers on no list map to NOT_LISTED.
   */
  async lookup(numbers: readonly string[], now = this.clock.now(), trx: Knex = this.db): Promise<Map<string, ListStatus>> {
    const result = new Map<string, ListStatus>();
    const unique = [...new Set(numbers)];
    for (const number of unique) result.set(number, NOT_LISTED);
    for (let i = 0; i < unique.length; i += LOOKUP_BATCH) {
      const chunk = unique.slice(i, i + LOOKUP_BATCH);
      const rows: Array<Pick<ListRow, 'list' | 'mobile' | 'scope' | 'source' | 'reason' | 'expires_at'>> = await trx('number_lists')
        .select('list', 'mobile', 'scope', 'source', 'reason', 'expires_at')
        // Naming both lists lets the (list, mobile) unique index serve the lookup instead of a scan.
        .whereIn('list', LIST_KINDS)
        .whereIn('mobile', chunk)
        .andWhere((w) => w.whereNull('expires_at').orWhere('expires_at', '>', now));
      for (const row of rows) {
        const status = { ...(result.get(row.mobile) ?? NOT_LISTED) };
        const expiresAt = row.expires_at === null ? null : Number(row.expires_at);
        if (row.list === 'black') {
          status.blacklist = { scope: row.scope as BlacklistScope, source: row.source as ListSource, reason: row.reason, expiresAt };
        } else {
          status.whitelist = { expiresAt };
        }
        result.set(row.mobile, status);
      }
    }
    return result;
  }

  /** The status of one number, for the inbox and the send form. */
  async statusOf(number: string): Promise<ListStatus> {
    const mobile = normalizeMobile(number);
    return (await this.lookup([mobile])).get(mobile) ?? NOT_LISTED;
  }

  /**
   * The sender texted an opt-out word: blacklist them for marketing at once.
   * An active scope-all entry already covers it; an inbound-only one widens to all.
   */
  async addOptOut(number: string, trx?: Knex): Promise<'added' | 'updated' | 'unchanged'> {
    const mobile = normalizeMobile(number);
    const run = async (t: Knex) => (await this.optOut(mobile, (await this.lookup([mobile], this.clock.now(), t)).get(mobile) ?? NOT_LISTED, t)).change;
    return trx ? run(trx) : this.db.transaction(run);
  }

  /**
   * The opt-out itself, for a caller that already read the number's status in
   * `trx` (the inbound chain does, once per text): one upsert and its audit
   * entry, no second read. Returns the change and the status it leaves.
   */
  async optOut(mobile: string, current: ListStatus, trx: Knex): Promise<{ change: 'added' | 'updated' | 'unchanged'; status: ListStatus }> {
    const now = this.clock.now();
    // `current` holds active entries only (lookup leaves expired ones out); an expired row is overwritten.
    const black = current.blacklist;
    if (black && (black.scope === 'all' || black.scope === 'marketing') && black.expiresAt === null) return { change: 'unchanged', status: current };
    const scope: BlacklistScope = black && black.scope !== 'marketing' ? 'all' : 'marketing';
    const values = { scope, source: 'opt-out' as const, reason: '短信退订', expires_at: null, updated_at: now };
    await trx('number_lists')
      .insert({ list: 'black', mobile, ...values, created_at: now, created_by: SYSTEM_ACTOR.username })
      .onConflict(['list', 'mobile'])
      .merge(['scope', 'source', 'reason', 'expires_at', 'updated_at']);
    await this.audit.record(SYSTEM_ACTOR, 'lists.black.opt-out', mobile, { scope }, trx);
    // Inside a caller's transaction the event may precede its commit; the UI only reloads on it.
    this.changed('black', 'opt-out', mobile);
    return {
      change: black ? 'updated' : 'added',
      status: { ...current, blacklist: { scope, source: values.source, reason: values.reason, expiresAt: null } },
    };
  }

  /**
   * The SMS services locked a number out (refused staff requests): no automatic
   * answers until `until`, in the caller's transaction. A number already
   * without automatic answers is left as it is, and so is an opt-out entry:
   * widening it would make the customer's opt-out expire with the lock-out.
   */
  async lockOut(mobile: string, current: ListStatus, until: number, reason: string, trx: Knex): Promise<'added' | 'unchanged'> {
    const now = this.clock.now();
    if (current.blacklist) return 'unchanged';
    const values = { scope: 'inbound' as const, source: 'lockout' as const, reason, expires_at: until, updated_at: now };
    await trx('number_lists')
      .insert({ list: 'black', mobile, ...values, created_at: now, created_by: SYSTEM_ACTOR.username })
      .onConflict(['list', 'mobile'])
      .merge(['scope', 'source', 'reason', 'expires_at', 'updated_at']);
    this.changed('black', 'added', mobile);
    return 'added';
  }

  private clean(list: ListKind, input: NewListEntry): { scope: BlacklistScope; reason: string; source: ListSource; expires_at: number | null } {
    const scope = list === 'white' ? 'all' : (input.scope ?? 'all');
    if (!BLACKLIST_SCOPES.includes(scope)) throw new ValidationError('Scope must be all, marketing or inbound.');
    const source = input.source ?? 'manual';
    if (!LIST_SOURCES.includes(source)) throw new ValidationError('Source must be manual, opt-out, complaint, import or lockout.');
    const expiresAt = input.expiresAt ?? null;
    if (expiresAt !== null && expiresAt <= this.clock.now()) {
      throw new ValidationError('The expiry date is in the past; choose a later date or none.');
    }
    return { scope, reason: cleanReason(input.reason), source, expires_at: expiresAt };
  }

  /**
   * Imports a CSV/XLSX list. Every row is checked first; with `keep-good` the
   * good rows are written and the bad ones reported, with `all-or-nothing` one
   * bad row means nothing is written. Existing numbers are updated. A dry run
   * only reports, so the person can choose the mode after seeing the errors.
   */
  async importFile(
    actor: AuditActor,
    list: ListKind,
    file: { name: string; content: Buffer },
    options: { mode: ImportMode; dryRun?: boolean },
  ): Promise<ImportReport> {
    // The members' reader: XLSX or CSV (UTF-8 or GBK), row numbers as Excel shows them, size-capped.
    const table = await readTableFile(file.name, file.content);
    const timeZone = await this.timeZone();
    const now = this.clock.now();
    const { rows, errors, dataRows } = this.parseRows(table, list, timeZone, now);
    const dryRun = options.dryRun === true;
    const report: ImportReport = {
      list,
      mode: options.mode,
      dryRun,
      rows: dataRows,
      good: rows.length,
      added: 0,
      updated: 0,
      errors,
      committed: false,
    };
    if (dryRun) {
      const existing = await this.existingCount(list, rows.map((r) => r.mobile));
      report.updated = existing;
      report.added = rows.length - existing;
      return report;
    }
    if (rows.length === 0 || (options.mode === 'all-or-nothing' && errors.length > 0)) return report;
    await this.db.transaction(async (trx) => {
      for (let i = 0; i < rows.length; i += LOOKUP_BATCH) {
        const chunk = rows.slice(i, i + LOOKUP_BATCH);
        const existing = new Set(
          (await trx('number_lists').select('mobile').where('list', list).whereIn('mobile', chunk.map((r) => r.mobile))).map(
            (r: { mobile: string }) => r.mobile,
          ),
        );
        for (const row of chunk) {
          const values = { scope: row.scope, reason: row.reason, source: row.source, expires_at: row.expiresAt, updated_at: now };
          if (existing.has(row.mobile)) {
            await trx('number_lists').where({ list, mobile: row.mobile }).update(values);
            report.updated++;
          } else {
            await trx('number_lists').insert({ list, mobile: row.mobile, ...values, created_at: now, created_by: actor.username });
            report.added++;
          }
        }
      }
      await this.audit.record(
        actor,
        `lists.${list}.import`,
        file.name,
        { mode: options.mode, rows: dataRows, added: report.added, updated: report.updated, badRows: errors.length },
        trx,
      );
    });
    report.committed = true;
    this.changed(list, 'imported');
    return report;
  }

  private async existingCount(list: ListKind, mobiles: string[]): Promise<number> {
    let count = 0;
    for (let i = 0; i < mobiles.length; i += LOOKUP_BATCH) {
      const [row] = await this.db('number_lists')
        .where('list', list)
        .whereIn('mobile', mobiles.slice(i, i + LOOKUP_BATCH))
        .count<Array<{ n: number | string }>>({ n: '*' });
      count += Number(row?.n ?? 0);
    }
    return count;
  }

  private parseRows(table: TableFile, list: ListKind, timeZone: string, now: number) {
    type Column = keyof typeof HEADER_ALIASES;
    const columns: Partial<Record<Column, number>> = {};
    table.header.forEach((cell, index) => {
      const name = cell.toLowerCase();
      for (const [column, aliases] of Object.entries(HEADER_ALIASES) as Array<[Column, string[]]>) {
        if (aliases.includes(name) && columns[column] === undefined) columns[column] = index;
      }
    });
    const hasHeader = columns.mobile !== undefined;
    // Without a header the first row is data: number in column 1, reason in column 2.
    if (!hasHeader) Object.assign(columns, { mobile: 0, reason: 1 });
    const records = hasHeader || table.header.every((c) => !c) ? table.rows : [{ rowNumber: 1, cells: table.header }, ...table.rows];
    const rows: Array<{ mobile: string; scope: BlacklistScope; reason: string; source: ListSource; expiresAt: number | null }> = [];
    const errors: ImportRowError[] = [];
    const seen = new Map<string, number>();
    let dataRows = 0;
    for (const record of records) {
      const cells = record.cells;
      if (cells.every((c) => !c.trim())) continue;
      dataRows++;
      const rowNumber = record.rowNumber;
      const cell = (column: Column) => (columns[column] === undefined ? '' : (cells[columns[column]!] ?? '').trim());
      const input = cell('mobile');
      const fail = (code: string, message: string, params?: Record<string, string | number>) =>
        errors.push({ row: rowNumber, input, code, message, ...(params ? { params } : {}) });
      let mobile: string;
      try {
        mobile = normalizeMobile(input);
      } catch (error) {
        fail('INVALID_NUMBER', error instanceof InvalidNumberError ? error.message : String(error));
        continue;
      }
      const firstRow = seen.get(mobile);
      if (firstRow !== undefined) {
        fail('DUPLICATE_NUMBER', `${input} is already in row ${firstRow} of this file.`, { firstRow });
        continue;
      }
      let scope: BlacklistScope = 'all';
      const scopeText = cell('scope');
      if (list === 'black' && scopeText) {
        const found = SCOPE_WORDS[scopeText.toLowerCase()];
        if (!found) {
          fail('INVALID_SCOPE', `Scope "${scopeText}" is not one of 全部/all, 营销/marketing, 来信/inbound.`, { value: scopeText });
          continue;
        }
        scope = found;
      }
      let source: ListSource = 'import';
      const sourceText = cell('source');
      if (sourceText) {
        const found = SOURCE_WORDS[sourceText.toLowerCase()];
        if (!found) {
          fail('INVALID_SOURCE', `Source "${sourceText}" is not one of manual, opt-out, complaint, import.`, { value: sourceText });
          continue;
        }
        source = found;
      }
      let expiresAt: number | null = null;
      const expiresText = cell('expires').replace(/\//g, '-').slice(0, 10);
      if (expiresText) {
        const normalised = expiresText.replace(/^(\d{4})-(\d{1,2})-(\d{1,2})$/, (_m, y: string, mo: string, d: string) => `${y}-${mo.padStart(2, '0')}-${d.padStart(2, '0')}`);
        const valid = /^\d{4}-\d{2}-\d{2}$/.test(normalised) && !Number.isNaN(Date.parse(`${normalised}T00:00:00Z`));
        if (!valid) {
          fail('INVALID_DATE', `Expiry "${cell('expires')}" is not a date; write it as 2026-12-31.`, { value: cell('expires') });
          continue;
        }
        expiresAt = endOfLocalDate(timeZone, normalised);
        if (expiresAt <= now) {
          fail('EXPIRED', `Expiry ${normalised} has already passed (today is ${localDate(timeZone, now)}).`, { date: normalised, today: localDate(timeZone, now) });
          continue;
        }
      }
      const reason = cell('reason');
      if ([...reason].length > 200) {
        fail('REASON_TOO_LONG', 'The reason is longer than 200 characters.', { max: 200 });
        continue;
      }
      seen.set(mobile, rowNumber);
      rows.push({ mobile, scope, reason, source, expiresAt });
    }
    return { rows, errors, dataRows };
  }

  /** The whole list (expired entries included, marked) as CSV or XLSX. */
  async exportFile(list: ListKind, format: TableFormat): Promise<{ content: Buffer; count: number }> {
    const now = this.clock.now();
    const timeZone = await this.timeZone();
    const rows: ListRow[] = await this.db('number_lists').where('list', list).orderBy('id');
    const table = [EXPORT_HEADER];
    for (const row of rows) {
      const entry = toEntry(row, now);
      table.push([
        entry.mobile,
        entry.scope,
        entry.reason,
        entry.source,
        entry.expiresAt === null ? '' : localDate(timeZone, entry.expiresAt - 1),
        new Date(entry.createdAt).toISOString(),
        entry.createdBy,
      ]);
    }
    return { content: await writeTable(format, list === 'black' ? '黑名单' : '白名单', table), count: rows.length };
  }
}

