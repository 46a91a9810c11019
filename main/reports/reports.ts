import type { Knex } from 'knex';
import type { AuditActor, AuditLog } from '../auth/audit.js';
import type { Clock } from '../clock.js';
import { rawRows } from '../db/raw-rows.js';
import { AppError } from '../errors.js';
import type { Settings } from '../settings/settings.js';
import type { Surveys } from '../surveys/surveys.js';
import { addDays, daysFrom, isDay, localDate, monthEnd, startOfDay, wholeMonths } from './days.js';
import type { DailyRollup } from './rollup.js';
import { priceOf, validateReportSettings, type ReportSettings } from './settings.js';
import type { FeedbackFigures } from './sources.js';

/**
 * The reports (报表): messaging volume and cost, delivery rates, campaign
 * (batch) results, survey results, feedback and opt-outs over a date range,
 * optionally for one store (the member's store), each as a chart and a table.
 * Everything reads the daily aggregates (rollup.ts), never the raw outbox, so
 * a year of ten million messages answers in milliseconds.
 */
export const REPORT_KINDS = ['volume', 'delivery', 'campaigns', 'surveys', 'feedback', 'opt-outs'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export const VOLUME_GROUPS = ['day', 'modem', 'operator', 'source', 'category', 'store'] as const;
export type VolumeGroup = (typeof VOLUME_GROUPS)[number];

/** 活动效果 lists the latest this many bulk sends of the range. */
export const MAX_CAMPAIGN_ROWS = 500;

/** The longest range a report covers: three years of days. */
export const MAX_RANGE_DAYS = 1100;

export interface ReportQuery {
  from: string;
  to: string;
  storeCode?: string | undefined;
  groupBy?: VolumeGroup | undefined;
}

export type ColumnKind = 'text' | 'code' | 'count' | 'percent' | 'money' | 'number' | 'time';

export interface ReportColumn {
  key: string;
  kind: ColumnKind;
}

export interface ChartSeries {
  key: string;
  type: 'bar' | 'line';
  axis: 'count' | 'percent' | 'money' | 'number';
  stack?: string;
  values: Array<number | null>;
}

export type ReportCell = string | number | null;

export interface ReportResult {
  report: ReportKind;
  from: string;
  to: string;
  storeCode: string | null;
  groupBy: VolumeGroup | null;
  /** False when the report's source is not set up on this appliance (feedback before the tickets are wired). */
  configured: boolean;
  /** Nothing happened in the range: the table is empty and the chart is flat. */
  empty: boolean;
  chart: { categories: string[]; series: ChartSeries[] };
  columns: ReportColumn[];
  rows: Array<Record<string, ReportCell>>;
  totals: Record<string, ReportCell>;
}

export class ReportError extends AppError {}

/** The price per part and the modems that can have their own (the 短信费用 form). */
export interface PriceSettings extends ReportSettings {
  /** Every modem of the appliance, and those an override names that are gone (their history keeps their price). */
  modems: Array<{ modemId: string; name: string | null }>;
}

export interface ReportsDeps {
  db: Knex;
  clock: Clock;
  audit: AuditLog;
  settings: Settings;
  rollup: DailyRollup;
  surveys: Surveys;
  feedback: FeedbackFigures;
}

const SUMS = ['messages', 'parts', 'parts_sent', 'waiting', 'sent', 'delivered', 'failed', 'blocked', 'unknown'] as const;

/** Summed counts of a group of aggregate rows (the group's columns beside them). */
type SumRow = Record<string, string> & Record<(typeof SUMS)[number] | 'commercial_out', number>;

function toSums(rows: Array<Record<string, unknown>>, columns: readonly string[]): SumRow[] {
  return rows.map((r) => {
    const out: Record<string, unknown> = { ...r };
    for (const c of columns) out[c] = Number(r[c] ?? 0);
    return out as SumRow;
  });
}

const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);
/** Messages a modem took on: sent, delivered, failed (refused by the modem or not delivered: both count against the delivery rate), fate unknown. */
const outOf = (r: { sent: number; delivered: number; failed: number; unknown: number }) => r.sent + r.delivered + r.failed + r.unknown;

