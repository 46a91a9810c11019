import { adminApi, type ApiSession } from './support/api';
import { expect, snap, test } from './support/fixtures';
import type { RunningAppliance } from './support/appliance';

interface MemberPage {
  items: Array<{ id: number; mobile: string | null; name: string; marketingConsent: boolean }>;
}

/** The demo POS is synced at first start: wait for its members. */
async function demoSynced(appliance: RunningAppliance): Promise<ApiSession> {
  const api = await adminApi(appliance);
  await expect
    .poll(
      async () => {
        const status = await api.get<{ running: unknown; counts: Record<string, number> }>('/store/status');
        return status.running === null && (status.counts.members ?? 0) > 0;
      },
      { timeout: 120_000, intervals: [1000] },
    )
    .toBe(true);
  return api;
}

test.describe('问卷调查', () => {
  test('build a survey, invite, take answers by SMS, read the statistics; the dashboard counts it', async ({ adminPage: page, appliance }) => {
    test.setTimeout(240_000);
    const api = await demoSynced(appliance);

    // The editor: a rating, a choice and a free-text question, with the preview beside it.
    await page.getByTestId('nav-surveys').click();
    await expect(page.getByTestId('page-title')).toHaveText('问卷调查');
    await page.getByTestId('survey-create').click();
    await page.getByTestId('survey-title').fill('购物体验满意度');
    await page.getByTestId('survey-incentive').fill('完成问卷送50积分');
    await page.getByTestId('question-text-0').fill('您对本次购物满意吗？');
    await page.getByTestId('survey-add-question').click();
    await page.getByTestId('question-text-1').fill('您通常几点来购物？');
    await page.getByTestId('question-1-option-0').fill('上午');
    await page.getByTestId('question-1-option-1').fill('下午');
    await page.getByTestId('question-1-add-option').click();
    await page.getByTestId('question-1-option-2').fill('晚上');
    await page.getByTestId('survey-add-question').click();
    await page.getByTestId('question-kind-2').click();
    await page.getByRole('option', { name: '文字' }).click();
    await page.getByTestId('question-text-2').fill('还有什么建议？');
    await expect(page.getByTestId('survey-preview')).toContainText('完成问卷送50积分');
    await expect(page.getByTestId('survey-preview')).toContainText('回复1-5');
    await snap(page, 'surveys-editor');
    await page.getByTestId('survey-save').click();
    await expect(page).toHaveURL(/\/surveys\/\d+\/edit$/);
    const surveyId = Number(/\/surveys\/(\d+)\/edit$/.exec(page.url())![1]);

    // The invitation dialog counts the whole audience (dry run) without sending anything.
    await page.getByTestId('nav-surveys').click();
    await page.getByTestId(`survey-invite-${surveyId}`).click();
    const dialog = page.getByTestId('invite-dialog');
    await dialog.getByTestId('invite-count-button').click();
    await expect(dialog.getByTestId('invite-count')).toContainText('符合条件');
    await expect(dialog.getByTestId('invite-count')).toContainText('完成问卷送50积分');
    await snap(page, 'surveys-invite');
    await dialog.getByRole('button', { name: 'Close' }).or(dialog.locator('.el-dialog__headerbtn')).first().click();

    // Three consenting members get the invitation (through the API to keep the simulated modem's queue short).
    const members = (await api.post<MemberPage>('/members/search', { filter: { marketingConsent: true }, pageSize: 50 })).items.filter((m) => m.mobile);
    const chosen = members.slice(0, 3);
    expect(chosen).toHaveLength(3);
    const invited = await api.post<{ queued: number; deferred: number }>(`/surveys/${surveyId}/invite`, { memberIds: chosen.map((m) => m.id) });
    expect(invited.queued + invited.deferred).toBe(3);

    // Their answers arrive through the simulated modem: extra words, full-width digits, a letter, and a TD.
    const say = (index: number, text: string) => api.post('/inbox/simulate', { from: chosen[index]!.mobile!, text });
    const answered = async (count: number) =>
      expect
        .poll(async () => (await api.get<{ totals: { responded: number } }>(`/surveys/${surveyId}/statistics`)).totals.responded, { timeout: 30_000 })
        .toBe(count);
    await say(0, '我给５分，谢谢');
    await answered(1);
    await say(0, 'B');
    await say(1, '4');
    await answered(2);
    await say(0, '收银员很热情，希望多开几个收银台');
    await say(1, '1');
    await say(2, 'TD');
    await expect
      .poll(async () => (await api.get<{ totals: { completed: number; optedOut: number } }>(`/surveys/${surveyId}/statistics`)).totals, { timeout: 30_000 })
      .toMatchObject({ completed: 1, optedOut: 1 });

    // The statistics page: counts, each question as a chart, the cross-tab and the searchable free text.
    await page.getByTestId(`survey-link-${surveyId}`).click();
    const stats = page.getByTestId('survey-stats');
    await expect(stats.getByTestId('stat-value').nth(0)).toHaveText('3');
    await expect(stats.getByTestId('stat-value').nth(1)).toHaveText('2');
    await expect(stats.getByTestId('stat-value').nth(2)).toHaveText('1');
    await expect(page.getByTestId('question-stats-0').getByTestId('question-mean')).toContainText('4.50');
    await expect(page.getByTestId('question-stats-0').locator('canvas')).toBeVisible();
    await expect(page.getByTestId('survey-text-answers')).toContainText('希望多开几个收银台');
    await expect(page.getByTestId('survey-crosstab').locator('.el-table__row').first()).toBeVisible();
    await snap(page, 'surveys-report');
    await page.getByTestId('text-search').fill('停车');
    await page.getByTestId('text-search').press('Enter');
    await expect(page.getByTestId('survey-text-answers')).toContainText('没有文字回复');

    // The XLSX export downloads.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('survey-export').click()]);
    expect(download.suggestedFilename()).toMatch(/\.xlsx$/);

    // The landing page: today's messages include the invitations; the survey tile counts today's answers.
    await page.getByTestId('nav-dashboard').click();
    await expect(page.getByTestId('page-title')).toHaveText('经营概览');
    const tiles = page.getByTestId('dashboard-business-stats');
    await expect(tiles.getByTestId('tile-sent').getByTestId('stat-value')).not.toHaveText('0');
    await expect(page.getByTestId('dashboard-surveys')).toContainText('1');
    // The feedback tile reads the tickets (none on this appliance yet).
    await expect(page.getByTestId('dashboard-feedback')).toContainText('已超时');
    await expect(page.getByTestId('dashboard-feedback')).not.toContainText('未启用');
    await expect(page.getByTestId('dashboard-trend').locator('canvas')).toBeVisible();
    await snap(page, 'dashboard-business');
  });
});

