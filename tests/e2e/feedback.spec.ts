import type { Locator, Page } from '@playwright/test';
import { startSmtpServer } from '../support/smtp';
import { adminApi } from './support/api';
import { expect, snap, test } from './support/fixtures';

/** An Element Plus input: data-test lands on the <input>/<textarea> itself, or on its wrapper (input-number). */
function field(scope: Page | Locator, id: string): Locator {
  return scope.locator(`input[data-test="${id}"], textarea[data-test="${id}"], [data-test="${id}"] input, [data-test="${id}"] textarea`).first();
}

interface TicketPage {
  items: Array<{ id: number; number: string; state: string; mobile: string }>;
}

test.describe('意见反馈, 邮件设置, 订阅', () => {
  test('a complaint by text becomes a ticket; staff work it to resolved in the UI and the customer is texted', async ({ adminPage: page, appliance }) => {
    const api = await adminApi(appliance);
    await api.post('/members', { name: '柳青', gender: 'F', mobile: '13900008801' });
    await api.post('/inbox/simulate', { from: '13900008801', text: '投诉 生鲜区的鱼不新鲜，收银员态度也差' });
    let ticketNumber = '';
    await expect
      .poll(
        async () => {
          const page = await api.get<TicketPage>('/feedback?page=1&pageSize=50');
          ticketNumber = page.items.find((t) => t.mobile === '+8613900008801')?.number ?? '';
          return ticketNumber;
        },
        { timeout: 45_000 },
      )
      .toMatch(/^FK\d{8}-\d{4}$/);

    await page.getByTestId('nav-feedback').click();
    await expect(page.getByTestId('page-title')).toHaveText('意见反馈');
    const row = page.getByTestId('feedback-table').locator('tr', { has: page.getByTestId(`ticket-${ticketNumber}`) });
    await expect(row).toContainText('投诉');
    await expect(row).toContainText('柳青');
    await expect(row.getByTestId(`ticket-state-${ticketNumber}`)).toHaveText('待处理');
    await snap(page, 'feedback-list');

    await row.click();
    const drawer = page.getByTestId('ticket-drawer');
    await expect(drawer.getByTestId('ticket-thread')).toContainText('生鲜区的鱼不新鲜');
    // The acknowledgement with the ticket number answered the text.
    await expect(drawer.getByTestId('ticket-thread')).toContainText(ticketNumber, { timeout: 45_000 });
    await drawer.getByTestId('ticket-start').click();
    await expect(drawer.getByTestId('ticket-state')).toHaveText('处理中');
    await field(drawer, 'ticket-note').fill('已联系生鲜主管核实');
    await drawer.getByTestId('ticket-note-add').click();
    await expect(drawer.getByTestId('ticket-history')).toContainText('已联系生鲜主管核实');
    await snap(page, 'feedback-ticket-in-progress');

    await drawer.getByTestId('ticket-resolve').click();
    await field(drawer, 'ticket-resolution').fill('已下架该批次并对收银员进行培训');
    await drawer.getByTestId('ticket-resolve-confirm').click();
    await expect(drawer.getByTestId('ticket-state')).toHaveText('已解决');
    await expect(drawer.getByTestId('ticket-thread')).toContainText('已下架该批次并对收银员进行培训');
    await expect(drawer.getByTestId('ticket-history')).toContainText('状态：待处理 → 处理中');

    await drawer.getByTestId('ticket-blacklist').click();
    await page.locator('.el-message-box').getByRole('button', { name: '加入营销黑名单' }).click();
    await expect(drawer).toContainText('已加入营销黑名单');
    const black = await api.get<{ items: Array<{ mobile: string; source: string; scope: string }> }>('/lists/black?q=13900008801&page=1&pageSize=5');
    expect(black.items[0]).toMatchObject({ source: 'complaint', scope: 'marketing' });
    await snap(page, 'feedback-ticket-resolved');
  });

  test('a conversation is turned into a ticket from the inbox', async ({ adminPage: page, appliance }) => {
    const api = await adminApi(appliance);
    await api.post('/inbox/simulate', { from: '13900008802', text: '你们的停车场收费太贵了' });
    await page.goto('/messages/inbox');
    const conversation = page.getByTestId('conversation-+8613900008802');
    await expect(conversation).toBeVisible({ timeout: 45_000 });
    await conversation.click();
    await page.getByTestId('inbox-to-ticket').click();
    await page.getByTestId('to-ticket-create').click();
    await expect(page).toHaveURL(/\/feedback$/);
    await expect(page.getByTestId('ticket-drawer').getByTestId('ticket-thread')).toContainText('你们的停车场收费太贵了');
  });

  test('mail settings: check and trust the server certificate, save, send a test mail that the SMTP server receives', async ({ adminPage: page }) => {
    const smtp = await startSmtpServer({ password: 'auth-code-88' });
    try {
      await page.getByTestId('nav-settings').click();
      await page.getByTestId('settings-mail-open').click();
      await expect(page.getByTestId('page-title')).toHaveText('邮件设置');
      await field(page, 'mail-host').fill('127.0.0.1');
      await field(page, 'mail-port').fill(String(smtp.port));
      await field(page, 'mail-username').fill('store');
      await field(page, 'mail-password').fill('auth-code-88');
      await field(page, 'mail-from').fill('store@example.com');
      await field(page, 'mail-recipients-complaints').fill('manager@example.com\nboss@example.com');
      await page.getByTestId('mail-check-cert').click();
      await expect(page.getByTestId('mail-checked-cert')).toBeVisible();
      await page.getByTestId('mail-trust').click();
      await page.getByTestId('mail-enabled').click();
      await page.getByTestId('mail-save').click();
      await expect(page.getByText('邮件设置已保存')).toBeVisible();
      await expect(page.getByTestId('mail-trusted')).toContainText(':');
      await expect(field(page, 'mail-password')).toHaveAttribute('placeholder', '已设置（留空则不修改）');

      await field(page, 'mail-test-to').fill('it@example.com');
      await page.getByTestId('mail-test-send').click();
      await expect(page.getByTestId('mail-test-ok')).toContainText('it@example.com');
      const [mail] = await smtp.waitFor(1);
      expect(mail).toMatchObject({ to: ['it@example.com'], secure: true, user: 'store' });
      await expect(page.getByTestId('mail-queue')).toContainText('已发送');
      await snap(page, 'mail-settings');

      // No encryption with a login: refused, saying why, until the administrator explicitly allows it.
      await page.getByTestId('mail-security').getByText('不加密').click();
      await expect(page.getByTestId('mail-allow-plain-login')).toBeVisible();
      await page.getByTestId('mail-save').click();
      await expect(page.getByTestId('mail-error')).toContainText('不加密时不发送邮箱密码');
      await expect(page.getByTestId('mail-error')).toContainText('允许不加密发送用户名和密码');
      await snap(page, 'mail-settings-plain-login');
      await page.getByTestId('mail-allow-plain-login').click();
      await page.getByTestId('mail-save').click();
      await expect(page.getByText('邮件设置已保存')).toBeVisible();
    } finally {
      await smtp.close();
    }
  });

  test('subscriptions: DY 促销 by text counts a subscriber; a topic is added in the UI', async ({ adminPage: page, appliance }) => {
    const api = await adminApi(appliance);
    await api.post('/members', { name: '郑爽', gender: 'F', mobile: '13900008803' });
    await api.post('/inbox/simulate', { from: '13900008803', text: 'DY 促销' });
    await page.getByTestId('nav-subscriptions').click();
    await expect(page.getByTestId('page-title')).toHaveText('订阅');
    await expect
      .poll(
        async () => {
          await page.reload();
          return page.getByTestId('topic-subscribers-促销').textContent();
        },
        { timeout: 45_000 },
      )
      .toBe('1');
    // The member's consent record shows the text that subscribed them, with its source.
    await page.goto('/members');
    await field(page, 'members-keyword').fill('13900008803');
    await page.getByTestId('members-search').click();
    await page.getByTestId('members-table').locator('tbody tr.el-table__row').first().click();
    const drawer = page.getByTestId('member-drawer');
    await drawer.getByRole('tab', { name: '订阅' }).click();
    await expect(drawer.getByTestId('member-topic-促销').locator('.el-switch')).toHaveClass(/is-checked/);
    await expect(drawer.getByTestId('member-consent-history')).toContainText('DY 促销');
    await expect(drawer.getByTestId('member-consent-history')).toContainText('短信');
    await snap(page, 'member-subscriptions');
    await page.keyboard.press('Escape');

    await page.goto('/subscriptions');
    await page.getByTestId('topic-add').click();
    const dialog = page.getByTestId('topic-dialog');
    await field(dialog, 'topic-name').fill('母婴用品');
    await field(dialog, 'topic-keyword').fill('母婴');
    await dialog.getByTestId('topic-save').click();
    await expect(page.getByTestId('topic-母婴')).toHaveText('母婴用品');
    await snap(page, 'subscriptions');
  });
});