export function checkRange(query: ReportQuery): void {
  if (!isDay(query.from) || !isDay(query.to)) {
    throw new ReportError('REPORT_RANGE_INVALID', `The dates ${query.from} – ${query.to} are not calendar days; pick them again.`, 400);
  }
  if (query.from > query.to) throw new ReportError('REPORT_RANGE_INVALID', `The range runs backwards (${query.from} to ${query.to}); swap the two dates.`, 400);
  if (daysFrom(query.from, query.to).length > MAX_RANGE_DAYS) {
    throw new ReportError('REPORT_RANGE_TOO_LONG', `A report covers at most ${MAX_RANGE_DAYS} days; choose a shorter range.`, 400);
  }
}

export class Reports {
  constructor(private readonly deps: ReportsDeps) {}

  private get db(): Knex {
    return this.deps.db;
  }

  private async timeZone(): Promise<string> {
    return (await this.deps.settings.get('policy')).timeZone;
  }

  /** The last `days` days up to today, as a range. */
  async lastDays(days: number): Promise<{ from: string; to: string }> {
    const today = localDate(await this.timeZone(), this.deps.clock.now());
    return { from: addDays(today, -(days - 1)), to: today };
  }

  async run(kind: ReportKind, query: ReportQuery): Promise<ReportResult> {
    checkRange(query);
    // Figures at most a minute old: the roll-up runs first when it is due.
    await this.deps.rollup.refresh(60_000);
    switch (kind) {
      case 'volume':
        return this.volume(query);
      case 'delivery':
        return this.delivery(query);
      case 'campaigns':
        return this.campaigns(query);
      case 'surveys':
        return this.surveyResults(query);
      case 'feedback':
        return this.feedback(query);
      case 'opt-outs':
        return this.optOuts(query);
    }
  }

  private base(kind: ReportKind, query: ReportQuery): Omit<ReportResult, 'chart' | 'columns' | 'rows' | 'totals' | 'empty'> {
    return { report: kind, from: query.from, to: query.to, storeCode: query.storeCode ?? null, groupBy: kind === 'volume' ? (query.groupBy ?? 'day') : null, configured: true };
  }

  /** Counts per day, store and modem (message_day_totals: at most stores × modems rows a day) summed by `by`. */
  private async dayTotals(query: ReportQuery, by: ReadonlyArray<'day' | 'store_code' | 'modem_id'>): Promise<SumRow[]> {
    const q = this.db('message_day_totals').whereBetween('day', [query.from, query.to]);
    if (query.storeCode !== undefined) q.where('store_code', query.storeCode);
    const select: Array<string | Knex.Raw> = [...by];
    for (const c of [...SUMS, 'commercial_out']) select.push(this.db.raw(`SUM(${c}) AS ${c}`));
    return toSums((await q.select(select).groupBy(by)) as Array<Record<string, unknown>>, [...SUMS, 'commercial_out']);
  }

  /**
   * Counts over the range summed by `by` (any of message_daily's columns but
   * the day): the range's whole months from message_monthly, its partial
   * months from message_daily.
   */
  private async sums(query: ReportQuery, by: readonly string[]): Promise<SumRow[]> {
    const columns = [...by, ...SUMS].join(', ');
    const store = query.storeCode !== undefined ? ' AND store_code = ?' : '';
    const storeBinding = query.storeCode !== undefined ? [query.storeCode] : [];
    const parts: string[] = [];
    const bindings: string[] = [];
    const days = (from: string, to: string) => {
      parts.push(`SELECT ${columns} FROM message_daily WHERE day >= ? AND day <= ?${store}`);
      bindings.push(from, to, ...storeBinding);
    };
    const months = wholeMonths(query.from, query.to);
    if (months) {
      parts.push(`SELECT ${columns} FROM message_monthly WHERE month >= ? AND month <= ?${store}`);
      bindings.push(months.first, months.last, ...storeBinding);
      if (query.from < `${months.first}-01`) days(query.from, addDays(`${months.first}-01`, -1));
      if (monthEnd(months.last) < query.to) days(addDays(monthEnd(months.last), 1), query.to);
    } else {
      days(query.from, query.to);
    }
    const rows = rawRows(await this.db.raw(
      `SELECT ${by.join(', ')}, ${SUMS.map((c) => `SUM(${c}) AS ${c}`).join(', ')} FROM (${parts.join(' UNION ALL ')}) AS r GROUP BY ${by.join(', ')}`,
      bindings,
    )) as Array<Record<string, unknown>>;
    return toSums(rows, SUMS);
  }

