import type { ImportResult, ImportRowError } from '../api/schemas/members.js';
import type { AuditActor, AuditLog } from '../auth/audit.js';
import { columnForHeader, IMPORT_COLUMNS, parseDateText, parseGender, parseYesNo, type ImportColumnKey } from './columns.js';
import type { Members } from './members.js';
import { checkProfile, type CheckedProfile, type ProfileInput } from './profile.js';
import { ImportFileError, readTableFile, type TableFile } from './table-file.js';

export type ImportMode = 'all-or-nothing' | 'keep-good';

/** How many row errors a report carries; the count of rejected rows is always exact. */
export const MAX_REPORTED_ERRORS = 1000;

interface ValidRow {
  rowNumber: number;
  values: CheckedProfile;
}

/**
 * Checks every row of a member file and names each problem by row, column and
 * what to do. Pure apart from the look-ups of existing mobiles and cards.
 */
export async function validateImport(members: Members, table: TableFile): Promise<{ valid: ValidRow[]; errors: ImportRowError[]; rejectedRows: number }> {
  const columnIndex = new Map<ImportColumnKey, number>();
  table.header.forEach((header, index) => {
    const column = columnForHeader(header);
    if (column && !columnIndex.has(column.key)) columnIndex.set(column.key, index);
  });
  if (!columnIndex.has('name')) {
    throw new ImportFileError(
      'IMPORT_NO_NAME_COLUMN',
      `The first row must name the columns, with at least “姓名”. Found: ${table.header.filter(Boolean).join(', ') || 'nothing'}. ` +
        `Known columns: ${IMPORT_COLUMNS.map((c) => c.header).join(', ')}.`,
    );
  }
  if (table.rows.length === 0) throw new ImportFileError('IMPORT_FILE_EMPTY', 'The file has a header row but no members under it.');

  const headerOf = (key: ImportColumnKey) => table.header[columnIndex.get(key)!] ?? key;
  const today = members.today();
  const errors: ImportRowError[] = [];
  const candidates: ValidRow[] = [];
  const badRows = new Set<number>();
  const fail = (rowNumber: number, key: ImportColumnKey, value: string, code: string, message: string, params?: Record<string, string | number>) => {
    badRows.add(rowNumber);
    errors.push({ row: rowNumber, column: headerOf(key), value: value.slice(0, 100), code, message, ...(params ? { params } : {}) });
  };

  for (const row of table.rows) {
    const cell = (key: ImportColumnKey): string | undefined => {
      const index = columnIndex.get(key);
      return index === undefined ? undefined : (row.cells[index] ?? '').trim();
    };
    const input: ProfileInput = {};
    const raw: Partial<Record<ImportColumnKey, string>> = {};
    for (const key of columnIndex.keys()) raw[key] = cell(key) ?? '';
    input.name = raw.name ?? '';
    if (raw.mobile !== undefined) input.mobile = raw.mobile;
    if (raw.cardNo !== undefined) input.cardNo = raw.cardNo;
    if (raw.storeCode !== undefined) input.storeCode = raw.storeCode;
    if (raw.idNumber !== undefined) input.idNumber = raw.idNumber;
    if (raw.notes !== undefined) input.notes = raw.notes;
    if (raw.tags !== undefined) input.tags = raw.tags.split(/[,，、;；]/);
    if (raw.gender !== undefined) {
      const gender = parseGender(raw.gender);
      if (gender) input.gender = gender;
      else fail(row.rowNumber, 'gender', raw.gender, 'GENDER_INVALID', 'The gender is not understood: write 男, 女 or leave it empty.');
    }
    if (raw.birthday !== undefined && raw.birthday !== '') {
      const date = parseDateText(raw.birthday);
      if (date) input.birthday = date;
      else fail(row.rowNumber, 'birthday', raw.birthday, 'BIRTHDAY_INVALID', 'The birthday is not a date: write it as YYYY-MM-DD, e.g. 1985-03-21.');
    }
    for (const key of ['birthdayLunar', 'marketingConsent'] as const) {
      const text = raw[key];
      if (text === undefined || text === '') continue;
      const yes = parseYesNo(text);
      if (yes === undefined) fail(row.rowNumber, key, text, 'YES_NO_INVALID', 'Write 是 or 否 (yes or no).');
      else input[key] = yes;
    }
    if (raw.points !== undefined && raw.points !== '') {
      const points = Number(raw.points.replace(/,/g, ''));
      if (Number.isInteger(points) && points >= 0) input.points = points;
      else fail(row.rowNumber, 'points', raw.points, 'POINTS_INVALID', 'Points must be a whole number of 0 or more.');
    }
    const { values, problems } = checkProfile(input, today);
    for (const problem of problems) fail(row.rowNumber, problem.field as ImportColumnKey, raw[problem.field as ImportColumnKey] ?? '', problem.code, problem.message);
    if (!badRows.has(row.rowNumber)) candidates.push({ rowNumber: row.rowNumber, values });
  }

  // Duplicates within the file: the second row with a number is the bad one.
  const valid: ValidRow[] = [];
  const seen = { mobile: new Map<string, number>(), cardNo: new Map<string, number>() };
  for (const candidate of candidates) {
    let ok = true;
    for (const key of ['mobile', 'cardNo'] as const) {
      const value = candidate.values[key];
      if (!value) continue;
      const first = seen[key].get(value);
      if (first !== undefined) {
        ok = false;
        fail(candidate.rowNumber, key, value, 'DUPLICATE_IN_FILE', `Row ${first} has the same ${key === 'mobile' ? 'mobile number' : 'card number'}; keep one of the two rows.`, {
          row: first,
        });
      } else seen[key].set(value, candidate.rowNumber);
    }
    if (ok) valid.push(candidate);
  }

  // Clashes with members already in StoreMAS, looked up in batches.
  const clashing = new Set<number>();
  for (let start = 0; start < valid.length; start += 500) {
    const chunk = valid.slice(start, start + 500);
    for (const [key, column] of [
      ['mobile', 'mobile'],
      ['cardNo', 'card_no'],
    ] as const) {
      const values = chunk.map((r) => r.values[key]).filter((v): v is string => Boolean(v));
      if (values.length === 0) continue;
      const existing = await members.existingByColumn(column, values);
      for (const row of chunk) {
        const value = row.values[key];
        const other = value ? existing.get(value) : undefined;
        if (!other) continue;
        clashing.add(row.rowNumber);
        fail(
          row.rowNumber,
          key,
          value!,
          'ALREADY_EXISTS',
          `Already belongs to member #${other.id} (${other.name}); remove this row or correct the ${key === 'mobile' ? 'mobile number' : 'card number'}.`,
          { id: other.id, name: other.name },
        );
      }
    }
    const storeProblems = await members.unknownStoreCodes(chunk.map((r) => r.values.storeCode).filter((v): v is string => Boolean(v)));
    for (const row of chunk) {
      const code = row.values.storeCode;
      if (code && storeProblems.has(code)) {
        clashing.add(row.rowNumber);
        fail(row.rowNumber, 'storeCode', code, 'STORE_UNKNOWN', storeProblems.get(code)!);
      }
    }
  }
  // In reading order: by row, then left to right.
  const columnOrder = (name: string) => table.header.indexOf(name);
  errors.sort((a, b) => a.row - b.row || columnOrder(a.column) - columnOrder(b.column));
  return { valid: valid.filter((r) => !clashing.has(r.rowNumber)), errors, rejectedRows: badRows.size };
}

