import { expect, snap, test } from './support/fixtures';
import { adminApi } from './support/api';

test.describe('短信: send, outbox, inbox', () => {
  test('the send flow shows per-rule counts before sending; a blacklisted number is blocked', async ({ adminPage: page, appliance }) => {
    const api = await adminApi(appliance);
    await api.post('/lists/black', { mobile: '13900001111', scope: 'all', reason: '多次投诉' });

    await page.getByTestId('nav-messages').click();
    await expect(page.getByTestId('page-title')).toHaveText('短信');
    await page.getByTestId('send-numbers').fill('13900002222\n13900001111\n12345\n139 0000 2222');
    await page.getByTestId('send-text').fill('{称呼}，本周六会员日生鲜八折，欢迎光临。');
    await expect(page.getByTestId('preview-text')).toContainText('尊敬的张先生，本周六会员日生鲜八折，欢迎光临。【好又多超市】');
    await expect(page.getByTestId('preview-counter')).toContainText('1 条');
    await snap(page, 'messages-send');

    await page.getByTestId('send-check').click();
    const confirm = page.getByTestId('send-confirm');
    await expect(confirm.getByTestId('confirm-total')).toHaveText('3');
    await expect(confirm.getByTestId('confirm-will-send')).toHaveText('1');
    await expect(confirm.getByTestId('confirm-blocked-blacklist')).toHaveText('1');
    await expect(confirm.getByTestId('confirm-blocked-invalid-number')).toHaveText('1');
    await expect(confirm.getByTestId('confirm-problems')).toContainText('重复号码');
    await snap(page, 'messages-send-confirm');
    await confirm.getByTestId('send-confirm-button').click();

    await expect(page).toHaveURL(/\/messages\/outbox$/);
    await page.getByTestId('outbox-status-blocked').click();
    const blockedRow = page.getByTestId('outbox-table').locator('tr', { hasText: '+8613900001111' });
    await expect(blockedRow).toContainText('已拦截');
    await expect(blockedRow).toContainText('黑名单');
    await snap(page, 'messages-outbox-blocked');
    await page.getByTestId('outbox-status-all').click();

    // The simulated modem sends the allowed one; the timeline shows its part, MR and status report.
    await page.getByTestId('outbox-search').fill('13900002222');
    const sentRow = page.getByTestId('outbox-table').locator('tr', { hasText: '+8613900002222' });
    await expect(sentRow).toContainText(/已发出|已送达/, { timeout: 45_000 });
    await sentRow.click();
    const detail = page.getByTestId('outbox-detail');
    await expect(detail.getByTestId('detail-timeline')).toContainText('MR');
    await expect(detail.getByTestId('detail-status')).toHaveText('已送达', { timeout: 30_000 });
    await expect(detail.getByTestId('detail-timeline')).toContainText('状态报告');
    await snap(page, 'messages-outbox-timeline');
  });

  test('a text from a customer appears live in the inbox and the reply goes out', async ({ adminPage: page, appliance }) => {
    const api = await adminApi(appliance);
    await page.goto('/messages/inbox');
    await expect(page.getByTestId('inbox-conversations')).toBeVisible();
    await api.post('/inbox/simulate', { from: '13900003333', text: '请问今天营业到几点？' });
    const conversation = page.getByTestId('conversation-+8613900003333');
    await expect(conversation).toContainText('请问今天营业到几点？', { timeout: 45_000 });
    await conversation.click();
    const thread = page.getByTestId('inbox-thread');
    await expect(thread.getByTestId('entry-in')).toContainText('请问今天营业到几点？');
    await thread.getByTestId('inbox-reply-text').fill('您好，今天营业到晚上十点。');
    await thread.getByTestId('inbox-reply-send').click();
    await expect(thread.getByTestId('entry-out')).toContainText('您好，今天营业到晚上十点。');
    await expect(thread.getByTestId('entry-out')).toContainText(/已发出|已送达/, { timeout: 45_000 });
    await snap(page, 'messages-inbox-reply');
  });
});
