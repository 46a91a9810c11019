import { InvalidArgumentError, type Command } from 'commander';
import { CAMPAIGN_STATES, type Campaign, type CampaignState } from '../api/schemas/campaigns.js';
import { CLI_ACTOR } from '../auth/audit.js';
import type { CampaignActor } from '../campaigns/campaigns.js';
import { campaignReport } from '../campaigns/report.js';
import { zoneOffset } from '../messaging/policy/local-time.js';
import { withCore } from './common.js';
import { table, type CliOutput } from './output.js';

/** YYYY-MM-DD HH:MM in the store's time zone. */
function localDateTime(zone: string, at: number): string {
  return new Date(at + zoneOffset(zone, at)).toISOString().slice(0, 16).replace('T', ' ');
}

/** The command line acts as the appliance's owner (whoever can open its data directory). */
const CLI: CampaignActor = { actor: CLI_ACTOR, role: 'admin' };

function parseId(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('give the campaign number (storemas campaigns list shows them).');
  return n;
}

function parseStates(value: string): CampaignState[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = items.filter((s) => !(CAMPAIGN_STATES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new InvalidArgumentError(`unknown state ${unknown.join(', ')}; use ${CAMPAIGN_STATES.join(', ')}.`);
  return items as CampaignState[];
}

function audienceText(c: Campaign): string {
  if (c.audience.kind === 'segment') return `segment ${c.audience.segmentName ?? c.audience.segmentId ?? ''}`;
  if (c.audience.kind === 'tag') return `tag ${c.audience.tag ?? ''}`;
  if (c.audience.kind === 'list') return `list of ${c.audience.listSize}`;
  return 'filter';
}

function scheduleText(c: Campaign, zone: string): string {
  if (c.schedule.kind === 'at' && c.schedule.at !== null) return `at ${localDateTime(zone, c.schedule.at)}`;
  if (c.schedule.kind === 'recurring') return `every "${c.schedule.rule ?? ''}"`;
  return 'now';
}

export function registerCampaignCommands(program: Command, out: CliOutput): void {
  const campaigns = program.command('campaigns').description('营销活动: list campaigns, show one with its report, pause, resume or cancel (the served appliance runs them)');

  campaigns
    .command('list')
    .description('campaigns, running and paused first')
    .option('--state <states>', `only these states (comma-separated: ${CAMPAIGN_STATES.join(', ')})`, parseStates)
    .option('--json', 'print JSON')
    .action(async (options: { state?: CampaignState[]; json?: boolean }, command: Command) => {
      await withCore(command, async (core) => {
        const page = await core.services.campaigns.list({ states: options.state, page: 1, pageSize: 200 });
        if (options.json) {
          out.out(JSON.stringify(page, null, 2));
          return;
        }
        if (page.items.length === 0) {
          out.out('No campaigns.');
          return;
        }
        const zone = (await core.services.settings.get('policy')).timeZone;
        for (const line of table([
          ['ID', 'STATE', 'NAME', 'AUDIENCE', 'SCHEDULE', 'SENT/TOTAL', 'NEXT RUN'],
          ...page.items.map((c) => [
            String(c.id),
            c.state,
            c.name,
            audienceText(c),
            scheduleText(c, zone),
            `${c.progress.sent}/${c.progress.total}`,
            c.nextRunAt === null ? '' : localDateTime(zone, c.nextRunAt),
          ]),
        ])) out.out(line);
        if (page.total > page.items.length) out.out(`… ${page.total - page.items.length} more (use --state to narrow).`);
      });
    });

  campaigns
    .command('show')
    .description('one campaign: settings, runs and its report (funnel, blocked per rule, opt-outs, replies, effect against the hold-out)')
    .argument('<id>', 'campaign number', parseId)
    .option('--json', 'print the report as JSON')
    .action(async (id: number, options: { json?: boolean }, command: Command) => {
      await withCore(command, async (core) => {
        const { db, campaigns: service, settings, clock } = core.services;
        const zone = (await settings.get('policy')).timeZone;
        const report = await campaignReport(db, service, id, zone, clock.now());
        if (options.json) {
          out.out(JSON.stringify(report, null, 2));
          return;
        }
        const { campaign: c, funnel, effect } = report;
        const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(2)}%`);
        out.out(`#${c.id} ${c.name} — ${c.state}${c.stateReason ? ` (${c.stateReason})` : ''}`);
        out.out(`audience: ${audienceText(c)}; ${scheduleText(c, zone)}; ${c.category}; hold-out ${c.holdoutPercent}%`);
        out.out(`text: ${c.text}`);
        out.out(`audience ${funnel.audience}, hold-out ${funnel.holdout}, queued ${funnel.queued}, waiting ${funnel.waiting}, sent ${funnel.sent}, delivered ${funnel.delivered}, failed ${funnel.failed}, cancelled ${funnel.cancelled}`);
        const blocked = Object.entries(funnel.blocked);
        out.out(`blocked: ${blocked.length === 0 ? 'none' : blocked.map(([rule, n]) => `${rule} ${n}`).join(', ')}`);
        out.out(`opt-outs within 7 days: ${report.optOuts}; replies within 7 days: ${report.replies}`);
        out.out(
          `effect (${effect.days} days${effect.final ? ', final' : ', window still open'}): texted ${effect.target.buyers}/${effect.target.members} bought (${pct(effect.target.responseRate)}), hold-out ${effect.holdout.buyers}/${effect.holdout.members} (${pct(effect.holdout.responseRate)})`,
        );
        if (effect.responseUplift) {
          out.out(`response uplift ${pct(effect.responseUplift.difference)} (95% CI ${pct(effect.responseUplift.low)} to ${pct(effect.responseUplift.high)})`);
        }
        for (const run of report.runs) {
          out.out(`run ${run.runNumber}: ${run.state}, started ${localDateTime(zone, run.startedAt)}, audience ${run.audience}, hold-out ${run.holdout}${run.errorCode ? `, ${run.errorCode}: ${run.errorMessage ?? ''}` : ''}`);
        }
      });
    });

  const verbs = [
    ['pause', 'hold the waiting messages and the runs to come'],
    ['resume', 'go on with a paused campaign'],
    ['cancel', 'stop for good: every message not yet handed to a modem is withdrawn'],
  ] as const;
  for (const [verb, description] of verbs) {
    campaigns
      .command(verb)
      .description(description)
      .argument('<id>', 'campaign number', parseId)
      .action(async (id: number, _options: unknown, command: Command) => {
        await withCore(command, async (core) => {
          const changed = await core.services.campaigns[verb](CLI, id);
          out.out(`#${changed.id} ${changed.name}: ${changed.state}`);
        });
      });
  }
}
