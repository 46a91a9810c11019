import type { Page } from '@playwright/test';
import { adminApi, createUser, uniqueUsername } from './support/api';
import { expect, snap, test } from './support/fixtures';

async function choose(page: Page, selectTestId: string, optionText: string): Promise<void> {
  await page.getByTestId(selectTestId).click();
  await page.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: optionText }).first().click();
}

test.describe('audit', () => {
  test('entries are listed, readable, filterable by user, action and date, and paged on the server', async ({ adminPage, appliance }) => {
    const page = adminPage;
    const created = await createUser(appliance, { role: 'manager' });
    // 25 failed sign-ins of an unknown name: enough rows for a second page of 20.
    const ghost = uniqueUsername('ghost');
    for (let i = 0; i < 25; i += 1) {
      const response = await fetch(`${appliance.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: ghost, password: `guess-${i}` }),
      });
      expect(response.status).toBe(401);
    }

    await page.getByTestId('nav-audit').click();
    await expect(page.getByTestId('page-title')).toHaveText('审计');
    const table = page.getByTestId('audit-table');
    await expect(table.locator('tbody tr').first()).toBeVisible();
    await snap(page, 'audit-list');

    // By user: only the ghost's failed sign-ins, with a readable detail, over two pages.
    await choose(page, 'audit-user', ghost);
    await page.getByTestId('audit-search').click();
    await expect(page.getByTestId('audit-total')).toHaveText('共 25 条');
    const rows = table.locator('tbody tr');
    await expect(rows).toHaveCount(20);
    await expect(rows.first()).toContainText('登录失败');
    await expect(rows.first()).toContainText('原因');
    await expect(rows.first()).toContainText('用户不存在');
    await expect(rows.first()).not.toContainText('unknown-user');
    await page.locator('.el-pager li', { hasText: '2' }).click();
    await expect(rows).toHaveCount(5);
    await snap(page, 'audit-filtered-page-2');

    // By action: user creations, including the one made above.
    await page.getByTestId('audit-reset').click();
    await choose(page, 'audit-action', 'user.create');
    await page.getByTestId('audit-search').click();
    await expect(table).toContainText(created.username);
    const actions = await table.getByTestId('audit-action-tag').allTextContents();
    expect(actions.length).toBeGreaterThan(0);
    expect(new Set(actions.map((text) => text.trim()))).toEqual(new Set(['新建用户']));

    // By date: today has entries; a range in the past has none and says so.
    await page.getByTestId('audit-reset').click();
    await page.getByPlaceholder('开始日期').click();
    await page.locator('.el-picker-panel__shortcut', { hasText: '今天' }).click();
    await page.getByTestId('audit-search').click();
    await expect(table).toContainText(ghost);
    await page.getByPlaceholder('开始日期').fill('2020-01-01');
    await page.getByPlaceholder('结束日期').fill('2020-01-31');
    await page.getByPlaceholder('结束日期').press('Enter');
    await page.getByTestId('audit-search').click();
    await expect(page.getByTestId('audit-total')).toHaveText('共 0 条');
    await expect(table).toContainText('没有符合条件的记录');
    await snap(page, 'audit-empty-range');
  });

  test('targets and details read as words and lead to what was changed', async ({ adminPage: page, appliance }) => {
    const api = await adminApi(appliance);
    const member = await api.post<{ id: number }>('/members', { name: '审计测试', gender: 'F', mobile: '13900007701', birthday: '1990-05-01' });
    await page.getByTestId('nav-audit').click();
    await choose(page, 'audit-action', 'members.create');
    await page.getByTestId('audit-search').click();
    const row = page.getByTestId('audit-table').locator('tbody tr').first();
    await expect(row.getByTestId('audit-target')).toHaveText(`会员 #${member.id}`);
    // Field names in words, not keys; nothing that looks like JSON or an epoch time.
    await expect(row).toContainText('名称');
    await expect(row).toContainText('手机号');
    const detail = (await row.getByTestId('audit-detail-pair').allInnerTexts()).join(' ');
    expect(detail).not.toMatch(/[{}]|\b1\d{12}\b|birthday|mobile/);
    await snap(page, 'audit-worded');
    await row.getByTestId('audit-target').click();
    await expect(page).toHaveURL(new RegExp(`/members\\?member=${member.id}$`));
    await expect(page.locator('.el-drawer')).toContainText('审计测试');
  });
});
