import { startAppliance } from './support/appliance';
import { adminApi, createUser } from './support/api';
import { changePassword, expect, signIn, snap, test } from './support/fixtures';

test.describe('sign-in', () => {
  test('first run: admin signs in with the printed password, must change it, then uses the new one', async ({ page }) => {
    test.setTimeout(150_000); // starts a second appliance of its own
    // Its own appliance: the shared one has had its first-run password changed already.
    const fresh = await startAppliance();
    try {
      await page.goto(`${fresh.url}/dashboard`);
      await expect(page).toHaveURL(/\/login\?redirect=(%2F|\/)dashboard$/);
      await expect(page.getByText('StoreMAS 门店短信一体机', { exact: true })).toBeVisible();
      await snap(page, 'auth-login');

      await page.getByTestId('login-username').fill('admin');
      await page.getByTestId('login-password').fill(fresh.initialAdminPassword);
      await page.getByTestId('login-submit').click();
      await expect(page).toHaveURL(/\/change-password$/);
      await expect(page.getByTestId('page-title')).toHaveText('首次登录，请设置新密码');

      // Every other page sends the user back here until the password is changed.
      await page.goto(`${fresh.url}/users`);
      await expect(page).toHaveURL(/\/change-password$/);

      // The form checks the rules before sending: too short, and the two entries differ.
      await page.getByTestId('change-current').fill(fresh.initialAdminPassword);
      await page.getByTestId('change-new').fill('short1');
      await page.getByTestId('change-confirm').fill('different1');
      await page.getByTestId('change-submit').click();
      const fieldErrors = page.locator('.el-form-item__error');
      await expect(fieldErrors.filter({ hasText: '新密码至少 8 位' })).toBeVisible();
      await expect(fieldErrors.filter({ hasText: '两次输入的新密码不一致' })).toBeVisible();
      await snap(page, 'auth-forced-change-invalid');

      // The server's answer for a wrong current password is shown too.
      await page.getByTestId('change-current').fill('not-the-password-1');
      await page.getByTestId('change-new').fill('Store-admin-2026');
      await page.getByTestId('change-confirm').fill('Store-admin-2026');
      await page.getByTestId('change-submit').click();
      await expect(page.getByTestId('change-error')).toContainText('当前密码不正确');

      await changePassword(page, fresh.initialAdminPassword, 'Store-admin-2026');
      await expect(page).toHaveURL(/\/dashboard$/);
      await expect(page.getByTestId('page-title')).toHaveText('经营概览'); // the business dashboard is the landing page
      await snap(page, 'auth-dashboard-after-change');

      // Sign out; the old password no longer works, the new one does.
      await page.getByTestId('user-menu').click();
      await expect(page.getByTestId('menu-logout')).toBeVisible();
      await page.getByTestId('menu-logout').click();
      await expect(page).toHaveURL(/\/login$/, { timeout: 20_000 });
      await page.getByTestId('login-username').fill('admin');
      await page.getByTestId('login-password').fill(fresh.initialAdminPassword);
      await page.getByTestId('login-submit').click();
      await expect(page.getByTestId('login-error')).toContainText('用户名或密码错误');
      await page.getByTestId('login-password').fill('Store-admin-2026');
      await page.getByTestId('login-submit').click();
      await expect(page).toHaveURL(/\/dashboard$/);
    } finally {
      await fresh.stop();
    }
  });

  test('five failed sign-ins lock the account; only the holder of the password learns it is locked', async ({ page, appliance }) => {
    const user = await createUser(appliance, { role: 'operator' });
    await page.goto('/login');
    // What an unknown user name gets: the answer a guesser must not be able to tell apart.
    await page.getByTestId('login-username').fill('nobody-by-this-name');
    await page.getByTestId('login-password').fill('wrong-guess');
    await page.getByTestId('login-submit').click();
    const error = page.getByTestId('login-error');
    await expect(error).toContainText('用户名或密码错误');
    const unknownAnswer = await error.innerText();
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      await page.getByTestId('login-username').fill(user.username);
      await page.getByTestId('login-password').fill(`wrong-guess-${attempt}`);
      await page.getByTestId('login-submit').click();
      await expect(error).toContainText('用户名或密码错误');
    }
    // The fifth wrong guess locked the account, and the page says no more than to an unknown name.
    expect(await error.innerText()).toBe(unknownAnswer);
    await expect(error).not.toContainText('账号已锁定');

    // Locked means locked: the right password is refused too, and only then says how long to wait.
    await page.getByTestId('login-password').fill(user.password);
    await page.getByTestId('login-submit').click();
    await expect(error).toContainText('账号已锁定');
    await expect(error).toContainText(/请在 1[45] 分钟后重试/);
    await snap(page, 'auth-locked');
    await expect(page).toHaveURL(/\/login/);
  });

  test('a disabled account cannot sign in', async ({ page, appliance }) => {
    const user = await createUser(appliance, { role: 'manager' });
    await (await adminApi(appliance)).patch(`/users/${user.id}`, { disabled: true });
    await signIn(page, user.username, user.password);
    await expect(page.getByTestId('login-error')).toContainText('账号已停用');
    await expect(page).toHaveURL(/\/login/);
  });
});
