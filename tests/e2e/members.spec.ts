import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { adminApi } from './support/api';
import type { Locator, Page } from '@playwright/test';
import { expect, snap, test } from './support/fixtures';
import type { RunningAppliance } from './support/appliance';

/** Element Plus puts data-test on the <input> of an el-input but on the wrapper of other widgets: find the box either way. */
function field(scope: Locator, id: string, tag: 'input' | 'textarea' = 'input'): Locator {
  return scope.locator(`${tag}[data-test="${id}"], [data-test="${id}"] ${tag}`).first();
}

interface ResultPage<T> {
  items: T[];
  total: number;
}
interface Member {
  id: number;
  name: string;
  gender: string;
  mobile: string | null;
}

/** Clicks 查询 and waits for the answer, so the rows read next are the new ones. */
async function runSearch(page: Page): Promise<void> {
  const answered = page.waitForResponse((response) => response.url().endsWith('/api/members/search') && response.request().method() === 'POST');
  await page.getByTestId('members-search').click();
  await answered;
}

async function demoSynced(appliance: RunningAppliance) {
  const api = await adminApi(appliance);
  await expect
    .poll(async () => {
      const status = await api.get<{ running: unknown; counts: Record<string, number> }>('/store/status');
      return status.running === null && (status.counts.members ?? 0) > 0;
    }, { timeout: 120_000, intervals: [1000] })
    .toBe(true);
  return api;
}

/** Two good members and three bad rows: a bad mobile, a bad birthday, a repeated mobile. */
function memberFile(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-members-')), '会员导入.csv');
  fs.writeFileSync(
    file,
    [
      '姓名,手机号,性别,生日,标签',
      '测试导入甲,13700001111,女,1990-05-06,E2E',
      '测试导入乙,12345,男,,',
      '测试导入丙,13700002222,男,1985-13-40,',
      '测试导入丁,13700003333,男,1979-01-02,E2E',
      '测试导入戊,13700001111,女,,',
    ].join('\n'),
  );
  return file;
}

