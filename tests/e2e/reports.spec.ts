import { adminApi } from './support/api';
import { expect, snap, test } from './support/fixtures';
import type { Page } from '@playwright/test';

/** Two SMS parts: more than 70 characters with the signature. */
const LONG_TEXT = '您预订的年货礼盒已到店，请凭取货码到一楼服务台领取。礼盒保留七天，逾期未取将自动退款到原支付账户。如需改期请回复本短信或致电门店服务台。';

interface Totals {
  totals: Record<string, number | string | null>;
}

/** The summary row of the report table: billed parts and cost as the page shows them. */
async function shownCost(page: Page): Promise<{ parts: number; cost: string }> {
  const footer = page.getByTestId('report-table').locator('.el-table__footer-wrapper td');
  // Columns of 发送量与费用: 分组, 短信条数, 已发出, 计费条数, 费用.
  const parts = Number((await footer.nth(3).innerText()).replace(/,/g, ''));
  return { parts, cost: (await footer.nth(4).innerText()).trim() };
}

test.describe('短信费用与即将发送', () => {
  test('the price per part is set under 设置 and the cost column follows it', async ({ adminPage: page, appliance }) => {
    test.setTimeout(90_000);
    const api = await adminApi(appliance);
    try {
      // A long text (two parts) of this spec's own through the simulated modem; the dashboard's read brings the figures up to date.
      await api.post('/messages', { text: LONG_TEXT, category: 'transactional', numbers: '13900001201' });
      await expect
        .poll(async () => (await api.get<{ items: Array<{ status: string }> }>('/messages?q=13900001201')).items.filter((m) => m.status === 'sent' || m.status === 'delivered').length, { timeout: 20_000 })
        .toBe(1);
      await expect.poll(async () => (await api.get<{ messaging: { today: { partsSent: number } } }>('/dashboard/business')).messaging.today.partsSent, { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
      const { today } = await api.get<{ today: string }>('/dashboard/business');

      await page.getByTestId('nav-reports').click();
      await expect(page.getByTestId('report-price-hint')).toContainText('¥0.10');
      await expect.poll(async () => (await shownCost(page)).parts, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
      const before = await shownCost(page);
      expect(before.parts).toBeGreaterThanOrEqual(2);
      expect(before.cost).toBe(`¥${(before.parts * 0.1).toFixed(2)}`);

      // The hint's link leads to 设置 › 短信费用.
      await page.getByTestId('report-price-change').click();
      await expect(page.getByTestId('page-title')).toHaveText('短信费用');
      const price = page.getByTestId('prices-price').locator('input');
      await price.fill('0.045');
      await price.blur();
      await page.getByTestId('prices-save').click();
      await expect(page.getByText('短信单价已保存')).toBeVisible();
      await snap(page, 'settings-sms-prices');

      // 设置 shows it, and the report's cost column is at the new price.
      await page.getByTestId('prices-back').click();
      await expect(page.getByTestId('settings-sms-prices')).toContainText('每条短信 ¥0.045');
      await page.getByTestId('nav-reports').click();
      await expect(page.getByTestId('report-price-hint')).toContainText('¥0.045');
      // The table is read again when the page opens: the cost at the new price.
      await expect.poll(async () => ((c) => c.cost === `¥${(c.parts * 0.045).toFixed(2)}`)(await shownCost(page)), { timeout: 40_000 }).toBe(true);
      const after = await shownCost(page);
      expect(after.cost).not.toBe(before.cost);
      const report = await api.get<Totals>(`/reports/volume?from=${today}&to=${today}`);
      expect(Number(report.totals['partsSent'])).toBeGreaterThanOrEqual(2);
      expect(Number(report.totals['cost'])).toBe(Number(report.totals['partsSent']) * 45);
    } finally {
      await api.put('/reports/settings', { pricePerPartLi: 100, modemPrices: [] });
    }
  });

  test('即将发送 lists a care automation’s next send with how many it will text', async ({ adminPage: page, appliance }) => {
    const api = await adminApi(appliance);
    const { today } = await api.get<{ today: string }>('/care/automations');
    const dayAfter = new Date(Date.parse(`${today}T00:00:00Z`) + 2 * 86_400_000);
    // A store date the day after tomorrow, texted a day ahead: its next send is tomorrow; nothing goes out today.
    const created = await api.post<{ id: number }>('/care/automations', {
      kind: 'date',
      name: '报表测试店庆',
      text: '{称呼}，后天店庆，全场八折。',
      sendTime: '09:00',
      leadDays: 1,
      audience: {},
      settings: { name: '店庆', month: dayAfter.getUTCMonth() + 1, day: dayAfter.getUTCDate(), lunar: false },
    });
    try {
      await api.post('/members', { name: '报表测试', gender: 'F', mobile: '13900001203' });
      await api.post(`/care/automations/${created.id}/enabled`, { enabled: true });
      await page.getByTestId('nav-dashboard').click();
      await page.getByTestId('dashboard-refresh').click();
      const item = page.getByTestId(`upcoming-automation-${created.id}`);
      await expect(item).toContainText('报表测试店庆', { timeout: 15_000 });
      await expect(item).toContainText('关怀');
      await expect(item).toContainText(/\d+ 人/);
      await item.scrollIntoViewIfNeeded();
      await snap(page, 'dashboard-upcoming');
    } finally {
      await api.request('DELETE', `/care/automations/${created.id}`);
    }
  });
});
