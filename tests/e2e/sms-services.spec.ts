import type { Locator, Page } from '@playwright/test';
import { adminApi, type ApiSession } from './support/api';
import type { RunningAppliance } from './support/appliance';
import { expect, snap, test } from './support/fixtures';

/** Element Plus puts data-test on the <input> of an el-input but on the wrapper of other widgets: find the box either way. */
function field(scope: Locator | Page, id: string, tag: 'input' | 'textarea' = 'input'): Locator {
  return scope.locator(`${tag}[data-test="${id}"], [data-test="${id}"] ${tag}`).first();
}

/** The demo POS is synced in the background at first start; the 库存 index follows the sync. */
async function demoSynced(appliance: RunningAppliance): Promise<ApiSession> {
  const api = await adminApi(appliance);
  await expect
    .poll(async () => {
      const status = await api.get<{ running: unknown; counts: Record<string, number> }>('/store/status');
      return status.running === null && (status.counts.members ?? 0) > 0 && (status.counts.products ?? 0) > 0;
    }, { timeout: 120_000, intervals: [1000] })
    .toBe(true);
  return api;
}

async function demoMember(api: ApiSession): Promise<{ mobile: string; points: number }> {
  const { items } = await api.get<{ items: Array<{ mobile: string | null; points: number }> }>('/members?pageSize=20');
  const member = items.find((m) => m.mobile)!;
  return { mobile: member.mobile!.replace('+86', ''), points: member.points };
}

async function ask(page: Page, from: string, text: string): Promise<Locator> {
  await page.getByTestId('sms-tab-try').click();
  await field(page, 'sms-try-from').fill(from);
  await field(page, 'sms-try-text').fill(text);
  await page.getByTestId('sms-try-ask').click();
  return page.getByTestId('sms-try-reply');
}

