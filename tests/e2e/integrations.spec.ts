import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, snap, test } from './support/fixtures';

/**
 * The 接口 page against the appliance as a real process: a 云MAS account made in the UI takes a
 * submit from a "store program" (this spec, posting Base64 JSON with an MD5 mac) and the page
 * shows it live; an API key is shown once and works, with only its permissions; a webhook's
 * test event reaches a real receiver and the delivery log follows it live.
 */
const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

function norsubmit(fields: { ecName: string; apId: string; secretKey: string; mobiles: string; content: string; sign: string; addSerial: string }, wrongMac = false): string {
  const mac = md5(fields.ecName + fields.apId + fields.secretKey + fields.mobiles + fields.content + fields.sign + fields.addSerial);
  return Buffer.from(JSON.stringify({ ...fields, mac: wrongMac ? md5('x') : mac })).toString('base64');
}

/** A program on the other side of a webhook: records posts, answers 200. */
async function receiver(): Promise<{ url: string; posts: Array<{ headers: http.IncomingHttpHeaders; body: string }>; close: () => Promise<void> }> {
  const posts: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      posts.push({ headers: request.headers, body });
      response.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/events`, posts, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

test.describe('integrations', () => {
  test('a 云MAS account made in the UI takes the store program’s submits, shown live with refusals', async ({ adminPage, appliance }) => {
    const page = adminPage;
    await page.getByTestId('nav-integrations').click();
    await expect(page.getByTestId('page-title')).toHaveText('接口');
    // The MAS database interface comes first; the 云MAS accounts are the next tab.
    await page.getByRole('tab', { name: '云MAS 账号' }).click();
    await expect(page).toHaveURL(/tab=cloud-mas/);
    await page.getByTestId('cloud-mas-add').click();
    const dialog = page.getByTestId('cloud-mas-dialog');
    await dialog.getByTestId('cm-save').click();
    await expect(dialog.locator('.el-form-item__error').first()).toBeVisible();
    await dialog.getByTestId('cm-name').fill('收银系统');
    await dialog.getByTestId('cm-ec-name').fill('好又多超市');
    await dialog.getByTestId('cm-ap-id').fill('pos');
    await dialog.getByTestId('cm-secret').fill('Pos-Secret-1');
    await dialog.getByTestId('cm-sign-code-0').fill('wHwvfNuH5');
    await dialog.getByTestId('cm-sign-text-0').fill('好又多超市');
    await dialog.getByTestId('cm-add-template').click();
    await dialog.getByTestId('cm-template-id-0').fill('pickup');
    await dialog.getByTestId('cm-template-text-0').fill('您的订单已到店，提货码{1}');
    await dialog.getByTestId('cm-report-url').fill('not a url');
    await dialog.getByTestId('cm-save').click();
    await expect(dialog.locator('.el-form-item__error', { hasText: '以 http:// 或 https:// 开头' })).toBeVisible();
    await dialog.getByTestId('cm-report-url').fill('http://127.0.0.1:9/mas/report');
    await snap(page, 'integrations-cloud-mas-dialog');
    await dialog.getByTestId('cm-save').click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('cloud-mas-account-收银系统')).toBeVisible();

    // The store program posts, as it did to the operator's MAS: the page shows each answer live.
    const fields = { ecName: '好又多超市', apId: 'pos', secretKey: 'Pos-Secret-1', mobiles: '13900139401,13900139402', content: '您的订单已发货', sign: 'wHwvfNuH5', addSerial: '' };
    const ok = await fetch(`${appliance.url}/sms/norsubmit`, { method: 'POST', body: norsubmit(fields) });
    expect(await ok.json()).toMatchObject({ rspcod: 'success', success: true });
    const bad = await fetch(`${appliance.url}/sms/norsubmit`, { method: 'POST', body: norsubmit(fields, true) });
    expect(await bad.json()).toMatchObject({ rspcod: 'IllegalMac', success: false });
    const requests = page.getByTestId('cloud-mas-requests');
    await expect(requests.getByText('mac 校验失败')).toBeVisible();
    await expect(requests.getByText('成功')).toBeVisible();
    await expect(page.getByTestId('cloud-mas-stats')).toContainText('2');
    await snap(page, 'integrations-cloud-mas');

    // The report URL is down: the push log shows the waiting reports once the messages are final.
    await page.getByTestId('cloud-mas-more-收银系统').click();
    await page.getByTestId('cloud-mas-test-report-收银系统').click();
    const log = page.getByTestId('cloud-mas-log');
    await expect(log.getByTestId('delivery-table')).toContainText('13800138000', { timeout: 15_000 });
    await expect(log.getByTestId('delivery-table')).toContainText('重试中', { timeout: 15_000 });
    await log.locator('.el-table__expand-icon').first().click();
    await expect(log.getByText('ECONNREFUSED').first()).toBeVisible();
    await snap(page, 'integrations-cloud-mas-push-log');
  });

  test('an API key is shown once, works with its permissions only, and stops when revoked', async ({ adminPage, appliance }) => {
    const page = adminPage;
    await page.goto('/integrations?tab=api-keys');
    await page.getByTestId('api-key-add').click();
    const dialog = page.getByTestId('api-key-dialog');
    await dialog.getByTestId('api-key-name').fill('ERP 订单通知');
    await dialog.getByTestId('api-key-permission-messages.send').click();
    await dialog.getByTestId('api-key-permission-messages.read').click();
    await expect(dialog.getByTestId('api-key-permission-users.manage')).toHaveCount(0);
    await snap(page, 'integrations-api-key-dialog');
    await dialog.getByTestId('api-key-save').click();
    const secret = page.getByTestId('secret-value');
    await expect(secret).toHaveText(/^smk_/);
    const token = (await secret.textContent())!.trim();
    await snap(page, 'integrations-api-key-once');
    await page.getByTestId('secret-close').click();
    await expect(page.getByTestId('api-keys-table')).not.toContainText(token);

    const call = (method: string, path: string, body?: object) =>
      fetch(`${appliance.url}/api${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined });
    expect((await call('POST', '/messages', { numbers: '13900139411', text: '订单已发货', category: 'transactional' })).status).toBe(201);
    expect((await call('GET', '/users')).status).toBe(403);
    await page.reload();
    await expect(page.getByTestId('api-keys-table').locator('tr', { hasText: 'ERP 订单通知' })).toContainText('127.0.0.1');
    await snap(page, 'integrations-api-keys');

    await page.getByTestId('api-key-revoke-ERP 订单通知').click();
    await page.locator('.el-message-box').getByRole('button', { name: '吊销' }).click();
    await expect(page.getByTestId('api-key-state-ERP 订单通知')).toHaveText('已吊销');
    expect((await call('GET', '/messages')).status).toBe(401);
  });

  test('a webhook’s test event reaches a real receiver, signed; the delivery log follows live (English)', async ({ adminPage }) => {
    const page = adminPage;
    const target = await receiver();
    try {
      await page.goto('/integrations?tab=webhooks');
      await page.getByTestId('webhook-add').click();
      const dialog = page.getByTestId('webhook-dialog');
      await dialog.getByTestId('webhook-name').fill('会员系统');
      await dialog.getByTestId('webhook-url').fill(target.url);
      await dialog.getByTestId('webhook-save').click();
      await expect(page.getByTestId('secret-value')).toHaveText(/^whsec_/);
      const signingSecret = (await page.getByTestId('secret-value').textContent())!.trim();
      await page.getByTestId('secret-close').click();

      await page.getByTestId('webhook-test-会员系统').click();
      await expect(page.getByTestId('delivery-table')).toContainText('已送达', { timeout: 15_000 });
      // The webhook takes every event, so a message delivered meanwhile may post too: one test event.
      const testPosts = () => target.posts.filter((p) => p.headers['x-storemas-event'] === 'webhook.test');
      await expect.poll(() => testPosts().length, { timeout: 15_000 }).toBe(1);
      const [post] = testPosts();
      const header = String(post!.headers['x-storemas-signature']);
      const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header)!;
      const { createHmac } = await import('node:crypto');
      expect(createHmac('sha256', signingSecret).update(`${t}.${post!.body}`).digest('hex')).toBe(v1);
      expect(JSON.parse(post!.body)).toMatchObject({ type: 'webhook.test' });

      // In English, at 1366×768: nothing scrolls sideways.
      await page.evaluate(() => localStorage.setItem('storemas.locale', 'en'));
      await page.reload();
      await expect(page.getByTestId('page-title')).toHaveText('Integrations');
      await expect(page.getByTestId('delivery-table')).toContainText('Delivered');
      await page.getByTestId('delivery-table').locator('.el-table__expand-icon').first().click();
      await expect(page.getByTestId('delivery-table')).toContainText('Try 1');
      for (const table of await page.locator('.el-table__body-wrapper .el-scrollbar__wrap').all()) {
        expect(await table.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
      }
      await snap(page, 'integrations-webhooks-en');
      await page.evaluate(() => localStorage.setItem('storemas.locale', 'zh-CN'));
    } finally {
      await target.close();
    }
  });
});
