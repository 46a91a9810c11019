import type { Knex } from 'knex';

/**
 * Points expiry (积分有效期), one rule for the store: the POS's own expiry date
 * per member when the mapping reads one (points_expire_on, and points_expiring
 * for how many points expire then), else the store setting `pointsExpiry`.
 *
 * The rule starts as "never" (StoreMAS tells no customer their points expire
 * unless the store says so), except where a points reminder was already set
 * to remind before its own expiry day: that day becomes the store's rule, and
 * the reminders lose their own. The seeded reminder text, where nobody changed
 * it, stops saying 积分年底清零 (the rule, or {到期日期}, says when).
 */
/** The seeds' points reminder claimed 积分年底清零 whatever the store's rule: untouched, it stops claiming. */
const SEED_TEXT = '{称呼}：您的会员卡当前积分{积分}分，可在{门店}服务台兑换礼品，积分年底清零，请及时使用。';
const TEXT_WITHOUT_CLAIM = '{称呼}：您的会员卡当前积分{积分}分，可在{门店}服务台兑换礼品，请及时使用。';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('members', (t) => {
    t.string('points_expire_on', 10).nullable(); // 'YYYY-MM-DD' from the POS
    t.integer('points_expiring').nullable();
    t.index(['points_expire_on']);
  });

  const reminders = (await knex('care_automations').where('kind', 'points').select('id', 'settings', 'updated_at')) as Array<{ id: number; settings: string; updated_at: number | string }>;
  const expiryReminder = reminders
    .map((r) => ({ settings: JSON.parse(r.settings) as { mode?: string; expiry?: { month?: number; day?: number } }, at: Number(r.updated_at) }))
    .filter((r) => r.settings.mode === 'expiry' && r.settings.expiry)
    .sort((a, b) => b.at - a.at)[0];
  const month = expiryReminder?.settings.expiry?.month;
  const day = expiryReminder?.settings.expiry?.day;
  if (Number.isInteger(month) && Number.isInteger(day) && !(await knex('settings').where('key', 'pointsExpiry').first())) {
    await knex('settings').insert({
      key: 'pointsExpiry',
      value: JSON.stringify({ rule: 'annual', month, day, months: 12, usePosDate: true }),
      updated_at: Date.now(),
      updated_by: 'system',
    });
  }
  await knex('care_automations').where({ kind: 'points', text: SEED_TEXT, updated_by: 'system' }).update({ text: TEXT_WITHOUT_CLAIM });
  await knex('sms_templates').where({ name: '积分提醒', body: SEED_TEXT, updated_by: 'system' }).update({ body: TEXT_WITHOUT_CLAIM });
  // The reminders' own expiry day is gone: the store's rule holds it now.
  for (const reminder of reminders) {
    const { expiry: _own, ...settings } = JSON.parse(reminder.settings) as Record<string, unknown>;
    await knex('care_automations').where('id', reminder.id).update({ settings: JSON.stringify(settings) });
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex('care_automations').where({ kind: 'points', text: TEXT_WITHOUT_CLAIM, updated_by: 'system' }).update({ text: SEED_TEXT });
  await knex('sms_templates').where({ name: '积分提醒', body: TEXT_WITHOUT_CLAIM, updated_by: 'system' }).update({ body: SEED_TEXT });
  await knex('settings').where({ key: 'pointsExpiry', updated_by: 'system' }).delete();
  await knex.schema.alterTable('members', (t) => {
    t.dropIndex(['points_expire_on']);
    t.dropColumn('points_expiring');
    t.dropColumn('points_expire_on');
  });
}
