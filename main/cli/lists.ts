import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { CLI_ACTOR } from '../auth/audit.js';
import { AppError } from '../errors.js';
import type { ImportMode, ListKind } from '../messaging/lists/lists.js';
import { fileFormat } from '../members/table-file.js';
import { formatOf } from '../messaging/lists/tabular.js';
import { withCore } from './common.js';
import type { CliOutput } from './output.js';

function parseList(value: string): ListKind {
  if (value !== 'black' && value !== 'white') throw new InvalidArgumentError('use black or white.');
  return value;
}

function parseMode(value: string): ImportMode {
  if (value !== 'keep-good' && value !== 'all-or-nothing') throw new InvalidArgumentError('use keep-good or all-or-nothing.');
  return value;
}

const listName = (list: ListKind) => (list === 'black' ? 'blacklist (黑名单)' : 'whitelist (白名单)');

export function registerListsCommands(program: Command, out: CliOutput): void {
  const lists = program.command('lists').description('black- and whitelists of numbers (黑白名单)');

  lists
    .command('import <file>')
    .description('import numbers from a .csv or .xlsx file; bad rows are listed with their row numbers')
    .requiredOption('-l, --list <list>', 'black or white', parseList)
    .option('-m, --mode <mode>', 'keep-good: import the good rows; all-or-nothing: any bad row imports nothing', parseMode, 'keep-good')
    .option('--dry-run', 'only check the file')
    .action(async (file: string, options: { list: ListKind; mode: ImportMode; dryRun?: boolean }, command: Command) => {
      fileFormat(file);
      let content: Buffer;
      try {
        content = fs.readFileSync(file);
      } catch {
        throw new AppError('FILE_NOT_FOUND', `Cannot read "${file}". Check the path and that the file is not open elsewhere.`, 400);
      }
      await withCore(command, async (core) => {
        const report = await core.services.lists.importFile(CLI_ACTOR, options.list, { name: path.basename(file), content }, {
          mode: options.mode,
          dryRun: options.dryRun === true,
        });
        for (const error of report.errors) out.err(`row ${error.row}: ${error.input || '(empty)'}: ${error.message} [${error.code}]`);
        const summary = `${report.rows} rows, ${report.good} good, ${report.errors.length} bad`;
        if (report.dryRun) {
          out.out(`Checked ${file}: ${summary}; would add ${report.added} and update ${report.updated}. Nothing was written.`);
        } else if (report.committed) {
          out.out(`Imported into the ${listName(options.list)}: ${summary}; added ${report.added}, updated ${report.updated}.`);
        } else if (report.good === 0 && report.errors.length === 0) {
          out.out(`${file} has no numbers; nothing was imported.`);
        } else {
          throw new AppError(
            'IMPORT_REJECTED',
            `${summary}: nothing was imported (all-or-nothing). Fix the rows above, or use --mode keep-good.`,
            400,
          );
        }
      });
    });

  lists
    .command('export')
    .description('write a whole list to a .csv or .xlsx file (the extension decides)')
    .requiredOption('-l, --list <list>', 'black or white', parseList)
    .requiredOption('-o, --out <file>', 'where to write, e.g. blacklist.xlsx')
    .action(async (options: { list: ListKind; out: string }, command: Command) => {
      const format = formatOf(options.out);
      await withCore(command, async (core) => {
        const { content, count } = await core.services.lists.exportFile(options.list, format);
        try {
          fs.writeFileSync(options.out, content);
        } catch {
          throw new AppError('FILE_NOT_WRITABLE', `Cannot write "${options.out}". Check the folder exists and you may write there.`, 400);
        }
        out.out(`Wrote ${count} entries of the ${listName(options.list)} to ${options.out}.`);
      });
    });
}
