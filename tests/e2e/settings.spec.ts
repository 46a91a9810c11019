import { X509Certificate } from 'node:crypto';
import { generate } from 'selfsigned';
import { adminApi, createUser } from './support/api';
import { expect, signIn, snap, test } from './support/fixtures';

test.describe('settings', () => {
  test('admin changes store name, SMS signature and LAN access; the page says a restart is needed', async ({ adminPage, appliance }) => {
    const page = adminPage;
    // The appliance is shared by the specs of this worker: the store's name and signature are put back afterwards.
    const api = await adminApi(appliance);
    const original = (await api.get<{ values: { storeName: string; smsSignature: string } }>('/settings')).values;
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
    const settings = await api.get<{ values: { smsSignature: string; lanAccess: boolean } }>('/settings');
    expect(settings.values).toMatchObject({ smsSignature: '【好又多人民路店】', lanAccess: false });
    await api.put('/settings', { storeName: original.storeName, smsSignature: original.smsSignature });
  });

  test('LAN access: the HTTPS certificate and its fingerprint appear, an uploaded one is checked and used, then the generated one again', async ({ adminPage: page, appliance }) => {
    const api = await adminApi(appliance);
    await api.put('/settings', { lanAccess: true });
    await page.getByTestId('nav-settings').click();
    const shown = page.getByTestId('settings-certificate');
    const generated = (await api.get<{ certificate: { fingerprint256: string } }>('/settings/lan-certificate')).certificate.fingerprint256;
    await expect(shown.getByTestId('settings-certificate-source')).toHaveText('自动生成');
    await expect(shown.getByTestId('settings-certificate-info-fingerprint')).toHaveAttribute('data-fingerprint', generated);
    await expect(shown).toContainText(generated.split(':').slice(0, 16).join(':'));
    await expect(shown).toContainText('核对 SHA-256 指纹');
    await snap(page, 'settings-lan-certificate');

    const now = Date.now();
    const validity = { keyType: 'ec' as const, algorithm: 'sha256', notBeforeDate: new Date(now - 3600_000), notAfterDate: new Date(now + 90 * 24 * 3600_000) };
    const mine = await generate([{ name: 'commonName', value: 'storemas.haoyouduo.example' }], validity);
    const stranger = await generate([{ name: 'commonName', value: 'someone-else' }], validity);
    await shown.getByTestId('settings-certificate-upload').click();
    const dialog = page.getByTestId('lan-certificate-dialog');
    await dialog.locator('textarea[data-test="lan-certificate-certificate"], [data-test="lan-certificate-certificate"] textarea').fill(mine.cert);
    await dialog.locator('textarea[data-test="lan-certificate-privateKey"], [data-test="lan-certificate-privateKey"] textarea').fill(stranger.private);
    await dialog.getByTestId('lan-certificate-submit').click();
    await expect(dialog.getByTestId('lan-certificate-error')).toContainText('私钥与证书不匹配');
    await snap(page, 'settings-lan-certificate-refused');
    await dialog.locator('textarea[data-test="lan-certificate-privateKey"], [data-test="lan-certificate-privateKey"] textarea').fill(mine.private);
    await dialog.getByTestId('lan-certificate-submit').click();
    await expect(page.locator('.el-message--success', { hasText: '证书已启用' })).toBeVisible();
    await expect(shown.getByTestId('settings-certificate-source')).toHaveText('已上传');
    await expect(shown.getByTestId('settings-certificate-info-fingerprint')).toHaveAttribute('data-fingerprint', new X509Certificate(mine.cert).fingerprint256);
    await expect(shown).toContainText('CN=storemas.haoyouduo.example');

    await shown.getByTestId('settings-certificate-generated').click();
    await page.getByRole('button', { name: /OK|确定/ }).click();
    await expect(shown.getByTestId('settings-certificate-source')).toHaveText('自动生成');
    await expect(shown.getByTestId('settings-certificate-info-fingerprint')).toHaveAttribute('data-fingerprint', generated);
    await api.put('/settings', { lanAccess: false });
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
