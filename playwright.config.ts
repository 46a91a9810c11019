import { defineConfig } from '@playwright/test';

/**
 * End-to-end specs drive the built admin UI (npm run build:renderer) in
 * Debian's Chromium against the appliance started as a real process
 * (tests/e2e/support/appliance.ts). Playwright's own browser download does not
 * work on our machines; elsewhere set PLAYWRIGHT_CHROMIUM to another binary.
 */
export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results/e2e-artifacts',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: true,
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e.json' }]],
  use: {
    headless: true,
    viewport: { width: 1366, height: 768 },
    locale: 'zh-CN',
    screenshot: 'only-on-failure',
    trace: 'off',
    actionTimeout: 15_000,
    testIdAttribute: 'data-test',
    launchOptions: {
      executablePath: process.env.PLAYWRIGHT_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
});
