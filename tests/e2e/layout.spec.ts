import type { Page } from '@playwright/test';
import { expect, snap, test } from './support/fixtures';

/** Words a rendered element splits across lines ("Gen der"): each word must sit on one line. */
async function splitWords(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).evaluateAll((elements) => {
    const split: string[] = [];
    for (const element of elements) {
      const document = element.ownerDocument;
      const SHOW_TEXT = 4; // NodeFilter.SHOW_TEXT (tests compile without the DOM library)
      const walker = document.createTreeWalker(element, SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent ?? '';
        for (const match of text.matchAll(/[A-Za-z][A-Za-z'.-]+/g)) {
          const range = document.createRange();
          range.setStart(node, match.index);
          range.setEnd(node, match.index + match[0].length);
          const tops = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
          if (tops.size > 1) split.push(match[0]);
        }
      }
    }
    return split;
  });
}

test.describe('layout in both languages at 1366×768', () => {
  test('English table headers never break inside a word; the add-member form fits the screen', async ({ adminPage: page }) => {
    await page.getByTestId('language-switch').click();
    await page.getByTestId('language-en').click();
    for (const path of ['/members', '/messages/outbox', '/lists', '/audit', '/users', '/inventory', '/sms-services', '/sms-services?tab=staff', '/sms-services?tab=log']) {
      await page.goto(path);
      await expect(page.locator('.el-table').first()).toBeVisible();
      await expect.poll(() => splitWords(page, '.el-table th .cell'), { message: `headers of ${path}` }).toEqual([]);
    }

    await page.goto('/members');
    await page.getByTestId('members-add').click();
    const dialog = page.locator('.el-dialog').filter({ has: page.getByTestId('member-form-save') });
    await expect(dialog).toBeVisible();
    const box = (await dialog.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height, 'the dialog ends inside the 768-px screen').toBeLessThanOrEqual(768);
    await expect(page.getByTestId('member-form-save')).toBeInViewport();
    await snap(page, 'members-add-dialog-en');
  });
});