test.describe('报表', () => {
  test('volume, delivery and survey reports over the last 30 days, with Excel export', async ({ adminPage: page, appliance }) => {
    // A complaint texted today, so the 投诉建议 report has a ticket to count whatever ran before.
    const api = await adminApi(appliance);
    await api.post('/inbox/simulate', { from: '13900008851', text: '投诉 报表测试：冷柜温度太高' });
    // The ticket is opened by the inbox chain: wait for it, so the report's one read finds it.
    await expect
      .poll(async () => (await api.get<{ items: Array<{ mobile: string }> }>('/feedback?page=1&pageSize=50')).items.some((t) => t.mobile === '+8613900008851'), { timeout: 45_000 })
      .toBe(true);
    await page.getByTestId('nav-reports').click();
    await expect(page.getByTestId('page-title')).toHaveText('报表');
    // The first spec's invitations and answers are today's messages.
    await expect(page.getByTestId('report-chart').locator('canvas')).toBeVisible();
    await expect(page.getByTestId('report-table')).toContainText('合计');
    await snap(page, 'reports-volume');
    await page.getByTestId('report-kinds').getByRole('tab', { name: '问卷结果' }).click();
    await expect(page.getByTestId('report-table')).toContainText('购物体验满意度');
    await snap(page, 'reports-surveys');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-export').click()]);
    expect(download.suggestedFilename()).toMatch(/\.xlsx$/);
    await page.getByTestId('report-kinds').getByRole('tab', { name: '投诉建议' }).click();
    // Tickets are read from the feedback service: today's row counts the complaint above.
    await expect(page.getByText('投诉建议功能尚未启用')).toHaveCount(0);
    await expect(page.getByTestId('report-table')).toContainText('收到');
    await expect(page.getByTestId('report-table')).toContainText('合计');
    await expect(page.getByText('所选日期内没有数据')).toHaveCount(0);

    // The weekly satisfaction report by e-mail: added, listed with its next Monday.
    await page.getByTestId('report-schedules').click();
    const dialog = page.getByTestId('schedules-dialog');
    await dialog.getByTestId('schedule-add').click();
    await expect(dialog.getByTestId('schedules-table')).toContainText('满意度调查统计报告');
    await expect(dialog.getByTestId('schedules-table')).toContainText('每周一 8 点');
    await snap(page, 'reports-schedules');
  });
});
