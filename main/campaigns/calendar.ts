import type { Knex } from 'knex';
import type { CalendarEntry } from '../api/schemas/campaigns.js';
import { endOfLocalDate, localDate } from '../messaging/policy/local-time.js';
import { audienceSize } from './audience.js';
import type { Campaigns } from './campaigns.js';
import type { CampaignRow } from './runner.js';
import { nextRuns } from './scheduler.js';

/**
 * What the care automations tell the calendar (the care service implements
 * it; until it is wired, an empty source stands in — see main/index.ts).
 */
export interface CareCalendarSource {
  /** Automation occurrences between two local dates (inclusive), with how many members each reaches. */
  occurrences(from: string, to: string): Promise<Array<{ date: string; automationId: number; name: string; kind: string; count: number }>>;
  /** The holidays of a year (solar and lunar) as local dates. */
  holidays(year: number): Array<{ date: string; key: string; name: string; lunar: boolean }>;
}

export const EMPTY_CARE_CALENDAR: CareCalendarSource = {
  occurrences: () => Promise.resolve([]),
  holidays: () => [],
};

/** Most runs a recurring campaign shows in one month (a daily one has 31). */
const RUNS_PER_MONTH = 31;

/**
 * A month at a glance (活动日历): scheduled and recurring campaign runs (with
 * their audience counted now), runs that happened, automation occurrences and
 * holidays, each on its local date.
 */
export async function calendarMonth(
  db: Knex,
  campaigns: Campaigns,
  care: CareCalendarSource,
  month: string,
  timeZone: string,
  now: number,
): Promise<CalendarEntry[]> {
  const [year, mon] = month.split('-').map(Number) as [number, number];
  const first = `${month}-01`;
  const lastDay = new Date(Date.UTC(year, mon, 0)).getUTCDate();
  const last = `${month}-${String(lastDay).padStart(2, '0')}`;
  const start = endOfLocalDate(timeZone, previousDate(first));
  const end = endOfLocalDate(timeZone, last);
  const entries: CalendarEntry[] = [];

  // Runs that happened (or are happening) this month.
  const runs: Array<{ campaign_id: number; name: string; started_at: number | string; audience: number; state: string }> = await db('campaign_runs as r')
    .join('campaigns as c', 'c.id', 'r.campaign_id')
    .select('r.campaign_id', 'c.name', 'r.started_at', 'r.audience', 'r.state')
    .where('r.started_at', '>=', start)
    .andWhere('r.started_at', '<', end);
  for (const run of runs) {
    const at = Number(run.started_at);
    entries.push({ date: localDate(timeZone, at), kind: 'campaign', id: Number(run.campaign_id), name: run.name, at, count: Number(run.audience), state: `run-${run.state}`, detail: null });
  }

  // Runs to come: scheduled campaigns (and paused ones, shown as such).
  const planned: CampaignRow[] = await db('campaigns').whereIn('state', ['scheduled', 'pending_approval', 'running', 'paused']);
  for (const row of planned) {
    const times: number[] = [];
    if (row.schedule_kind === 'recurring' && row.schedule_rule) {
      const from = Math.max(start - 1, now);
      const until = row.schedule_until === null ? end : Math.min(end, Number(row.schedule_until));
      if (from < end) times.push(...nextRuns(row.schedule_rule, timeZone, from, RUNS_PER_MONTH, until).filter((t) => t < end));
    } else if (row.next_run_at !== null && Number(row.next_run_at) >= start && Number(row.next_run_at) < end) {
      times.push(Number(row.next_run_at));
    } else if (row.state === 'pending_approval' && row.schedule_at !== null && Number(row.schedule_at) >= start && Number(row.schedule_at) < end) {
      times.push(Number(row.schedule_at));
    }
    if (times.length === 0) continue;
    const count = await audienceSize(db, await campaigns.sourceOf(row), now);
    for (const at of times) entries.push({ date: localDate(timeZone, at), kind: 'campaign', id: Number(row.id), name: row.name, at, count, state: row.state, detail: null });
  }

  for (const o of await care.occurrences(first, last)) {
    entries.push({ date: o.date, kind: 'automation', id: o.automationId, name: o.name, at: null, count: o.count, state: null, detail: o.kind });
  }
  for (const h of care.holidays(year)) {
    if (h.date >= first && h.date <= last) entries.push({ date: h.date, kind: 'holiday', id: null, name: h.name, at: null, count: null, state: null, detail: h.key });
  }
  return entries.sort((a, b) => a.date.localeCompare(b.date) || (a.at ?? 0) - (b.at ?? 0) || a.name.localeCompare(b.name));
}

function previousDate(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}
