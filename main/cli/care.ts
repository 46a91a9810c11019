import { InvalidArgumentError, type Command } from 'commander';
import { tryParseIsoDate } from '../care/dates.js';
import { withCore } from './common.js';
import { table, type CliOutput } from './output.js';

function parseDate(value: string): string {
  if (!tryParseIsoDate(value)) throw new InvalidArgumentError('give a date as YYYY-MM-DD, such as 2027-02-06.');
  return value;
}

export function registerCareCommands(program: Command, out: CliOutput): void {
  const care = program.command('care').description('会员关怀: birthday, festival, points, invitation, welcome and win-back automations');

  care
    .command('list')
    .description('the automations: on/off, kind, send time, next send day')
    .option('--json', 'print them as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      await withCore(command, async (core) => {
        const items = await core.services.care.list();
        if (options.json) {
          out.out(JSON.stringify(items, null, 2));
          return;
        }
        for (const line of table([
          ['ID', 'ON', 'KIND', 'NAME', 'SEND', 'NEXT'],
          ...items.map((a) => [String(a.id), a.enabled ? 'on' : 'off', a.kind, a.name, `${a.sendTime}${a.leadDays > 0 ? ` -${a.leadDays}d` : ''}`, a.next?.sendDay ?? '-']),
        ])) out.out(line);
      });
    });

  care
    .command('preview')
    .description('what the switched-on automations would send on a date (automation, member id, mobile, occasion), without sending')
    .requiredOption('--date <YYYY-MM-DD>', 'the send day to evaluate', parseDate)
    .option('--json', 'print one JSON document: per automation its count, and every member')
    .action(async (options: { date: string; json?: boolean }, command: Command) => {
      await withCore(command, async (core) => {
        const rows: Array<{ automationId: number; name: string; kind: string; memberId: number; mobile: string; occasionDate: string }> = [];
        for await (const row of core.services.care.previewAll(options.date)) rows.push(row);
        const counts = new Map<number, { automationId: number; name: string; kind: string; count: number }>();
        for (const row of rows) {
          const entry = counts.get(row.automationId) ?? { automationId: row.automationId, name: row.name, kind: row.kind, count: 0 };
          entry.count += 1;
          counts.set(row.automationId, entry);
        }
        if (options.json) {
          out.out(JSON.stringify({ date: options.date, total: rows.length, automations: [...counts.values()], members: rows }, null, 2));
          return;
        }
        if (rows.length === 0) {
          out.out(`Nothing to send on ${options.date} (no switched-on automation has an occasion that day, or everyone already has it).`);
          return;
        }
        out.out(`${options.date}: ${[...counts.values()].map((c) => `${c.count} × ${c.name}`).join(', ')} (nothing is sent by this command)`);
        for (const line of table([
          ['AUTOMATION', 'KIND', 'MEMBER', 'MOBILE', 'OCCASION'],
          ...rows.map((r) => [`${r.automationId} ${r.name}`, r.kind, String(r.memberId), r.mobile, r.occasionDate]),
        ])) out.out(line);
      });
    });
}
