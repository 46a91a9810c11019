import { loadExcel } from '../../files/excel.js';
import { AppError } from '../../errors.js';
import { readTableFile } from '../../members/table-file.js';

/**
 * Writing the spreadsheets people exchange lists in (reading is the members'
 * readTableFile): CSV with a BOM, or XLSX.
 */
export type TableFormat = 'csv' | 'xlsx';

export class FileFormatError extends AppError {
  constructor(message: string) {
    super('FILE_FORMAT', message, 400);
  }
}

/** The format an export file name asks for. */
export function formatOf(fileName: string): TableFormat {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.xlsx')) return 'xlsx';
  if (lower.endsWith('.csv')) return 'csv';
  throw new FileFormatError(`"${fileName}" ends neither in .csv nor in .xlsx. Name the file list.csv or list.xlsx.`);
}

/**
 * A CSV/XLSX upload as rows of text cells, index = spreadsheet row - 1 (the
 * header, when there is one, at 0; blank rows empty). Reads with the members'
 * readTableFile, so every upload takes the same formats and encodings.
 */
export async function readTable(fileName: string, content: Buffer): Promise<string[][]> {
  const file = await readTableFile(fileName, content);
  const rows: string[][] = [file.header];
  for (const row of file.rows) rows[row.rowNumber - 1] = row.cells;
  for (let i = 0; i < rows.length; i++) rows[i] ??= [];
  return rows;
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** CSV with a BOM so Excel on a Chinese Windows opens it as UTF-8. */
export function toCsv(rows: string[][]): Buffer {
  return Buffer.from(`\uFEFF${rows.map((r) => r.map(csvField).join(',')).join('\r\n')}\r\n`, 'utf8');
}

export async function writeTable(format: TableFormat, sheetName: string, rows: string[][]): Promise<Buffer> {
  if (format === 'csv') return toCsv(rows);
  const workbook = new (await loadExcel()).Workbook();
  const sheet = workbook.addWorksheet(sheetName);
  for (const row of rows) sheet.addRow(row);
  // Numbers as text: Excel would otherwise turn +8613800138000 into 8.61E+12.
  sheet.getColumn(1).numFmt = '@';
  sheet.getColumn(1).width = 18;
  sheet.getRow(1).font = { bold: true };
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
