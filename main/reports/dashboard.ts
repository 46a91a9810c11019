import type { Knex } from 'knex';
import type { Permission } from '../auth/permissions.js';
import type { Clock } from '../clock.js';
import type { Settings } from '../settings/settings.js';
import { addDays, daysFrom, localDate, startOfDay } from './days.js';
import type { DailyRollup } from './rollup.js';
import type { ReportSources, UpcomingItem } from './sources.js';

/**
 * The business dashboard (首页): the store's messaging today and over 30 days,
 * delivery per modem, replies and open conversations, opt-outs, surveys,
 * feedback tickets, strategy suggestions and upcoming sends. Each block is
 * present only for a role that may open the page it links to; figures come
 * from the day totals (rollup.ts) plus a few small live counts.
 */
export interface DashboardDeps {
  db: Knex;
  clock: Clock;
  settings: Settings;
  rollup: DailyRollup;
  sources: ReportSources;
  strategyCounts(): Promise<Record<string, number>>;
}

export interface MessagingDay {
  day: string;
  messages: number;
  partsSent: number;
  delivered: number;
  failed: number;
}

export interface BusinessDashboard {
  /** False while the aggregates are first being built: the figures are still being counted. */
  ready: boolean;
  today: string;
  messaging?: {
    today: { messages: number; partsSent: number; delivered: number; failed: number; waiting: number; blocked: number; deliveryRate: number | null };
    days: MessagingDay[];
    deliveryRate30: number | null;
  };
  modems?: Array<{ modemId: string; name: string | null; out: number; delivered: number; failed: number; deliveryRate: number | null }>;
  inbox?: { repliesToday: number; openConversations: number; optOutsToday: number; optOuts: Array<{ day: string; optOuts: number }> };
  surveys?: { open: number; answersToday: number };
  feedback?: { configured: boolean; new: number; overdue: number; open: number };
  strategies?: { suggested: number; active: number };
  upcoming?: { configured: boolean; items: UpcomingItem[] };
  mail?: { configured: boolean; failedRecently: number; queued: number; lastError: string | null };
}

const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);
const num = (v: unknown): number => Number(v ?? 0);

export async function businessDashboard(deps: DashboardDeps, may: (permission: Permission) => boolean): Promise<BusinessDashboard> {
  const { db } = deps;
  // The landing page reads figures at most a few seconds old (an incremental run touches only what changed).
  await deps.rollup.refresh(5_000);
  const timeZone = (await deps.settings.get('policy')).timeZone;
  const now = deps.clock.now();
  const today = localDate(timeZone, now);
  const first = addDays(today, -29);
  const result: BusinessDashboard = { ready: deps.rollup.ready, today };

  if (may('messages.read')) {
    const rows = (await db('message_day_totals')
      .whereBetween('day', [first, today])
      .groupBy('day')
      .select('day')
      .select(db.raw('SUM(messages) AS messages, SUM(parts_sent) AS parts_sent, SUM(delivered) AS delivered, SUM(failed) AS failed, SUM(waiting) AS waiting, SUM(blocked) AS blocked, SUM(sent) AS sent, SUM(unknown) AS unknown'))) as Array<Record<string, unknown>>;
    const byDay = new Map(rows.map((r) => [String(r['day']), r]));
    const days = daysFrom(first, today).map((day) => {
      const r = byDay.get(day);
      return { day, messages: num(r?.['messages']), partsSent: num(r?.['parts_sent']), delivered: num(r?.['delivered']), failed: num(r?.['failed']) };
    });
    const t = byDay.get(today);
    const out = (r: Record<string, unknown> | undefined) => num(r?.['sent']) + num(r?.['delivered']) + num(r?.['failed']) + num(r?.['unknown']);
    const allOut = rows.reduce((s, r) => s + out(r), 0);
    const allDelivered = rows.reduce((s, r) => s + num(r['delivered']), 0);
    result.messaging = {
      today: {
        messages: num(t?.['messages']),
        partsSent: num(t?.['parts_sent']),
        delivered: num(t?.['delivered']),
        failed: num(t?.['failed']),
        waiting: num(t?.['waiting']),
        blocked: num(t?.['blocked']),
        deliveryRate: ratio(num(t?.['delivered']), out(t)),
      },
      days,
      deliveryRate30: ratio(allDelivered, allOut),
    };
  }

  if (may('modems.read')) {
    const rows = (await db('message_day_totals')
      .whereBetween('day', [first, today])
      .whereNot('modem_id', '')
      .groupBy('modem_id')
      .select('modem_id')
      .select(db.raw('SUM(sent + delivered + failed + unknown) AS out_count, SUM(delivered) AS delivered, SUM(failed) AS failed'))) as Array<Record<string, unknown>>;
    // Named in code: modem_id is text in the aggregates, modems.id an integer (a join would compare the two on PostgreSQL).
    const names = new Map(((await db('modems').select('id', 'name')) as Array<{ id: number; name: string }>).map((m) => [String(m.id), m.name]));
    result.modems = rows
      .map((r) => ({ modemId: String(r['modem_id']), name: names.get(String(r['modem_id'])) ?? null, out: num(r['out_count']), delivered: num(r['delivered']), failed: num(r['failed']), deliveryRate: ratio(num(r['delivered']), num(r['out_count'])) }))
      .filter((m) => m.out > 0)
      .sort((a, b) => b.out - a.out);
  }

  if (may('messages.read')) {
    const from = startOfDay(timeZone, today);
    const [replies, open, optOutRows] = await Promise.all([
      db('inbox_messages').where('received_at', '>=', from).count({ n: '*' }).first(),
      db('conversations').where('unhandled', '>', 0).count({ n: '*' }).first(),
      db('inbound_daily').whereBetween('day', [first, today]).groupBy('day').select('day', db.raw('SUM(opt_outs) AS opt_outs')) as Promise<Array<{ day: string; opt_outs: unknown }>>,
    ]);
    const byDay = new Map(optOutRows.map((r) => [r.day, num(r.opt_outs)]));
    result.inbox = {
      repliesToday: num((replies as { n?: unknown } | undefined)?.n),
      openConversations: num((open as { n?: unknown } | undefined)?.n),
      optOutsToday: byDay.get(today) ?? 0,
      optOuts: daysFrom(first, today).map((day) => ({ day, optOuts: byDay.get(day) ?? 0 })),
    };
    const upcoming = await deps.sources.upcoming.upcoming(now, 5);
    result.upcoming = { configured: deps.sources.upcoming.configured, items: upcoming };
  }

  if (may('surveys.read')) {
    const from = startOfDay(timeZone, today);
    const [open, answers] = await Promise.all([
      db('surveys').where('state', 'open').count({ n: '*' }).first(),
      db('survey_answers').where('answered_at', '>=', from).count({ n: '*' }).first(),
    ]);
    result.surveys = { open: num((open as { n?: unknown } | undefined)?.n), answersToday: num((answers as { n?: unknown } | undefined)?.n) };
  }

  if (may('messages.read')) {
    const counts = await deps.sources.feedback.counts();
    result.feedback = { configured: deps.sources.feedback.configured, ...counts };
  }

  if (may('strategies.read')) {
    const counts = await deps.strategyCounts();
    result.strategies = { suggested: counts['suggested'] ?? 0, active: counts['active'] ?? 0 };
  }

  if (may('settings.read')) {
    const status = await deps.sources.mail.status();
    result.mail = { configured: status.configured, failedRecently: status.failedRecently, queued: status.queued, lastError: status.lastError };
  }
  return result;
}
