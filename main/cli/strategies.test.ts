import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCore } from '../index.js';
import { seedStrategyMirror } from '../strategy/testing.js';
import { tempDir, testConfig } from '../../tests/support/appliance.js';
import { runCli } from './main.js';

function capture() {
  const lines: { out: string[]; err: string[] } = { out: [], err: [] };
  return { lines, output: { out: (l: string) => lines.out.push(l), err: (l: string) => lines.err.push(l) } };
}

describe('storemas strategies', () => {
  const temp = tempDir('storemas-cli-strategies-');
  const dataDir = path.join(temp.dir, 'data');
  beforeAll(async () => {
    const core = await openCore(testConfig(dataDir), { lock: false });
    await seedStrategyMirror(core.services.db, Date.now());
    await core.close();
  });
  afterAll(() => temp.remove());

  it('run recomputes from the data directory and prints the suggestions as a table', async () => {
    const run = capture();
    expect(await runCli(['node', 'storemas', '--data-dir', dataDir, 'strategies', 'run'], run.output)).toBe(0);
    const text = run.lines.out.join('\n');
    expect(text).toMatch(/finished: 7 stock rows in [\d.]+ s — 5 new, 0 refreshed/);
    expect(text).toMatch(/^ID\s+STATE\s+STORE\s+PRODUCT\s+ACTION\s+DATES\s+REASON$/m);
    expect(text).toMatch(/suggested\s+01\s+金龙鱼花生油5L \(P-OVER\)\s+7.5折\s+库存 480，近28天日均销量 6.1，可售 79 天 > 45 天/);
    expect(text).toMatch(/土鸡蛋30枚 \(P-LOW\)\s+补货 38/);
  });

  it('run --json gives the summary and the items; a second run repeats nothing', async () => {
    const run = capture();
    expect(await runCli(['node', 'storemas', '--data-dir', dataDir, 'strategies', 'run', '--json'], run.output)).toBe(0);
    const parsed = JSON.parse(run.lines.out.join('\n')) as { summary: { created: number; state: string }; total: number; items: Array<{ productCode: string; reason: { figures: { stock: number } } }> };
    expect(parsed.summary).toMatchObject({ state: 'finished', created: 0 });
    expect(parsed.total).toBe(5);
    expect(parsed.items.find((s) => s.productCode === 'P-OVER')!.reason.figures.stock).toBe(480);
  });

  it('list filters by state, kind and store, and refuses an unknown state', async () => {
    const restock = capture();
    expect(await runCli(['node', 'storemas', '--data-dir', dataDir, 'strategies', 'list', '--kind', 'restock', '--store', '01'], restock.output)).toBe(0);
    expect(restock.lines.out.filter((l) => /^\d+\s/.test(l))).toHaveLength(2);
    const none = capture();
    expect(await runCli(['node', 'storemas', '--data-dir', dataDir, 'strategies', 'list', '--state', 'ended'], none.output)).toBe(0);
    expect(none.lines.out).toEqual(['No strategies.']);
    const bad = capture();
    expect(await runCli(['node', 'storemas', '--data-dir', dataDir, 'strategies', 'list', '--state', 'done'], bad.output)).not.toBe(0);
    expect(bad.lines.err.join('\n')).toMatch(/unknown state done/);
  });

  it('rebuild-sales counts the day totals again from the sale lines', async () => {
    const core = await openCore(testConfig(dataDir), { lock: false });
    const kept = await core.services.db('sales_daily').orderBy(['store_code', 'day', 'product_code']);
    expect(kept.length).toBeGreaterThan(50);
    // A mirror in doubt: totals lost and wrong.
    await core.services.db('sales_daily').where('product_code', 'P-OVER').delete();
    await core.services.db('sales_daily').update({ quantity: 0 });
    await core.close();
    const run = capture();
    expect(await runCli(['node', 'storemas', '--data-dir', dataDir, 'strategies', 'rebuild-sales'], run.output)).toBe(0);
    expect(run.lines.out.join('\n')).toMatch(new RegExp(`^Counted ${kept.length} day totals for 5 store × product pairs in [\\d.]+ s\\.$`));
    const after = await openCore(testConfig(dataDir), { lock: false });
    expect(await after.services.db('sales_daily').orderBy(['store_code', 'day', 'product_code'])).toEqual(kept);
    await after.close();
  });
});
