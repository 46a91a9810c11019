import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { AuditActor, AuditLog } from '../auth/audit.js';
import type { Clock } from '../clock.js';
import { AppError } from '../errors.js';
import type { Settings } from '../settings/settings.js';
import { surveySheets } from '../surveys/export.js';
import type { Surveys } from '../surveys/surveys.js';
import { addDays, formatLocalTime, localDate, startOfDay } from './days.js';
import { reportSheet, reportTitle } from './report-sheet.js';
import { REPORT_KINDS, type ReportKind, type ReportResult, type Reports } from './reports.js';
import type { MailOutbox, MailPurpose } from './sources.js';
import type { FileLanguage } from './words.js';
import { workbookBuffer, type Sheet } from './xlsx.js';

/**
 * Reports e-mailed on a schedule (报表定时发送), among them the periodic
 * satisfaction report of the surveys (满意度调查统计报告): weekly (Mondays) or
 * monthly (the 1st), at an hour the store picks, covering the period just
 * ended, as an XLSX attachment with a short HTML summary.
 *
 * Persist before acting: a run is a row (`pending`) before the report is made
 * and the mail queued; a run left pending by a stop is retried at the next
 * tick; one period is sent once (unique schedule + period).
 */
export const SCHEDULED_REPORTS = ['satisfaction', ...REPORT_KINDS] as const;
export type ScheduledReport = (typeof SCHEDULED_REPORTS)[number];
export const CADENCES = ['daily', 'weekly', 'monthly'] as const;
export type Cadence = (typeof CADENCES)[number];

export interface ScheduleInput {
  report: ScheduledReport;
  cadence: Cadence;
  /** Local hour the mail goes out, 0–23. */
  hour: number;
  storeCode?: string | null | undefined;
  language?: FileLanguage | undefined;
  enabled: boolean;
}

export interface ReportSchedule extends Required<Omit<ScheduleInput, 'storeCode'>> {
  id: number;
  storeCode: string | null;
  purpose: MailPurpose;
  nextRunAt: number;
  lastRunAt: number | null;
  lastRun: { state: 'pending' | 'sent' | 'failed'; periodFrom: string; periodTo: string; errorCode: string | null; errorMessage: string | null; finishedAt: number | null } | null;
}

export class ScheduleError extends AppError {}

interface ScheduleRow {
  id: number;
  report: ScheduledReport;
  params: string;
  cadence: Cadence;
  hour: number;
  purpose: MailPurpose;
  enabled: number | boolean;
  next_run_at: number | string;
  last_run_at: number | string | null;
}

