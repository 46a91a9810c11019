import type { Knex } from 'knex';
import type { Logger } from 'pino';
import { SYSTEM_ACTOR } from '../auth/audit.js';
import type { Clock } from '../clock.js';
import { isAppError } from '../errors.js';
import type { Recipient } from '../messaging/outbox/enqueue.js';
import type { Outbox } from '../messaging/outbox/outbox.js';
import type { ListLookup } from '../messaging/outbox/policy-inputs.js';
import { tryNormalizeMobile } from '../messaging/numbers.js';
import { decide, NOT_LISTED, type MessageCategory } from '../messaging/policy/policy.js';
import type { PolicySettings } from '../messaging/policy/settings.js';
import { audiencePage, type AudienceEntry, type AudienceSource } from './audience.js';
import { inHoldout } from './holdout.js';
import { windowAt } from './scheduler.js';

/** Members read per page: one keyset query each. */
const PAGE_SIZE = 2_000;

/** The columns of a campaigns row the runner reads. */
export interface CampaignRow {
  id: number;
  name: string;
  state: string;
  audience_kind: string;
  segment_id: number | null;
  audience_filter: string | null;
  audience_tag: string | null;
  list_size: number;
  template_id: number | null;
  text: string;
  category: string;
  modem_id: string | null;
  schedule_kind: string;
  schedule_at: number | string | null;
  schedule_rule: string | null;
  schedule_until: number | string | null;
  window_start: string | null;
  window_end: string | null;
  holdout_percent: number;
  effect_days: number;
  next_run_at: number | string | null;
  run_count: number;
  created_by_role: string;
  approved_by: string | null;
  approved_at: number | string | null;
  state_reason: string | null;
  state_changed_at: number | string | null;
  state_changed_by: string | null;
  created_at: number | string;
  created_by: string;
  updated_at: number | string;
  updated_by: string;
}

export interface RunRow {
  id: number;
  campaign_id: number;
  run_number: number;
  batch_id: string;
  state: string;
  scheduled_for: number | string;
  started_at: number | string;
  queued_at: number | string | null;
  finished_at: number | string | null;
  cursor: number | string;
  audience: number;
  holdout: number;
  error_code: string | null;
  error_message: string | null;
}

export interface RunnerContext {
  db: Knex;
  clock: Clock;
  logger: Logger;
  outbox: Outbox;
  lookupLists: ListLookup;
  policy(): Promise<PolicySettings>;
  /** The campaign's audience as it is now (a segment read afresh). */
  sourceOf(campaign: CampaignRow): Promise<AudienceSource>;
  /** Called after each committed chunk: progress for the UI. */
  onProgress(runId: number, done: number): void;
}

export type RunOutcome = 'queued' | 'cancelled' | 'stopped' | 'failed';

export function idempotencyKey(campaignId: number, runNumber: number, entryKey: string): string {
  return `campaign:${campaignId}:run:${runNumber}:${entryKey}`;
}

/**
 * Queues one run's audience into its outbox batch, from the run's cursor on.
 *
 * What an edit while running changes: each enqueue call reads the campaign
 * once (text, modem, send window, audience); the stream ends early when the
 * campaign was edited, and the next call goes on from the cursor with the new
 * version. So a new text applies to members not queued yet, a new audience to
 * members after the cursor; what is queued keeps its text.
 *
 * Crash-safe: the cursor is written only up to messages already committed,
 * and each message's idempotency key (campaign, run, member) means a re-read
 * stretch after a restart is skipped as duplicates, never texted twice.
 */
