import { InvalidArgumentError, type Command } from 'commander';
import { CLI_ACTOR } from '../auth/audit.js';
import { AppError } from '../errors.js';
import { rebuildSalesAggregate } from '../store/sales-aggregate.js';
import { actionText } from '../strategy/decide.js';
import type { Strategies } from '../strategy/strategies.js';
import { STRATEGY_KINDS, STRATEGY_STATES, type Strategy, type StrategyKind, type StrategyState } from '../strategy/types.js';
import { withCore } from './common.js';
import { table, type CliOutput } from './output.js';

function listOf<T extends string>(allowed: readonly T[], what: string) {
  return (value: string): T[] => {
    const items = value.split(',').map((s) => s.trim()).filter(Boolean);
    const unknown = items.filter((s) => !(allowed as readonly string[]).includes(s));
    if (unknown.length > 0) throw new InvalidArgumentError(`unknown ${what} ${unknown.join(', ')}; use ${allowed.join(', ')}.`);
    return items as T[];
  };
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 500) throw new InvalidArgumentError('give a whole number from 1 to 500.');
  return n;
}

const day = (ms: number | null) => (ms === null ? '' : new Date(ms + 8 * 3_600_000).toISOString().slice(5, 10));

/** The board as a terminal table: the action in words beside the reason in words and numbers. */
function printStrategies(out: CliOutput, items: Strategy[], total: number, hint: string): void {
  if (items.length === 0) {
    out.out('No strategies.');
    return;
  }
  for (const line of table([
    ['ID', 'STATE', 'STORE', 'PRODUCT', 'ACTION', 'DATES', 'REASON'],
    ...items.map((s) => [
      String(s.id),
      s.state,
      s.storeCode ?? '*',
      `${s.productName ?? s.promotionText ?? ''}${s.productCode ? ` (${s.productCode})` : ''}`,
      s.kind === 'promotion' && s.origin === 'manual' ? (s.promotionText ?? '') : actionText(s),
      s.startsAt ? `${day(s.startsAt)}–${day(s.endsAt)}` : '',
      s.reason.text,
    ]),
  ])) out.out(line);
  if (total > items.length) out.out(`… ${total - items.length} more (${hint}).`);
}

async function listed(strategies: Strategies, options: { state?: StrategyState[]; store?: string; kind?: StrategyKind[]; limit?: number }) {
  return strategies.list({ states: options.state, kinds: options.kind, storeCodes: options.store ? [options.store] : 'all', limit: options.limit ?? 50 });
}

export function registerStrategyCommands(program: Command, out: CliOutput): void {
  const strategies = program.command('strategies').description('营销策略: suggestions from stock thresholds (promotion, restock …) — from the mirror, never the POS');

  strategies
    .command('run')
    .description('recompute the suggestions now from the mirror in the data directory, then print them (Ctrl-C cancels)')
    .option('--json', 'print the summary and the suggestions as JSON')
    .option('--limit <n>', 'how many suggestions to print (most at stake first; default 50)', parseLimit)
    .action(async (options: { json?: boolean; limit?: number }, command: Command) => {
      await withCore(command, async (core) => {
        const { strategies: engine } = core.services;
        const controller = new AbortController();
        const stopOnSignal = () => controller.abort();
        process.once('SIGINT', stopOnSignal);
        let lastLine = 0;
        const summary = await engine
          .recompute({
            actor: CLI_ACTOR,
            trigger: 'cli',
            signal: controller.signal,
            onProgress: (done, total) => {
              const now = performance.now();
              if (options.json || now - lastLine < 1000) return;
              lastLine = now;
              out.err(`  ${done}/${total} steps`);
            },
          })
          .finally(() => process.off('SIGINT', stopOnSignal));
        if (summary.state === 'failed') throw new AppError('STRATEGY_RECOMPUTE_FAILED', `The recompute failed: ${summary.errorMessage ?? 'unknown error'}`, 500);
        const page = await listed(engine, { state: ['suggested'], limit: options.limit });
        if (options.json) {
          out.out(JSON.stringify({ summary, total: page.total, items: page.items }, null, 2));
          return;
        }
        out.out(
          `${summary.state}: ${summary.evaluated} stock rows in ${(summary.durationMs / 1000).toFixed(1)} s — ` +
            `${summary.created} new, ${summary.refreshed} refreshed, ${summary.resolved} resolved, ${summary.coolingDown} held back after a rejection.`,
        );
        if (summary.errorMessage) out.err(summary.errorMessage);
        printStrategies(out, page.items, page.total, 'storemas strategies list --state suggested --limit N');
      });
    });

  strategies
    .command('rebuild-sales')
    .description('count the sales per day and each product’s last sale again from the mirror’s sale lines (the sync keeps them; for a mirror in doubt)')
    .action(async (_options: unknown, command: Command) => {
      await withCore(command, async (core) => {
        const started = performance.now();
        const counted = await core.services.db.transaction((trx) => rebuildSalesAggregate(trx));
        out.out(`Counted ${counted.days} day totals for ${counted.pairs} store × product pairs in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
      });
    });

  strategies
    .command('list')
    .description('strategies by state (default: suggested, approved and active), most at stake first')
    .option('--state <states>', `comma-separated: ${STRATEGY_STATES.join(', ')}`, listOf(STRATEGY_STATES, 'state'))
    .option('--kind <kinds>', `comma-separated: ${STRATEGY_KINDS.join(', ')}`, listOf(STRATEGY_KINDS, 'kind'))
    .option('-s, --store <code>', 'one store only')
    .option('--limit <n>', 'how many to print (default 50)', parseLimit)
    .option('--json', 'print JSON')
    .action(async (options: { state?: StrategyState[]; kind?: StrategyKind[]; store?: string; limit?: number; json?: boolean }, command: Command) => {
      await withCore(command, async (core) => {
        const page = await listed(core.services.strategies, { ...options, state: options.state ?? ['suggested', 'approved', 'active'] });
        if (options.json) {
          out.out(JSON.stringify(page, null, 2));
          return;
        }
        printStrategies(out, page.items, page.total, '--limit N');
      });
    });
}
