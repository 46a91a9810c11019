import type { Writable } from 'node:stream';
import type ExcelJS from 'exceljs';
import { loadExcel } from '../files/excel.js';
import type { MemberSummary } from '../api/schemas/members.js';
import { EXPORT_ONLY_HEADERS, IMPORT_COLUMNS, genderLabel } from './columns.js';
import type { MemberFilter } from './filter.js';
import { decryptIdNumber } from './id-number.js';
import type { MemberRow, Members } from './members.js';
import type { SecretBox } from '../crypto/secret-box.js';

export type ExportFormat = 'xlsx' | 'csv';

export interface ExportOptions {
  filter: MemberFilter;
  format: ExportFormat;
  /** Full ID numbers (admins only); otherwise the column holds the masked form. */
  includeIdNumbers: boolean;
}

const CHUNK = 2000;

const yuan = (cents: number | null) => (cents === null ? '' : (cents / 100).toFixed(2));

function localDateOf(ms: number | null): string {
  if (ms === null) return '';
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export function exportHeader(): string[] {
  return [EXPORT_ONLY_HEADERS.id, ...IMPORT_COLUMNS.map((c) => c.header), EXPORT_ONLY_HEADERS.source, EXPORT_ONLY_HEADERS.age, EXPORT_ONLY_HEADERS.totalSpent, EXPORT_ONLY_HEADERS.lastPurchaseAt, EXPORT_ONLY_HEADERS.lastPurchaseAmount];
}

function exportCells(member: MemberSummary, row: MemberRow, idNumber: string): Array<string | number> {
  const byKey: Record<(typeof IMPORT_COLUMNS)[number]['key'], string | number> = {
    name: member.name,
    mobile: member.mobile ?? '',
    cardNo: member.cardNo ?? '',
    gender: genderLabel(member.gender),
    birthday: member.birthday ?? '',
    birthdayLunar: member.birthdayLunar ? '是' : '否',
    idNumber,
    storeCode: member.storeCode ?? '',
    points: member.points,
    tags: member.tags.join(','),
    marketingConsent: member.marketingConsent ? '是' : '否',
    notes: row.notes,
  };
  return [
    member.id,
    ...IMPORT_COLUMNS.map((c) => byKey[c.key]),
    member.source,
    member.age ?? '',
    yuan(member.totalSpentCents),
    localDateOf(member.lastPurchaseAt),
    yuan(member.lastPurchaseCents),
  ];
}

function csvField(value: string | number): string {
  const text = String(value);
  // A leading = + - @ would run as a formula in Excel: quote it as text.
  const safe = /^[=+\-@]/.test(text) && !/^[+-]?\d/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * Streams the matching members to `out` in id order, CHUNK rows at a time
 * (keyset paging), so memory stays flat however many members match.
 * Returns the number of members written.
 */
export async function exportMembers(members: Members, secrets: SecretBox, options: ExportOptions, out: Writable): Promise<number> {
  const header = exportHeader();
  const write = (text: string) =>
    new Promise<void>((resolve, reject) => {
      if (out.write(text)) resolve();
      else {
        out.once('drain', resolve);
        out.once('error', reject);
      }
    });
  let workbook: ExcelJS.stream.xlsx.WorkbookWriter | undefined;
  let sheet: ExcelJS.Worksheet | undefined;
  if (options.format === 'xlsx') {
    workbook = new (await loadExcel()).stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
    sheet = workbook.addWorksheet('会员');
    const headerRow = sheet.addRow(header);
    headerRow.font = { bold: true };
    headerRow.commit();
  } else {
    // The BOM makes Excel open UTF-8 Chinese text correctly.
    await write('\uFEFF' + header.map(csvField).join(',') + '\r\n');
  }

  let written = 0;
  let lastId = 0;
  for (;;) {
    const rows = (await members
      .filtered(options.filter)
      .select('members.*')
      .where('members.id', '>', lastId)
      .orderBy('members.id', 'asc')
      .limit(CHUNK)) as MemberRow[];
    if (rows.length === 0) break;
    lastId = rows[rows.length - 1]!.id;
    const summaries = await members.summaries(rows);
    let csv = '';
    summaries.forEach((member, i) => {
      const row = rows[i]!;
      const idNumber = options.includeIdNumbers && row.id_number_enc ? decryptIdNumber(secrets, row.id_number_enc) : (member.idNumberMasked ?? '');
      const cells = exportCells(member, row, idNumber);
      if (sheet) sheet.addRow(cells).commit();
      else csv += cells.map(csvField).join(',') + '\r\n';
    });
    if (!sheet) await write(csv);
    written += rows.length;
    if (rows.length < CHUNK) break;
  }
  if (workbook && sheet) {
    sheet.commit();
    await workbook.commit();
  } else {
    out.end();
  }
  return written;
}