export async function enqueueRun(ctx: RunnerContext, runId: number, signal: AbortSignal): Promise<RunOutcome> {
  const { db } = ctx;
  for (;;) {
    const run: RunRow | undefined = await db('campaign_runs').where('id', runId).first();
    if (!run || run.state !== 'enqueuing') return 'stopped';
    const campaign: CampaignRow | undefined = await db('campaigns').where('id', run.campaign_id).first();
    if (!campaign || campaign.state === 'cancelled') {
      await db('campaign_runs').where({ id: runId, state: 'enqueuing' }).update({ state: 'cancelled', finished_at: ctx.clock.now() });
      return 'cancelled';
    }
    const version = Number(campaign.updated_at);
    const source = await ctx.sourceOf(campaign);
    const policy = await ctx.policy();
    const category = campaign.category as MessageCategory;
    let cursor = Number(run.cursor);
    let persisted = cursor;
    let safe = cursor;
    let lastYielded = cursor;
    let yielded = 0;
    let committed = 0;
    let exhausted = false;
    let changed = false;

    const saveCursor = async () => {
      if (safe > persisted) {
        await db('campaign_runs').where({ id: runId, state: 'enqueuing' }).update({ cursor: safe });
        persisted = safe;
      }
    };
    async function* stream(): AsyncGenerator<Recipient> {
      for (;;) {
        if (signal.aborted) return;
        // Everything yielded is committed: the whole of the previous page is done (its hold-outs were written first).
        if (yielded === committed) safe = cursor;
        await saveCursor();
        const current: { updated_at: number | string; state: string } | undefined = await db('campaigns').select('updated_at', 'state').where('id', campaign!.id).first();
        if (!current || Number(current.updated_at) !== version || current.state === 'cancelled') {
          changed = true;
          return;
        }
        const page = await audiencePage(db, source, cursor, PAGE_SIZE, ctx.clock.now());
        if (page.length === 0) {
          exhausted = true;
          return;
        }
        const held: AudienceEntry[] = [];
        const targets: AudienceEntry[] = [];
        for (const entry of page) (inHoldout(campaign!.id, run!.run_number, entry.key, campaign!.holdout_percent) ? held : targets).push(entry);
        if (held.length > 0) await recordHoldouts(ctx, runId, held, category, policy);
        for (const entry of targets) {
          lastYielded = entry.position;
          yielded += 1;
          yield { ...entry.recipient, idempotencyKey: idempotencyKey(campaign!.id, run!.run_number, entry.key) };
        }
        cursor = page[page.length - 1]!.position;
      }
    }

    const now = ctx.clock.now();
    const window = campaign.window_start && campaign.window_end ? { start: campaign.window_start, end: campaign.window_end } : null;
    const place = window ? windowAt(window, policy.timeZone, now) : { inside: true as const };
    try {
      await ctx.outbox.enqueue(
        stream(),
        {
          text: campaign.text,
          category,
          source: 'campaign',
          notBefore: place.inside ? null : place.opensAt,
          pinnedModem: campaign.modem_id,
          batch: { id: run.batch_id, label: batchLabel(campaign, run.run_number), kind: 'campaign' },
          matchMembers: campaign.audience_kind === 'list',
        },
        SYSTEM_ACTOR,
        {
          onBatch: (tally) => {
            committed = yielded;
            safe = lastYielded;
            ctx.onProgress(runId, tally.total);
          },
        },
      );
    } catch (error) {
      if (isAppError(error) && error.code === 'BATCH_CANCELLED') {
        await db('campaign_runs').where({ id: runId, state: 'enqueuing' }).update({ state: 'cancelled', finished_at: ctx.clock.now() });
        return 'cancelled';
      }
      await saveCursor().catch(() => undefined);
      if (isAppError(error)) {
        // A problem retrying cannot fix (a template that no longer renders, a modem removed): the run stops, saying why.
        await db('campaign_runs')
          .where({ id: runId, state: 'enqueuing' })
          .update({ state: 'failed', finished_at: ctx.clock.now(), error_code: error.code.slice(0, 40), error_message: error.message });
        return 'failed';
      }
      throw error;
    }
    if (exhausted) {
      if (yielded === committed) safe = cursor;
      const counts = await runCounts(db, run.batch_id, runId);
      await db('campaign_runs')
        .where({ id: runId, state: 'enqueuing' })
        .update({ state: 'queued', cursor: safe, queued_at: ctx.clock.now(), audience: counts.audience, holdout: counts.holdout });
      return 'queued';
    }
    await saveCursor();
    if (signal.aborted) return 'stopped';
    if (!changed) return 'stopped';
    // Edited (or cancelled) meanwhile: go round again with the campaign as it is now.
  }
}

export function batchLabel(campaign: Pick<CampaignRow, 'name' | 'schedule_kind'>, runNumber: number): string {
  return (campaign.schedule_kind === 'recurring' ? `${campaign.name} #${runNumber}` : campaign.name).slice(0, 200);
}

/** Members of the run: messages written (any outcome) plus the hold-out. */
export async function runCounts(db: Knex, batchId: string, runId: number): Promise<{ audience: number; holdout: number }> {
  const [messages] = await db('outbox_messages').where('batch_id', batchId).count<Array<{ n: number | string }>>({ n: '*' });
  const [holdout] = await db('campaign_holdouts').where('run_id', runId).count<Array<{ n: number | string }>>({ n: '*' });
  const held = Number(holdout?.n ?? 0);
  return { audience: Number(messages?.n ?? 0) + held, holdout: held };
}

/**
 * Writes the hold-out members of a page, each with the rule that would have
 * blocked them (consent, opt-out, blacklist …; the cap and quiet hours, which
 * depend on time and order, are left out): the report compares the target
 * members a message reached with the hold-out members it could have reached.
 */
async function recordHoldouts(ctx: RunnerContext, runId: number, held: AudienceEntry[], category: MessageCategory, policy: PolicySettings): Promise<void> {
  const now = ctx.clock.now();
  const numbers = held.map((e) => tryNormalizeMobile(e.recipient.number));
  const valid = numbers.filter((n): n is string => n !== undefined);
  await ctx.db.transaction(async (trx) => {
    const lists = await ctx.lookupLists(valid, now, trx);
    // List entries: the member behind the number, for consent and for the effect in the mirror.
    const members = new Map<string, { id: number; marketing_consent: number | boolean }>();
    const bare = held.flatMap((e, i) => (e.recipient.memberId === undefined ? [numbers[i] ?? e.recipient.number] : []));
    if (bare.length > 0) {
      const rows: Array<{ id: number; mobile: string; marketing_consent: number | boolean }> = await trx('members')
        .select('id', 'mobile', 'marketing_consent')
        .whereIn('mobile', bare)
        .whereNull('deleted_at');
      for (const row of rows) if (!members.has(row.mobile)) members.set(row.mobile, row);
    }
    const rows = held.map((entry, i) => {
      const number = numbers[i] ?? entry.recipient.number;
      const found = members.get(number);
      const consent = entry.recipient.member?.marketingConsent ?? (found ? Boolean(found.marketing_consent) : null);
      const decision = decide(
        { category, recipient: number, marketingConsent: consent },
        { now, settings: policy, lists: lists.get(number) ?? NOT_LISTED, recentCommercialSends: 0 },
      );
      const blocked = !decision.allowed && decision.deferUntil === undefined && decision.rule !== 'frequency-cap' ? decision.rule : null;
      return { run_id: runId, number: number.slice(0, 24), member_id: entry.recipient.memberId ?? found?.id ?? null, blocked_rule: blocked, created_at: now };
    });
    for (let i = 0; i < rows.length; i += 200) {
      await trx('campaign_holdouts').insert(rows.slice(i, i + 200)).onConflict(['run_id', 'number']).ignore();
    }
  });
}
