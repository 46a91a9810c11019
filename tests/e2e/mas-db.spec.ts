import { startMariaDb, type DbServer } from '../support/dbservers';
import { StockMasClient, connectPlain, plainInsert } from '../support/mas-clients';
import type { Locator } from '@playwright/test';
import { expect, snap, test } from './support/fixtures';

/** The input of an Element Plus field, whether the data-test sits on the input or on its wrapper. */
function field(scope: Locator, id: string): Locator {
  return scope.locator(`input[data-test="${id}"], [data-test="${id}"] input`).first();
}

/**
 * 接口 › MAS 数据库接口 against a real MariaDB: set up the connection and a
 * code in the UI, hand out its login, and watch the page follow the store's
 * software (written like the stock MAS client) live: rows taken, reports,
 * refusals, pause.
 */
let server: DbServer;
test.beforeAll(async () => {
  test.setTimeout(120_000);
  server = await startMariaDb();
  await server.exec(
    "CREATE USER 'storemas'@'%' IDENTIFIED BY 'storemas-pw'; GRANT ALL ON `mas`.* TO 'storemas'@'%' WITH GRANT OPTION; GRANT CREATE USER ON *.* TO 'storemas'@'%';",
  );
});
test.afterAll(async () => server?.stop());

test.describe('接口: MAS database interface', () => {
  test('set up in the UI, then live as the store’s software sends', async ({ adminPage: page }) => {
    test.setTimeout(120_000);
    await expect(page.getByTestId('nav-integrations')).toHaveText('接口');
    await page.getByTestId('nav-integrations').click();
    await expect(page.getByTestId('page-title')).toHaveText('接口');
    await expect(page.getByTestId('masdb-empty')).toBeVisible();
    await expect(page.getByTestId('masdb-state')).toHaveText('未启用');
    await snap(page, 'integrations-empty');

    // The connection: a wrong password is named, then the right one tested and saved (TLS off: this server has none).
    await page.getByTestId('masdb-connection').click();
    const dialog = page.getByTestId('masdb-connection-dialog');
    await field(dialog, 'masdb-connection-host').fill(server.host);
    await field(dialog, 'masdb-connection-port').fill(String(server.port));
    await field(dialog, 'masdb-connection-user').fill('storemas');
    await field(dialog, 'masdb-connection-password').fill('wrong');
    await dialog.getByText('不加密').click();
    // The warning names what this connection carries in clear: texts, not member data.
    await expect(dialog.getByTestId('masdb-connection-tls-off')).toContainText('短信（手机号码与内容）以明文');
    await dialog.getByTestId('masdb-connection-test').click();
    await expect(dialog.getByTestId('masdb-connection-error')).toContainText('MAS 数据库拒绝登录');
    await field(dialog, 'masdb-connection-password').fill('storemas-pw');
    await dialog.getByTestId('masdb-connection-test').click();
    await expect(dialog.getByTestId('masdb-connection-tested')).toContainText('连接成功');
    await expect(dialog.getByTestId('masdb-connection-tested')).toContainText('StoreMAS 会创建它');
    await snap(page, 'integrations-connection');
    await dialog.getByTestId('masdb-connection-save').click();
    await expect(page.getByTestId('masdb-state')).toHaveText('已连接', { timeout: 20_000 });

    // A code, and its login for the integrator (shown once).
    await page.getByTestId('masdb-add-code').click();
    const codeDialog = page.getByTestId('masdb-code-dialog');
    await field(codeDialog, 'masdb-code-code').fill('003');
    await field(codeDialog, 'masdb-code-label').fill('ERP 订单通知');
    await codeDialog.getByTestId('masdb-code-save').click();
    await expect(page.getByTestId('masdb-code-003')).toContainText('003', { timeout: 30_000 });
    await page.getByTestId('masdb-more-003').click();
    await page.getByTestId('masdb-login-003').click();
    const login = page.getByTestId('masdb-login-dialog');
    await expect(login.getByTestId('masdb-login-user')).toHaveText('mas_003');
    const password = (await login.getByTestId('masdb-login-password').textContent())!.trim();
    expect(password.length).toBeGreaterThanOrEqual(12);
    await snap(page, 'integrations-login');
    await login.getByTestId('masdb-login-close').click();

    // The store's software sends, the way the stock MAS client does: the page follows without a reload.
    const credentials = { host: server.host, port: server.port, user: 'mas_003', password, database: 'mas' };
    const client = await StockMasClient.init(credentials, '003');
    const other = await connectPlain(credentials);
    try {
      await expect.poll(() => client.checkGatConn(), { timeout: 20_000 }).toBe(1);
      // The embedded simulated modem paces like a real one (3 s apart, reports after seconds): three texts.
      for (let i = 0; i < 3; i += 1) expect(await client.sendSM([`1390000${String(i).padStart(4, '0')}`], `尊敬的会员：您的订单 A-${i} 已发货`, 100 + i, 7)).toBe(0);
      await plainInsert(other, '003', { mobiles: '', content: '没有号码', smId: 9, srcId: 0 });
      await expect(page.getByTestId('masdb-counts-003')).toContainText('取 4', { timeout: 30_000 });
      await expect(page.getByTestId('masdb-problems')).toContainText('没有手机号码');
      await expect(page.getByTestId('masdb-counts-003')).toContainText('报 3', { timeout: 60_000 });
      await expect(page.getByTestId('masdb-clients-see')).toHaveText('客户端：可发送');
      await snap(page, 'integrations-live');

      await page.getByTestId('masdb-pause-003').click();
      await expect(page.getByTestId('masdb-paused-003')).toHaveText('已暂停');
      await expect.poll(() => client.checkGatConn(), { timeout: 10_000 }).toBe(-10);
      // The page fits 1366×768 without a sideways scroll in the codes table.
      const overflow = await page.getByTestId('masdb-codes').locator('.el-scrollbar__wrap').first().evaluate((el) => el.scrollWidth - el.clientWidth);
      expect(overflow).toBeLessThanOrEqual(1);
      await page.getByTestId('language-switch').click();
      await page.getByTestId('language-en').click();
      await expect(page.getByTestId('masdb-paused-003')).toHaveText('Paused');
      await snap(page, 'integrations-live-en');
    } finally {
      await client.release();
      await other.end();
    }
  });
});
