/**
 * The desktop window's status page (shown while the core is down), in
 * Chromium, behind a stand-in for the preload bridge (the Electron binary
 * cannot run here). The page is the real statusPageHtml() — the same document
 * the build writes to out/main/status.html — under its own CSP, so a wrong
 * script hash or a script that is not self-contained fails here.
 */
import type { Page } from '@playwright/test';
import { coreStatusView, type CoreStatusView } from '../../electron/core-status';
import type { CoreLogLine, CoreSnapshot } from '../../electron/core-supervisor';
import { statusPageHtml } from '../../electron/status-page';
import { expect, snap, test } from './support/fixtures';

const NOW = Date.now();
const snapshot = (patch: Partial<CoreSnapshot>): CoreSnapshot => ({
  state: 'starting', since: NOW, url: null, pid: null, problem: null, recentCrashes: 0, gaveUp: false, nextStartAt: null, ...patch,
});
const line = (offsetMs: number, level: CoreLogLine['level'], text: string, source: CoreLogLine['source'] = 'core'): CoreLogLine => ({ at: NOW + offsetMs, level, source, text });

const CRASH_LOG: CoreLogLine[] = [
  line(-9_000, 'info', 'starting the core', 'shell'),
  line(-8_000, 'info', 'StoreMAS started'),
  line(-7_000, 'info', 'modem SIM-1 ready'),
  line(-3_000, 'warn', 'POS sync slow: 12 s'),
  line(-1_000, 'error', 'TypeError: Cannot read properties of undefined (reading \'port\')'),
  line(-1_000, 'error', '    at Modem.open (file:///opt/StoreMAS/resources/app.asar/out/main/chunks/main.js:1234:17)'),
  line(-1_000, 'info', '<img src=x onerror="window.__injected = true">'),
  line(-900, 'error', 'the core ended unexpectedly (exit code 1)', 'shell'),
  line(-900, 'warn', 'restarting the core in 2 s', 'shell'),
];

/** The page with a fake window.storemasDesktop: emit(view) pushes a state, restarts counts the button. */
async function openStatusPage(page: Page, initial: CoreStatusView): Promise<void> {
  await page.addInitScript((view) => {
    const state = globalThis as unknown as { __emit?: (v: unknown) => void; __restarts: number; storemasDesktop: unknown };
    state.__restarts = 0;
    state.storemasDesktop = {
      isDesktop: true,
      info: async () => ({ version: '0.1.0', url: null, logFile: 'C:\\Users\\店长\\AppData\\Roaming\\StoreMAS\\data\\logs\\storemas.log', core: view }),
      onCoreState: (listener: (v: unknown) => void) => {
        state.__emit = listener;
        return () => undefined;
      },
      restartCore: async () => {
        state.__restarts += 1;
      },
    };
  }, initial);
  // A navigation (not setContent) so the init script runs first, as the preload does.
  await page.goto(`data:text/html;charset=utf-8,${encodeURIComponent(statusPageHtml())}`);
}

test.describe('desktop status page', () => {
  test('a crashed core: state, reason, countdown, the crash output as text, and "restart now"', async ({ page }) => {
    const view = coreStatusView(snapshot({ state: 'restarting', problem: { kind: 'exited', code: 1, signal: null }, recentCrashes: 2, nextStartAt: Date.now() + 60_000 }), CRASH_LOG);
    await openStatusPage(page, view);

    await expect(page.getByTestId('core-state')).toHaveText('重启中 / Restarting');
    await expect(page.getByTestId('headline')).toContainText('核心服务已停止，即将自动重启');
    await expect(page.getByTestId('headline')).toContainText('The core service stopped; it restarts by itself');
    await expect(page.getByTestId('detail')).toContainText('核心进程意外退出（退出码 1）');
    await expect(page.getByTestId('countdown')).toHaveText(/^(5\d|60) 秒后自动重启 \/ Restarting in (5\d|60) s$/);
    await expect(page.getByTestId('log-file')).toHaveText(/storemas\.log$/);
    const log = page.getByTestId('log');
    await expect(log.locator('.line')).toHaveCount(CRASH_LOG.length);
    await expect(log.locator('.line.error').first()).toContainText('TypeError');
    // The core's output is shown as text, never run as markup.
    await expect(log).toContainText('<img src=x onerror="window.__injected = true">');
    expect(await page.evaluate(() => (globalThis as unknown as { __injected?: boolean }).__injected)).toBeUndefined();
    await snap(page, 'desktop-status-restarting');

    await page.getByTestId('restart').click();
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { __restarts: number }).__restarts)).toBe(1);
  });

  test('follows pushed states: starting (no restart button), given up with the refusal, then a new line of output', async ({ page }) => {
    await openStatusPage(page, coreStatusView(snapshot({ state: 'starting' }), [line(0, 'info', 'starting the core', 'shell')]));
    await expect(page.getByTestId('core-state')).toHaveText('启动中 / Starting');
    await expect(page.getByTestId('restart')).toBeDisabled();
    await expect(page.getByTestId('detail')).toBeHidden();
    await expect(page.getByTestId('countdown')).toBeHidden();

    const refused = { kind: 'refused', code: 'PORT_IN_USE', message: 'Port 8780 on 127.0.0.1 is already in use (another StoreMAS or program). Stop it, or start with another --port.' } as const;
    const gaveUp = coreStatusView(snapshot({ state: 'stopped', gaveUp: true, recentCrashes: 5, problem: refused }), [line(0, 'error', 'StoreMAS cannot start [PORT_IN_USE]: Port 8780 …')]);
    await page.evaluate((v) => (globalThis as unknown as { __emit(v: unknown): void }).__emit(v), gaveUp);
    await expect(page.getByTestId('core-state')).toHaveText('已停止 / Stopped');
    await expect(page.getByTestId('headline')).toContainText('核心服务连续 5 次未能正常运行，已停止自动重启');
    await expect(page.getByTestId('detail')).toContainText('端口已被占用');
    await expect(page.getByTestId('technical')).toHaveText(refused.message);
    await expect(page.getByTestId('restart')).toBeEnabled();
    await snap(page, 'desktop-status-gave-up');

    const more = { ...gaveUp, log: [...gaveUp.log, line(1_000, 'info', 'starting the core', 'shell')] };
    await page.evaluate((v) => (globalThis as unknown as { __emit(v: unknown): void }).__emit(v), more);
    await expect(page.getByTestId('log').locator('.line')).toHaveCount(2);
  });
});
