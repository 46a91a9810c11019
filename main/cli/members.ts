import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { CLI_ACTOR } from '../auth/audit.js';
import { AppError, ValidationError } from '../errors.js';
import { exportMembers, type ExportFormat } from '../members/export.js';
import { importMembers, type ImportMode } from '../members/import.js';
import { filterFromFlatQuery, type FlatMemberQuery } from '../members/query.js';
import { withCore } from './common.js';
import type { CliOutput } from './output.js';

const integer = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('must be a whole number.');
  return n;
};
const yuanToCents = (value: string) => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be an amount in yuan, e.g. 100 or 99.50.');
  return Math.round(n * 100);
};
const dateToMs = (value: string) => {
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00` : value);
  if (Number.isNaN(ms)) throw new InvalidArgumentError('must be a date such as 2026-01-31.');
  return ms;
};


interface ExportOptions {
  out: string;
  format?: ExportFormat;
  withIdNumbers?: boolean;
  keyword?: string;
  name?: string;
  nameContains?: string;
  mobile?: string;
  card?: string;
  store?: string;
  gender?: string;
  source?: string;
  ageMin?: number;
  ageMax?: number;
  birthdayFrom?: string;
  birthdayTo?: string;
  pointsMin?: number;
  pointsMax?: number;
  spentMin?: number;
  spentMax?: number;
  boughtFrom?: number;
  boughtTo?: number;
  tags?: string;
  allTags?: boolean;
  consent?: boolean;
}

function flatQuery(o: ExportOptions): FlatMemberQuery {
  if (o.name && o.nameContains) throw new ValidationError('Use either --name (prefix) or --name-contains, not both.');
  return {
    keyword: o.keyword,
    name: o.nameContains ?? o.name,
    nameMatch: o.nameContains ? 'contains' : 'prefix',
    mobile: o.mobile,
    cardNo: o.card,
    store: o.store,
    gender: o.gender,
    source: o.source,
    ageMin: o.ageMin,
    ageMax: o.ageMax,
    birthdayFrom: o.birthdayFrom,
    birthdayTo: o.birthdayTo,
    pointsMin: o.pointsMin,
    pointsMax: o.pointsMax,
    spentMinCents: o.spentMin,
    spentMaxCents: o.spentMax,
    lastPurchaseFrom: o.boughtFrom,
    lastPurchaseTo: o.boughtTo,
    tags: o.tags,
    tagMatch: o.allTags ? 'all' : 'any',
    consent: o.consent,
  };
}

export function registerMembersCommands(program: Command, out: CliOutput): void {
  const members = program.command('members').description('import and export members (会员)');

  members
    .command('import <file>')
    .description('import members from an .xlsx or .csv file (first row: column names such as 姓名, 手机号, 生日)')
    .option('-m, --mode <mode>', 'all-or-nothing: any bad row and nothing is imported; keep-good: import the good rows', 'all-or-nothing')
    .option('--dry-run', 'check the file and report, change nothing')
    .action(async (file: string, options: { mode: string; dryRun?: boolean }, command: Command) => {
      if (options.mode !== 'all-or-nothing' && options.mode !== 'keep-good') {
        throw new ValidationError(`--mode must be all-or-nothing or keep-good (got "${options.mode}").`);
      }
      let content: Buffer;
      try {
        content = fs.readFileSync(file);
      } catch (error) {
        throw new AppError('IMPORT_FILE_MISSING', `Cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}); check the path.`, 400);
      }
      await withCore(command, async (core) => {
        const result = await importMembers(core.services.members, core.services.audit, CLI_ACTOR, { fileName: path.basename(file), content }, {
          mode: options.mode as ImportMode,
          dryRun: options.dryRun,
        });
        for (const e of result.errors) out.err(`row ${e.row}, ${e.column}${e.value ? ` "${e.value}"` : ''}: ${e.message}`);
        if (result.errorsTruncated) out.err('… more errors not shown; fix these and run again.');
        out.out(
          `${result.rowsRead} rows read, ${result.rowsValid} good, ${result.rejected} bad; ` +
            (result.committed ? `${result.imported} members imported.` : options.dryRun ? 'dry run: nothing imported.' : 'nothing imported.'),
        );
        if (!result.committed && !options.dryRun && result.rejected > 0) {
          throw new AppError(
            'IMPORT_REJECTED',
            'Nothing was imported because some rows are bad (all-or-nothing). Fix the rows listed above, or run with --mode keep-good.',
            400,
          );
        }
      });
    });

  members
    .command('export')
    .description('export members to .xlsx or .csv (all members, or those matching the filters)')
    .requiredOption('-o, --out <file>', 'file to write')
    .option('-f, --format <format>', 'xlsx or csv (default: from the file name)', (v) => {
      if (v !== 'xlsx' && v !== 'csv') throw new InvalidArgumentError('use xlsx or csv.');
      return v;
    })
    .option('--with-id-numbers', 'write full ID numbers (otherwise masked as ****…1234)')
    .option('--keyword <text>', 'name prefix, or exact mobile or card number')
    .option('--name <prefix>', 'name starts with')
    .option('--name-contains <text>', 'name contains')
    .option('--mobile <number>', 'exact mobile number')
    .option('--card <number>', 'exact card number')
    .option('--store <codes>', 'home store codes, comma-separated')
    .option('--gender <codes>', 'M, F, U, comma-separated')
    .option('--source <sources>', 'pos, manual, import, comma-separated')
    .option('--age-min <years>', 'minimum age', integer)
    .option('--age-max <years>', 'maximum age', integer)
    .option('--birthday-from <MM-DD>', 'birthday from (with --birthday-to; may wrap the year end)')
    .option('--birthday-to <MM-DD>', 'birthday to')
    .option('--points-min <n>', 'minimum points', integer)
    .option('--points-max <n>', 'maximum points', integer)
    .option('--spent-min <yuan>', 'minimum total spent, yuan', yuanToCents)
    .option('--spent-max <yuan>', 'maximum total spent, yuan', yuanToCents)
    .option('--bought-from <date>', 'last purchase on or after (YYYY-MM-DD)', dateToMs)
    .option('--bought-to <date>', 'last purchase on or before (YYYY-MM-DD)', dateToMs)
    .option('--tags <tags>', 'tags, comma-separated (any of them)')
    .option('--all-tags', 'members must have all the --tags')
    .option('--consent', 'only members who accept marketing SMS')
    .option('--no-consent', 'only members who do not')
    .action(async (options: ExportOptions, command: Command) => {
      const format: ExportFormat = options.format ?? (options.out.toLowerCase().endsWith('.csv') ? 'csv' : 'xlsx');
      const filter = filterFromFlatQuery(flatQuery(options));
      await withCore(command, async (core) => {
        const list = core.services.members;
        const stream = fs.createWriteStream(options.out);
        const closed = new Promise<void>((resolve, reject) => {
          stream.on('close', resolve);
          stream.on('error', (error) =>
            reject(new AppError('EXPORT_FILE_UNWRITABLE', `Cannot write ${options.out} (${(error as NodeJS.ErrnoException).code ?? error.message}).`, 400)),
          );
        });
        const count = await exportMembers(list, core.services.secrets, { filter, format, includeIdNumbers: options.withIdNumbers === true }, stream);
        await closed;
        await core.services.audit.record(CLI_ACTOR, 'members.export', 'members', {
          format,
          filter,
          members: count,
          idNumbers: options.withIdNumbers ? 'full' : 'masked',
          file: path.resolve(options.out),
        });
        out.out(`${count} members written to ${options.out}.`);
      });
    });
}
