import { adminApi, type ApiSession } from './support/api';
import { expect, snap, test } from './support/fixtures';
import type { RunningAppliance } from './support/appliance';

interface Automation {
  id: number;
  kind: string;
  name: string;
  enabled: boolean;
}
interface Preview {
  date: string;
  total: number;
  items: Array<{ automationId: number; count: number; members: unknown[] }>;
}

/** The demo POS is synced at first start: wait until its members are there (the birthday preview finds some). */
async function demoMembers(appliance: RunningAppliance): Promise<{ api: ApiSession; birthday: Automation; tomorrow: string }> {
  const api = await adminApi(appliance);
  const list = await api.get<{ items: Automation[]; today: string }>('/care/automations');
  const birthday = list.items.find((a) => a.kind === 'birthday')!;
  const tomorrow = new Date(Date.parse(`${list.today}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  await expect
    .poll(async () => (await api.get<Preview>(`/care/preview?date=${tomorrow}&automationId=${birthday.id}`)).items[0]?.count ?? 0, { timeout: 150_000, intervals: [1000] })
    .toBeGreaterThan(0);
  return { api, birthday, tomorrow };
}

test.describe('会员关怀', () => {
  test('switch the birthday greeting on, see tomorrow’s preview and who; add a lunar store date; the sign-ups', async ({ adminPage: page, appliance }) => {
    test.setTimeout(200_000);
    const { api, birthday, tomorrow } = await demoMembers(appliance);
    await page.getByTestId('nav-care').click();
    await expect(page.getByTestId('page-title')).toHaveText('会员关怀');
    await expect(page.getByTestId(`care-name-${birthday.id}`)).toHaveText('生日祝福');
    await expect(page.getByTestId('care-automations')).toContainText('春节');
    await expect(page.locator('.el-loading-mask:visible')).toHaveCount(0);
    await snap(page, 'care-automations');

    // The editor renders the text for a sample member and says how many the next send day would reach.
    await page.getByTestId(`care-edit-${birthday.id}`).click();
    const editor = page.getByTestId('care-editor');
    await expect(editor.getByTestId('care-editor-preview')).toContainText('生日快乐');
    await expect(editor.getByTestId('care-editor-preview')).toContainText('回T退订');
    await expect(editor.getByTestId('care-editor-next')).toContainText('位会员');
    await snap(page, 'care-editor');
    await editor.getByRole('button', { name: '取消' }).click();
    await expect(editor).toBeHidden();

    // Switched on, tomorrow's preview counts the birthdays (solar and lunar) and lists who.
    await page.getByTestId(`care-switch-${birthday.id}`).click();
    await expect(page.getByTestId('care-preview-line')).toContainText('条生日祝福', { timeout: 30_000 });
    const preview = await api.get<Preview>(`/care/preview?date=${tomorrow}`);
    const item = preview.items.find((i) => i.automationId === birthday.id)!;
    await expect(page.getByTestId('care-preview-line')).toContainText(`${item.count} 条生日祝福`);
    await page.getByTestId('care-preview-who').click();
    const who = page.getByTestId('care-who');
    await expect(who.locator('.el-table__body tr')).toHaveCount(item.members.length);
    await expect(who).toContainText('****');
    // The demo records some birthdays by the lunar calendar: they are among tomorrow's.
    const lunar = (await api.get<{ items: Array<{ automationId: number; members: Array<{ lunarBirthday: boolean }> }> }>(`/care/preview?date=${tomorrow}`)).items[0]!.members.filter((m) => m.lunarBirthday).length;
    await expect(who.getByTestId('care-who-lunar')).toHaveCount(lunar);
    await snap(page, 'care-who');
    await who.locator('.el-drawer__close-btn').click();
    await page.getByTestId(`care-switch-${birthday.id}`).click();
    await expect.poll(async () => (await api.get<{ items: Automation[] }>('/care/automations')).items.find((a) => a.id === birthday.id)!.enabled).toBe(false);

    // A store date of its own, by the lunar calendar.
    await page.getByTestId('care-add').click();
    await page.getByTestId('care-add-date').click();
    await expect(editor).toBeVisible();
    await editor.getByTestId('care-editor-name').fill('老店周年庆');
    await editor.getByTestId('care-editor-lunar').getByText('农历').click();
    await expect(editor.getByTestId('care-editor-preview')).toContainText('店庆');
    await editor.getByTestId('care-editor-save').click();
    await expect(editor).toBeHidden();
    await expect(page.getByTestId('care-automations')).toContainText('每年农历9月18日');
    const created = (await api.get<{ items: Automation[] }>('/care/automations')).items.find((a) => a.name === '老店周年庆')!;
    const holidays = await api.get<{ items: Array<{ key: string; lunar: boolean }> }>(`/care/holidays?year=${tomorrow.slice(0, 4)}`);
    expect(holidays.items).toContainEqual(expect.objectContaining({ key: `store:${created.id}`, lunar: true }));

    // The invitations' sign-ups, with the export.
    await page.getByTestId('care-tab-invitations').click();
    await expect(page.getByTestId('care-rsvp-count')).toHaveText('已报名 0 人');
    await expect(page.getByTestId('care-rsvp-export')).toHaveAttribute('href', /\/api\/care\/automations\/\d+\/rsvps\.xlsx$/);
    await snap(page, 'care-invitations');

    // In English too.
    await page.getByTestId('care-tab-automations').click();
    await page.getByTestId('language-switch').click();
    await page.getByTestId('language-en').click();
    await expect(page.getByTestId('page-title')).toHaveText('Member care');
    await expect(page.getByTestId('care-automations')).toContainText('every year on lunar 9/18');
    // The English table fits 1366 px too.
    const sideways = await page.locator('.el-table__body-wrapper .el-scrollbar__wrap').evaluateAll((wraps) => wraps.filter((wrap) => wrap.scrollWidth > wrap.clientWidth + 1).length);
    expect(sideways).toBe(0);
    await snap(page, 'care-automations-en');
    await page.getByTestId('language-switch').click();
    await page.getByTestId('language-zh-CN').click();
    await api.request('DELETE', `/care/automations/${created.id}`);
  });
});
