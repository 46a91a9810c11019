import fs from 'node:fs';
import path from 'node:path';
import { adminApi } from './support/api';
import { expect, snap, test } from './support/fixtures';

const PAGES = path.resolve(import.meta.dirname, '../../renderer/src/pages');

/** Sidebar entries the built areas declare (pages/<area>/routes.ts with a `nav:`). */
function declaredNavEntries(): number {
  let count = 0;
  for (const area of fs.readdirSync(PAGES)) {
    const file = path.join(PAGES, area, 'routes.ts');
    if (fs.existsSync(file)) count += (fs.readFileSync(file, 'utf8').match(/\bnav:\s*\{/g) ?? []).length;
  }
  return count;
}

test.describe('shell', () => {
  test('language switch zh-CN → en is remembered after a reload and on the sign-in page', async ({ adminPage }) => {
    const page = adminPage;
    await expect(page.getByTestId('nav-dashboard')).toContainText('概览');
    await page.getByTestId('language-switch').click();
    await page.getByTestId('language-en').click();
    await expect(page.getByTestId('nav-dashboard')).toContainText('Dashboard');
    await expect(page.getByTestId('page-title')).toHaveText('Dashboard');
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await snap(page, 'shell-dashboard-en');

    await page.reload();
    await expect(page.getByTestId('nav-users')).toContainText('Users');
    await expect(page.getByTestId('page-title')).toHaveText('Dashboard');

    // Element Plus's own texts follow (the pager of the audit page).
    await page.getByTestId('nav-audit').click();
    await expect(page.locator('.el-pagination')).toContainText('/page');

    await page.getByTestId('user-menu').click();
    await page.getByTestId('menu-logout').click();
    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByTestId('login-submit')).toHaveText('Sign in');

    await page.getByTestId('language-switch').click();
    await page.getByTestId('language-zh-CN').click();
    await expect(page.getByTestId('login-submit')).toHaveText('登录');
    await page.reload();
    await expect(page.getByTestId('login-submit')).toHaveText('登录');
  });

  test('the menu shows exactly the built areas, in order, and each opens its page', async ({ adminPage, appliance }) => {
    // Waits up to two minutes for the demo sync, then opens every page.
    test.setTimeout(180_000);
    const page = adminPage;
    // Every list gets rows first (the demo store synced, a list entry, a template, a sent message):
    // the layout check below means something only on tables that have rows.
    const api = await adminApi(appliance);
    await expect
      .poll(async () => {
        const status = await api.get<{ running: unknown; counts: Record<string, number> }>('/store/status');
        return status.running === null && (status.counts.members ?? 0) > 0;
      }, { timeout: 120_000, intervals: [1000] })
      .toBe(true);
    await api.post('/lists/black', { mobile: '13900009222', scope: 'marketing', reason: '布局检查' }).catch(() => undefined);
    await api.post('/templates', { name: '布局检查模板', category: 'holiday', body: '{称呼}您好，节日快乐！' }).catch(() => undefined);
    await api.post('/messages', { text: '布局检查：本周六会员日', category: 'transactional', numbers: '13900002223' });
    // 接口: a 云MAS account and one (refused) request from its program.
    const cloudMas = { ecName: '布局检查', apId: 'layout', signs: [{ code: 'L1', text: '【好又多超市】' }], templates: [], allowedAddresses: [], category: 'transactional' };
    await api.post('/integrations/cloud-mas/accounts', { ...cloudMas, name: '布局检查', secret: 'layout', reportUrl: null, inboundUrl: null, inboundAll: false, enabled: true }).catch(() => undefined);
    await fetch(`${appliance.url}/sms/norsubmit`, { method: 'POST', body: Buffer.from(JSON.stringify({ ecName: '布局检查', apId: 'layout', mac: 'x' })).toString('base64') });
    const campaign = await api.post<{ id: number }>('/campaigns', { name: '布局检查活动', audience: { kind: 'filter', filter: {} }, text: '{称呼}，本周六会员日', schedule: { kind: 'at', at: Date.now() + 86_400_000 } });
    await api.post(`/campaigns/${campaign.id}/submit`, {});
    await api
      .post('/surveys', { title: '布局检查问卷', intro: '您好', mode: 'sequential', timeoutHours: 48, incentive: '', thanks: '', questions: [{ kind: 'yes-no', text: '满意吗？' }] })
      .catch(() => undefined);
    // 意见反馈 lists open tickets: a complaint of this spec's own, whatever ran before.
    await api.post('/inbox/simulate', { from: '13900009224', text: '投诉 布局检查：购物车坏了' });
    await expect
      .poll(async () => (await api.get<{ items: Array<{ mobile: string }> }>('/feedback?page=1&pageSize=50')).items.some((t) => t.mobile === '+8613900009224'), { timeout: 45_000 })
      .toBe(true);
    const items = page.getByTestId('nav').locator('.el-menu-item');
    // admin may use everything, so every declared entry is there and nothing else.
    await expect(items).toHaveCount(declaredNavEntries());
    const labels = (await items.allTextContents()).map((text) => text.trim());
    // The foundation's own areas in the agreed order: 概览 10 … 设置 80, 用户 90, 审计 100.
    const foundation = labels.filter((label) => ['概览', '设置', '用户', '审计'].includes(label));
    expect(foundation).toEqual(['概览', '设置', '用户', '审计']);
    // Every built area in the agreed order (notes/ui-conventions.md), whichever of them exist yet.
    const AREA_ORDER = ['概览', '会员', '短信', '活动', '名单', '设备', '门店数据', '库存', '设置', '用户', '审计'];
    const known = labels.filter((label) => AREA_ORDER.includes(label));
    expect(known).toEqual([...known].sort((a, b) => AREA_ORDER.indexOf(a) - AREA_ORDER.indexOf(b)));
    expect(labels).toContain('设备');
    expect(labels[0]).toBe('概览');
    expect(labels.at(-1)).toBe('审计');
    await snap(page, 'shell-menu');

    const count = await items.count();
    for (let i = 0; i < count; i += 1) {
      await items.nth(i).click();
      await expect(items.nth(i)).toHaveClass(/is-active/);
      await expect(page.getByText('页面不存在')).toHaveCount(0);
      await expect(page.getByText('您的角色无权访问该页面。')).toHaveCount(0);
      // Each page fits the 1366×768 back-office screen: no table scrolls sideways, no figure is cut.
      const area = (await items.nth(i).textContent())?.trim();
      await expect(page.locator('.el-loading-mask:visible')).toHaveCount(0);
      await expect
        .poll(
          () => page.locator('.el-table:visible').evaluateAll((tables) => tables.filter((table) => table.querySelector('.el-table__row') === null).length),
          { message: `every table of ${area} has rows`, timeout: 15_000 },
        )
        .toBe(0);
      await expect
        .poll(
          async () => [
            ...(await page
              .locator('.el-table__body-wrapper .el-scrollbar__wrap')
              .evaluateAll((wraps) => wraps.filter((wrap) => wrap.scrollWidth > wrap.clientWidth + 1).map(() => 'a table scrolls sideways'))),
            ...(await page
              .getByTestId('stat-value')
              .evaluateAll((values) => values.filter((value) => value.scrollWidth > value.clientWidth).map((value) => `figure cut: ${value.textContent}`))),
          ],
          { message: `layout of ${area}` },
        )
        .toEqual([]);
    }
  });

  test('an unknown address shows the not-found page inside the layout; sign-in redirects back', async ({ page, appliance }) => {
    await page.goto('/no-such-page');
    await expect(page).toHaveURL(/\/login\?redirect=/);
    await adminApi(appliance); // first-run password change, if no spec before did it
    await page.getByTestId('login-username').fill('admin');
    await page.getByTestId('login-password').fill(appliance.admin.password);
    await page.getByTestId('login-submit').click();
    await expect(page).toHaveURL(/\/no-such-page$/);
    await expect(page.getByText('页面不存在')).toBeVisible();
    await page.getByRole('button', { name: '返回首页' }).click();
    await expect(page).toHaveURL(/\/dashboard$/);
  });

  test('the system page shows the appliance’s real figures and the latest audit entries', async ({ adminPage, appliance }) => {
    const page = adminPage;
    // The IT figures moved off the landing page (经营概览) to 系统状态, for administrators.
    await page.getByTestId('nav-system').click();
    await expect(page.getByTestId('page-title')).toHaveText('系统状态');
    const { version, system } = await (await adminApi(appliance)).get<{
      version: string;
      system: { users: { total: number; byRole: { admin: number } } };
    }>('/dashboard');
    const figures = { version, users: system.users };
    const stats = page.getByTestId('dashboard-stats');
    await expect(stats).toContainText(figures.version);
    await expect(stats).toContainText(/\d+(\.\d)? (KB|MB)/);
    await expect(stats.getByTestId('stat-value').nth(3)).toHaveText(String(figures.users.total));
    await expect(page.getByTestId('role-admin')).toContainText(String(figures.users.byRole.admin));
    await expect(page.locator('canvas').first()).toBeVisible();
    // The sign-in that opened this page is the newest audit entry.
    await expect(page.getByTestId('dashboard-recent').locator('li').first()).toContainText('登录');
    await snap(page, 'shell-system');
  });
});
