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
    // A transactional notice (chosen explicitly): not held by quiet hours, whenever the test runs.
    await page.getByTestId('send-category-transactional').click();
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
    // Its detail says why in Chinese; the server's English stays beside it for support.
    await blockedRow.click();
    const blockedDetail = page.getByTestId('outbox-detail');
    await expect(blockedDetail.getByTestId('detail-reason')).toHaveText('被发送策略拦截：黑名单');
    await expect(blockedDetail.getByTestId('detail-reason-detail')).not.toBeEmpty();
    await snap(page, 'messages-outbox-blocked-detail');
    await page.keyboard.press('Escape');
    await expect(blockedDetail).toBeHidden();
    await page.getByTestId('outbox-status-all').click();

    // The simulated modem sends the allowed one; the timeline shows its part, MR and status report.
    await page.getByTestId('outbox-search').fill('13900002222');
    const sentRow = page.getByTestId('outbox-table').locator('tr', { hasText: '+8613900002222' });
    await expect(sentRow).toContainText(/已发出|已送达/, { timeout: 45_000 });
    await sentRow.click();
    const detail = page.getByTestId('outbox-detail');
    await expect(detail.getByTestId('detail-timeline')).toContainText('MR');
    await expect(detail.getByTestId('detail-status')).toHaveText('已送达', { timeout: 30_000 });
    await expect(detail.getByTestId('detail-timeline')).toContainText('状态报告：已送达，对方已收到');
    await expect(detail.getByTestId('detail-timeline')).toContainText('创建（管理界面）');
    await snap(page, 'messages-outbox-timeline');
  });

  test('a contact group is picked from the member tags with its size, and the send is pinned to the chosen modem', async ({ adminPage: page, appliance }) => {
    const api = await adminApi(appliance);
    await api.post('/members', { name: '周晓明', gender: 'M', mobile: '13900004401', tags: ['周末团购'] });
    await api.post('/members', { name: '司马琳', gender: 'F', mobile: '13900004402', tags: ['周末团购', '员工'] });
    const modems = await api.get<{ items: Array<{ id: string; name: string }> }>('/messages/modems');
    const modem = modems.items[0]!;

    await page.goto('/messages');
    await page.getByTestId('send-source').getByText('会员分组').click();
    await page.getByTestId('send-group').click();
    const option = page.getByTestId('send-group-周末团购');
    await expect(option).toContainText('2 人');
    await expect(page.getByTestId('send-via')).toContainText('自动');
    await snap(page, 'messages-send-groups');
    await option.click();
    await expect(page.getByTestId('send-group-count')).toContainText('该分组共 2 位会员有手机号');
    await page.getByTestId('send-text').fill('{称呼}，周末团购鸡蛋到货，请到服务台领取。');
    await page.getByTestId('send-via').click();
    await page.getByTestId(`send-via-${modem.id}`).click();
    await expect(page.getByTestId('send-via')).toContainText(modem.name);
    await snap(page, 'messages-send-group-via');

    await page.getByTestId('send-check').click();
    const confirm = page.getByTestId('send-confirm');
    await expect(confirm.getByTestId('confirm-total')).toHaveText('2');
    await expect(confirm.getByTestId('confirm-via')).toHaveText(modem.name);
    await snap(page, 'messages-send-group-confirm');
    await confirm.getByTestId('send-confirm-button').click();

    await expect(page).toHaveURL(/\/messages\/outbox$/);
    await page.getByTestId('outbox-search').fill('13900004402');
    const row = page.getByTestId('outbox-table').locator('tr', { hasText: '+8613900004402' });
    await expect(row).toContainText('尊敬的司马女士，周末团购鸡蛋到货');
    await expect(row).toContainText(modem.name);
    await expect(row).toContainText('指定通道');
    const sent = await api.get<{ items: Array<{ pinnedModem: string | null; memberId: number | null }> }>('/messages?q=1390000440');
    expect(sent.items).toHaveLength(2);
    for (const m of sent.items) expect(m).toMatchObject({ pinnedModem: modem.id, memberId: expect.any(Number) });
  });

  test('a free text is marketing by default; the confirmation shows category, parts, time and real texts; a scheduled batch is cancelled', async ({ adminPage: page }) => {
    await page.goto('/messages');
    await expect(page.getByTestId('send-category-hint')).toContainText('促销');
    await page.getByTestId('send-numbers').fill('13900005501\n13900005502\n13900005503\n13900005504');
    await page.getByTestId('send-text').fill('{称呼}，周六会员日鸡蛋特价');
    // Marketing carries the opt-out hint.
    await expect(page.getByTestId('preview-text')).toContainText('周六会员日鸡蛋特价，回T退订【好又多超市】');
    await page.getByTestId('send-scheduled').click();
    const tomorrow = new Date(Date.now() + 86_400_000);
    const at = `${tomorrow.getFullYear()}-${String(tomorrow.getMonth() + 1).padStart(2, '0')}-${String(tomorrow.getDate()).padStart(2, '0')} 10:00:00`;
    const picker = page.getByPlaceholder('选择发送时间');
    await picker.fill(at);
    await picker.press('Enter');
    await page.getByTestId('send-text').click();

    await page.getByTestId('send-check').click();
    const confirm = page.getByTestId('send-confirm');
    await expect(confirm.getByTestId('confirm-category')).toHaveText('营销');
    await expect(confirm.getByTestId('confirm-parts')).toHaveText('4');
    await expect(confirm.getByTestId('confirm-send-at')).toContainText('10:00');
    await expect(confirm.getByTestId('confirm-duration')).toContainText('约');
    await expect(confirm.getByTestId('confirm-sample')).toHaveCount(3);
    await expect(confirm.getByTestId('confirm-sample').first()).toContainText('139****5501');
    await expect(confirm.getByTestId('confirm-sample').first()).toContainText('尊敬的会员，周六会员日鸡蛋特价，回T退订【好又多超市】');
    await snap(page, 'messages-send-confirm-marketing');
    await confirm.getByTestId('send-confirm-button').click();
    await expect(page).toHaveURL(/\/messages\/outbox$/);

    // One message is cancelled on its own from the outbox, then the rest of the batch from 批次.
    await page.getByTestId('tab-batches').click();
    const row = page.getByTestId('batches-table').locator('tr', { hasText: '周六会员日鸡蛋特价' });
    await expect(row).toContainText('进行中');
    await expect(row).toContainText('待发 4');
    await row.getByRole('button', { name: '查看短信' }).click();
    await expect(page.getByTestId('outbox-batch-filter')).toBeVisible();
    const messages = page.getByTestId('outbox-table').locator('tbody tr');
    await expect(messages).toHaveCount(4);
    await snap(page, 'messages-outbox-batch');
    await messages.filter({ hasText: '+8613900005504' }).getByRole('button', { name: '取消发送' }).click();
    await page.locator('.el-message-box').getByRole('button', { name: '取消发送' }).click();
    await expect(messages.filter({ hasText: '+8613900005504' })).toContainText('已取消');

    await page.getByTestId('tab-batches').click();
    await expect(row).toContainText('待发 3');
    await snap(page, 'messages-batches');
    await row.getByRole('button', { name: '取消' }).click();
    await page.locator('.el-message-box').getByRole('button', { name: '取消', exact: true }).click();
    await expect(row).toContainText('已取消');
    await expect(row).toContainText('已取消 4');
    await expect(row.getByRole('button', { name: '暂停' })).toHaveCount(0);
  });

  test('a TD shows at once on the member (营销 = 否, 短信退订) and on the messages waiting for that number', async ({ adminPage: page, appliance }) => {
    const api = await adminApi(appliance);
    await api.post('/members', { name: '欧阳倩', gender: 'F', mobile: '13900006601' });
    await api.post('/messages', { text: '{称呼}，您的积分月底到期', category: 'care', numbers: '13900006601', notBefore: Date.now() + 86_400_000 });
    await api.post('/inbox/simulate', { from: '13900006601', text: 'TD' });
    await expect
      .poll(async () => (await api.get<{ items: Array<{ automatic: boolean }> }>('/messages?q=13900006601')).items.some((m) => m.automatic), { timeout: 45_000 })
      .toBe(true);

    await page.goto('/messages/outbox');
    await page.getByTestId('outbox-search').fill('13900006601');
    const waiting = page.getByTestId('outbox-table').locator('tr', { hasText: '积分月底到期' });
    await expect(waiting).toContainText('将被拦截：已退订');
    const confirmation = page.getByTestId('outbox-table').locator('tr', { hasText: '您已退订本店营销及关怀短信' });
    await expect(confirmation).toContainText('交易通知和您咨询的回复不受影响');
    await snap(page, 'messages-outbox-will-block');

    await page.goto('/members');
    await page.locator('input[data-test="members-keyword"], [data-test="members-keyword"] input').first().fill('13900006601');
    await page.getByTestId('members-search').click();
    await page.getByTestId('members-table').locator('tbody tr.el-table__row').first().click();
    const drawer = page.getByTestId('member-drawer');
    await expect(drawer.getByTestId('member-opted-out')).toHaveText('已短信退订');
    await expect(drawer.getByTestId('member-detail-consent-record')).toContainText('营销：否（短信退订，');
    await snap(page, 'member-detail-opted-out');
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
    // The modem it came in on is named, not numbered; the reply goes back through it.
    const conversations = await api.get<{ items: Array<{ number: string; lastModemId: string }> }>('/inbox');
    const modemId = conversations.items.find((c) => c.number === '+8613900003333')!.lastModemId;
    const modemName = (await api.get<{ items: Array<{ id: string; name: string }> }>('/messages/modems')).items.find((m) => m.id === modemId)!.name;
    await expect(thread.getByTestId('thread-modem')).toHaveText(`经 ${modemName}`);
    await expect(thread.getByTestId('entry-modem')).toHaveText(`经 ${modemName}`);
    await thread.getByTestId('inbox-reply-text').fill('您好，今天营业到晚上十点。');
    await thread.getByTestId('inbox-reply-send').click();
    // The thread also holds the SMS services' automatic answer to a question they do not know.
    const reply = thread.getByTestId('entry-out').filter({ hasText: '您好，今天营业到晚上十点。' });
    await expect(reply).toHaveCount(1);
    await expect(reply).toContainText(/已发出|已送达/, { timeout: 45_000 });
    await snap(page, 'messages-inbox-reply');
  });
});
