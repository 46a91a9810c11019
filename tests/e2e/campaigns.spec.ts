import type { Locator } from '@playwright/test';
import { adminApi } from './support/api';
import { expect, snap, test } from './support/fixtures';
import type { RunningAppliance } from './support/appliance';

/** Element Plus puts data-test on the <input> of an el-input but on the wrapper of other widgets: find the box either way. */
function field(scope: Locator, id: string, tag: 'input' | 'textarea' = 'input'): Locator {
  return scope.locator(`${tag}[data-test="${id}"], [data-test="${id}"] ${tag}`).first();
}

async function demoSynced(appliance: RunningAppliance) {
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

interface Segment {
  id: number;
  name: string;
  count: number | null;
}
interface Campaign {
  id: number;
  name: string;
  state: string;
}

test.describe('营销活动', () => {
  test('build a segment from 会员, tag selected rows, create a recurring campaign with a dry run, pause/resume/cancel it, read the report', async ({ adminPage: page, appliance }) => {
    test.setTimeout(180_000);
    const api = await demoSynced(appliance);
    const name = `女会员-${Date.now().toString(36)}`;

    // 会员: filter to women, save the filter as a segment with its live count.
    await page.getByTestId('nav-members').click();
    await page.getByTestId('members-more-filters').click();
    await page.getByTestId('members-filter-gender').click();
    await page.getByRole('option', { name: '女' }).click();
    await page.keyboard.press('Escape');
    const answered = page.waitForResponse((r) => r.url().endsWith('/api/members/search'));
    await page.getByTestId('members-search').click();
    await answered;
    await page.getByTestId('members-save-segment').click();
    const segmentDialog = page.getByTestId('save-segment-dialog');
    await expect(segmentDialog.getByTestId('segment-live-count')).toContainText(/\d+ 人/);
    await field(segmentDialog, 'segment-name').fill(name);
    await segmentDialog.getByTestId('segment-save').click();
    await expect(segmentDialog).toBeHidden();
    const segment = (await api.get<{ items: Segment[] }>('/segments')).items.find((s) => s.name === name)!;
    expect(segment.count).toBeGreaterThan(0);

    // Two rows selected: tag them in bulk.
    await page.getByTestId('members-select-mode').click();
    const rows = page.getByTestId('members-table').locator('.el-table__body-wrapper tr');
    await rows.nth(0).locator('.el-checkbox').click();
    await rows.nth(1).locator('.el-checkbox').click();
    await expect(page.getByTestId('members-bulk')).toContainText('已选 2 位');
    await snap(page, 'campaigns-members-bulk');
    await page.getByTestId('members-add-tag').click();
    const tagDialog = page.getByTestId('tag-members-dialog');
    await tagDialog.getByTestId('tag-members-tag').click();
    await page.keyboard.type('试吃活动');
    await page.keyboard.press('Enter');
    await tagDialog.getByTestId('tag-members-apply').click();
    await expect(page.locator('.el-message--success').filter({ hasText: '已修改 2 位会员' })).toBeVisible();
    const tags = await api.get<{ items: Array<{ tag: string; count: number }> }>('/members/tags');
    expect(tags.items.find((t) => t.tag === '试吃活动')?.count).toBe(2);

    // "Send to these N members": the campaign editor opens with the current filter as the audience.
    await page.getByTestId('members-send-filter').click();
    await expect(page).toHaveURL(/\/campaigns\?compose=1$/);
    const editor = page.getByTestId('campaign-editor');
    await expect(editor).toBeVisible();
    await expect(editor.getByTestId('campaign-filter')).toContainText('女');
    await field(editor, 'campaign-name').fill(`${name} 周五会员日`);
    await field(editor, 'campaign-text', 'textarea').fill('{称呼}，本周五会员日全场九折，积分{积分}可抵现');
    await editor.getByTestId('campaign-schedule-kind').getByText('周期').click();
    await editor.getByRole('button', { name: '每周五 10:00' }).click();
    await expect(editor.getByTestId('campaign-next-runs')).toContainText('接下来：');
    await field(editor, 'campaign-holdout').fill('10');
    await editor.getByTestId('campaign-dry-run-button').click();
    const dry = editor.getByTestId('campaign-dry-run');
    await expect(dry.getByTestId('dry-audience')).not.toHaveText('0');
    await expect(dry.getByTestId('dry-sample')).toHaveCount(3);
    await expect(dry.getByTestId('dry-sample').first()).toContainText('本周五会员日全场九折');
    await expect(editor.getByTestId('campaign-save-submit'), 'the editor fits the 768-px screen').toBeInViewport();
    await snap(page, 'campaigns-editor-dry-run');
    await editor.getByTestId('campaign-save-submit').click();
    await expect(editor).toBeHidden();

    const campaign = (await api.get<{ items: Campaign[] }>('/campaigns?q=' + encodeURIComponent(name))).items[0]!;
    expect(campaign.state).toBe('scheduled');
    const state = page.getByTestId(`campaign-state-${campaign.id}`);
    await expect(state).toHaveText('已排期');
    await snap(page, 'campaigns-list');

    // Pause and resume from the list.
    await page.getByTestId(`campaign-pause-${campaign.id}`).click();
    await expect(state).toHaveText('已暂停');
    await page.getByTestId(`campaign-resume-${campaign.id}`).click();
    await expect(state).toHaveText('已排期');

    // The calendar shows its next Fridays (this month's, or next month's late in a month).
    const calendarLoaded = page.waitForResponse((r) => r.url().includes('/api/campaigns/calendar'));
    await page.getByRole('tab', { name: '活动日历' }).click();
    await calendarLoaded;
    const entries = page.getByTestId('campaign-calendar').getByTestId('calendar-campaign');
    if ((await entries.count()) === 0) await page.getByRole('button', { name: '下个月' }).click();
    await expect(entries.first()).toContainText(name);
    await snap(page, 'campaigns-calendar');
    await page.getByRole('tab', { name: '进行中' }).click();

    // The report; cancel there.
    await page.getByTestId(`campaign-link-${campaign.id}`).click();
    await expect(page).toHaveURL(new RegExp(`/campaigns/${campaign.id}$`));
    await expect(page.getByTestId('report-state')).toHaveText('已排期');
    await expect(page.getByTestId('report-effect')).toContainText('对照组');
    const download = page.waitForEvent('download');
    await page.getByTestId('report-export').click();
    expect((await download).suggestedFilename()).toMatch(/\.xlsx$/);
    await snap(page, 'campaigns-report');
    await page.getByTestId('report-cancel').click();
    await page.locator('.el-message-box').getByRole('button', { name: /确定|OK/ }).click();
    await expect(page.getByTestId('report-state')).toHaveText('已取消');
    expect((await api.get<{ campaign: Campaign }>(`/campaigns/${campaign.id}`)).campaign.state).toBe('cancelled');

    // The segment with its live count.
    await page.goto('/campaigns');
    await page.getByRole('tab', { name: '会员分群' }).click();
    await expect(page.getByTestId(`segment-count-${segment.id}`)).not.toHaveText('—');

    // English.
    await page.getByTestId('language-switch').click();
    await page.getByTestId('language-en').click();
    await page.goto(`/campaigns/${campaign.id}`);
    await expect(page.getByTestId('report-state')).toHaveText('Cancelled');
    await snap(page, 'campaigns-report-en');
    await page.goto('/campaigns');
    await page.getByTestId('campaigns-create').click();
    await expect(page.getByTestId('campaign-editor')).toContainText('Dry run');
    await snap(page, 'campaigns-editor-en');
    await page.goto('/members');
    await page.getByTestId('members-select-mode').click();
    await expect(page.getByTestId('members-bulk')).toContainText('Tick members');
    await snap(page, 'campaigns-members-en');
  });

  test('build an audience with the filter builder: the count follows each change, save it as a segment, rename it; a care automation’s audience from the same builder', async ({ adminPage: page, appliance }) => {
    test.setTimeout(120_000);
    const api = await demoSynced(appliance);
    const countOf = async (filter: object) => (await api.post<{ count: number }>('/segments/count', { filter })).count.toLocaleString('zh-CN');
    const name = `沉睡女会员-${Date.now().toString(36)}`;

    // The campaign editor's ad-hoc audience: every member until a condition is set.
    await page.getByTestId('nav-campaigns').click();
    await page.getByTestId('campaigns-create').click();
    const editor = page.getByTestId('campaign-editor');
    await editor.getByTestId('campaign-audience-kind').getByText('会员筛选').click();
    await expect(editor.getByTestId('campaign-filter')).toContainText('全部会员');
    await editor.getByTestId('campaign-filter-edit').click();
    const builder = page.getByTestId('campaign-filter-dialog');
    const count = builder.getByTestId('campaign-filter-count');
    await expect(count).toHaveText(`符合条件：${await countOf({})} 位会员（有手机号）`);

    // Women, then women with nothing bought in the last 30 days: the count follows each change.
    await builder.getByTestId('campaign-filter-gender').click();
    await page.getByRole('option', { name: '女' }).click();
    await page.keyboard.press('Escape');
    await expect(count).toHaveText(`符合条件：${await countOf({ genders: ['F'] })} 位会员（有手机号）`);
    await builder.getByTestId('campaign-filter-purchase-mode').click();
    await page.getByRole('option', { name: '按天数' }).click();
    await field(builder, 'campaign-filter-not-bought').fill('30');
    const lapsed = { genders: ['F'], lastPurchase: { notWithinDays: 30 } };
    await expect(count).toHaveText(`符合条件：${await countOf(lapsed)} 位会员（有手机号）`);
    await snap(page, 'campaigns-filter-builder');

    // Saved as a segment from the builder; the editor keeps the conditions as its audience.
    await builder.getByTestId('campaign-filter-save-segment').click();
    const saveDialog = page.getByTestId('save-segment-dialog');
    await field(saveDialog, 'segment-name').fill(name);
    await saveDialog.getByTestId('segment-save').click();
    await expect(saveDialog).toBeHidden();
    const segment = (await api.get<{ items: Array<Segment & { filter: object }> }>('/segments')).items.find((s) => s.name === name)!;
    expect(segment.filter).toEqual(lapsed);
    await builder.getByTestId('campaign-filter-apply').click();
    await expect(editor.getByTestId('campaign-filter')).toContainText('近 30 天内无消费');
    await editor.getByRole('button', { name: '取消' }).click();

    // 会员分群: rename it and narrow it to 40 and over; the count follows, the change is saved.
    await page.getByRole('tab', { name: '会员分群' }).click();
    await page.getByTestId(`segment-edit-${segment.id}`).click();
    const segmentEditor = page.getByTestId('segment-editor');
    await field(segmentEditor, 'segment-editor-name').fill(`${name}（40岁以上）`);
    await field(segmentEditor, 'segment-filter-age-min').fill('40');
    const narrowed = { ...lapsed, age: { min: 40 } };
    await expect(segmentEditor.getByTestId('segment-filter-count')).toHaveText(`符合条件：${await countOf(narrowed)} 位会员（有手机号）`);
    await snap(page, 'campaigns-segment-editor');
    await segmentEditor.getByTestId('segment-editor-save').click();
    await expect(segmentEditor).toBeHidden();
    await expect(page.getByTestId(`segment-name-${segment.id}`)).toHaveText(`${name}（40岁以上）`);
    const renamed = (await api.get<{ items: Array<Segment & { filter: object }> }>('/segments')).items.find((s) => s.id === segment.id)!;
    expect(renamed.filter).toEqual({ genders: ['F'], age: { min: 40 }, lastPurchase: { notWithinDays: 30 } });

    // 会员关怀: the 重阳节 greeting's audience (60 and over) edited with the same builder, then put back.
    interface CareAutomation {
      id: number;
      kind: string;
      name: string;
      text: string;
      templateId: number | null;
      sendTime: string;
      leadDays: number;
      audience: object;
      settings: { kind: string; festival?: string };
    }
    const automations = await api.get<{ items: CareAutomation[] }>('/care/automations');
    const greeting = automations.items.find((a) => a.settings.festival === 'double-ninth')!;
    try {
      await page.getByTestId('nav-care').click();
      await expect(page.getByTestId(`care-audience-${greeting.id}`)).toContainText('≥60 岁');
      await page.getByTestId(`care-edit-${greeting.id}`).click();
      const care = page.getByTestId('care-editor');
      await care.getByTestId('care-editor-audience-edit').click();
      const audience = page.getByTestId('care-audience-dialog');
      await expect(audience.getByTestId('care-audience-count')).toHaveText(`符合条件：${await countOf({ age: { min: 60 } })} 位会员（有手机号）`);
      await audience.getByTestId('care-audience-gender').click();
      await page.getByRole('option', { name: '女' }).click();
      await page.keyboard.press('Escape');
      await audience.getByTestId('care-audience-level').click();
      await page.getByRole('option', { name: '金卡' }).click();
      await page.keyboard.press('Escape');
      const chosen = { genders: ['F'], age: { min: 60 }, levels: ['gold'] };
      await expect(audience.getByTestId('care-audience-count')).toHaveText(`符合条件：${await countOf(chosen)} 位会员（有手机号）`);
      await audience.getByTestId('care-audience-apply').click();
      await expect(care.getByTestId('care-editor-audience')).toContainText('等级：金卡');
      await care.getByTestId('care-editor-save').click();
      await expect(care).toBeHidden();
      await expect(page.getByTestId(`care-audience-${greeting.id}`)).toContainText('等级：金卡');
      expect((await api.get<{ items: CareAutomation[] }>('/care/automations')).items.find((a) => a.id === greeting.id)!.audience).toEqual(chosen);
    } finally {
      const { kind: _kind, ...settings } = greeting.settings;
      await api.put(`/care/automations/${greeting.id}`, {
        kind: greeting.kind,
        name: greeting.name,
        text: greeting.text,
        templateId: greeting.templateId,
        sendTime: greeting.sendTime,
        leadDays: greeting.leadDays,
        audience: greeting.audience,
        settings,
      });
    }
  });
});