  private async names(table: 'modems' | 'stores'): Promise<Map<string, string>> {
    const rows = (await (table === 'modems' ? this.db('modems').select('id as key', 'name') : this.db('stores').select('code as key', 'name'))) as Array<{ key: string | number; name: string }>;
    return new Map(rows.map((r) => [String(r.key), r.name]));
  }

  private async prices(): Promise<ReportSettings> {
    return this.deps.settings.get('reports');
  }

  /** 发送量与费用: messages and parts by day (chart) and by the chosen group (table), with the cost at the entered price per part. */
  private async volume(query: ReportQuery): Promise<ReportResult> {
    const groupBy = query.groupBy ?? 'day';
    const column = { day: 'day', modem: 'modem_id', operator: 'created_by', source: 'source', category: 'category', store: 'store_code' }[groupBy];
    // The chart per day, and the day and modem tables, from the day totals; the other groups from the months and days with every column.
    const chartRows = await this.dayTotals(query, ['day', 'modem_id']);
    const rows =
      groupBy === 'day' || groupBy === 'modem' ? chartRows : groupBy === 'store' ? await this.dayTotals(query, ['store_code', 'modem_id']) : await this.sums(query, [column, 'modem_id']);
    const prices = await this.prices();
    const days = daysFrom(query.from, query.to);
    const byDay = new Map(days.map((d) => [d, { messages: 0, partsSent: 0, cost: 0 }]));
    for (const row of chartRows) {
      const day = byDay.get(row['day']!);
      if (!day) continue;
      day.messages += row.messages;
      day.partsSent += row.parts_sent;
      day.cost += row.parts_sent * priceOf(prices, row['modem_id']!);
    }
    const groups = new Map<string, Record<string, number>>();
    for (const row of rows) {
      const cost = row.parts_sent * priceOf(prices, row['modem_id']!);
      const key = String(row[column] ?? '');
      const g = groups.get(key) ?? { messages: 0, out: 0, partsSent: 0, cost: 0, delivered: 0, failed: 0, blocked: 0, waiting: 0 };
      g.messages! += row.messages;
      g.out! += outOf(row);
      g.partsSent! += row.parts_sent;
      g.cost! += cost;
      g.delivered! += row.delivered;
      g.failed! += row.failed;
      g.blocked! += row.blocked;
      g.waiting! += row.waiting;
      groups.set(key, g);
    }
    const labels = groupBy === 'modem' ? await this.names('modems') : groupBy === 'store' ? await this.names('stores') : new Map<string, string>();
    const tableRows = [...groups.entries()]
      .sort((a, b) => (groupBy === 'day' ? a[0].localeCompare(b[0]) : b[1].messages! - a[1].messages!))
      .map(([key, g]) => ({ group: key, groupLabel: labels.get(key) ?? null, ...g }));
    const totals: Record<string, ReportCell> = { group: null, groupLabel: null };
    for (const k of ['messages', 'out', 'partsSent', 'cost', 'delivered', 'failed', 'blocked', 'waiting']) totals[k] = tableRows.reduce((s, r) => s + Number(r[k as keyof typeof r] ?? 0), 0);
    const series = [...byDay.values()];
    return {
      ...this.base('volume', query),
      empty: tableRows.length === 0,
      chart: {
        categories: days,
        series: [
          { key: 'messages', type: 'bar', axis: 'count', values: series.map((d) => d.messages) },
          { key: 'partsSent', type: 'bar', axis: 'count', values: series.map((d) => d.partsSent) },
          { key: 'cost', type: 'line', axis: 'money', values: series.map((d) => d.cost) },
        ],
      },
      columns: [
        { key: 'group', kind: groupBy === 'day' ? 'text' : groupBy === 'source' || groupBy === 'category' ? 'code' : 'text' },
        { key: 'messages', kind: 'count' },
        { key: 'out', kind: 'count' },
        { key: 'partsSent', kind: 'count' },
        { key: 'cost', kind: 'money' },
        { key: 'delivered', kind: 'count' },
        { key: 'failed', kind: 'count' },
        { key: 'blocked', kind: 'count' },
        { key: 'waiting', kind: 'count' },
      ],
      rows: tableRows,
      totals,
    };
  }

