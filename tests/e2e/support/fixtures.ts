import fs from 'node:fs';
import path from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import { startAppliance, type RunningAppliance } from './appliance';
import { adminApi } from './api';

export { expect };

/**
 * `appliance`: one real `storemas serve` process per worker (specs share it and
 * use unique user names). `baseURL` points at it. `adminPage`: a page signed
 * in as admin through the UI.
 */
export const test = base.extend<{ adminPage: Page }, { appliance: RunningAppliance }>({
  appliance: [
    // Playwright reads the fixture's dependencies from this destructuring; it must be an object pattern.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const appliance = await startAppliance();
      try {
        await use(appliance);
      } finally {
        await appliance.stop();
      }
    },
    { scope: 'worker', timeout: 90_000 },
  ],
  // Every page in every spec runs under the appliance's Content-Security-Policy: a blocked
  // script, style or connection shows up as a console error and fails the test.
  page: async ({ page }, use) => {
    const violations: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content[- ]Security[- ]Policy/i.test(message.text())) violations.push(message.text());
    });
    await use(page);
    expect(violations, 'Content-Security-Policy violations').toEqual([]);
  },
  baseURL: async ({ appliance }, use) => {
    await use(appliance.url);
  },
  adminPage: async ({ page, appliance }, use) => {
    await adminApi(appliance); // first-run password change done once, over the API
    await signIn(page, 'admin', appliance.admin.password);
    await expect(page).toHaveURL(/\/dashboard$/);
    await use(page);
  },
});

/** Signs in through the sign-in page (the page must be able to reach it). */
export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}

/** Sets a new password on the forced change page. */
export async function changePassword(page: Page, current: string, next: string): Promise<void> {
  await expect(page).toHaveURL(/\/change-password$/);
  await page.getByTestId('change-current').fill(current);
  await page.getByTestId('change-new').fill(next);
  await page.getByTestId('change-confirm').fill(next);
  await page.getByTestId('change-submit').click();
}

const SCREENSHOTS = path.resolve(import.meta.dirname, '../../../test-results/screenshots');

/** Saves a screenshot to test-results/screenshots/<name>.png to look at after the run. */
export async function snap(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  // Charts animate in; wait until they have settled so the picture shows the data.
  await page.waitForTimeout(800);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}