/** The period a run on `runDay` covers: the day, week (Mon–Sun) or month just ended. Pure. */
export function periodBefore(cadence: Cadence, runDay: string): { from: string; to: string } {
  const to = addDays(runDay, -1);
  if (cadence === 'daily') return { from: to, to };
  if (cadence === 'weekly') {
    const weekday = (new Date(`${to}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday 0
    return { from: addDays(to, -weekday), to };
  }
  return { from: `${to.slice(0, 8)}01`, to };
}

/** The first run day after `day`: tomorrow, next Monday, or the 1st of next month. Pure. */
export function nextRunDay(cadence: Cadence, day: string): string {
  if (cadence === 'daily') return addDays(day, 1);
  if (cadence === 'weekly') {
    const weekday = (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;
    return addDays(day, 7 - weekday);
  }
  const [y, m] = day.split('-').map(Number);
  return new Date(Date.UTC(y!, m!, 1)).toISOString().slice(0, 10);
}

function checkInput(input: ScheduleInput): void {
  if (!SCHEDULED_REPORTS.includes(input.report)) throw new ScheduleError('SCHEDULE_INVALID', `There is no report "${input.report}"; choose one of the listed reports.`, 400);
  if (!CADENCES.includes(input.cadence)) throw new ScheduleError('SCHEDULE_INVALID', 'Choose daily, weekly or monthly.', 400);
  if (!Number.isInteger(input.hour) || input.hour < 0 || input.hour > 23) throw new ScheduleError('SCHEDULE_INVALID', 'The hour must be 0 to 23.', 400);
}

export interface ReportSchedulesDeps {
  db: Knex;
  clock: Clock;
  logger: Logger;
  audit: AuditLog;
  settings: Settings;
  reports: Reports;
  surveys: Surveys;
  mail: MailOutbox;
}

export class ReportSchedules {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(private readonly deps: ReportSchedulesDeps) {}

  private get db(): Knex {
    return this.deps.db;
  }

  private async timeZone(): Promise<string> {
    return (await this.deps.settings.get('policy')).timeZone;
  }

  start(): () => Promise<void> {
    const tick = () => {
      this.runDue().catch((error: unknown) => this.deps.logger.warn({ err: error }, 'scheduled reports failed'));
    };
    this.timer = setInterval(tick, 60_000);
    this.timer.unref();
    tick();
    return () => this.stop();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private async firstRun(cadence: Cadence, hour: number): Promise<number> {
    const timeZone = await this.timeZone();
    const now = this.deps.clock.now();
    const today = localDate(timeZone, now);
    const atToday = startOfDay(timeZone, today) + hour * 3_600_000;
    // A daily report can still go out today; weekly and monthly ones wait for their day.
    const day = cadence === 'daily' && atToday > now ? today : nextRunDay(cadence, today);
    return startOfDay(timeZone, day) + hour * 3_600_000;
  }

  private async toSchedule(row: ScheduleRow): Promise<ReportSchedule> {
    const params = JSON.parse(row.params) as { storeCode?: string | null; language?: FileLanguage };
    const run = (await this.db('report_runs').where('schedule_id', row.id).orderBy('id', 'desc').first()) as
      | { state: 'pending' | 'sent' | 'failed'; period_from: number | string; period_to: number | string; error_code: string | null; error_message: string | null; finished_at: number | string | null }
      | undefined;
    const timeZone = await this.timeZone();
    return {
      id: Number(row.id),
      report: row.report,
      cadence: row.cadence,
      hour: Number(row.hour),
      storeCode: params.storeCode ?? null,
      language: params.language ?? 'zh-CN',
      enabled: Boolean(row.enabled),
      purpose: row.purpose,
      nextRunAt: Number(row.next_run_at),
      lastRunAt: row.last_run_at === null ? null : Number(row.last_run_at),
      lastRun: run
        ? {
            state: run.state,
            periodFrom: localDate(timeZone, Number(run.period_from)),
            periodTo: localDate(timeZone, Number(run.period_to) - 1),
            errorCode: run.error_code,
            errorMessage: run.error_message,
            finishedAt: run.finished_at === null ? null : Number(run.finished_at),
          }
        : null,
    };
  }

  async list(): Promise<ReportSchedule[]> {
    const rows = (await this.db('report_schedules').orderBy('id')) as ScheduleRow[];
    return Promise.all(rows.map((r) => this.toSchedule(r)));
  }

  async get(id: number): Promise<ReportSchedule> {
    const row = (await this.db('report_schedules').where('id', id).first()) as ScheduleRow | undefined;
    if (!row) throw new ScheduleError('SCHEDULE_NOT_FOUND', `There is no report schedule ${id}; reload the page.`, 404);
    return this.toSchedule(row);
  }

  async create(actor: AuditActor, input: ScheduleInput): Promise<ReportSchedule> {
    checkInput(input);
    const now = this.deps.clock.now();
    const id = await this.db.transaction(async (trx) => {
      const [row] = (await trx('report_schedules')
        .insert({
          report: input.report,
          params: JSON.stringify({ storeCode: input.storeCode ?? null, language: input.language ?? 'zh-CN' }),
          cadence: input.cadence,
          hour: input.hour,
          purpose: input.report === 'satisfaction' || input.report === 'surveys' ? 'survey-reports' : 'reports',
          enabled: input.enabled,
          next_run_at: await this.firstRun(input.cadence, input.hour),
          created_by: actor.username,
          created_at: now,
          updated_at: now,
        })
        .returning('id')) as Array<{ id: number } | number>;
      const newId = typeof row === 'object' ? Number(row.id) : Number(row);
      await this.deps.audit.record(actor, 'reports.schedule.create', `report-schedule:${newId}`, { report: input.report, cadence: input.cadence, hour: input.hour }, trx);
      return newId;
    });
    return this.get(id);
  }

  async update(actor: AuditActor, id: number, input: ScheduleInput): Promise<ReportSchedule> {
    checkInput(input);
    await this.get(id);
    await this.db.transaction(async (trx) => {
      await trx('report_schedules')
        .where('id', id)
        .update({
          report: input.report,
          params: JSON.stringify({ storeCode: input.storeCode ?? null, language: input.language ?? 'zh-CN' }),
          cadence: input.cadence,
          hour: input.hour,
          enabled: input.enabled,
          next_run_at: await this.firstRun(input.cadence, input.hour),
          updated_at: this.deps.clock.now(),
        });
      await this.deps.audit.record(actor, 'reports.schedule.update', `report-schedule:${id}`, { report: input.report, cadence: input.cadence, hour: input.hour, enabled: input.enabled }, trx);
    });
    return this.get(id);
  }

  async remove(actor: AuditActor, id: number): Promise<void> {
    await this.get(id);
    await this.db.transaction(async (trx) => {
      await trx('report_runs').where('schedule_id', id).delete();
      await trx('report_schedules').where('id', id).delete();
      await this.deps.audit.record(actor, 'reports.schedule.delete', `report-schedule:${id}`, null, trx);
    });
  }

  /** Sends every report that is due (and retries runs a stop left pending); one pass at a time. */
  runDue(): Promise<number> {
    this.running ??= this.runDueOnce().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async runDueOnce(): Promise<number> {
    const now = this.deps.clock.now();
    const timeZone = await this.timeZone();
    const due = (await this.db('report_schedules').where('enabled', true).where('next_run_at', '<=', now)) as ScheduleRow[];
    for (const row of due) {
      const runDay = localDate(timeZone, Number(row.next_run_at));
      const period = periodBefore(row.cadence, runDay);
      await this.db.transaction(async (trx) => {
        await trx('report_runs')
          .insert({ schedule_id: row.id, period_from: startOfDay(timeZone, period.from), period_to: startOfDay(timeZone, addDays(period.to, 1)), state: 'pending', created_at: now })
          .onConflict(['schedule_id', 'period_from'])
          .ignore();
        // Missed periods (the appliance was off) are not sent late one by one: the next run covers the next period.
        let next = nextRunDay(row.cadence, runDay);
        while (startOfDay(timeZone, next) + Number(row.hour) * 3_600_000 <= now) next = nextRunDay(row.cadence, next);
        await trx('report_schedules').where('id', row.id).update({ next_run_at: startOfDay(timeZone, next) + Number(row.hour) * 3_600_000, last_run_at: now });
      });
    }
    const pending = (await this.db('report_runs as r').join('report_schedules as s', 's.id', 'r.schedule_id').where('r.state', 'pending').select('r.id', 'r.period_from', 'r.period_to', 's.report', 's.params', 's.purpose')) as Array<{
      id: number;
      period_from: number | string;
      period_to: number | string;
      report: ScheduledReport;
      params: string;
      purpose: MailPurpose;
    }>;
    for (const run of pending) {
      const params = JSON.parse(run.params) as { storeCode?: string | null; language?: FileLanguage };
      const range = { from: localDate(timeZone, Number(run.period_from)), to: localDate(timeZone, Number(run.period_to) - 1) };
      try {
        const mail = await this.compose(run.report, range, params.storeCode ?? undefined, params.language ?? 'zh-CN', timeZone);
        const { id } = await this.deps.mail.enqueue({ purpose: run.purpose, ...mail });
        await this.db('report_runs').where('id', run.id).update({ state: 'sent', mail_id: id, finished_at: this.deps.clock.now() });
      } catch (error) {
        const code = error instanceof AppError ? error.code : 'REPORT_FAILED';
        const message = error instanceof Error ? error.message : String(error);
        this.deps.logger.warn({ err: error, runId: run.id }, 'scheduled report not sent');
        await this.db('report_runs').where('id', run.id).update({ state: 'failed', error_code: code.slice(0, 40), error_message: message.slice(0, 1000), finished_at: this.deps.clock.now() });
      }
    }
    return pending.length;
  }

  /** The mail of one run: subject, a short HTML summary and the XLSX. */
  async compose(report: ScheduledReport, range: { from: string; to: string }, storeCode: string | undefined, language: FileLanguage, timeZone: string) {
    const formatTime = (ms: number) => formatLocalTime(timeZone, ms);
    const kind: ReportKind = report === 'satisfaction' ? 'surveys' : report;
    const result = await this.deps.reports.run(kind, { ...range, storeCode });
    const sheets: Sheet[] = [reportSheet(result, language, formatTime)];
    if (report === 'satisfaction') {
      const from = startOfDay(timeZone, range.from);
      const to = startOfDay(timeZone, addDays(range.to, 1));
      for (const row of result.rows) {
        const surveyId = Number(row['group']);
        const survey = await this.deps.surveys.get(surveyId);
        const statistics = await this.deps.surveys.statistics(surveyId, { storeCode, from, to });
        // No numbers or names in a mailed report: the overview and the questions only.
        sheets.push(...surveySheets({ survey, statistics, crossTabs: [], respondents: [], textAnswers: [], language, formatTime }).slice(0, 2));
      }
    }
    const title = report === 'satisfaction' ? (language === 'en' ? 'Satisfaction survey report' : '满意度调查统计报告') : reportTitle(kind, language);
    const subject = `${title} ${range.from} – ${range.to}`;
    return { subject, html: summaryHtml(title, range, result, language), text: subject, attachments: [{ filename: `${title}-${range.from}-${range.to}.xlsx`, content: await workbookBuffer(sheets), contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }] };
  }
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A few lines a manager reads on the phone before opening the attachment. Survey titles are staff text: escaped. */
export function summaryHtml(title: string, range: { from: string; to: string }, result: ReportResult, language: FileLanguage): string {
  const en = language === 'en';
  const lines: string[] = [];
  if (result.empty) lines.push(en ? 'Nothing happened in this period.' : '本期没有数据。');
  else if (result.report === 'surveys') {
    for (const row of result.rows.slice(0, 10)) {
      const rate = (v: unknown) => (typeof v === 'number' ? `${(v * 100).toFixed(1)}%` : '—');
      const mean = typeof row['meanRating'] === 'number' ? row['meanRating'].toFixed(2) : '—';
      lines.push(
        en
          ? `${escapeHtml(String(row['label']))}: ${row['invited']} invited, response ${rate(row['responseRate'])}, completion ${rate(row['completionRate'])}, mean satisfaction ${mean}`
          : `${escapeHtml(String(row['label']))}：邀请 ${row['invited']} 人，参与率 ${rate(row['responseRate'])}，完成率 ${rate(row['completionRate'])}，平均满意度 ${mean}`,
      );
    }
  } else {
    const totals = Object.entries(result.totals).filter(([, v]) => typeof v === 'number').slice(0, 6);
    lines.push(totals.map(([k, v]) => `${k}: ${String(v)}`).join(' · '));
  }
  const footer = en ? 'The full figures are in the attached Excel file.' : '完整数据见附件 Excel。';
  return `<h3>${escapeHtml(title)}</h3><p>${range.from} – ${range.to}</p><ul>${lines.map((l) => `<li>${l}</li>`).join('')}</ul><p>${footer}</p>`;
}