  /** 送达率: delivered and failed per day (chart), and per modem (table). */
  private async delivery(query: ReportQuery): Promise<ReportResult> {
    const rows = await this.dayTotals(query, ['day', 'modem_id']);
    const days = daysFrom(query.from, query.to);
    const byDay = new Map(days.map((d) => [d, { out: 0, delivered: 0, failed: 0 }]));
    const byModem = new Map<string, { out: number; delivered: number; failed: number; pending: number; unknown: number }>();
    for (const row of rows) {
      const out = outOf(row);
      const day = byDay.get(row['day']!);
      if (day) {
        day.out += out;
        day.delivered += row.delivered;
        day.failed += row.failed;
      }
      if (out === 0) continue;
      const modemId = row['modem_id']!;
      const m = byModem.get(modemId) ?? { out: 0, delivered: 0, failed: 0, pending: 0, unknown: 0 };
      m.out += out;
      m.delivered += row.delivered;
      m.failed += row.failed;
      m.pending += row.sent;
      m.unknown += row.unknown;
      byModem.set(modemId, m);
    }
    const names = await this.names('modems');
    const tableRows = [...byModem.entries()]
      .sort((a, b) => b[1].out - a[1].out)
      .map(([modemId, m]) => ({ group: modemId, groupLabel: names.get(modemId) ?? null, ...m, deliveryRate: ratio(m.delivered, m.out), failureRate: ratio(m.failed, m.out) }));
    const sum = (k: 'out' | 'delivered' | 'failed' | 'pending' | 'unknown') => tableRows.reduce((s, r) => s + r[k], 0);
    const series = [...byDay.values()];
    return {
      ...this.base('delivery', query),
      empty: tableRows.length === 0,
      chart: {
        categories: days,
        series: [
          { key: 'delivered', type: 'bar', axis: 'count', stack: 'outcome', values: series.map((d) => d.delivered) },
          { key: 'failed', type: 'bar', axis: 'count', stack: 'outcome', values: series.map((d) => d.failed) },
          { key: 'deliveryRate', type: 'line', axis: 'percent', values: series.map((d) => ratio(d.delivered, d.out)) },
        ],
      },
      columns: [
        { key: 'group', kind: 'text' },
        { key: 'out', kind: 'count' },
        { key: 'delivered', kind: 'count' },
        { key: 'failed', kind: 'count' },
        { key: 'pending', kind: 'count' },
        { key: 'unknown', kind: 'count' },
        { key: 'deliveryRate', kind: 'percent' },
        { key: 'failureRate', kind: 'percent' },
      ],
      rows: tableRows,
      totals: {
        group: null,
        groupLabel: null,
        out: sum('out'),
        delivered: sum('delivered'),
        failed: sum('failed'),
        pending: sum('pending'),
        unknown: sum('unknown'),
        deliveryRate: ratio(sum('delivered'), sum('out')),
        failureRate: ratio(sum('failed'), sum('out')),
      },
    };
  }

