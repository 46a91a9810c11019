import { adminApi } from './support/api';
import { expect, snap, test } from './support/fixtures';

/** Customers' texts are untrusted: bidi controls are shown as tags in the inbox, never obeyed. */
test('a right-to-left override in a customer text is shown, not obeyed', async ({ adminPage: page, appliance }) => {
  const api = await adminApi(appliance);
  await page.goto('/messages/inbox');
  await api.post('/inbox/simulate', { from: '13900005556', text: '退款请回复\u202E1 确认\u202C谢谢' });
  const conversation = page.getByTestId('conversation-+8613900005556');
  await expect(conversation).toContainText('[RLO]', { timeout: 45_000 });
  await conversation.click();
  const entry = page.getByTestId('inbox-thread').getByTestId('entry-in');
  await expect(entry.getByTestId('sms-text-control')).toHaveText(['[RLO]', '[PDF]']);
  // What staff read holds no control character the browser could obey.
  const shown = await entry.locator('.bubble').innerText();
  expect(shown).toContain('退款请回复[RLO]1 确认[PDF]谢谢');
  expect(shown).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
  await snap(page, 'inbox-bidi-controls');
});
