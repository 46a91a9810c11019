import path from 'node:path';
import { adminApi, type ApiSession } from './support/api';
import type { Locator } from '@playwright/test';
import { expect, snap, test } from './support/fixtures';
import type { RunningAppliance } from './support/appliance';

/** Element Plus puts data-test on the <input> of an el-input but on the wrapper of other widgets: find the box either way. */
function field(scope: Locator, id: string, tag: 'input' | 'textarea' = 'input'): Locator {
  return scope.locator(`${tag}[data-test="${id}"], [data-test="${id}"] ${tag}`).first();
}

interface Status {
  running: { runId: number } | null;
  counts: Record<string, number>;
}

/** The embedded demo POS is generated and synced in the background at first start: wait for it. */
async function demoSynced(appliance: RunningAppliance): Promise<ApiSession> {
  const api = await adminApi(appliance);
  await expect
    .poll(async () => {
      const status = await api.get<Status>('/store/status');
      return status.running === null && (status.counts.members ?? 0) > 0;
    }, { timeout: 120_000, intervals: [1000] })
    .toBe(true);
  return api;
}

test.describe('门店数据 and 库存', () => {
  // The first start generates and syncs the demo POS in the background; signing in waits for it.
  test.beforeAll(async ({ appliance }) => {
    test.setTimeout(180_000);
    await demoSynced(appliance);
  });

  test('configure the demo POS database from the UI, preview a mapping, sync watching the progress bar', async ({ adminPage: page, appliance }) => {
    test.setTimeout(300_000);
    await demoSynced(appliance);
    const demoFile = path.join(appliance.dataDir, 'demo-pos.sqlite');

    await page.getByTestId('nav-store').click();
    await expect(page.getByTestId('page-title')).toHaveText('门店数据');
    await expect(page.getByTestId('store-count-members').getByTestId('stat-value')).not.toHaveText('0');
    // Six counters share one row on a 1366-px screen: every figure is shown whole, none cut to "10,…".
    const clipped = await page
      .getByTestId('store-counts')
      .getByTestId('stat-value')
      .evaluateAll((values) => values.filter((v) => v.scrollWidth > v.clientWidth).map((v) => v.textContent));
    expect(clipped).toEqual([]);

    // Replace the pre-configured demo connection by one configured by hand.
    await page.getByTestId('store-more-演示POS').click();
    await page.getByTestId('store-remove-演示POS').click();
    await page.getByRole('button', { name: /OK|确定/ }).click();
    await expect(page.getByTestId('store-connection-演示POS')).toHaveCount(0);

    await page.getByTestId('store-add-connection').click();
    const dialog = page.getByTestId('store-connection-dialog');
    await field(dialog, 'store-connection-name').fill('一号店收银');
    await field(dialog, 'store-connection-file').fill(path.join(appliance.dataDir, 'missing.sqlite'));
    await dialog.getByTestId('store-connection-test').click();
    await expect(dialog.getByTestId('store-connection-error')).toBeVisible();
    await field(dialog, 'store-connection-file').fill(demoFile);
    await dialog.getByTestId('store-connection-test').click();
    await expect(dialog.getByTestId('store-connection-tested')).toContainText('连接成功');
    await expect(dialog.getByTestId('store-connection-tested')).toContainText('只读会话');
    await snap(page, 'store-connection-dialog');
    await dialog.getByTestId('store-connection-save').click();
    await expect(page.getByTestId('store-connection-一号店收银')).toBeVisible();

    // Mappings: the demo preset, then a dry-run preview of the members.
    await page.getByRole('tab', { name: '字段映射' }).click();
    await page.getByTestId('store-mapping-preset').click();
    await page.getByRole('menuitem', { name: /演示 POS/ }).click();
    await page.getByRole('button', { name: /OK|确定/ }).click();
    await expect(page.getByText('已套用预设')).toBeVisible();
    await page.getByTestId('store-mapping-entities').getByText('会员').click();
    await expect(field(page.locator('body'), 'store-mapping-column-mobile', 'input')).not.toHaveValue('');
    await expect(page.getByTestId('store-mapping-meaning-birthday_lunar')).toHaveText('生日按农历 · 是/否');
    await page.getByTestId('store-mapping-preview').click();
    const preview = page.getByTestId('store-mapping-preview-table');
    await expect(preview.locator('tbody tr').first()).toBeVisible();
    await expect(preview).toContainText('+86');
    await snap(page, 'store-mapping-preview');

    // A mapping that tries to write is refused before it reaches the POS database.
    await page.getByText('SELECT 查询').click();
    await field(page.locator('body'), 'store-mapping-sql', 'textarea').fill('DELETE FROM t_member');
    await page.getByTestId('store-mapping-preview').click();
    await expect(page.getByTestId('store-mapping-error')).toBeVisible();

    // Sync now, watching the live progress bar.
    await page.getByRole('tab', { name: '数据库连接' }).click();
    const progress = page.getByTestId('store-sync-progress');
    await page.getByTestId('store-sync-一号店收银').locator('button').first().click();
    await expect(progress).toHaveAttribute('data-state', 'running');
    await expect(page.getByTestId('store-sync-stats')).toContainText('行');
    await snap(page, 'store-sync-running');
    await expect(progress).toHaveAttribute('data-state', 'finished', { timeout: 240_000 });
    await expect(page.getByTestId('store-sync-bar')).toContainText('100%');
    await snap(page, 'store-sync-finished');

    await page.getByRole('tab', { name: '同步记录' }).click();
    const firstRun = page.getByTestId('store-runs').locator('tbody tr').first();
    await expect(firstRun).toContainText('一号店收银');
    await expect(firstRun).toContainText('完成');
    // The demo's landlines in the mobile column: counted, not sent to.
    await expect(firstRun.getByTestId('store-run-not-mobile')).not.toHaveText('0');
    const sideways = await page
      .getByTestId('store-runs')
      .locator('.el-table__body-wrapper .el-scrollbar__wrap')
      .evaluateAll((wraps) => wraps.filter((wrap) => wrap.scrollWidth > wrap.clientWidth + 1).length);
    expect(sideways).toBe(0);
    await snap(page, 'store-history');
  });

  test('the mapping editor shows and keeps every option set through the API, and has room for a real query', async ({ adminPage: page, appliance }) => {
    const api = await demoSynced(appliance);
    const { id } = await api.post<{ id: number }>('/store/connections', {
      name: '往返测试',
      client: 'sqlite',
      settings: { file: path.join(appliance.dataDir, 'demo-pos.sqlite') },
      scheduleMinutes: 0,
      fullCompareHours: 0,
    });
    const members = {
      source: { kind: 'table', table: 't_member' },
      fields: {
        source_key: { column: 'card_id' },
        name: { column: 'vip_name' },
        gender: { column: 'vip_sex', male: ['1', 'M'], female: ['2', 'F'], unknown: ['0', '9', 'X'] },
        birthday: { column: 'birthday', format: 'YYYY-MM-DD' },
        birthday_lunar: { column: 'birthday_type', trueValues: ['1'], falseValues: ['0'] },
        mobile: { column: 'mobile', region: 'HK' },
        marketing_consent: { column: 'sms_flag', trueValues: ['1', 'Y', '是'], falseValues: ['0', 'N', '否'] },
        total_spent_cents: { column: 'acc_amount', unit: 'fen' },
        last_purchase_at: { column: 'last_sale_time', format: 'auto', timezone: '+07:00' },
        source_updated_at: { column: 'modify_time', timezone: '+09:30' },
      },
      watermark: { column: 'modify_time', kind: 'timestamp' },
      detectDeletes: false,
    };
    const sql = [
      'SELECT m.flow_no,',
      '       m.branch_no,',
      '       m.card_id,',
      '       m.sale_time,',
      '       m.sale_amount,',
      '       m.points,',
      '       m.modify_time',
      'FROM t_sale_master m',
      'JOIN t_branch b ON b.branch_no = m.branch_no',
      "WHERE m.sale_amount > 0",
      '  AND m.card_id IS NOT NULL',
      '  AND m.sale_time >= \'2026-01-01\'',
      'ORDER BY m.flow_no',
    ].join('\n');
    const sales = {
      source: { kind: 'query', sql },
      fields: {
        receipt_no: { column: 'flow_no' },
        member_key: { column: 'card_id' },
        sold_at: { column: 'sale_time', format: 'auto', timezone: '+08:00' },
        total_cents: { column: 'sale_amount', unit: 'yuan' },
      },
      watermark: { column: 'modify_time', kind: 'timestamp' },
      detectDeletes: false,
    };
    await api.put(`/store/connections/${id}/mappings/members`, { definition: members, enabled: true });
    await api.put(`/store/connections/${id}/mappings/sales`, { definition: sales, enabled: false });
    type Mappings = { items: Array<{ entity: string; enabled: boolean; definition: unknown }> };
    const before = await api.get<Mappings>(`/store/connections/${id}/mappings`);

    await page.getByTestId('nav-store').click();
    await page.getByRole('tab', { name: '字段映射' }).click();
    await page.getByTestId('store-mapping-connection').click();
    await page.getByRole('option', { name: '往返测试' }).click();
    await page.getByTestId('store-mapping-entities').getByText('会员').click();
    const body = page.locator('body');
    await expect(field(body, 'store-mapping-region-mobile')).toHaveValue('HK');
    await expect(field(body, 'store-mapping-unknown-gender')).toHaveValue('0, 9, X');
    await expect(field(body, 'store-mapping-true-marketing_consent')).toHaveValue('1, Y, 是');
    await expect(field(body, 'store-mapping-false-marketing_consent')).toHaveValue('0, N, 否');
    await expect(field(body, 'store-mapping-timezone-last_purchase_at')).toHaveValue('+07:00');
    await expect(field(body, 'store-mapping-timezone-source_updated_at')).toHaveValue('+09:30');
    await expect(page.getByTestId('store-mapping-meaning-marketing_consent')).toHaveText('接收营销短信 · 是/否');
    await snap(page, 'store-mapping-options');
    await field(body, 'store-mapping-region-mobile').scrollIntoViewIfNeeded();
    await snap(page, 'store-mapping-options-numbers');
    await page.getByTestId('store-mapping-save').click();
    await expect(page.getByText('已保存').first()).toBeVisible();

    await page.getByTestId('store-mapping-entities').getByText('销售单').click();
    const box = field(body, 'store-mapping-sql', 'textarea');
    await expect(box).toHaveValue(sql);
    // Room for a real query: at least 12 lines, monospace, and it can be made taller.
    const shape = await box.evaluate((el) => {
      const style = el.ownerDocument.defaultView!.getComputedStyle(el);
      return { height: el.getBoundingClientRect().height, line: parseFloat(style.lineHeight), font: style.fontFamily, resize: style.resize, scrolls: el.scrollHeight > el.clientHeight };
    });
    expect(shape.height).toBeGreaterThanOrEqual(12 * shape.line);
    expect(shape.font).toMatch(/mono|Consolas|Menlo/i);
    expect(shape.resize).toBe('vertical');
    expect(shape.scrolls).toBe(false);
    await snap(page, 'store-mapping-sql');
    await page.getByTestId('store-mapping-save').click();
    await expect(page.getByText('已保存').first()).toBeVisible();

    const after = await api.get<Mappings>(`/store/connections/${id}/mappings`);
    expect(after.items.map(({ entity, enabled, definition }) => ({ entity, enabled, definition }))).toEqual(
      before.items.map(({ entity, enabled, definition }) => ({ entity, enabled, definition })),
    );
    await api.request('DELETE', `/store/connections/${id}`);
  });

  test('库存: stock per store, low stock, and a product’s history chart', async ({ adminPage: page, appliance }) => {
    await demoSynced(appliance);
    await page.getByTestId('nav-inventory').click();
    await expect(page.getByTestId('page-title')).toHaveText('库存');
    const rows = page.getByTestId('inventory-table').locator('tbody tr');
    await expect(rows.first()).toBeVisible();
    await page.getByTestId('inventory-level-low').click();
    await expect(rows.first()).toBeVisible();
    // Every quantity shown on the low-stock list is at most the default threshold (5).
    const quantities = await page.getByTestId('inventory-table').locator('tbody tr td:nth-child(5)').allInnerTexts();
    expect(quantities.length).toBeGreaterThan(0);
    for (const q of quantities) expect(Number(q.replace(/,/g, ''))).toBeLessThanOrEqual(5);
    // The threshold box says what it is.
    await expect(page.getByLabel('库存不高于')).toBeVisible();
    await rows.first().click();
    await expect(page.getByTestId('inventory-chart').locator('canvas')).toBeVisible();
    await snap(page, 'inventory-low-history');
  });
});