  /**
   * 活动效果: every bulk send in the range (campaign runs, survey invitations,
   * strategy pushes, sends typed in 短信) with how it went. Replies to single
   * customers are left out. Cost at each modem's price per part (a batch may
   * span modems).
   */
  private async campaigns(query: ReportQuery): Promise<ReportResult> {
    const timeZone = await this.timeZone();
    const from = startOfDay(timeZone, query.from);
    const to = startOfDay(timeZone, addDays(query.to, 1));
    // The latest batches first (the created_at index answers in order), then only their totals.
    const batches = this.db('outbox_batches as b')
      .where('b.created_at', '>=', from)
      .where('b.created_at', '<', to)
      .whereNot('b.kind', 'reply')
      .whereExists((t) => {
        void t.select(this.db.raw('1')).from('batch_totals as t').whereRaw('t.batch_id = b.id');
        if (query.storeCode !== undefined) void t.where('t.store_code', query.storeCode);
      })
      .select('b.id', 'b.label', 'b.kind', 'b.created_at', 'b.created_by')
      .orderBy('b.created_at', 'desc')
      .limit(MAX_CAMPAIGN_ROWS);
    const listed = (await batches) as Array<Record<string, unknown>>;
    const totals = await this.batchTotals(
      listed.map((r) => String(r['id'])),
      query.storeCode,
    );
    const rows = listed.map((r) => ({ ...r, ...totals.get(String(r['id'])) }) as Record<string, unknown>);
    const cost = new Map([...totals].map(([id, t]) => [id, t.cost]));
    const tableRows = rows.map((r) => {
      const n = (k: string) => Number(r[k] ?? 0);
      const out = n('sent') + n('delivered') + n('failed') + n('unknown');
      return {
        group: String(r['id']),
        label: String(r['label'] ?? ''),
        kind: String(r['kind'] ?? ''),
        createdAt: Number(r['created_at']),
        createdBy: String(r['created_by'] ?? ''),
        messages: n('messages'),
        out,
        delivered: n('delivered'),
        failed: n('failed'),
        blocked: n('blocked'),
        waiting: n('waiting'),
        deliveryRate: ratio(n('delivered'), out),
        partsSent: n('parts_sent'),
        cost: cost.get(String(r['id'])) ?? 0,
      };
    });
    const top = [...tableRows].sort((a, b) => b.messages - a.messages).slice(0, 12);
    const total = (k: 'messages' | 'out' | 'delivered' | 'failed' | 'blocked' | 'waiting' | 'partsSent' | 'cost') => tableRows.reduce((s, r) => s + r[k], 0);
    return {
      ...this.base('campaigns', query),
      empty: tableRows.length === 0,
      chart: {
        categories: top.map((r) => r.label.slice(0, 16)),
        series: [
          { key: 'delivered', type: 'bar', axis: 'count', stack: 'outcome', values: top.map((r) => r.delivered) },
          { key: 'failed', type: 'bar', axis: 'count', stack: 'outcome', values: top.map((r) => r.failed) },
          { key: 'blocked', type: 'bar', axis: 'count', stack: 'outcome', values: top.map((r) => r.blocked) },
        ],
      },
      columns: [
        { key: 'label', kind: 'text' },
        { key: 'kind', kind: 'code' },
        { key: 'createdAt', kind: 'time' },
        { key: 'createdBy', kind: 'text' },
        { key: 'messages', kind: 'count' },
        { key: 'delivered', kind: 'count' },
        { key: 'failed', kind: 'count' },
        { key: 'blocked', kind: 'count' },
        { key: 'deliveryRate', kind: 'percent' },
        { key: 'partsSent', kind: 'count' },
        { key: 'cost', kind: 'money' },
      ],
      rows: tableRows,
      totals: {
        label: null,
        messages: total('messages'),
        out: total('out'),
        delivered: total('delivered'),
        failed: total('failed'),
        blocked: total('blocked'),
        waiting: total('waiting'),
        deliveryRate: ratio(total('delivered'), total('out')),
        partsSent: total('partsSent'),
        cost: total('cost'),
      },
    };
  }

  /** Each batch's counts, and its billed parts at the price of the modem that sent them. */
  private async batchTotals(batchIds: string[], storeCode: string | undefined): Promise<Map<string, Record<string, number>>> {
    const prices = await this.prices();
    const totals = new Map<string, Record<string, number>>();
    for (let i = 0; i < batchIds.length; i += 200) {
      const q = this.db('batch_totals')
        .whereIn('batch_id', batchIds.slice(i, i + 200))
        .groupBy('batch_id', 'modem_id')
        .select('batch_id', 'modem_id', ...SUMS.map((c) => this.db.raw(`SUM(${c}) AS ${c}`)));
      if (storeCode !== undefined) q.where('store_code', storeCode);
      for (const r of (await q) as Array<Record<string, unknown> & { batch_id: string; modem_id: string }>) {
        const t = totals.get(r.batch_id) ?? totals.set(r.batch_id, Object.fromEntries([...SUMS, 'cost'].map((c) => [c, 0]))).get(r.batch_id)!;
        for (const c of SUMS) t[c]! += Number(r[c] ?? 0);
        t['cost']! += Number(r['parts_sent'] ?? 0) * priceOf(prices, r.modem_id);
      }
    }
    return totals;
  }

