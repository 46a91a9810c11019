import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../clock.js';
import { nextRunDay, periodBefore, ReportSchedules } from '../../reports/schedules.js';
import type { MailOutbox, MailRequest } from '../../reports/sources.js';
import type { SurveyDto, SurveyStatisticsDto } from '../schemas/surveys.js';
import type { BusinessDashboardDto } from '../schemas/reports.js';
import { createTestAppliance, type ApiClient, type TestAppliance } from '../../../tests/support/appliance.js';

const START = Date.UTC(2026, 11, 7, 2, 0); // 10:00 in Shanghai: no quiet hours

const SURVEY = {
  title: '收银服务满意度',
  intro: '{称呼}您好，邀您参加收银服务调查。',
  mode: 'sequential' as const,
  timeoutHours: 48,
  incentive: '完成送50积分',
  thanks: '',
  questions: [
    { kind: 'rating' as const, text: '您对收银速度满意吗？', scale: '1-5' as const },
    { kind: 'choice' as const, text: '您最常来的时间？', options: ['上午', '下午', '晚上'] },
    { kind: 'text' as const, text: '还有什么建议？' },
  ],
};

describe('surveys API and inbound sessions', () => {
  let app: TestAppliance;
  let clock: ManualClock;
  let manager: ApiClient;
  let operator: ApiClient;
  let survey: SurveyDto;
  let key = 0;

  /** A customer's text, stored as a modem would, then through the inbound chain. */
  const text = async (sender: string, body: string) => {
    clock.advance(60_000);
    const { id } = await app.services.messaging.inbox.storeInbound({ modemId: 'm1', sender, text: body, sentAt: clock.now(), partial: false, key: `k${++key}` });
    for (let i = 0; i < 200; i++) {
      const row = (await app.services.db('inbox_messages').where('id', id).first()) as { processed_at: number | null; handled_by_rule: string | null };
      if (row.processed_at !== null) return row.handled_by_rule;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`inbound ${id} was not processed`);
  };
  const lastReplyTo = async (number: string): Promise<string> => {
    const row = (await app.services.db('outbox_messages').where('recipient', number).orderBy('id', 'desc').first()) as { text: string };
    return row.text;
  };

  beforeAll(async () => {
    clock = new ManualClock(START);
    app = await createTestAppliance({ clock });
    manager = await app.client('manager');
    operator = await app.client('operator');
    const actor = { userId: null, username: 'test', ip: 'local' };
    const members = [
      { name: '张伟', gender: 'M' as const, storeCode: '01', mobile: '13800138001', birthday: '1990-03-01' },
      { name: '李娜', gender: 'F' as const, storeCode: '01', mobile: '13800138002', birthday: '1970-05-01' },
      { name: '王芳', gender: 'F' as const, storeCode: '02', mobile: '13800138003', birthday: '1985-05-01' },
      { name: '赵磊', gender: 'M' as const, storeCode: '02', mobile: '13800138004', birthday: null },
    ];
    for (const m of members) await app.services.members.create(actor, { ...m, marketingConsent: true });
  });
  afterAll(() => app.close());

  it('creates a draft; bad input is refused with a code; operators read but may not change', async () => {
    expect((await operator.post('/api/surveys', SURVEY)).statusCode).toBe(403);
    const bad = await manager.post('/api/surveys', { ...SURVEY, questions: [{ kind: 'choice', text: '选一个', options: ['只有一个'] }] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('SURVEY_INVALID');
    const created = await manager.post('/api/surveys', SURVEY);
    expect(created.statusCode).toBe(200);
    survey = created.json();
    expect(survey).toMatchObject({ state: 'draft', questions: [{ kind: 'rating', scale: '1-5' }, { kind: 'choice', options: ['上午', '下午', '晚上'] }, { kind: 'text' }] });
    expect((await operator.get('/api/surveys')).json()).toMatchObject({ total: 1, items: [{ id: survey.id, questionCount: 3 }] });
    const preview = (await operator.post('/api/surveys/preview', SURVEY)).json();
    expect(preview.invitation.text).toContain('完成送50积分');
    expect(preview.questions[0]).toContain('回复1-5');
    expect((await manager.get('/api/surveys/999999')).json().error.code).toBe('SURVEY_NOT_FOUND');
  });

  it('invites a member filter (dry run first, audited), opening the survey', async () => {
    const noAudience = await manager.post(`/api/surveys/${survey.id}/invite`, {});
    expect(noAudience.json().error.code).toBe('SURVEY_NO_AUDIENCE');
    const dry = (await manager.post(`/api/surveys/${survey.id}/invite`, { filter: {}, dryRun: true })).json();
    expect(dry).toMatchObject({ dryRun: true, total: 4, queued: 4 });
    expect(await app.services.db('outbox_messages').count({ n: '*' }).first()).toMatchObject({ n: 0 });
    expect(dry.samples[0].text).toContain('收银服务调查');
    const sent = await manager.post(`/api/surveys/${survey.id}/invite`, { filter: {} });
    expect(sent.statusCode).toBe(200);
    expect(sent.json()).toMatchObject({ dryRun: false, total: 4, queued: 4 });
    const opened = (await manager.get(`/api/surveys/${survey.id}`)).json();
    expect(opened).toMatchObject({ state: 'open', sessions: { invited: 4 } });
    // Questions are locked once invitations went out.
    const locked = await manager.put(`/api/surveys/${survey.id}`, { ...SURVEY, questions: SURVEY.questions.slice(0, 1) });
    expect(locked.json().error.code).toBe('SURVEY_LOCKED');
    const audit = (await app.services.db('audit_log').where('action', 'surveys.invite').first()) as { target: string } | undefined;
    expect(audit?.target).toBe(`survey:${survey.id}`);
  });

  it('takes answers with extra words and full-width digits, re-prompts once, and TD still opts out', async () => {
    // 张伟: "我选４分，谢谢" → rating 4; "b" → 下午; free text → completed.
    expect(await text('+8613800138001', '我选４分，谢谢')).toBe('survey');
    expect(await lastReplyTo('+8613800138001')).toContain('第2题');
    await text('+8613800138001', 'b');
    await text('+8613800138001', '收银员态度很好，就是排队久');
    // 李娜: an invalid rating gets one re-prompt, then 5, then 上午 by digit, then skips the text with another survey word.
    await text('+8613800138002', '不知道');
    expect(await lastReplyTo('+8613800138002')).toContain('未能识别');
    await text('+8613800138002', '5');
    await text('+8613800138002', '1');
    // 王芳: TD in the middle of the survey: the general opt-out handles it and the session ends.
    await text('+8613800138003', '2');
    expect(await text('+8613800138003', 'TD')).toBe('opt-out');
    // A number without a session is not taken by the survey.
    expect(await text('+8613900000009', '3')).not.toBe('survey');

    const stats = (await operator.get(`/api/surveys/${survey.id}/statistics`)).json() as SurveyStatisticsDto;
    expect(stats.totals).toMatchObject({ invited: 4, responded: 3, completed: 1, optedOut: 1, answering: 1 });
    expect(stats.completionRate).toBeCloseTo(1 / 3);
    const rating = stats.questions[0]!;
    expect(rating).toMatchObject({ kind: 'rating', answered: 3 });
    expect(rating.mean).toBeCloseTo((4 + 5 + 2) / 3);
    expect(stats.questions[1]!.distribution.map((d) => d.count)).toEqual([1, 1, 0]);

    const byGender = (await operator.get(`/api/surveys/${survey.id}/cross-tab?dimension=gender`)).json();
    const female = byGender.groups.find((g: { key: string }) => g.key === 'F');
    expect(female).toMatchObject({ invited: 2, responded: 2 });
    const found = (await operator.get(`/api/surveys/${survey.id}/text-answers?q=${encodeURIComponent('排队')}`)).json();
    expect(found).toMatchObject({ total: 1, items: [{ text: '收银员态度很好,就是排队久', memberName: '张伟' }] });
    expect((await operator.get(`/api/surveys/${survey.id}/text-answers?q=${encodeURIComponent('停车')}`)).json().total).toBe(0);
  });

  it('a late answer after the timeout is not counted', async () => {
    clock.advance(49 * 3_600_000);
    // Signed-in sessions end with the time too.
    manager = await app.client('manager');
    operator = await app.client('operator');
    // Before the sweep: the chain itself finds the session past its time, ends it, and says the answer is late.
    const repliesBefore = await app.services.db('outbox_messages').where('recipient', '+8613800138004').count({ n: '*' }).first();
    await text('+8613800138004', '3');
    expect(await lastReplyTo('+8613800138004')).toContain('未计入');
    await app.services.surveys.sessions.expireDue();
    // After the sweep: a second late answer is counted, not answered again.
    await text('+8613800138004', '4');
    const repliesAfter = await app.services.db('outbox_messages').where('recipient', '+8613800138004').count({ n: '*' }).first();
    expect(Number(repliesAfter?.n) - Number(repliesBefore?.n)).toBe(1);
    const stats = (await operator.get(`/api/surveys/${survey.id}/statistics`)).json() as SurveyStatisticsDto;
    expect(stats.totals).toMatchObject({ responded: 3, expired: 2, lateAnswers: 2 });
  });

  it('exports the result as XLSX (managers only, audited)', async () => {
    expect((await operator.get(`/api/surveys/${survey.id}/export`)).statusCode).toBe(403);
    const response = await manager.get(`/api/surveys/${survey.id}/export`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('spreadsheetml');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(response.rawPayload as unknown as ArrayBuffer);
    const names = workbook.worksheets.map((w) => w.name);
    expect(names).toContain('概况');
    const text = workbook.getWorksheet('文字回复');
    const values = JSON.stringify(text?.getSheetValues());
    expect(values).toContain('收银员态度很好,就是排队久'); // answers are read NFKC-normalised
    expect(await app.services.db('audit_log').where('action', 'surveys.export').count({ n: '*' }).first()).toMatchObject({ n: 1 });
  });

  it('the business dashboard shows figures by role; the survey report lists the survey', async () => {
    const figures = (await manager.get('/api/dashboard/business')).json() as BusinessDashboardDto;
    expect(figures.messaging?.days).toHaveLength(30);
    const total = figures.messaging!.days.reduce((s, d) => s + d.messages, 0);
    expect(total).toBe(await app.services.db('outbox_messages').count({ n: '*' }).first().then((r) => Number((r as { n: number }).n)));
    expect(figures.inbox?.optOuts.reduce((s, d) => s + d.optOuts, 0)).toBe(1);
    expect(figures.surveys).toMatchObject({ open: 1 });
    expect(figures.feedback).toMatchObject({ configured: true, overdue: 0 }); // the tickets, read through the wired feedback service
    const operatorView = (await operator.get('/api/dashboard/business')).json() as BusinessDashboardDto;
    expect(operatorView.mail).toBeUndefined();
    expect((await operator.get(`/api/reports/surveys?from=${figures.today}&to=${figures.today}`)).statusCode).toBe(403);
    const report = (await manager.get(`/api/reports/surveys?from=2026-12-07&to=${figures.today}`)).json();
    expect(report.rows).toEqual([expect.objectContaining({ label: '收银服务满意度', invited: 4, completed: 1 })]);
    const backwards = await manager.get('/api/reports/volume?from=2026-12-09&to=2026-12-01');
    expect(backwards.json().error.code).toBe('REPORT_RANGE_INVALID');
  });

  it('mails the weekly satisfaction report with its XLSX on Monday; without e-mail the run fails visibly', async () => {
    expect(periodBefore('weekly', '2026-12-14')).toEqual({ from: '2026-12-07', to: '2026-12-13' });
    expect(periodBefore('monthly', '2027-01-01')).toEqual({ from: '2026-12-01', to: '2026-12-31' });
    expect(nextRunDay('weekly', '2026-12-09')).toBe('2026-12-14');
    expect(nextRunDay('monthly', '2026-12-31')).toBe('2027-01-01');

    manager = await app.client('manager');
    const created = await manager.post('/api/reports/schedules', { report: 'satisfaction', cadence: 'weekly', hour: 8, enabled: true });
    expect(created.statusCode).toBe(200);
    expect(created.json().nextRunAt).toBe(Date.UTC(2026, 11, 14, 0, 0)); // Monday 08:00 in Shanghai
    expect((await operator.post('/api/reports/schedules', { report: 'volume', cadence: 'daily', hour: 8, enabled: true })).statusCode).toBe(403);

    // The appliance's own schedules: e-mail not set up, so Monday's run is recorded as failed with the reason.
    const s = app.services;
    expect(await s.reportSchedules.runDue()).toBe(0); // not Monday yet
    clock.set(Date.UTC(2026, 11, 14, 0, 1));
    expect(await s.reportSchedules.runDue()).toBe(1);
    expect(await s.reportSchedules.runDue()).toBe(0); // a period is tried once
    manager = await app.client('manager');
    const listed = (await manager.get('/api/reports/schedules')).json().items[0];
    expect(listed.lastRun).toMatchObject({ state: 'failed', errorCode: 'MAIL_NOT_CONFIGURED', periodFrom: '2026-12-07', periodTo: '2026-12-13' });
    expect(listed.nextRunAt).toBe(Date.UTC(2026, 11, 21, 0, 0));

    // With e-mail: the next Monday's mail goes out (a week without answers says so), and the report
    // of the survey's week carries its figures in the XLSX, without respondents' numbers.
    const sent: MailRequest[] = [];
    const capture: MailOutbox = {
      configured: true,
      enqueue: (mail) => {
        sent.push(mail);
        return Promise.resolve({ id: sent.length });
      },
      status: () => Promise.resolve({ configured: true, failedRecently: 0, queued: 0, lastError: null }),
    };
    const schedules = new ReportSchedules({ db: s.db, clock, logger: s.logger, audit: s.audit, settings: s.settings, reports: s.reports, surveys: s.surveys, mail: capture });
    clock.set(Date.UTC(2026, 11, 21, 0, 1));
    expect(await schedules.runDue()).toBe(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ purpose: 'survey-reports', subject: '满意度调查统计报告 2026-12-14 – 2026-12-20' });
    expect(sent[0]!.html).toContain('本期没有数据');
    const mail = await schedules.compose('satisfaction', { from: '2026-12-07', to: '2026-12-13' }, undefined, 'zh-CN', 'Asia/Shanghai');
    expect(mail.html).toContain('收银服务满意度');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(mail.attachments[0]!.content as unknown as ArrayBuffer);
    const all = JSON.stringify(workbook.worksheets.map((w) => w.getSheetValues()));
    expect(all).toContain('收银服务满意度');
    expect(all).toContain('您对收银速度满意吗');
    expect(all).not.toContain('+8613800138001');
  });
});
