import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knex, { type Knex } from 'knex';
import { afterAll, describe, expect, it } from 'vitest';
import { migrations } from '../../migrations/index.js';
import { migrateToLatest } from '../db/migrate.js';

/** Upgrading to one points expiry rule (migration 20261206_1700): a reminder's own expiry day becomes the store's. */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'storemas-points-expiry-upgrade-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function upgradeWith(file: string, pointsSettings: Record<string, unknown>): Promise<{ setting: unknown; reminder: Record<string, unknown>; texts: string[] }> {
  const db: Knex = knex({ client: 'sqlite3', connection: { filename: path.join(dir, file) }, useNullAsDefault: true });
  try {
    await migrateToLatest(db, migrations.slice(0, migrations.findIndex((m) => m.name === '20261206_1700_points_expiry')));
    await db('care_automations').where('kind', 'points').update({ settings: JSON.stringify(pointsSettings), updated_at: 5 });
    await migrateToLatest(db);
    const row = (await db('settings').where('key', 'pointsExpiry').first()) as { value: string } | undefined;
    const reminder = (await db('care_automations').where('kind', 'points').first()) as { settings: string; text: string };
    const library = (await db('sms_templates').where('name', '积分提醒').first()) as { body: string };
    return { setting: row ? JSON.parse(row.value) : undefined, reminder: JSON.parse(reminder.settings) as Record<string, unknown>, texts: [reminder.text, library.body] };
  } finally {
    await db.destroy();
  }
}

describe('upgrading to the store’s points expiry rule', () => {
  it('a reminder set to remind before its own expiry day hands that day to the store', async () => {
    const { setting, reminder } = await upgradeWith('expiry.db', { mode: 'expiry', minPoints: 500, period: 'quarter', expiry: { month: 6, day: 30 } });
    expect(setting).toEqual({ rule: 'annual', month: 6, day: 30, months: 12, usePosDate: true });
    expect(reminder).toEqual({ mode: 'expiry', minPoints: 500, period: 'quarter' });
  });

  it('a store whose reminder goes by a threshold starts with points that never expire', async () => {
    const { setting, reminder, texts } = await upgradeWith('threshold.db', { mode: 'threshold', minPoints: 1000, period: 'quarter', expiry: { month: 12, day: 31 } });
    expect(setting).toBeUndefined();
    expect(reminder).toEqual({ mode: 'threshold', minPoints: 1000, period: 'quarter' });
    // The seeded texts no longer claim 积分年底清零 for a store whose points do not expire.
    expect(texts).toEqual(['{称呼}：您的会员卡当前积分{积分}分，可在{门店}服务台兑换礼品，请及时使用。', '{称呼}：您的会员卡当前积分{积分}分，可在{门店}服务台兑换礼品，请及时使用。']);
  });
});