  /** 问卷结果: each survey with sessions or answers in the range: rates, the first satisfaction rating's mean, the first NPS question. */
  private async surveyResults(query: ReportQuery): Promise<ReportResult> {
    const timeZone = await this.timeZone();
    const from = startOfDay(timeZone, query.from);
    const to = startOfDay(timeZone, addDays(query.to, 1));
    const active = (await this.db('surveys as s')
      .whereExists((q) =>
        void q
          .select(this.db.raw('1'))
          .from('survey_sessions as x')
          .whereRaw('x.survey_id = s.id')
          .where((w) => void w.whereBetween('x.invited_at', [from, to - 1]).orWhereBetween('x.last_activity_at', [from, to - 1])),
      )
      .select('s.id', 's.title', 's.state')
      .orderBy('s.id', 'desc')
      .limit(200)) as Array<{ id: number; title: string; state: string }>;
    const tableRows: Array<Record<string, ReportCell>> = [];
    for (const survey of active) {
      const stats = await this.deps.surveys.statistics(Number(survey.id), { storeCode: query.storeCode, from, to });
      const satisfaction = stats.questions.find((q) => q.kind === 'rating' && q.scale === '1-5' && q.mean !== null);
      const nps = stats.questions.find((q) => q.nps !== null);
      tableRows.push({
        group: String(survey.id),
        label: survey.title,
        state: survey.state,
        invited: stats.totals.invited,
        responded: stats.totals.responded,
        completed: stats.totals.completed,
        responseRate: stats.responseRate,
        completionRate: stats.completionRate,
        meanRating: satisfaction?.mean ?? null,
        nps: nps?.nps?.score ?? null,
      });
    }
    const sum = (k: string) => tableRows.reduce((s, r) => s + Number(r[k] ?? 0), 0);
    return {
      ...this.base('surveys', query),
      empty: tableRows.length === 0,
      chart: {
        categories: tableRows.map((r) => String(r['label']).slice(0, 16)),
        series: [
          { key: 'responseRate', type: 'bar', axis: 'percent', values: tableRows.map((r) => r['responseRate'] as number | null) },
          { key: 'completionRate', type: 'bar', axis: 'percent', values: tableRows.map((r) => r['completionRate'] as number | null) },
        ],
      },
      columns: [
        { key: 'label', kind: 'text' },
        { key: 'state', kind: 'code' },
        { key: 'invited', kind: 'count' },
        { key: 'responded', kind: 'count' },
        { key: 'completed', kind: 'count' },
        { key: 'responseRate', kind: 'percent' },
        { key: 'completionRate', kind: 'percent' },
        { key: 'meanRating', kind: 'number' },
        { key: 'nps', kind: 'number' },
      ],
      rows: tableRows,
      totals: { label: null, invited: sum('invited'), responded: sum('responded'), completed: sum('completed'), responseRate: null, completionRate: null, meanRating: null, nps: null },
    };
  }

  /** 投诉建议统计: from the feedback tickets, when they are wired (their daily figures). */
  private async feedback(query: ReportQuery): Promise<ReportResult> {
    const days = daysFrom(query.from, query.to);
    const source = this.deps.feedback;
    const configured = source.configured && typeof source.daily === 'function';
    const rows = configured ? await source.daily!({ from: query.from, to: query.to, storeCode: query.storeCode }) : [];
    const byDay = new Map(rows.map((r) => [r.day, r]));
    const tableRows = rows.filter((r) => r.received + r.closed + r.overdue > 0).map((r) => ({ group: r.day, received: r.received, closed: r.closed, overdue: r.overdue }));
    const sum = (k: 'received' | 'closed' | 'overdue') => rows.reduce((s, r) => s + r[k], 0);
    return {
      ...this.base('feedback', query),
      configured,
      empty: tableRows.length === 0,
      chart: {
        categories: days,
        series: [
          { key: 'received', type: 'bar', axis: 'count', values: days.map((d) => byDay.get(d)?.received ?? 0) },
          { key: 'closed', type: 'bar', axis: 'count', values: days.map((d) => byDay.get(d)?.closed ?? 0) },
          { key: 'overdue', type: 'line', axis: 'count', values: days.map((d) => byDay.get(d)?.overdue ?? 0) },
        ],
      },
      columns: [
        { key: 'group', kind: 'text' },
        { key: 'received', kind: 'count' },
        { key: 'closed', kind: 'count' },
        { key: 'overdue', kind: 'count' },
      ],
      rows: tableRows,
      totals: { group: null, received: sum('received'), closed: sum('closed'), overdue: sum('overdue') },
    };
  }