/**
 * Imports members from an XLSX or CSV file. all-or-nothing: any bad row and
 * nothing is imported; keep-good: good rows are imported, bad ones reported.
 * The good rows go in in one transaction with their audit entry.
 */
export async function importMembers(
  members: Members,
  audit: AuditLog,
  actor: AuditActor,
  file: { fileName: string; content: Buffer },
  options: { mode: ImportMode; dryRun?: boolean | undefined },
): Promise<ImportResult> {
  const table = await readTableFile(file.fileName, file.content);
  const { valid, errors, rejectedRows } = await validateImport(members, table);
  const blocked = options.mode === 'all-or-nothing' && rejectedRows > 0;
  const commit = !options.dryRun && !blocked && valid.length > 0;
  if (commit) {
    await members.transaction(async (trx) => {
      for (const row of valid) await members.insertChecked(trx, 'import', row.values, actor.username);
      await audit.record(
        actor,
        'members.import',
        file.fileName,
        { mode: options.mode, imported: valid.length, rejected: rejectedRows, rowsRead: table.rows.length },
        trx,
      );
    });
    members.statisticsStale();
  }
  return {
    rowsRead: table.rows.length,
    rowsValid: valid.length,
    imported: commit ? valid.length : 0,
    rejected: rejectedRows,
    committed: commit,
    errors: errors.slice(0, MAX_REPORTED_ERRORS),
    errorsTruncated: errors.length > MAX_REPORTED_ERRORS,
  };
}
