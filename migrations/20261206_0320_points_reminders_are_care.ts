import type { Knex } from 'knex';

/**
 * A points reminder invites the customer back to the store: it is a
 * commercial text (care), not a transactional notice, so opt-out, consent,
 * quiet hours and the 回T退订 hint apply to it. The starting library's
 * 积分提醒 was seeded as transactional; it is moved to care unless a store
 * has already changed it.
 */
const SEED_BODY = '{称呼}：您的会员卡当前积分{积分}分，可在{门店}服务台兑换礼品，积分年底清零，请及时使用。';

export async function up(knex: Knex): Promise<void> {
  await knex('sms_templates')
    .where({ name: '积分提醒', category: 'points', message_category: 'transactional', body: SEED_BODY, updated_by: 'system' })
    .update({ message_category: 'care' });
}

export async function down(knex: Knex): Promise<void> {
  await knex('sms_templates')
    .where({ name: '积分提醒', category: 'points', message_category: 'care', body: SEED_BODY, updated_by: 'system' })
    .update({ message_category: 'transactional' });
}