  /** 退订: TD texts per day beside the commercial (care, marketing) messages that went out, and opt-outs per thousand of them. */
  private async optOuts(query: ReportQuery): Promise<ReportResult> {
    const days = daysFrom(query.from, query.to);
    const inbound = this.db('inbound_daily').whereBetween('day', [query.from, query.to]).groupBy('day').select('day', this.db.raw('SUM(opt_outs) AS opt_outs'), this.db.raw('SUM(received) AS received'));
    if (query.storeCode !== undefined) inbound.where('store_code', query.storeCode);
    const inRows = (await inbound) as Array<{ day: string; opt_outs: number | string; received: number | string }>;
    const commercial = await this.dayTotals(query, ['day']);
    const byDay = new Map(days.map((d) => [d, { optOuts: 0, received: 0, commercialOut: 0 }]));
    for (const r of inRows) {
      const d = byDay.get(r.day);
      if (d) {
        d.optOuts += Number(r.opt_outs);
        d.received += Number(r.received);
      }
    }
    for (const r of commercial) {
      const d = byDay.get(r['day']!);
      if (d) d.commercialOut += r.commercial_out;
    }
    const perThousand = (optOuts: number, out: number) => (out > 0 ? (optOuts / out) * 1000 : null);
    const tableRows = [...byDay.entries()]
      .filter(([, d]) => d.optOuts + d.received + d.commercialOut > 0)
      .map(([day, d]) => ({ group: day, optOuts: d.optOuts, received: d.received, commercialOut: d.commercialOut, perThousand: perThousand(d.optOuts, d.commercialOut) }));
    const sum = (k: 'optOuts' | 'received' | 'commercialOut') => tableRows.reduce((s, r) => s + r[k], 0);
    return {
      ...this.base('opt-outs', query),
      empty: tableRows.length === 0,
      chart: {
        categories: days,
        series: [
          { key: 'optOuts', type: 'bar', axis: 'count', values: days.map((d) => byDay.get(d)!.optOuts) },
          { key: 'perThousand', type: 'line', axis: 'number', values: days.map((d) => perThousand(byDay.get(d)!.optOuts, byDay.get(d)!.commercialOut)) },
        ],
      },
      columns: [
        { key: 'group', kind: 'text' },
        { key: 'optOuts', kind: 'count' },
        { key: 'commercialOut', kind: 'count' },
        { key: 'perThousand', kind: 'number' },
        { key: 'received', kind: 'count' },
      ],
      rows: tableRows,
      totals: { group: null, optOuts: sum('optOuts'), commercialOut: sum('commercialOut'), perThousand: perThousand(sum('optOuts'), sum('commercialOut')), received: sum('received') },
    };
  }

  /** The store's price per SMS part and each modem's own, for the 短信费用 form. */
  async priceSettings(): Promise<PriceSettings> {
    const prices = await this.prices();
    const names = await this.names('modems');
    const modems = [...names].map(([modemId, name]) => ({ modemId, name: name as string | null }));
    for (const p of prices.modemPrices) if (!names.has(p.modemId)) modems.push({ modemId: p.modemId, name: null });
    return { ...prices, modems };
  }

  /**
   * Saves the prices (audited as a settings change). A price may name a modem of
   * the appliance, or one already priced (a removed modem's history keeps its
   * price); the reports' costs follow at once, nothing is recounted.
   */
  async setPrices(actor: AuditActor, input: ReportSettings): Promise<PriceSettings> {
    const valid = validateReportSettings(input);
    const known = new Set([...(await this.names('modems')).keys(), ...(await this.prices()).modemPrices.map((p) => p.modemId)]);
    const unknown = valid.modemPrices.find((p) => !known.has(p.modemId));
    if (unknown) throw new ReportError('REPORT_PRICE_UNKNOWN_MODEM', `There is no modem ${unknown.modemId}; choose one from the list.`, 400, { modemId: unknown.modemId });
    await this.deps.settings.update(actor, { reports: valid });
    return this.priceSettings();
  }

  async recordExport(actor: AuditActor, kind: ReportKind, query: ReportQuery): Promise<void> {
    await this.deps.audit.record(actor, 'reports.export', kind, { from: query.from, to: query.to, storeCode: query.storeCode ?? null, groupBy: query.groupBy ?? null });
  }
}
