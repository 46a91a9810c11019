import type ExcelJS from 'exceljs';
import { loadExcel } from '../files/excel.js';
import { AppError } from '../errors.js';

/**
 * Reading a spreadsheet (XLSX or CSV) into rows of text cells, with the row
 * numbers a person sees in Excel. CSV files saved by Chinese Excel are often
 * GBK rather than UTF-8; both are read.
 */
export interface TableRow {
  /** Row number in the file; the header is row 1. */
  rowNumber: number;
  cells: string[];
}

export interface TableFile {
  header: string[];
  rows: TableRow[];
}

export class ImportFileError extends AppError {
  constructor(code: string, message: string) {
    super(code, message, 400);
  }
}

export const MAX_IMPORT_ROWS = 200_000;

export function fileFormat(fileName: string): 'xlsx' | 'csv' {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.xlsx')) return 'xlsx';
  if (lower.endsWith('.csv') || lower.endsWith('.txt')) return 'csv';
  throw new ImportFileError(
    'IMPORT_FORMAT_UNSUPPORTED',
    `"${fileName}" is neither an .xlsx nor a .csv file. Save it from Excel as “Excel 工作簿 (.xlsx)” or “CSV” and try again.`,
  );
}

export async function readTableFile(fileName: string, content: Buffer): Promise<TableFile> {
  const table = fileFormat(fileName) === 'xlsx' ? await readXlsx(content) : readCsv(decodeText(content));
  if (table.rows.length > MAX_IMPORT_ROWS) {
    throw new ImportFileError(
      'IMPORT_TOO_LARGE',
      `The file has ${table.rows.length} rows; at most ${MAX_IMPORT_ROWS} can be imported at once. Split it into smaller files.`,
    );
  }
  return table;
}

function decodeText(content: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(content).replace(/^\uFEFF/, '');
  } catch {
    return new TextDecoder('gbk').decode(content);
  }
}

/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF. */
export function readCsv(text: string): TableFile {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  const [header = [], ...rest] = records;
  return {
    header: header.map((h) => h.trim()),
    rows: rest.map((cells, index) => ({ rowNumber: index + 2, cells })).filter((r) => r.cells.some((c) => c.trim() !== '')),
  };
}

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) {
    // Excel dates arrive as UTC midnight of the calendar day.
    return value.toISOString().slice(0, 10);
  }
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(value);
  if (typeof value === 'boolean') return value ? '是' : '否';
  if (typeof value === 'string') return value;
  if ('richText' in value) return value.richText.map((r) => r.text).join('');
  if ('text' in value && typeof value.text === 'string') return value.text;
  if ('result' in value) return cellText(value.result as ExcelJS.CellValue);
  if ('error' in value) return '';
  return String(value as unknown);
}

async function readXlsx(content: Buffer): Promise<TableFile> {
  const workbook = new (await loadExcel()).Workbook();
  try {
    await workbook.xlsx.load(content as unknown as ArrayBuffer);
  } catch {
    throw new ImportFileError('IMPORT_FILE_UNREADABLE', 'The file cannot be read as an Excel workbook. Open it in Excel, save it as .xlsx and try again.');
  }
  const sheet = workbook.worksheets[0];
  if (!sheet) throw new ImportFileError('IMPORT_FILE_EMPTY', 'The workbook has no worksheet. Put the members on the first sheet.');
  let header: string[] = [];
  const rows: TableRow[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const cells: string[] = [];
    for (let c = 1; c <= Math.max(row.cellCount, header.length); c++) cells.push(cellText(row.getCell(c).value).trim());
    if (header.length === 0) header = cells;
    else if (cells.some((c) => c !== '')) rows.push({ rowNumber, cells });
  });
  return { header, rows };
}
