import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTempPty } from '../support/pty';
import { adminApi } from './support/api';
import { expect, snap, test } from './support/fixtures';

const REPO = path.resolve(import.meta.dirname, '../..');

interface ModemJson {
  id: string;
  name: string;
  kind: string;
  imeiBinding: string | null;
  limits: { minGapMs: number; perHour: number; perDay: number };
  status: { state: string; imei: string | null; binding: string } | null;
}

/** `storemas modem-sim` as its own process on a PTY: a "real" serial modem for the discovery and the serial path. */
async function startPtyModem(imei: string): Promise<{ link: string; stop: () => Promise<void> }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-e2e-sim-'));
  const link = path.join(dir, 'ttySIM0');
  const child: ChildProcess = spawn(process.execPath, [path.join(REPO, 'bin/storemas.mjs'), 'modem-sim', '--link', link, '--latency', 'zero', '--imei', imei, '--personality', 'huawei'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  while (!/SIMULATED modem/.test(output)) {
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`modem-sim did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { link, stop };
}

test.describe('设备: modems', () => {
  test('the page shows the simulated modem live; a test send from the UI arrives in the simulator log', async ({ adminPage: page, appliance }) => {
    test.setTimeout(90_000);
    const api = await adminApi(appliance);
    const { items } = await api.get<{ items: ModemJson[] }>('/modems');
    const simulated = items.find((m) => m.kind === 'simulator');
    expect(simulated, 'the embedded default runs one simulated modem').toBeTruthy();
    const id = simulated!.id;

    await expect(page.getByTestId('nav-modems')).toHaveText('设备');
    await page.getByTestId('nav-modems').click();
    await expect(page.getByTestId('page-title')).toHaveText('设备');
    const card = page.getByTestId(`modem-card-${id}`);
    await expect(card.getByTestId('modem-simulated')).toHaveText('模拟设备');
    await expect(card.getByTestId('modem-state')).toHaveText('就绪', { timeout: 30_000 });
    await expect(card.getByTestId('modem-network')).toContainText('已注册');
    await expect(card.getByTestId('modem-signal')).toContainText(/-\d+ dBm/);
    const bars = Number(await card.getByTestId('signal-bars').getAttribute('data-bars'));
    expect(bars).toBeGreaterThanOrEqual(1);
    await expect(card.getByTestId('modem-imei')).toHaveText(/^\d{15}$/);
    await expect(page.getByTestId('modems-summary')).toContainText(/\d+ \/ \d+/);
    await snap(page, 'modems-page');

    const text = `设备页测试短信 ${Date.now().toString(36)}：本周六会员日生鲜八折`;
    await card.getByTestId('modem-test').click();
    const dialog = page.getByTestId('modem-test-dialog');
    await dialog.getByTestId('modem-test-to').fill('13900005555');
    await dialog.getByTestId('modem-test-text').fill(text);
    await dialog.getByTestId('modem-test-send').click();
    // The simulated network takes 2–4 s per part, like a real one.
    await expect(dialog.getByTestId('modem-test-result')).toContainText('发送成功', { timeout: 30_000 });
    const mrText = await dialog.getByTestId('modem-test-mr').first().textContent();
    const mr = Number(/MR (\d+)/.exec(mrText ?? '')?.[1]);
    expect(Number.isInteger(mr)).toBe(true);
    await snap(page, 'modems-test-send');
    await dialog.getByRole('button', { name: '关闭', exact: true }).click();

    // On the page: the simulator's log, decoded.
    await card.getByTestId('modem-log').click();
    const drawer = page.getByTestId('modem-drawer');
    const logRow = drawer.getByTestId('modem-sim-log').locator('tr', { hasText: text });
    await expect(logRow).toContainText('13900005555');
    await expect(logRow).toContainText(`MR ${mr}`);
    await snap(page, 'modems-simulator-log');
    // And through the API: the PDU the simulator accepted carries that recipient and text.
    const log = await api.get<{ items: Array<{ recipient: string; text: string | null; mr: number }> }>(`/modems/${id}/simulator/log`);
    expect(log.items.find((e) => e.text === text)).toMatchObject({ recipient: expect.stringContaining('13900005555'), mr });

    // A customer's text, simulated from the drawer, arrives in the inbox like a real one.
    await drawer.getByTestId('modem-sim-inject-from').fill('13900007777');
    await drawer.getByTestId('modem-sim-inject-text').fill('请问周末营业到几点？');
    await drawer.getByTestId('modem-sim-inject-send').click();
    await expect(page.getByText('模拟短信已发出（1 段）')).toBeVisible();
    await expect
      .poll(async () => (await api.get<{ items: Array<{ number: string; lastText: string }> }>('/inbox')).items.find((c) => c.number === '+8613900007777')?.lastText, {
        timeout: 45_000,
      })
      .toBe('请问周末营业到几点？');

    await drawer.getByRole('tab', { name: '趋势' }).click();
    await expect(drawer.getByTestId('modem-hourly-chart')).toBeVisible();
    await expect(drawer.getByTestId('modem-signal-chart')).toBeVisible();
    await snap(page, 'modems-charts');
    await drawer.getByRole('tab', { name: '设备信息' }).click();
    await expect(drawer.getByTestId('modem-info')).toContainText('CHINA MOBILE');
    await page.keyboard.press('Escape');

    // The dashboard tile counts it.
    await page.getByTestId('nav-dashboard').click();
    const tile = page.getByTestId('dashboard-modems');
    await expect(tile.getByTestId('dashboard-modems-online')).toContainText(/[1-9]\d* \/ \d+/);
    await expect(tile.getByTestId('dashboard-modems-signal')).toContainText('dBm');
    await snap(page, 'modems-dashboard-tile');
    await tile.getByTestId('dashboard-modems-link').click();
    await expect(page).toHaveURL(/\/modems$/);
  });

  test('a serial modem found by the port scan is added, bound to its IMEI, edited and removed; the settings persist', async ({ adminPage: page, appliance }) => {
    test.setTimeout(150_000);
    const imei = '861234567890128';
    const pty = await startPtyModem(imei);
    const silent = await createTempPty({ link: 'ttySILENT' });
    try {
      const api = await adminApi(appliance);
      await page.getByTestId('nav-modems').click();
      await page.getByTestId('modems-add').click();
      const dialog = page.getByTestId('modem-dialog');
      await dialog.getByTestId('modem-form-name').fill('收银台 USB 猫');
      // A port nobody answers on takes seconds at every baud rate: the scan says which port it
      // is probing, and can be stopped.
      await dialog.getByTestId('modem-form-extra').fill(silent.link);
      await dialog.getByTestId('modem-form-scan').click();
      await expect(dialog.getByTestId('modem-scan')).toContainText(new RegExp(`正在探测 ${silent.link}（第 \\d+ 个，共 \\d+ 个）`), { timeout: 30_000 });
      await snap(page, 'modems-scan-progress');
      await dialog.getByTestId('modem-scan-cancel').click();
      await expect(dialog.getByTestId('modem-scan')).toBeHidden();
      await dialog.getByTestId('modem-form-extra').fill(pty.link);
      await dialog.getByTestId('modem-form-scan').click();
      // /dev/ttyS0 and the like answer nothing: each silent port takes a few seconds at every baud rate.
      const found = dialog.getByTestId(`modem-port-${pty.link}`);
      await expect(found).toContainText('有响应', { timeout: 60_000 });
      await expect(found).toContainText(`IMEI ${imei}`);
      await found.getByRole('button', { name: '使用' }).click();
      await dialog.getByTestId('modem-form-bind-current').click();
      await expect(dialog.getByTestId('modem-form-imei')).toHaveValue(imei);
      await dialog.getByTestId('modem-form-pin').fill('4321');
      await dialog.getByTestId('modem-form-gap').locator('input').fill('1');
      await dialog.getByTestId('modem-form-per-hour').locator('input').fill('120');
      await snap(page, 'modems-add-dialog');
      await dialog.getByTestId('modem-form-save').click();
      await expect(dialog).toBeHidden();

      const { items } = await api.get<{ items: ModemJson[] }>('/modems');
      const added = items.find((m) => m.name === '收银台 USB 猫')!;
      expect(added).toMatchObject({ kind: 'serial', imeiBinding: imei, limits: { minGapMs: 1000, perHour: 120, perDay: 1000 } });
      expect(JSON.stringify(items)).not.toContain('4321');
      const card = page.getByTestId(`modem-card-${added.id}`);
      await expect(card.getByTestId('modem-state')).toHaveText('就绪', { timeout: 30_000 });
      await expect(card.getByTestId('modem-binding')).toContainText('已绑定 IMEI');
      await expect(card.getByTestId('modem-imei')).toHaveText(imei);
      await expect(card.getByTestId('modem-simulated')).toHaveCount(0);

      // Edit: a new daily cap; the PIN box stays empty (write-only) and the stored PIN is kept.
      await card.getByTestId('modem-edit').click();
      await expect(dialog.getByTestId('modem-form-pin')).toHaveValue('');
      await expect(dialog.getByTestId('modem-form-pin')).toHaveAttribute('placeholder', /已保存/);
      await dialog.getByTestId('modem-form-per-day').locator('input').fill('800');
      await dialog.getByTestId('modem-form-save').click();
      await expect(dialog).toBeHidden();
      await page.reload();
      await expect(card).toContainText('120/小时 · 800/天');
      const edited = await api.get<ModemJson & { hasPin: boolean }>(`/modems/${added.id}`);
      expect(edited).toMatchObject({ hasPin: true, limits: { perHour: 120, perDay: 800 }, imeiBinding: imei });
      await snap(page, 'modems-two-modems');

      await card.getByTestId('modem-remove').click();
      await page.locator('.el-message-box').getByRole('button', { name: '删除', exact: true }).click();
      await expect(card).toHaveCount(0);
      const after = await api.get<{ items: ModemJson[] }>('/modems');
      expect(after.items.some((m) => m.id === added.id)).toBe(false);
    } finally {
      await pty.stop();
      await silent.dispose();
    }
  });

  test('a modem bound to another IMEI is refused and says why; disabling it from its card stops it', async ({ adminPage: page, appliance }) => {
    const api = await adminApi(appliance);
    const added = await api.post<ModemJson>('/modems', { name: 'E2E 绑定不符', kind: 'simulator', simulator: { latency: 'zero' }, imeiBinding: '860000000000001' });
    try {
      await page.getByTestId('nav-modems').click();
      const card = page.getByTestId(`modem-card-${added.id}`);
      await expect(card.getByTestId('modem-state')).toHaveText('已拒绝', { timeout: 30_000 });
      await expect(card.getByTestId('modem-binding')).toContainText('设备不符，已拒绝');
      await expect(card.getByTestId('modem-binding')).toContainText('860000000000001');
      await expect(card.getByTestId('modem-reason-text')).toContainText('终端绑定不符：绑定的 IMEI 为 860000000000001');
      await expect(card.getByTestId('modem-reason-detail')).toContainText('IMEI mismatch');
      await expect(card.getByTestId('modem-reason')).toContainText('自动重试');
      await expect(card.getByTestId('modem-test')).toBeDisabled();
      await card.scrollIntoViewIfNeeded();
      await snap(page, 'modems-refused');

      await card.getByTestId('modem-toggle').click();
      await expect(card.getByTestId('modem-state')).toHaveText('已停用');
      expect((await api.get<ModemJson & { enabled: boolean }>(`/modems/${added.id}`)).enabled).toBe(false);
    } finally {
      await api.request('DELETE', `/modems/${added.id}`);
    }
  });
});
