import type ExcelJS from 'exceljs';

/**
 * exceljs, loaded on the first spreadsheet read or written: it takes most of a
 * second to load, which every `storemas` command and every start would pay otherwise.
 */
export async function loadExcel(): Promise<typeof ExcelJS> {
  return (await import('exceljs')).default;
}
