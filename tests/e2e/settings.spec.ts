import { adminApi, createUser } from './support/api';
import { expect, signIn, snap, test } from './support/fixtures';

test.describe('settings', () => {
  test('admin changes store name, SMS signature and LAN access; the page says a restart is needed', async ({ adminPage, appliance }) => {
    const page = adminPage;
    await page.getByTestId('nav-settings').click();
    await expect(page.getByTestId('page-title')).toHaveText('设置');
    const save = page.getByTestId('settings-save');
    await expect(save).toBeDisabled(); // nothing changed yet

    // A bracket inside the signature is refused before sending.
    await page.getByTestId('settings-signature').fill('人民路【店');
    await save.click();
    await expect(page.locator('.el-form-item__error', { hasText: '签名括号内为 1–18 个字' })).toBeVisible();

    await page.getByTestId('settings-store-name').fill('好又多超市 人民路店');
    await page.getByTestId('settings-signature').fill('好又多人民路店');
    await expect(page.getByTestId('settings-signature-preview')).toContainText('【好又多人民路店】');
    await page.getByTestId('settings-lan').click();
    await expect(page.getByTestId('settings-unsaved')).toBeVisible();
    await save.click();

    await expect(page.locator('.el-message--success', { hasText: '设置已保存' })).toBeVisible();
    await expect(page.getByTestId('store-name')).toHaveText('好又多超市 人民路店');
    await expect(page.getByTestId('settings-restart-needed')).toContainText('重启');
    await expect(page.getByTestId('settings-listening')).toHaveText(/^127\.0\.0\.1:\d+$/);
    await snap(page, 'settings-saved');

    // Stored on the server: a reload shows the same values.
    await page.reload();
    await expect(page.getByTestId('settings-store-name')).toHaveValue('好又多超市 人民路店');
    await expect(page.getByTestId('settings-signature')).toHaveValue('好又多人民路店');
    await expect(page.getByTestId('settings-restart-needed')).toBeVisible();

    // Switching LAN access back off: the service listens as configured, no restart needed.
    await page.getByTestId('settings-lan').click();
    await save.click();
    await expect(page.getByTestId('settings-restart-needed')).toHaveCount(0);
    const settings = await (await adminApi(appliance)).get<{ values: { smsSignature: string; lanAccess: boolean } }>('/settings');
    expect(settings.values).toMatchObject({ smsSignature: '【好又多人民路店】', lanAccess: false });
  });

  test('a manager may read the settings but not change them', async ({ page, appliance }) => {
    const manager = await createUser(appliance, { role: 'manager' });
    await signIn(page, manager.username, manager.password);
    await expect(page).toHaveURL(/\/dashboard$/);
    await page.getByTestId('nav-settings').click();
    await expect(page.getByText('您的角色只能查看设置，不能修改。')).toBeVisible();
    await expect(page.getByTestId('settings-save')).toHaveCount(0);
    await expect(page.getByTestId('settings-store-name')).toBeDisabled();
    await snap(page, 'settings-read-only');
  });
});