test.describe('会员', () => {
  // The first start generates and syncs the demo POS in the background; signing in waits for it.
  test.beforeAll(async ({ appliance }) => {
    test.setTimeout(180_000);
    await demoSynced(appliance);
  });

  test('search, filter and open a member with purchases', async ({ adminPage: page, appliance }) => {
    test.setTimeout(180_000);
    const api = await demoSynced(appliance);
    const sample = (await api.post<ResultPage<Member>>('/members/search', { filter: {}, pageSize: 1 })).items[0]!;
    const surname = [...sample.name][0]!;

    await page.getByTestId('nav-members').click();
    await expect(page.getByTestId('page-title')).toHaveText('会员');
    const rows = page.getByTestId('members-table').locator('tbody tr.el-table__row');
    await expect(rows.first()).toBeVisible();
    await expect(page.getByTestId('members-total')).toContainText('位会员');

    // Quick search: name prefix.
    await field(page.locator('body'), 'members-keyword', 'input').fill(surname);
    await runSearch(page);
    // The list answers when the search returns: wait until every name shown starts with the surname.
    const names = page.getByTestId('members-table').locator('tbody tr.el-table__row td:first-child');
    await expect.poll(async () => (await names.allInnerTexts()).every((name) => name.trim().startsWith(surname)) && (await names.count()) > 0).toBe(true);

    // Filter panel: women aged 20–45.
    await page.getByTestId('members-reset').click();
    await page.getByTestId('members-more-filters').click();
    await page.getByTestId('members-filter-gender').click();
    await page.getByRole('option', { name: '女' }).click();
    await page.keyboard.press('Escape');
    await field(page.locator('body'), 'members-filter-age-min', 'input').fill('20');
    await field(page.locator('body'), 'members-filter-age-max', 'input').fill('45');
    await runSearch(page);
    const womenOfAge = async () => {
      const shown = page.getByTestId('members-table').locator('tbody tr.el-table__row');
      const texts = await shown.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())));
      return texts.length > 0 && texts.every((cells) => cells[3] === '女' && Number(cells[4]) >= 20 && Number(cells[4]) <= 45);
    };
    await expect.poll(womenOfAge).toBe(true);
    await snap(page, 'members-filtered');
    // Every column, consent and source included, fits a 1366-px screen without scrolling sideways.
    const overflow = await page
      .getByTestId('members-table')
      .locator('.el-table__body-wrapper .el-scrollbar__wrap')
      .evaluate((wrap) => wrap.scrollWidth - wrap.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);

    // Detail drawer with purchases from the mirror.
    await page.getByTestId('members-reset').click();
    await field(page.locator('body'), 'members-filter-spent-min', 'input').fill('100');
    await runSearch(page);
    await rows.first().click();
    const drawer = page.getByTestId('member-drawer');
    await expect(drawer.getByTestId('member-detail-name')).not.toBeEmpty();
    await drawer.getByRole('tab', { name: '消费记录' }).click();
    await expect(drawer.getByTestId('member-purchases').locator('tbody tr').first()).toBeVisible();
    await snap(page, 'member-detail-purchases');

    // StoreMAS-only fields are editable on a POS member.
    await drawer.getByRole('tab', { name: '基本资料' }).click();
    await field(drawer, 'member-detail-notes', 'textarea').fill('E2E 备注');
    await drawer.getByTestId('member-detail-save').click();
    await expect(page.getByText('已保存')).toBeVisible();
  });

  test('a member’s detail shows the texts sent to their number', async ({ adminPage: page, appliance }) => {
    const api = await demoSynced(appliance);
    const found = await api.post<ResultPage<Member>>('/members/search', { filter: {}, pageSize: 50 });
    const member = found.items.find((m) => m.mobile !== null)!;
    await api.post('/messages', { text: 'E2E 会员日提醒：本周六全场八折', category: 'care', numbers: member.mobile });

    await page.getByTestId('nav-members').click();
    await field(page.locator('body'), 'members-keyword', 'input').fill(member.mobile!.replace('+86', ''));
    await runSearch(page);
    const rows = page.getByTestId('members-table').locator('tbody tr.el-table__row');
    await expect(rows).toHaveCount(1);
    await rows.first().click();
    const drawer = page.getByTestId('member-drawer');
    await expect(drawer.getByTestId('member-detail-name')).toHaveText(member.name);
    await drawer.getByRole('tab', { name: '短信往来' }).click();
    const sent = drawer.getByTestId('member-message-out').first();
    await expect(sent).toContainText('E2E 会员日提醒：本周六全场八折');
    await expect(sent).toContainText('关怀');
    await snap(page, 'member-detail-messages');
  });

  test('import a file with bad rows: every problem is listed, then only the good rows are imported', async ({ adminPage: page, appliance }) => {
    await demoSynced(appliance);
    await page.goto('/members');
    await page.getByTestId('members-import').click();
    const dialog = page.getByTestId('member-import-dialog');
    await dialog.getByTestId('member-import-file').setInputFiles(memberFile());
    await expect(dialog.getByTestId('member-import-summary')).toContainText('共 5 行：2 行正确，3 行有问题');
    const errors = dialog.getByTestId('member-import-errors').locator('tbody tr');
    await expect(errors).toHaveCount(3);
    await expect(errors.nth(0)).toContainText('3');
    await expect(errors.nth(0)).toContainText('手机号');
    await expect(errors.nth(1)).toContainText('生日不是有效日期');
    await expect(errors.nth(2)).toContainText('与第 2 行的号码重复');
    await snap(page, 'members-import-errors');

    // "Import nothing" refuses; "only the good rows" imports two.
    await dialog.getByTestId('member-import-mode-all-or-nothing').click();
    await dialog.getByTestId('member-import-run').click();
    await expect(page.getByText('有 3 行有问题，未导入任何会员')).toBeVisible();
    await dialog.getByTestId('member-import-mode-keep-good').click();
    await dialog.getByTestId('member-import-run').click();
    await expect(page.getByText('已导入 2 位会员')).toBeVisible();

    await field(page.locator('body'), 'members-keyword', 'input').fill('测试导入');
    await runSearch(page);
    const rows = page.getByTestId('members-table').locator('tbody tr.el-table__row');
    await expect(rows).toHaveCount(2);
    await expect(page.getByTestId('members-table')).toContainText('测试导入甲');
    await expect(page.getByTestId('members-table')).toContainText('测试导入丁');
    await expect(page.getByTestId('members-table')).toContainText('导入');
    await snap(page, 'members-imported');
  });
});
