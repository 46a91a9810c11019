import ExcelJS from 'exceljs';

/**
 * Report workbooks (exceljs): each sheet a table with a bold, frozen header
 * row and its own number formats. Cells that would start a formula in Excel
 * (= + - @ followed by text) are written as text, because survey answers and
 * labels are typed by customers and staff.
 */
export interface SheetColumn {
  header: string;
  key: string;
  width?: number;
  /** Excel number format: '0.0%', '#,##0', '#,##0.00', 'yyyy-mm-dd hh:mm'. */
  numFmt?: string;
}

export interface Sheet {
  name: string;
  columns: SheetColumn[];
  rows: Array<Record<string, string | number | Date | null | undefined>>;
  /** Lines above the table (a title, the period, the store filter). */
  heading?: string[];
}

const FORMULA_START = /^[=+\-@]/;

function safeCell(value: string | number | Date | null | undefined): string | number | Date | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' && FORMULA_START.test(value) && !/^[+-]?\d/.test(value)) return `'${value}`;
  return value;
}

/** Excel sheet names: at most 31 characters, none of : \ / ? * [ ]. */
export function sheetName(name: string): string {
  return name.replace(/[:\\/?*[\]]/g, ' ').slice(0, 31) || 'Sheet';
}

export async function workbookBuffer(sheets: readonly Sheet[], creator = 'StoreMAS'): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = creator;
  const used = new Set<string>();
  for (const sheet of sheets) {
    let name = sheetName(sheet.name);
    for (let i = 2; used.has(name); i++) name = sheetName(`${sheet.name.slice(0, 27)} (${i})`);
    used.add(name);
    const ws = workbook.addWorksheet(name);
    const heading = sheet.heading ?? [];
    for (const line of heading) {
      const row = ws.addRow([safeCell(line)]);
      row.font = { bold: heading.indexOf(line) === 0, size: heading.indexOf(line) === 0 ? 13 : 11 };
    }
    if (heading.length > 0) ws.addRow([]);
    const headerRow = ws.addRow(sheet.columns.map((c) => c.header));
    headerRow.font = { bold: true };
    headerRow.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFEFF3F8' } };
    sheet.columns.forEach((c, i) => {
      const column = ws.getColumn(i + 1);
      column.width = c.width ?? Math.max(10, Math.min(40, [...c.header].length * 2 + 4));
      if (c.numFmt) column.numFmt = c.numFmt;
    });
    for (const record of sheet.rows) ws.addRow(sheet.columns.map((c) => safeCell(record[c.key])));
    ws.views = [{ state: 'frozen', ySplit: headerRow.number }];
  }
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Content-Disposition for a download: an ASCII name for old clients, the Chinese one for the rest. */
export function attachmentHeader(asciiName: string, name: string): string {
  return `attachment; filename="${asciiName}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
