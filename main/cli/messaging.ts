import { InvalidArgumentError, type Command } from 'commander';
import { CLI_ACTOR } from '../auth/audit.js';
import { ValidationError } from '../errors.js';
import { recipientsFromText } from '../messaging/outbox/recipients.js';
import { pinnedModemOf } from '../messaging/outbox/send-targets.js';
import { MESSAGE_CATEGORIES, type MessageCategory } from '../messaging/policy/policy.js';
import { zoneOffset } from '../messaging/policy/local-time.js';
import { withCore } from './common.js';
import { table, type CliOutput } from './output.js';

function parseCategory(value: string): MessageCategory {
  if (!(MESSAGE_CATEGORIES as readonly string[]).includes(value)) throw new InvalidArgumentError(`use one of ${MESSAGE_CATEGORIES.join(', ')}.`);
  return value as MessageCategory;
}

/**
 * --at: ISO 8601 with an offset ('2026-11-23T09:30:00+08:00'), or the store's
 * wall-clock time 'YYYY-MM-DD HH:MM' read in the policy's time zone.
 */
export function parseSendTime(value: string, timeZone: string): number {
  const local = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})$/.exec(value.trim());
  if (local) {
    const wall = Date.UTC(Number(local[1]), Number(local[2]) - 1, Number(local[3]), Number(local[4]), Number(local[5]));
    let at = wall - zoneOffset(timeZone, wall);
    at = wall - zoneOffset(timeZone, at);
    return at;
  }
  const parsed = /[zZ]|[+-]\d{2}:?\d{2}$/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(parsed)) {
    throw new ValidationError(`"${value}" is not a time. Use 'YYYY-MM-DD HH:MM' (store time) or ISO 8601 with an offset, e.g. 2026-11-23T09:30:00+08:00.`);
  }
  return parsed;
}

export function registerMessagingCommands(program: Command, out: CliOutput): void {
  program
    .command('send')
    .description("queue a text in the data directory's outbox; the running StoreMAS sends it")
    .requiredOption('--to <numbers>', 'one number, or several separated by commas')
    .requiredOption('--text <text>', 'the text; placeholders such as {称呼} are filled for members')
    .option('--at <time>', "send no earlier than this: 'YYYY-MM-DD HH:MM' (store time) or ISO 8601")
    .option(
      '--category <category>',
      'marketing (default: a free text is commercial), care, transactional (order, ticket, code) or reply',
      parseCategory,
      'marketing' as MessageCategory,
    )
    .option('--via <modem>', 'send through this modem only (its name or id); default: automatic')
    .action(async (options: { to: string; text: string; at?: string; category: MessageCategory; via?: string }, command: Command) => {
      await withCore(command, async (core) => {
        const policy = await core.services.settings.get('policy');
        const notBefore = options.at ? parseSendTime(options.at, policy.timeZone) : null;
        const pinned = options.via === undefined ? null : await pinnedModemOf(core.services.modems, options.via);
        const source = recipientsFromText(options.to);
        const invalid = source.problems.filter((p) => p.code === 'INVALID_NUMBER');
        if (invalid.length > 0) throw new ValidationError(invalid.map((p) => p.message).join(' '));
        const result = await core.services.messaging.outbox.enqueue(
          source.recipients,
          { text: options.text, category: options.category, source: 'cli', notBefore, pinnedModem: pinned?.id ?? null },
          CLI_ACTOR,
        );
        const blocked = Object.entries(result.blocked);
        out.out(
          `Queued ${result.queued + result.deferred} of ${result.total} message(s)${result.deferred > 0 ? `, ${result.deferred} for later` : ''}` +
            `${pinned ? `, through ${pinned.name} only` : ''}.`,
        );
        for (const [rule, n] of blocked) out.out(`Blocked by ${rule}: ${n}`);
        if (result.messageIds.length > 0) out.out(`Message id(s): ${result.messageIds.join(', ')}`);
        if (result.batchId) out.out(`Batch: ${result.batchId}`);
      });
    });

  const outbox = program.command('outbox').description('the outbox of the data directory');
  outbox
    .command('status')
    .description('messages per status, the next due time, and unknown messages waiting for a decision')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      await withCore(command, async (core) => {
        const status = await core.services.messaging.outbox.status();
        if (options.json) {
          out.out(JSON.stringify(status));
          return;
        }
        for (const line of table([['status', 'messages'], ...Object.entries(status.counts).map(([s, n]) => [s, String(n)])])) out.out(line);
        out.out(`Next due: ${status.nextDueAt === null ? '—' : new Date(status.nextDueAt).toISOString()}`);
        if (status.counts.unknown > 0) {
          out.out(`${status.counts.unknown} message(s) are unknown: check them in 短信 → 待确认 and mark them sent, failed, or send again.`);
        }
      });
    });
}
