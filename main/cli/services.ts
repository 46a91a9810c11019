import type { Command } from 'commander';
import { withCore } from './common.js';
import type { CliOutput } from './output.js';

/**
 * `storemas services ask`: what the SMS services would answer a text, read
 * from this data directory's mirror — nothing is sent, logged or decided (for
 * support staff checking a complaint, and for tests).
 */
export function registerServicesCommands(program: Command, out: CliOutput): void {
  const services = program.command('services').description('SMS services (短信服务): keyword answers to customers and staff');

  services
    .command('ask')
    .description('print the reply StoreMAS would send to a text from a number, without sending it')
    .requiredOption('-f, --from <mobile>', 'the sender, e.g. 13800138000')
    .requiredOption('-t, --text <text>', 'the text as sent, e.g. 积分 or "库存 羊肉卷"')
    .option('--json', 'print the whole result as JSON')
    .action(async (options: { from: string; text: string; json?: boolean }, command: Command) => {
      await withCore(command, async (core) => {
        const sms = core.services.smsServices;
        // The 库存 lookup reads its index: bring it up to the mirror first (quick when nothing changed).
        await sms.refreshProductIndex();
        const result = await sms.ask(options.from, options.text);
        if (options.json) {
          out.out(JSON.stringify(result, null, 2));
          return;
        }
        const what = [result.service ?? 'no keyword', result.outcome, result.refusedReason].filter(Boolean).join(', ');
        if (result.reply) out.out(result.reply);
        else out.out('(no answer would be sent)');
        out.err(`${what}${result.reply ? `; ${result.parts} SMS part(s)` : ''}${result.note ? `. ${result.note}` : ''}`);
      });
    });
}
