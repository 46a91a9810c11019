import ExcelJS from 'exceljs';
import { AppError } from '../../errors.js';

/**
 * Reading and writing the spreadsheets people exchange lists in: CSV (UTF-8,
 * with or without BOM; GBK files from old Excel are refused with advice) and XLSX.
 */
export type TableFormat = 'csv' | 'xlsx';

export class FileFormatError extends AppError {
  constructor(message: string) {
    super('FILE_FORMAT', message, 400);
  }
}

export function formatOf(fileName: string): TableFormat {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.xlsx')) return 'xlsx';
  if (lower.endsWith('.csv') || lower.endsWith('.txt')) return 'csv';
  throw new FileFormatError(`"${fileName}" is neither .csv nor .xlsx. Save the list as CSV (UTF-8) or Excel .xlsx and try again.`);
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and line breaks. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
      continue;
    }
    if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** CSV with a BOM so Excel on a Chinese Windows opens it as UTF-8. */
export function toCsv(rows: string[][]): Buffer {
  return Buffer.from(`\uFEFF${rows.map((r) => r.map(csvField).join(',')).join('\r\n')}\r\n`, 'utf8');
}

function decodeCsv(content: Buffer): string {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(content);
  if (text.includes('\uFFFD')) {
    throw new FileFormatError('The CSV file is not UTF-8 (probably GBK from Excel). In Excel choose "CSV UTF-8" when saving, or upload the .xlsx file.');
  }
  return text.replace(/^\uFEFF/, '');
}

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'object') {
    if ('text' in value && typeof value.text === 'string') return value.text;
    if ('result' in value) return cellText(value.result as ExcelJS.CellValue);
    if ('richText' in value) return value.richText.map((r) => r.text).join('');
    return '';
  }
  return String(value);
}

/** The first worksheet (or the CSV) as rows of trimmed text cells. */
export async function readTable(fileName: string, content: Buffer): Promise<string[][]> {
  const format = formatOf(fileName);
  if (format === 'csv') return parseCsv(decodeCsv(content)).map((r) => r.map((c) => c.trim()));
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(content as unknown as ArrayBuffer);
  } catch {
    throw new FileFormatError(`"${fileName}" could not be read as an Excel .xlsx file. Open it in Excel, save it as .xlsx and try again.`);
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) return [];
  const rows: string[][] = [];
  sheet.eachRow({ includeEmpty: true }, (row, rowNumber) => {
    const cells: string[] = [];
    for (let c = 1; c <= row.cellCount; c++) cells.push(cellText(row.getCell(c).value).trim());
    rows[rowNumber - 1] = cells;
  });
  for (let i = 0; i < rows.length; i++) rows[i] ??= [];
  return rows;
}

export async function writeTable(format: TableFormat, sheetName: string, rows: string[][]): Promise<Buffer> {
  if (format === 'csv') return toCsv(rows);
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet(sheetName);
  for (const row of rows) sheet.addRow(row);
  // Numbers as text: Excel would otherwise turn +8613800138000 into 8.61E+12.
  sheet.getColumn(1).numFmt = '@';
  sheet.getColumn(1).width = 18;
  sheet.getRow(1).font = { bold: true };
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