test.describe('短信服务', () => {
  test.beforeAll(async ({ appliance }) => {
    test.setTimeout(180_000);
    await demoSynced(appliance);
  });

  test('configure a keyword, then a member’s text with it is answered with their points', async ({ adminPage: page, appliance }) => {
    const member = await demoMember(await adminApi(appliance));
    await page.getByTestId('nav-sms-services').click();
    await expect(page.getByTestId('page-title')).toHaveText('短信服务');
    await expect(page.getByTestId('sms-keywords-points')).toContainText('JF');
    await snap(page, 'sms-services');

    await page.getByTestId('sms-edit-points').click();
    const editor = page.getByTestId('sms-service-editor');
    await field(editor, 'sms-editor-keyword-input').fill('查分');
    await field(editor, 'sms-editor-keyword-input').press('Enter');
    // An opt-out word is refused with the reason.
    await field(editor, 'sms-editor-keyword-input').fill('TD');
    await field(editor, 'sms-editor-keyword-input').press('Enter');
    await editor.getByTestId('sms-editor-save').click();
    await expect(editor.getByTestId('sms-editor-error')).toContainText('这是退订关键词');
    await editor.getByTestId('sms-editor-keyword-TD').locator('.el-tag__close').click();
    // The reply template: a placeholder inserted, the preview shows the text with the signature and its parts.
    await field(editor, 'sms-editor-text', 'textarea').fill('{称呼}，您的积分：');
    await editor.getByTestId('sms-editor-insert-积分').click();
    await expect(editor.getByTestId('sms-editor-preview')).toHaveText('尊敬的张先生，您的积分：1280【好又多超市】');
    await expect(editor.getByTestId('sms-editor-counter')).toContainText('1 条');
    await snap(page, 'sms-service-editor');
    await editor.getByTestId('sms-editor-save').click();
    await expect(page.getByText('已保存“积分查询”')).toBeVisible();
    await expect(page.getByTestId('sms-keywords-points')).toContainText('查分');

    const reply = await ask(page, member.mobile, '查分？');
    await expect(reply).toContainText(`您的积分：${member.points}【好又多超市】`);
    await expect(page.getByTestId('sms-try-outcome')).toHaveText('已回复');
    await snap(page, 'sms-try-it');
  });

  test('add a staff member, who then gets stock by text; deactivated, the same text is refused', async ({ adminPage: page, appliance }) => {
    const api = await adminApi(appliance);
    const { items } = await api.get<{ items: Array<{ productCode: string; productName: string | null }> }>('/store/inventory?pageSize=1');
    const product = items[0]!;
    await page.goto('/sms-services?tab=staff');
    await page.getByTestId('staff-add').click();
    const form = page.getByTestId('staff-form');
    await field(form, 'staff-form-name').fill('陈店长');
    await field(form, 'staff-form-mobile').fill('13800138123');
    await form.getByTestId('staff-form-all-stores').click();
    await form.getByTestId('staff-form-may-approve').click();
    await snap(page, 'sms-staff-form');
    await form.getByTestId('staff-form-save').click();
    await expect(page.getByText('已添加 陈店长')).toBeVisible();
    const row = page.getByTestId('staff-table').locator('tr', { has: page.getByTestId('staff-row-+8613800138123') });
    await expect(row).toContainText('全部门店');
    await expect(row).toContainText('在职');
    await snap(page, 'sms-staff');

    await expect(await ask(page, '13800138123', `库存 ${product.productCode}`)).toContainText(`（${product.productCode}）库存：`);

    await page.getByTestId('sms-tab-staff').click();
    await page.getByTestId('staff-deactivate-+8613800138123').click();
    await page.getByRole('button', { name: '停用' }).last().click();
    await expect(row).toContainText('已停用');
    await expect(await ask(page, '13800138123', `库存 ${product.productCode}`)).toHaveText('抱歉，该服务仅限本店员工使用。【好又多超市】');
  });

  test('a text through the simulated modem is answered and shows in the query log, its chart and the dashboard', async ({ adminPage: page, appliance }) => {
    const api = await adminApi(appliance);
    const member = await demoMember(api);
    const { items: modems } = await api.get<{ items: Array<{ id: string; kind: string }> }>('/modems');
    const simulator = modems.find((m) => m.kind === 'simulator')!;
    await api.post('/inbox/simulate', { modemId: simulator.id, from: member.mobile, text: '我的積分是多少？' });
    await page.goto('/sms-services?tab=log');
    const table = page.getByTestId('sms-log-table');
    await expect(table.locator('tbody tr').first()).toContainText('我的積分是多少？', { timeout: 15_000 });
    await expect(table.locator('tbody tr').first()).toContainText('已回复');
    await expect(table.locator('tbody tr').first()).toContainText(`${member.points}`);
    await expect(page.getByTestId('sms-log-chart')).toBeVisible();
    await snap(page, 'sms-query-log');
    // What the simulated network took: the answer went out through the modem.
    await expect
      .poll(async () => (await api.get<{ items: Array<{ text: string }> }>(`/modems/${simulator.id}/simulator/log`)).items.some((e) => e.text.includes(`${member.points}`)), { timeout: 20_000 })
      .toBe(true);
    await page.getByTestId('nav-dashboard').click();
    await expect(page.getByTestId('dashboard-sms-answered')).not.toHaveText('0');
    await snap(page, 'sms-dashboard');
  });

  test('approve a strategy on the board, then 促销 answers with it and 策略 no longer lists it as waiting', async ({ adminPage: page, appliance }) => {
    test.setTimeout(180_000);
    const api = await adminApi(appliance);
    // Every finished sync recomputes the strategies: wait for the demo's.
    await expect
      .poll(async () => (await api.get<{ running: unknown; last: { state: string } | null }>('/strategies/recompute')).last?.state, { timeout: 150_000, intervals: [1000] })
      .toBe('finished');
    await page.getByTestId('nav-strategies').click();
    await page.getByTestId('strategies-kind').click();
    await page.getByRole('option', { name: '促销' }).click();
    const card = page.getByTestId('strategies-cards').locator('[data-state="suggested"]').first();
    const product = (await card.getAttribute('data-product'))!;
    await card.getByTestId('strategy-approve').click();
    await page.getByTestId('strategy-approve-save').click();
    await expect(page.getByTestId('strategy-approve-dialog')).toBeHidden();

    const { items } = await api.get<{ items: Array<{ productCode: string | null; storeCode: string | null; text: string }> }>('/strategies/active-promotions');
    const promotion = items.find((p) => p.productCode === product)!;
    // A staff member of that store asks: their store's promotions come first.
    await api.post('/staff', { name: '促销测试', mobile: '13800138456', ...(promotion.storeCode ? { storeCodes: [promotion.storeCode] } : { allStores: true }) });
    await page.goto('/sms-services');
    await expect(await ask(page, '13800138456', '促销')).toContainText(promotion.text);
    await snap(page, 'sms-try-promotions');
  });
});
