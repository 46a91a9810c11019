import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMessagingCore, type MessagingCore } from '../messaging/outbox/testing.js';
import { seedMirror } from './testing.js';

let t: MessagingCore;
const db = () => t.core.services.db;
const search = (q: string, limit = 5) => t.core.services.smsServices['deps'].products.search(q, limit);
const names = async (q: string) => (await search(q)).matches.map((m) => m.name);

beforeEach(async () => {
  t = await openMessagingCore();
  await seedMirror(db(), t.clock.now());
  await t.core.services.smsServices.refreshProductIndex();
});
afterEach(async () => {
  await t.close();
});

describe('product search for 库存', () => {
  it('finds by barcode and product code first, as typed or in full-width', async () => {
    expect(await search('6900000000801')).toMatchObject({ matchedBy: 'code', total: 1, matches: [{ code: 'P0801', name: '羊肉卷 散装', unit: 'kg' }] });
    expect((await search('p0401')).matches.map((m) => m.code)).toEqual(['P0401']);
    expect((await search('Ｐ０４０１')).matches.map((m) => m.code)).toEqual(['P0401']);
  });

  it('then the exact name, then names containing the words (shortest first), then pinyin initials', async () => {
    expect(await search('有机菠菜')).toMatchObject({ matchedBy: 'name', total: 1 });
    expect(await search('羊肉卷散装')).toMatchObject({ matchedBy: 'name' });
    expect(await names('羊肉卷')).toEqual(['羊肉卷 散装']);
    expect(await search('羊肉卷')).toMatchObject({ matchedBy: 'contains', total: 1 });
    // Contains, traditional characters folded, shortest name first.
    expect(await names('可樂')).toEqual(['可口可乐 2L', '可口可乐 330ml', '百事可乐 330ml']);
    expect(await names('可口可乐')).toEqual(['可口可乐 2L', '可口可乐 330ml']);
    expect(await search('yrj')).toMatchObject({ matchedBy: 'initials', matches: [{ code: 'P0801' }] });
    expect(await names('kkkl')).toEqual(['可口可乐 2L', '可口可乐 330ml']);
    // A single character, including one that only ends a name.
    expect(await names('菜')).toEqual(['有机菠菜']);
    expect(await names('奶')).toEqual(['蒙牛纯牛奶 250ml']);
    expect(await search('榴莲')).toMatchObject({ matchedBy: 'none', total: 0, matches: [] });
    expect(await search('   ')).toMatchObject({ matchedBy: 'none' });
  });

  it('returns at most the limit, with the total', async () => {
    const result = await search('330', 1);
    expect(result.matches).toHaveLength(1);
    expect(result.total).toBe(2);
  });

  it('follows the mirror: a renamed product is found by its new name, a deleted one no more', async () => {
    const later = t.clock.now() + 60_000;
    await db()('products').where('code', 'P0801').update({ name: '内蒙古羔羊肉卷', updated_at: later });
    await db()('products').where('code', 'P1001').update({ deleted_at: later, updated_at: later });
    expect(await t.core.services.smsServices.refreshProductIndex()).toEqual({ indexed: 1, removed: 1 });
    expect(await names('羔羊')).toEqual(['内蒙古羔羊肉卷']);
    expect(await names('散装')).toEqual(['精品肥牛卷 散装']);
    expect(await names('菠菜')).toEqual([]);
    // Nothing changed since: nothing is indexed again.
    expect(await t.core.services.smsServices.refreshProductIndex()).toEqual({ indexed: 0, removed: 0 });
    // The old name's bigrams are gone with it.
    const grams = await db()('product_grams').where('product_id', (await db()('products').where('code', 'P0801').first('id')).id);
    expect(grams.length).toBe([...'内蒙古羔羊肉卷'].length * 2);
  });

  it('reads the query through indexes only (the plans name no full scan of products or grams)', async () => {
    const plans: Array<{ sql: string; bindings: unknown[] }> = [];
    const onQuery = (query: { sql: string; bindings: unknown[] }) => {
      if (/^select/i.test(query.sql)) plans.push(query);
    };
    db().on('query', onQuery);
    await search('可口');
    await search('yrj');
    await search('菜');
    db().off('query', onQuery);
    expect(plans.length).toBeGreaterThan(5);
    for (const { sql, bindings } of plans) {
      const rows = (await db().raw(`EXPLAIN QUERY PLAN ${sql}`, bindings as never[])) as Array<{ detail: string }>;
      for (const row of rows) expect(row.detail, sql).not.toMatch(/^SCAN (products|product_grams|product_search|ps|p)\b(?! USING (COVERING )?INDEX)/);
    }
  });
});
