import { adminApi, createUser, uniqueUsername } from './support/api';
import { changePassword, expect, signIn, snap, test } from './support/fixtures';

test.describe('users', () => {
  test('admin creates a user in the UI, who then signs in, changes the password and sees only their areas', async ({ adminPage, browser, baseURL }) => {
    const page = adminPage;
    const username = uniqueUsername('cashier');
    await page.getByTestId('nav-users').click();
    await expect(page.getByTestId('page-title')).toHaveText('用户');

    await page.getByTestId('users-new').click();
    const dialog = page.getByTestId('user-dialog');
    // Empty form: the dialog says what is missing before anything is sent.
    await dialog.getByTestId('user-save').click();
    await expect(dialog.locator('.el-form-item__error', { hasText: '请输入用户名' })).toBeVisible();
    await expect(dialog.locator('.el-form-item__error', { hasText: '请输入初始密码' })).toBeVisible();

    await dialog.getByTestId('user-username').fill(username);
    await dialog.getByTestId('user-display-name').fill('收银员 小王');
    await dialog.getByTestId('user-password').fill('abcdefgh');
    await dialog.getByTestId('user-save').click();
    await expect(dialog.locator('.el-form-item__error', { hasText: '密码需同时包含字母和数字' })).toBeVisible();
    await dialog.getByTestId('user-password').fill('Cashier-2468');
    await snap(page, 'users-create-dialog');
    await dialog.getByTestId('user-save').click();
    await expect(dialog).toBeHidden();

    const row = page.getByTestId('users-table').locator('tr', { hasText: username });
    await expect(row).toContainText('收银员 小王');
    await expect(row).toContainText('操作员');
    await expect(page.getByTestId(`user-status-${username}`)).toHaveText('待改密');
    await snap(page, 'users-list');

    // A second browser: the new user signs in and must choose a password first.
    const context = await browser.newContext({ baseURL });
    const userPage = await context.newPage();
    await signIn(userPage, username, 'Cashier-2468');
    await changePassword(userPage, 'Cashier-2468', 'Cashier-own-1357');
    await expect(userPage).toHaveURL(/\/dashboard$/);
    // An operator has no users, settings or audit in the menu, and cannot open them by address.
    const nav = userPage.getByTestId('nav');
    await expect(nav.getByTestId('nav-dashboard')).toBeVisible();
    await expect(nav.getByTestId('nav-users')).toHaveCount(0);
    await expect(nav.getByTestId('nav-settings')).toHaveCount(0);
    await expect(nav.getByTestId('nav-audit')).toHaveCount(0);
    await userPage.goto('/users');
    await expect(userPage.getByText('您的角色无权访问该页面。')).toBeVisible();
    await snap(userPage, 'users-operator-forbidden');
    await context.close();

    // The admin's list shows the sign-in without a reload (live user.changed events or the next load).
    await page.reload();
    await expect(page.getByTestId(`user-status-${username}`)).toHaveText('正常');
  });

  test('admin changes a role and resets a password; the temporary password works once', async ({ adminPage, appliance, browser, baseURL }) => {
    const page = adminPage;
    const user = await createUser(appliance, { role: 'operator' });
    await page.goto('/users');

    await page.getByTestId(`user-edit-${user.username}`).click();
    const dialog = page.getByTestId('user-dialog');
    await expect(dialog.getByTestId('user-username')).toBeDisabled();
    await dialog.getByTestId('user-role').click();
    await page.getByTestId('role-option-manager').click();
    await dialog.getByTestId('user-save').click();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('users-table').locator('tr', { hasText: user.username })).toContainText('店长');

    await page.getByTestId(`user-reset-${user.username}`).click();
    await page.locator('.el-message-box').getByRole('button', { name: '确定' }).click();
    const temp = page.getByTestId('temp-password');
    await expect(temp).toHaveText(/^\S{8,}$/);
    const password = (await temp.textContent())!.trim();
    await snap(page, 'users-temp-password');
    await page.getByTestId('temp-password-close').click();
    await expect(page.getByTestId('temp-password-dialog')).toBeHidden();

    const context = await browser.newContext({ baseURL });
    const userPage = await context.newPage();
    await signIn(userPage, user.username, user.password);
    await expect(userPage.getByTestId('login-error')).toContainText('用户名或密码错误');
    await signIn(userPage, user.username, password);
    await changePassword(userPage, password, 'Manager-new-8642');
    await expect(userPage).toHaveURL(/\/dashboard$/);
    // A manager may read the settings, so the settings entry is there now.
    await expect(userPage.getByTestId('nav-settings')).toBeVisible();
    await context.close();
  });

  test('a disabled user is thrown out of an open session at once', async ({ adminPage, appliance, browser, baseURL }) => {
    const page = adminPage;
    const user = await createUser(appliance, { role: 'manager' });
    const context = await browser.newContext({ baseURL });
    const userPage = await context.newPage();
    await signIn(userPage, user.username, user.password);
    await expect(userPage).toHaveURL(/\/dashboard$/);
    await userPage.getByTestId('nav-settings').click();
    await expect(userPage.getByTestId('page-title')).toHaveText('设置');

    await page.goto('/users');
    await page.getByTestId(`user-toggle-${user.username}`).click();
    await page.locator('.el-message-box').getByRole('button', { name: '确定' }).click();
    await expect(page.getByTestId(`user-status-${user.username}`)).toHaveText('已停用');

    // The event stream tells the open page; it goes to sign-in and says why.
    await expect(userPage).toHaveURL(/\/login/, { timeout: 15_000 });
    await expect(userPage.getByTestId('login-notice')).toContainText('您的会话已结束');
    await snap(userPage, 'users-disabled-thrown-out');

    // And the account cannot sign in again until it is enabled.
    await signIn(userPage, user.username, user.password);
    await expect(userPage.getByTestId('login-error')).toContainText('账号已停用');
    await context.close();
  });

  test('an open page whose session was ended elsewhere goes to sign-in on its next request', async ({ appliance, page }) => {
    const user = await createUser(appliance, { role: 'manager' });
    // No event stream for this page, so only the 401 of its next API call can tell it.
    await page.route('**/api/events', (route) => route.abort());
    await signIn(page, user.username, user.password);
    await expect(page).toHaveURL(/\/dashboard$/);
    // Away from the dashboard, whose live figures would find the ended session on their own.
    await page.getByTestId('nav-members').click();
    await expect(page).toHaveURL(/\/members/);
    await (await adminApi(appliance)).post(`/users/${user.id}/reset-password`);
    await page.getByTestId('nav-settings').click();
    await expect(page).toHaveURL(/\/login/, { timeout: 15_000 });
    await expect(page.getByTestId('login-notice')).toContainText('登录已失效');
    // Signing in again returns to the page that was asked for.
    await expect(page).toHaveURL(/redirect=(%2F|\/)settings/);
  });
});
