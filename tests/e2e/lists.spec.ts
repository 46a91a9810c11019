import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { adminApi } from './support/api';
import { expect, snap, test } from './support/fixtures';

/** A CSV with two good rows and three bad ones (invalid number, repeat, past expiry). */
function badCsv(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-lists-')), '黑名单导入.csv');
  fs.writeFileSync(
    file,
    ['号码,范围,原因,到期', '13911112222,营销,投诉,', '12345,全部,,', '13911113333,全部,骚扰,2030-12-31', '13911112222,,重复,', '13911114444,,,2020-01-01'].join('\n'),
  );
  return file;
}

test.describe('名单, 发送策略, 营销库', () => {
  test('add a blacklisted number, then edit and find it', async ({ adminPage: page }) => {
    await page.getByTestId('nav-lists').click();
    await expect(page.getByTestId('page-title')).toHaveText('黑白名单');
    await page.getByTestId('lists-add').click();
    const dialog = page.getByTestId('list-entry-dialog');
    await dialog.getByTestId('list-entry-mobile').fill('12345');
    await dialog.getByTestId('list-entry-save').click();
    await expect(dialog.getByTestId('list-entry-error')).toContainText('号码无效');

    await dialog.getByTestId('list-entry-mobile').fill('138-0013-8000');
    await dialog.getByText('全部短信').click();
    await dialog.getByTestId('list-entry-reason').fill('多次投诉骚扰');
    await snap(page, 'lists-add-dialog');
    await dialog.getByTestId('list-entry-save').click();
    await expect(page.getByText('已添加 +8613800138000')).toBeVisible();
    const row = page.getByTestId('lists-table').locator('tr', { has: page.getByTestId('list-row-+8613800138000') });
    await expect(row).toContainText('138 0013 8000');
    await expect(row).toContainText('全部短信');
    await expect(row).toContainText('多次投诉骚扰');
    await expect(row).toContainText('长期有效');

    // The same number again is refused with the reason.
    await page.getByTestId('lists-add').click();
    await dialog.getByTestId('list-entry-mobile').fill('+86 13800138000');
    await dialog.getByTestId('list-entry-save').click();
    await expect(dialog.getByTestId('list-entry-error')).toContainText('号码已在名单中');
    await page.keyboard.press('Escape');

    await page.getByTestId('list-edit-+8613800138000').click();
    await dialog.getByText('营销及关怀短信').click();
    await dialog.getByTestId('list-entry-save').click();
    await expect(row).toContainText('营销及关怀短信');

    await page.getByTestId('lists-search').fill('0013');
    await expect(page.getByTestId('lists-table').locator('tbody tr')).toHaveCount(1);
    await page.getByTestId('lists-search').fill('99999');
    await expect(page.getByText('没有符合条件的号码')).toBeVisible();
    await page.getByTestId('lists-search').fill('');
    await snap(page, 'lists-blacklist');
  });

  test('import a list with bad rows: all-or-nothing imports nothing, keep-good imports the good rows', async ({ adminPage: page }) => {
    const file = badCsv();
    await page.goto('/lists');
    await page.getByTestId('lists-import').click();
    const dialog = page.getByTestId('list-import-dialog');
    await dialog.getByTestId('list-import-file').setInputFiles(file);
    await expect(dialog.getByTestId('list-import-summary')).toContainText('共 5 行：2 行正确（新增 2，更新 0），3 行有错误');
    const errors = dialog.getByTestId('list-import-errors');
    await expect(errors.locator('tbody tr')).toHaveCount(3);
    await expect(errors).toContainText('号码无效');
    await expect(errors).toContainText('文件中重复');
    await expect(errors).toContainText('到期日已过');
    // The problems themselves are said in Chinese too, with the row they repeat and the date that passed.
    await expect(errors).toContainText('不是有效的手机号');
    await expect(errors).toContainText('与本文件第 2 行的号码重复');
    await expect(errors).toContainText('到期日 2020-01-01 已过');
    await snap(page, 'lists-import-checked');

    await dialog.getByTestId('list-import-mode-all-or-nothing').click();
    await dialog.getByTestId('list-import-run').click();
    await expect(page.getByText('文件有 3 行错误，按“全部不导入”的选择，未导入任何记录。')).toBeVisible();
    await expect(dialog).toBeVisible();
    await expect(page.getByTestId('list-row-+8613911112222')).toHaveCount(0);

    await dialog.getByTestId('list-import-mode-keep-good').click();
    await dialog.getByTestId('list-import-run').click();
    await expect(page.getByText('导入完成：新增 2 条，更新 0 条，跳过 3 行错误')).toBeVisible();
    await expect(dialog).toBeHidden();
    await expect(page.getByTestId('list-row-+8613911112222')).toBeVisible();
    await expect(page.getByTestId('list-row-+8613911113333')).toBeVisible();
    await expect(page.getByTestId('lists-table').locator('tr', { has: page.getByTestId('list-row-+8613911112222') })).toContainText('导入');
    await snap(page, 'lists-after-import');

    // Export offers the same list back as a spreadsheet.
    await page.getByTestId('lists-export').click();
    const download = page.waitForEvent('download');
    await page.getByText('导出 CSV').click();
    const saved = await (await download).path();
    expect(fs.readFileSync(saved!, 'utf8')).toContain('+8613911113333,all,骚扰,import,2030-12-31');
  });

  test('edit the sending policy; the change survives a reload', async ({ adminPage: page, appliance }) => {
    // The appliance is shared by the specs of this worker: put the policy back afterwards.
    const api = await adminApi(appliance);
    const { policy: original } = await api.get<{ policy: unknown }>('/policy');
    try {
      await page.getByTestId('nav-policy').click();
      await expect(page.getByTestId('page-title')).toHaveText('发送策略');
      await expect(page.getByTestId('policy-example')).toHaveText('尊敬的张先生：本周末生鲜8折，回T退订【好又多超市】');
      await page.getByTestId('policy-hint').fill('回TD退订');
      await page.getByTestId('policy-fallback').fill('亲爱的顾客');
      await page.getByTestId('policy-part-limit').locator('input').fill('4');
      await page.getByTestId('policy-cap-count').locator('input').fill('3');
      await page.getByTestId('policy-keywords').click();
      await page.keyboard.type('QX');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Escape');
      await expect(page.getByTestId('policy-unsaved')).toBeVisible();
      await expect(page.getByTestId('policy-example')).toContainText('回TD退订');
      await snap(page, 'policy-edited');
      await page.getByTestId('policy-save').click();
      await expect(page.getByText('发送策略已保存')).toBeVisible();

      await page.reload();
      await expect(page.getByTestId('policy-hint')).toHaveValue('回TD退订');
      await expect(page.getByTestId('policy-fallback')).toHaveValue('亲爱的顾客');
      await expect(page.getByTestId('policy-part-limit').locator('input')).toHaveValue('4');
      await expect(page.getByTestId('policy-cap-count').locator('input')).toHaveValue('3');
      await expect(page.getByTestId('policy-keywords')).toContainText('QX');
      await expect(page.getByTestId('policy-unsaved')).toHaveCount(0);
    } finally {
      await api.put('/policy', { policy: original });
    }
  });

  test('create a template and preview it for sample members', async ({ adminPage: page }) => {
    await page.getByTestId('nav-templates').click();
    await expect(page.getByTestId('page-title')).toHaveText('短信模板库');
    await page.getByTestId('templates-category-birthday').click();
    await expect(page.getByTestId('template-row-生日祝福')).toBeVisible();
    // The library StoreMAS ships is signed by StoreMAS itself, said in words.
    await expect(page.locator('tr', { has: page.getByTestId('template-row-生日祝福') })).toContainText('系统自动');
    await snap(page, 'templates-library');

    await page.getByTestId('templates-new').click();
    const editor = page.getByTestId('template-editor');
    await editor.getByTestId('template-name').fill('周末鸡蛋特价');
    const body = editor.getByTestId('template-body');
    await body.click();
    await editor.getByTestId('template-insert-称呼').click();
    await body.press('End');
    await body.pressSequentially('：本周末鸡蛋4.99元一斤，您当前积分');
    await editor.getByTestId('template-insert-积分').click();
    await body.press('End');
    await body.pressSequentially('分。');
    // Member offer → marketing: the opt-out hint (changed by the policy test or the default) and the signature are added.
    await expect(editor.getByTestId('template-preview-text')).toHaveText(/^尊敬的张先生：本周末鸡蛋4\.99元一斤，您当前积分1280分。回TD?退订【好又多超市】$/);
    await expect(editor.getByTestId('template-counter')).toContainText('1 条');
    await editor.getByTestId('template-sample').click();
    await page.getByRole('option', { name: '欧阳娜娜（女）' }).click();
    await expect(editor.getByTestId('template-preview-text')).toContainText('尊敬的欧阳女士：');
    await snap(page, 'templates-editor-preview');

    // A long text shows its part count against the limit.
    await body.fill('好'.repeat(300));
    await expect(editor.getByTestId('template-preview-error')).toContainText('短信太长');
    await body.fill('{称呼}：您好{会员等级}');
    await expect(editor.getByTestId('template-preview-error')).toContainText('{会员等级}');
    await editor.getByTestId('template-save').click();
    await expect(editor.getByTestId('template-error')).toContainText('未知的占位符');

    await body.fill('{称呼}：本周末鸡蛋4.99元一斤，您当前积分{积分}分。');
    await editor.getByTestId('template-save').click();
    await expect(page.getByText('已创建模板 “周末鸡蛋特价”')).toBeVisible();
    await page.getByTestId('templates-category-member-offer').click();
    await expect(page.getByTestId('template-row-周末鸡蛋特价')).toBeVisible();

    await page.getByTestId('template-archive-周末鸡蛋特价').click();
    await page.getByRole('dialog', { name: '确定' }).getByRole('button', { name: '归档' }).click();
    await expect(page.getByTestId('template-row-周末鸡蛋特价')).toHaveCount(0);
    await page.getByTestId('templates-archived').click();
    await expect(page.getByTestId('template-row-周末鸡蛋特价')).toBeVisible();
  });
});