test.describe('电子杂志 and the feedback settings', () => {
  test('an issue is written, previewed and sent to the magazine’s subscribers; the SLA is configurable', async ({ adminPage: page, appliance }) => {
    const api = await adminApi(appliance);
    await api.post('/members', { name: '冯读者', gender: 'M', mobile: '13900008804' });
    await api.post('/inbox/simulate', { from: '13900008804', text: 'DY 杂志' });
    await expect
      .poll(async () => (await api.get<{ items: Array<{ keyword: string; subscribers: number }> }>('/subscriptions/topics')).items.find((t) => t.keyword === '杂志')?.subscribers, { timeout: 45_000 })
      .toBe(1);

    await page.goto('/subscriptions');
    await page.getByRole('tab', { name: '电子杂志' }).click();
    await page.getByTestId('magazine-write').click();
    const dialog = page.getByTestId('magazine-dialog');
    await field(dialog, 'magazine-title').fill('12月第1期');
    await field(dialog, 'magazine-text').fill('{称呼}，本周会员日：鲜果8折，牛奶买二送一。');
    await dialog.getByTestId('magazine-preview-run').click();
    await expect(dialog.getByTestId('magazine-preview')).toContainText('1 人订阅');
    await snap(page, 'magazine-preview');
    await dialog.getByTestId('magazine-save').click();
    const issues = page.getByTestId('magazine-issues');
    await expect(issues).toContainText('12月第1期');
    await issues.getByRole('button', { name: '立即发送' }).click();
    await page.locator('.el-message-box').getByRole('button', { name: '立即发送' }).click();
    await expect(issues).toContainText('已发送');
    await expect
      .poll(async () => (await api.get<{ items: Array<{ title: string; state: string; recipients: number | null; queued: number | null }> }>('/subscriptions/magazine/issues')).items.find((i) => i.title === '12月第1期'), { timeout: 90_000 })
      .toMatchObject({ state: 'sent', recipients: 1, queued: 1 });
    await snap(page, 'magazine-sent');

    await page.goto('/feedback');
    await page.getByTestId('feedback-settings').click();
    const settings = page.getByTestId('feedback-settings-dialog');
    await field(settings, 'feedback-sla-complaint').fill('12');
    await snap(page, 'feedback-settings');
    await settings.getByTestId('feedback-settings-save').click();
    await expect(page.getByText('反馈设置已保存')).toBeVisible();
    expect((await api.get<{ slaHours: { complaint: number } }>('/feedback/settings')).slaHours.complaint).toBe(12);
  });
});
