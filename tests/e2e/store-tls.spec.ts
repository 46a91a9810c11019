import net from 'node:net';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import type { Locator } from '@playwright/test';
import { generate } from 'selfsigned';
import { adminApi } from './support/api';
import { expect, snap, test } from './support/fixtures';

/** Element Plus puts data-test on the <input> of an el-input but on the wrapper of other widgets: find the box either way. */
function field(scope: Locator, id: string): Locator {
  return scope.locator(`input[data-test="${id}"], [data-test="${id}"] input`).first();
}

/**
 * A POS server's TLS greeting as PostgreSQL gives it (SSLRequest answered 'S',
 * then a TLS handshake with a self-signed certificate): what 检查证书 reads.
 */
async function selfSignedPostgresGreeting(): Promise<{ port: number; fingerprint: string; close: () => void }> {
  const pems = await generate([{ name: 'commonName', value: 'pos-hq.local' }], { keyType: 'ec', algorithm: 'sha256' });
  const server = net.createServer((socket) => {
    socket.on('error', () => socket.destroy());
    socket.once('data', () => {
      socket.write('S');
      const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: tls.createSecureContext({ cert: pems.cert, key: pems.private }) });
      secure.on('error', () => secure.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, fingerprint: new X509Certificate(pems.cert).fingerprint256, close: () => server.close() };
}

test.describe('门店数据: encrypted POS connections', () => {
  test('check a self-signed server certificate, trust it after comparing the fingerprint, save the pin', async ({ adminPage: page, appliance }) => {
    const pos = await selfSignedPostgresGreeting();
    try {
      await page.getByTestId('nav-store').click();
      await page.getByTestId('store-add-connection').click();
      const dialog = page.getByTestId('store-connection-dialog');
      await field(dialog, 'store-connection-name').fill('总部POS');
      await dialog.getByTestId('store-connection-client').click();
      await page.getByRole('option', { name: 'PostgreSQL' }).click();
      await field(dialog, 'store-connection-host').fill('127.0.0.1');
      await dialog.locator('.port input').fill(String(pos.port));
      await field(dialog, 'store-connection-database').fill('pos');
      await field(dialog, 'store-connection-user').fill('storemas_reader');

      // Verified TLS is the default; "none" is a visible choice with a warning.
      await dialog.getByTestId('store-connection-tls').getByText('不加密').click();
      await expect(dialog.getByTestId('store-connection-tls-off')).toContainText('会员数据以明文');
      await dialog.getByTestId('store-connection-tls').getByText('加密并验证证书').click();
      await expect(dialog.getByTestId('store-connection-tls-off')).toHaveCount(0);

      await dialog.getByTestId('store-connection-inspect').click();
      const check = page.getByTestId('server-certificate-dialog');
      await expect(check.getByTestId('server-certificate-verdict')).toContainText('自签名证书');
      await expect(check.getByTestId('server-certificate-0')).toContainText('CN=pos-hq.local');
      // The fingerprint as staff compare it: two lines of 16 bytes.
      await expect(check.getByTestId('server-certificate-0')).toContainText(pos.fingerprint.split(':').slice(0, 16).join(':'));
      await expect(check.getByTestId('server-certificate-0')).toContainText(pos.fingerprint.split(':').slice(16).join(':'));
      await snap(page, 'store-connection-certificate-check');
      await check.getByTestId('server-certificate-trust-server').click();

      const trusted = dialog.getByTestId('store-connection-trusted');
      await expect(trusted).toContainText('服务器证书');
      await expect(trusted).toContainText('CN=pos-hq.local');
      await expect(trusted.locator('[data-fingerprint]')).toHaveAttribute('data-fingerprint', pos.fingerprint);
      await expect(trusted).toContainText('保存后生效');
      await snap(page, 'store-connection-trusted');
      await dialog.getByTestId('store-connection-save').click();
      await expect(page.getByTestId('store-connection-总部POS')).toBeVisible();

      const api = await adminApi(appliance);
      const { items } = await api.get<{ items: Array<{ id: number; name: string; settings: { tls?: { mode: string; trusted?: { kind: string; fingerprint256: string } } } }> }>('/store/connections');
      const saved = items.find((c) => c.name === '总部POS')!;
      expect(saved.settings.tls).toMatchObject({ mode: 'verify', trusted: { kind: 'server', fingerprint256: pos.fingerprint } });
      await api.request('DELETE', `/store/connections/${saved.id}`);
    } finally {
      pos.close();
    }
  });
});
