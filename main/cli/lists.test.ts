import fs from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../tests/support/appliance.js';
import { runStoremas } from '../../tests/support/cli.js';

/** `storemas lists import|export` as a person runs them: a real process on a real data directory. */
// Each command is a real process that opens the whole core: slow on a shared 2-core machine.
describe('storemas lists', { timeout: 120_000 }, () => {
  let dir: string;
  let remove: () => void;
  beforeAll(() => {
    ({ dir, remove } = tempDir());
  });
  afterAll(() => remove());

  const file = (name: string, text: string) => {
    const target = path.join(dir, name);
    fs.writeFileSync(target, text);
    return target;
  };
  const run = (args: string[]) => runStoremas([...args, '--data-dir', path.join(dir, 'data')]);

  it('all-or-nothing refuses a file with bad rows, naming them, and imports nothing', () => {
    const bad = file('bad.csv', '号码,原因\n13800138000,投诉\n12345,坏号\n');
    const result = run(['lists', 'import', bad, '--list', 'black', '--mode', 'all-or-nothing']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('row 3: 12345:');
    expect(result.stderr).toContain('[IMPORT_REJECTED]');
    const exported = path.join(dir, 'empty.csv');
    expect(run(['lists', 'export', '--list', 'black', '--out', exported]).stdout).toContain('Wrote 0 entries');
  });

  it('keep-good imports the good rows; export writes them to CSV and XLSX', async () => {
    const bad = path.join(dir, 'bad.csv');
    const result = run(['lists', 'import', bad, '--list', 'black']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('2 rows, 1 good, 1 bad; added 1, updated 0');
    const csv = path.join(dir, 'black.csv');
    expect(run(['lists', 'export', '--list', 'black', '--out', csv]).stdout).toContain('Wrote 1 entries');
    expect(fs.readFileSync(csv, 'utf8')).toContain('+8613800138000,all,投诉,import');
    const xlsx = path.join(dir, 'black.xlsx');
    run(['lists', 'export', '--list', 'black', '--out', xlsx]);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(xlsx);
    expect(workbook.worksheets[0]!.getCell('A2').value).toBe('+8613800138000');
  });

  it('refuses unknown list names, formats and missing files with one clear line', () => {
    expect(run(['lists', 'import', 'x.csv', '--list', 'grey']).stderr).toContain('use black or white');
    const pdf = run(['lists', 'export', '--list', 'white', '--out', path.join(dir, 'x.pdf')]);
    expect(pdf.status).toBe(1);
    expect(pdf.stderr).toMatch(/^storemas: .*\[FILE_FORMAT\]$/m);
    expect(run(['lists', 'import', path.join(dir, 'missing.csv'), '--list', 'white']).stderr).toContain('[FILE_NOT_FOUND]');
  });
});
