import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex from 'knex';
import { afterAll, expect, it } from 'vitest';
import { migrations } from '../../migrations/index.js';
import { migrateToLatest } from '../db/migrate.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-upgrade-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it('upgrading to one number rule: members keep their data, and the next sync reads every member again', async () => {
  const db = knex({ client: 'sqlite3', connection: { filename: path.join(dir, 'storemas.db') }, useNullAsDefault: true });
  try {
    const before = migrations.findIndex((m) => m.name === '20261206_0400_member_phone_consent');
    await migrateToLatest(db, migrations.slice(0, before));
    const [connection] = (await db('store_connections').insert({ name: 'pos', client: 'sqlite', settings: '{}', created_at: 1, updated_at: 1 }).returning('id')) as Array<{ id: number }>;
    for (const entity of ['members', 'sales']) await db('store_mappings').insert({ connection_id: connection!.id, entity, definition: '{}', watermark: '2026-11-21 10:00:00', updated_at: 1 });
    // An older sync stored a landline as the mobile.
    await db('members').insert({ source: 'pos', source_key: 'V1', name: '张丽', mobile: '+8675583021449', marketing_consent: false, created_at: 1, updated_at: 1 });

    await migrateToLatest(db);
    expect(await db('store_mappings').orderBy('entity').select('entity', 'watermark')).toEqual([
      { entity: 'members', watermark: null },
      { entity: 'sales', watermark: '2026-11-21 10:00:00' },
    ]);
    expect(await db('members').first('name', 'mobile', 'phone', 'marketing_consent', 'pos_marketing_consent', 'marketing_consent_source')).toEqual({
      name: '张丽',
      mobile: '+8675583021449',
      phone: null,
      marketing_consent: 0,
      pos_marketing_consent: null,
      marketing_consent_source: null,
    });
  } finally {
    await db.destroy();
  }
});
